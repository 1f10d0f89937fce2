"""The downloadable files: the per-row error report (.xlsx, laid out like the registry import's) and the blank
templates (.xlsx with a 填写说明 sheet, and .csv)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.registry.importing.engine import ImportResult
from shequ.registry.importing.readers import INSTRUCTIONS_SHEET
from shequ.registry.importing.report import COUNT_LABELS, _styled_header
from shequ.standards.bulk.columns import COLUMNS, EVALUATION_HEADER, KIND_LABELS, STAFF

EXTRA_COUNT_LABELS: dict[str, Promise] = {"evaluations": gettext_lazy("录入的评议")}
TEMPLATE_EVALUATION_YEARS = 2  # year columns in the staff template: the last two finished years


def count_rows(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    """(key, label, value) in a stable order, for pages and the report."""
    labels = {**COUNT_LABELS, **EXTRA_COUNT_LABELS}
    keys = [k for k in labels if k in counts] + sorted(k for k in counts if k not in labels)
    return [(k, str(labels.get(k, k)), counts[k]) for k in keys]


def write_report(result: ImportResult, path: Path) -> None:
    """Sheet 1: every error (file, row, column, value, reason). Sheet 2: the counts and warnings."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("错误报告"))
    for col, width in zip("ABCDE", (24, 8, 16, 24, 70), strict=True):
        ws.column_dimensions[col].width = width
    ws.append(_styled_header(ws, [_("文件"), _("行"), _("列"), _("值"), _("原因")]))
    for row, column, value, reason in result.iter_errors():
        ws.append([result.filename, int(row) if str(row).isdigit() else row, column, value, reason])
    summary = wb.create_sheet(_("汇总"))
    summary.column_dimensions["A"].width = 24
    summary.column_dimensions["B"].width = 60
    summary.append(_styled_header(summary, [_("项目"), _("数量")]))
    summary.append([_("文件"), result.filename])
    summary.append([_("类型"), str(KIND_LABELS.get(result.kind, result.kind))])
    summary.append([_("方式"), _("试运行（未写入）") if result.dry_run else (
        _("已写入") if result.committed else _("未写入（全部或全不）"))])
    for _key, label, count in count_rows(result.counts):
        summary.append([label, count])
    for warning in result.warnings:
        summary.append([_("提示"), warning])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def template_headers(kind: str, today: dt.date | None = None) -> list[str]:
    headers = [col.header for col in COLUMNS[kind]]
    if kind == STAFF:
        year = (today or dt.date.today()).year
        headers += [EVALUATION_HEADER % {"year": y} for y in range(year - TEMPLATE_EVALUATION_YEARS, year)]
    return headers


def _notes(kind: str, names: dict[str, list[str]]) -> list[str]:
    notes = [
        _("第一个工作表的第一行是列名（也可用英文列名）；红色为必填列；空行会被跳过；请勿使用公式和合并单元格。"),
        _("已登记的记录按识别列更新；留空的选填单元格不会清除已登记的内容。"),
    ]
    if kind == STAFF:
        notes.append(_("评议列的列名为“年份+年评议”，如“2021年评议”，可增删；填 优秀、称职、基本称职 或 不称职；"
                       "只能录入在任年份的评议。"))
    if names.get("rooms"):
        notes.append(_("功能室可填：%(names)s") % {"names": "、".join(names["rooms"])})
    if names.get("unifications"):
        notes.append(_("五统一可填：%(names)s") % {"names": "、".join(names["unifications"])})
    if names.get("plaques"):
        plaques = "、".join(names["plaques"])
        notes.append(_("牌匾可填：%(names)s，其他单位的牌匾写作“其他：单位名称”") % {"names": plaques})
    return notes


def template_xlsx(kind: str, names: dict[str, list[str]] | None = None) -> bytes:
    """`names`: the policy's lists (rooms, unifications, plaques) to print in the instructions, if known."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws: Any = wb.active
    ws.title = str(KIND_LABELS[kind])
    columns = {col.header: col for col in COLUMNS[kind]}
    for index, header in enumerate(template_headers(kind), start=1):
        col = columns.get(header)
        cell = ws.cell(row=1, column=index, value=header)
        cell.font = Font(bold=True, color="B71C1C" if col and col.required else "000000")
        cell.fill = PatternFill("solid", fgColor="EEEEEE")
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = max(12, len(header) * 2 + 4, len(col.example) + 4 if col else 0)
        # Text format: Excel must not turn codes and ID numbers into 4.31302E+11.
        ws.column_dimensions[letter].number_format = "@"
    ws.freeze_panes = "A2"
    info = wb.create_sheet(INSTRUCTIONS_SHEET)
    info.append([_("列名"), _("必填"), _("说明"), _("示例"), _("也可使用的列名")])
    for cell in info[1]:
        cell.font = Font(bold=True)
    for col in COLUMNS[kind]:
        info.append([col.header, _("是") if col.required else "", str(col.help), col.example, "、".join(col.aliases)])
    info.append([])
    for note in _notes(kind, names or {}):
        info.append([_("提示"), "", note])
    for letter, width in zip("ABCDE", (20, 6, 70, 28, 60), strict=True):
        info.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def template_csv(kind: str) -> bytes:
    """UTF-8 with BOM, so that Excel opens the Chinese headers correctly."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(template_headers(kind))
    return buffer.getvalue().encode("utf-8-sig")
