"""Files and runs for the bulk tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shequ.registry.importing.engine import ImportResult
from shequ.registry.importing.testing import write_csv, write_xlsx
from shequ.standards.bulk.engine import run_bulk

C1 = "431302001001"  # world.community (central urban)
C_B = "431302001002"  # world.community_b
C2 = "431381001001"  # world.community2 (another district)

PREMISES_HEADER = ["社区代码", "名称", "地址", "面积（平方米）", "启用年份", "停用年份", "是否新建", "产权",
                   "服务中心面积（平方米）", "功能室", "五统一已完成项", "对外牌匾"]
STAFF_HEADER = ["社区代码", "姓名", "公民身份号码", "职务", "所属班子", "任职开始", "任职结束", "月基本报酬（元）",
                "2021年评议", "2022年评议"]
FUNDS_HEADER = ["社区代码", "年度", "类别", "来源", "项目名称", "金额（元）", "到账日期", "备注"]
HEADERS = {"premises": PREMISES_HEADER, "staff": STAFF_HEADER, "funds": FUNDS_HEADER}


def premises_row(code: str = C1, *, name: str = "长青社区服务中心", address: str = "长青路8号", area: Any = "620",
                 year_from: Any = "2016", year_to: Any = "", new: str = "否", tenure: str = "自有",
                 centre: Any = "80", rooms: str = "党群活动室(60)、调解室(20)、警务室",
                 unifications: str = "社区标识、机构门牌",
                 plaques: str = "社区党组织、社区居民委员会、社区服务中心") -> list[Any]:
    return [code, name, address, area, year_from, year_to, new, tenure, centre, rooms, unifications, plaques]


def staff_row(code: str = C1, *, name: str = "张三", id_number: str = "", position: str = "正职",
              committee: str = "社区居民委员会", start: Any = "2020-01-05", end: Any = "", pay: Any = "1500",
              r2021: str = "称职", r2022: str = "优秀") -> list[Any]:
    return [code, name, id_number, position, committee, start, end, pay, r2021, r2022]


def fund_row(code: str = C1, *, year: Any = "2023", category: str = "运转经费", source: str = "区县财政",
             project: str = "", amount: Any = "200000", received: Any = "2023-03-15", note: str = "") -> list[Any]:
    return [code, year, category, source, project, amount, received, note]


def write(tmp_path: Path, kind: str, rows: list[list[Any]], *, fmt: str = "csv", name: str = "",
          header: list[str] | None = None, encoding: str = "utf-8") -> Path:
    path = tmp_path / (name or f"{kind}.{fmt}")
    if fmt == "csv":
        return write_csv(path, rows, encoding=encoding, header=header or HEADERS[kind])
    return write_xlsx(path, rows, header=header or HEADERS[kind])


def run(actor: Any, kind: str, path: Path, *, dry_run: bool = False, all_or_nothing: bool = False) -> ImportResult:
    result = run_bulk(kind=kind, path=path, filename=path.name, actor=actor, dry_run=dry_run,
                      all_or_nothing=all_or_nothing)
    result.discard_spool()
    return result


def reasons(result: ImportResult) -> list[tuple[int, str, str, str]]:
    return [(e["row"], e["column"], e["value"], e["reason"]) for e in result.errors]
