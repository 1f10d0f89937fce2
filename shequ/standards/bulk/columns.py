"""What each bulk kind expects: columns (Chinese headers, English alternatives), vocabularies, header matching.

Columns reuse the registry import's `Column` and header normalisation (full-width → half-width, no spaces, no
parenthesised notes), so "面积（平方米）", "面积(平方米)" and "面积" are one header. The staff kind also takes any
number of year columns ("2021年评议", "2022 评议", "evaluation 2023").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.registry.importing.columns import Column, HeaderError, HeaderMap, _suggest, normalise_header

PREMISES = "premises"
STAFF = "staff"
FUNDS = "funds"
KINDS = (PREMISES, STAFF, FUNDS)
KIND_LABELS: dict[str, Promise] = {
    PREMISES: gettext_lazy("社区服务用房"),
    STAFF: gettext_lazy("社区工作人员"),
    FUNDS: gettext_lazy("经费"),
}

_COMMUNITY = Column(
    "area_code",
    "社区代码",
    True,
    ("社区编码", "社区（村）代码", "村代码", "区划代码", "community_code", "community", "area_code"),
    gettext_lazy("12 位社区（村）代码"),
    "431302001001",
)
_NAMES_HELP = gettext_lazy("多项用“、”“，”或“；”分隔")

PREMISES_COLUMNS: tuple[Column, ...] = (
    _COMMUNITY,
    Column("name", "名称", False, ("用房名称", "name"), gettext_lazy("用房名称，可不填"), "长青社区综合服务中心"),
    Column("address", "地址", True, ("用房地址", "详细地址", "address"),
           gettext_lazy("与社区代码、启用年份一起识别同一处用房；已存在时更新"), "长青路8号"),
    Column("floor_area_m2", "面积（平方米）", True, ("建筑面积", "用房面积", "floor_area_m2", "floor_area", "area_m2"),
           gettext_lazy("建筑面积，单位平方米，最多两位小数"), "620"),
    Column("year_from", "启用年份", True, ("启用年度", "投入使用年份", "year_from", "from_year"),
           gettext_lazy("四位年份，如 2016"), "2016"),
    Column("year_to", "停用年份", False, ("停用年度", "year_to", "to_year"),
           gettext_lazy("仍在使用的留空（含当年）"), ""),
    Column("newly_built", "是否新建", False, ("新建", "新建社区", "newly_built", "new"),
           gettext_lazy("是 或 否；新建社区用房的面积标准更高"), "否"),
    Column("tenure", "产权", False, ("产权性质", "产权类型", "tenure", "ownership"),
           gettext_lazy("自有、租用 或 借用；留空按自有"), "自有"),
    Column("service_centre_m2", "服务中心面积（平方米）", False,
           ("服务中心面积", "service_centre_m2", "service_center_m2", "service_centre"),
           gettext_lazy("社区服务中心的面积；没有服务中心的留空"), "80"),
    Column("rooms", "功能室", False, ("功能室名称", "functional_rooms", "rooms"),
           gettext_lazy("功能室名称，多项用“、”分隔，可在括号中注明面积，如：调解室(20)、警务室"),
           "党群活动室(60)、调解室(20)、警务室"),
    Column("unifications", "五统一已完成项", False, ("五统一", "unifications", "five_unifications"),
           _NAMES_HELP, "社区标识、机构门牌"),
    Column("plaques", "对外牌匾", False, ("牌匾", "对外悬挂牌匾", "plaques"), _NAMES_HELP,
           "社区党组织、社区居民委员会、社区服务中心"),
)

STAFF_COLUMNS: tuple[Column, ...] = (
    _COMMUNITY,
    Column("name", "姓名", True, ("名字", "name", "full_name"),
           gettext_lazy("与社区代码、任职开始一起识别同一任职记录；已存在时更新"), "王小明"),
    Column("id_number", "公民身份号码", False, ("身份证号", "身份证号码", "身份号码", "id_number", "id_card"),
           gettext_lazy("可不填；填写时关联本社区居民信息库中的该居民（请将该列设为文本格式）"), ""),
    Column("position", "职务", True, ("职位", "position", "post"), gettext_lazy("正职、副职、委员 或 工作人员"),
           "正职"),
    Column("committee", "所属班子", True, ("班子", "所属组织", "committee"),
           gettext_lazy("社区党组织、社区居民委员会 或 不属于两委"), "社区居民委员会"),
    Column("start_date", "任职开始", True, ("任职开始日期", "开始日期", "任职日期", "start_date", "start"),
           gettext_lazy("日期，如 2021-01-05、2021/1/5 或 2021年1月5日"), "2021-01-05"),
    Column("end_date", "任职结束", False, ("任职结束日期", "结束日期", "离任日期", "end_date", "end"),
           gettext_lazy("仍在任的留空"), ""),
    Column("monthly_base_pay", "月基本报酬（元）", True, ("月基本报酬", "基本报酬", "monthly_base_pay", "base_pay"),
           gettext_lazy("每月基本报酬，单位元"), "1500"),
)

FUNDS_COLUMNS: tuple[Column, ...] = (
    _COMMUNITY,
    Column("year", "年度", True, ("年份", "year"), gettext_lazy("四位年份，如 2024"), "2024"),
    Column("category", "类别", True, ("经费类别", "category", "kind"), gettext_lazy("运转经费 或 惠民项目资金"),
           "运转经费"),
    Column("source", "来源", False, ("经费来源", "资金来源", "source"),
           gettext_lazy("运转经费必填：市级财政、区县财政、街道（乡镇）或 其他来源；惠民项目资金留空"), "区县财政"),
    Column("project", "项目名称", False, ("项目", "project", "project_name"),
           gettext_lazy("惠民项目资金必填；运转经费留空"), ""),
    Column("amount", "金额（元）", True, ("金额", "amount"), gettext_lazy("单位元，最多两位小数"), "200000"),
    Column("received_on", "到账日期", False, ("到账时间", "received_on", "received"),
           gettext_lazy("运转经费可填；日期格式同上"), "2024-03-15"),
    Column("note", "备注", False, ("说明", "note", "remark"), gettext_lazy("可不填"), ""),
)

COLUMNS: dict[str, tuple[Column, ...]] = {PREMISES: PREMISES_COLUMNS, STAFF: STAFF_COLUMNS, FUNDS: FUNDS_COLUMNS}

# "2021年评议", "2021 评议", "2021年民主评议", "2021年评议结果", "evaluation 2021", "2021 rating"
_YEAR_COLUMN = re.compile(
    r"^(?:(\d{4})年?(?:度)?(?:民主)?评议(?:结果)?|(?:evaluation|rating)(\d{4})|(\d{4})(?:evaluation|rating))$"
)
EVALUATION_HEADER = "%(year)d年评议"  # the template's header for a year column (data, not a UI string)
EVAL_PREFIX = "eval_"


def evaluation_year(cell: object) -> int | None:
    match = _YEAR_COLUMN.match(normalise_header(cell))
    if not match:
        return None
    return int(next(g for g in match.groups() if g))


def _vocab(pairs: dict[str, str]) -> dict[str, str]:
    return {normalise_header(k): v for k, v in pairs.items()}


YES_NO = _vocab({
    "是": "1", "否": "0", "新建": "1", "非新建": "0", "不是": "0", "y": "1", "n": "0", "yes": "1", "no": "0",
    "true": "1", "false": "0", "1": "1", "0": "0", "√": "1", "×": "0",
})
TENURE = _vocab({
    "自有": "owned", "自建": "owned", "自购": "owned", "产权自有": "owned", "租用": "rented", "租赁": "rented",
    "借用": "lent", "无偿借用": "lent", "owned": "owned", "rented": "rented", "lent": "lent", "own": "owned",
    "rent": "rented", "borrowed": "lent",
})
POSITION = _vocab({
    "正职": "director", "主任": "director", "书记": "director", "书记兼主任": "director", "副职": "deputy",
    "副主任": "deputy", "副书记": "deputy", "委员": "member", "工作人员": "worker", "社区工作者": "worker",
    "专职工作人员": "worker", "director": "director", "deputy": "deputy", "member": "member", "worker": "worker",
    "staff": "worker",
})
COMMITTEE = _vocab({
    "社区党组织": "party", "党组织": "party", "党委": "party", "党总支": "party", "党支部": "party",
    "社区居民委员会": "residents", "居民委员会": "residents", "居委会": "residents", "不属于两委": "none",
    "非两委": "none", "无": "none", "party": "party", "residents": "residents", "none": "none",
})
RATING = _vocab({
    "优秀": "excellent", "称职": "competent", "基本称职": "basic", "不称职": "incompetent",
    "excellent": "excellent", "competent": "competent", "basic": "basic", "basicallycompetent": "basic",
    "incompetent": "incompetent",
})
OPERATING, PROJECT = "operating", "project"
CATEGORY = _vocab({
    "运转经费": OPERATING, "社区运转经费": OPERATING, "惠民项目资金": PROJECT, "惠民项目": PROJECT,
    "项目资金": PROJECT, "惠民资金": PROJECT, "operating": OPERATING, "operatingfund": OPERATING,
    "project": PROJECT, "projectfund": PROJECT,
})
SOURCE = _vocab({
    "市级财政": "city", "市级": "city", "市财政": "city", "区县财政": "district", "区县": "district",
    "区级财政": "district", "县级财政": "district", "县财政": "district", "区财政": "district",
    "街道（乡镇）": "subdistrict", "街道": "subdistrict", "乡镇": "subdistrict", "其他来源": "other", "其他": "other",
    "其它": "other", "city": "city", "district": "district", "subdistrict": "subdistrict", "other": "other",
})


def _lookup(columns: tuple[Column, ...]) -> dict[str, str]:
    return {normalise_header(name): col.key for col in columns for name in col.names()}


def recognised_count(kind: str, cells: list[str]) -> int:
    lookup = _lookup(COLUMNS[kind])
    found = {lookup[n] for n in (normalise_header(c) for c in cells) if n in lookup}
    return len(found) + sum(1 for c in cells if kind == STAFF and evaluation_year(c))


@dataclass
class BulkHeader(HeaderMap):
    """The registry's HeaderMap, plus the staff kind's year columns (key "eval_<year>" → year)."""

    years: dict[str, int] = field(default_factory=dict)


def match_headers(kind: str, cells: list[str]) -> BulkHeader:
    """Like the registry's match_headers, over this kind's columns (and the staff kind's year columns).
    A missing required column or two columns for one field is a file-level error naming them."""
    columns = COLUMNS[kind]
    lookup = _lookup(columns)
    positions: dict[str, int] = {}
    years: dict[str, int] = {}
    duplicates: list[str] = []
    unknown: list[str] = []
    header_of = {c.key: c.header for c in columns}
    for index, cell in enumerate(cells):
        norm = normalise_header(cell)
        if not norm:
            continue
        year = evaluation_year(cell) if kind == STAFF else None
        key = f"{EVAL_PREFIX}{year}" if year else lookup.get(norm)
        if key is None:
            unknown.append(cell)
        elif key in positions:
            duplicates.append(_("“%(a)s”和“%(b)s”都对应“%(col)s”列") % {
                "a": cells[positions[key]], "b": cell, "col": header_of.get(key, cell)})
        else:
            positions[key] = index
            if year:
                years[key] = year
                header_of[key] = EVALUATION_HEADER % {"year": year}
    missing = [c for c in columns if c.required and c.key not in positions]
    if missing or duplicates:
        parts: list[str] = []
        suggestions: dict[str, str] = {}
        for col in missing:
            hint = _suggest(col, unknown)
            if hint:
                suggestions[col.header] = hint
                parts.append(_("缺少必填列“%(col)s”（文件中的“%(hint)s”是否就是此列？请改为“%(col)s”）")
                             % {"col": col.header, "hint": hint})
            else:
                parts.append(_("缺少必填列“%(col)s”") % {"col": col.header})
        parts.extend(duplicates)
        raise HeaderError("；".join(parts), {
            "missing": [c.header for c in missing], "duplicates": duplicates, "suggestions": suggestions,
            "found": [c for c in cells if normalise_header(c)],
        })
    warnings = []
    optional = [c for c in columns if c.key not in positions]
    for text in unknown:
        hint = next((c.header for c in optional if _suggest(c, [text])), "")
        if hint:
            warnings.append(_("未识别的列“%(col)s”已忽略（是否应为“%(hint)s”？）") % {"col": text, "hint": hint})
        else:
            warnings.append(_("未识别的列“%(col)s”已忽略") % {"col": text})
    return BulkHeader(
        positions=positions,
        headers=[str(c or "").strip() for c in cells],
        warnings=warnings,
        defaults=header_of,
        years=years,
    )
