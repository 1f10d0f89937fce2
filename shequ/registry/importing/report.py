"""The downloadable files: the per-row error report and the blank templates (.xlsx and .csv)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.registry.importing.columns import COLUMNS, KIND_LABELS
from shequ.registry.importing.engine import ImportResult
from shequ.registry.importing.readers import INSTRUCTIONS_SHEET

COUNT_LABELS: dict[str, Promise] = {
    "rows": gettext_lazy("数据行"),
    "blank": gettext_lazy("空行（已跳过）"),
    "valid": gettext_lazy("有效行"),
    "refused": gettext_lazy("被拒绝的行"),
    "created": gettext_lazy("新增"),
    "updated": gettext_lazy("更新"),
    "unchanged": gettext_lazy("无变化"),
    "moved": gettext_lazy("换户迁移"),
    "households_created": gettext_lazy("新增户"),
    "households_updated": gettext_lazy("更新户"),
    "buildings_created": gettext_lazy("新增楼栋"),
    "tags_added": gettext_lazy("新增标签"),
    "ids_upgraded": gettext_lazy("15 位号码已升级"),
    "heads_replaced": gettext_lazy("原户主改为“其他”"),
}


def count_rows(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    """(key, label, value) in a stable order, for pages and the CLI."""
    order = list(COUNT_LABELS)
    keys = [k for k in order if k in counts] + sorted(k for k in counts if k not in COUNT_LABELS)
    return [(k, str(COUNT_LABELS.get(k, k)), counts[k]) for k in keys]


def _styled_header(ws: Any, titles: list[str]) -> list[Any]:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    cells = []
    for title in titles:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDDDDD")
        cells.append(cell)
    return cells


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


def template_xlsx(kind: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = str(KIND_LABELS[kind])
    columns = COLUMNS[kind]
    for index, col in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=index, value=col.header)
        cell.font = Font(bold=True, color="B71C1C" if col.required else "000000")
        cell.fill = PatternFill("solid", fgColor="EEEEEE")
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = max(12, len(col.header) * 2 + 4, len(col.example) + 4)
        # Text format for the whole column: Excel must not turn 18-digit numbers into 4.31302E+17.
        ws.column_dimensions[letter].number_format = "@"
    ws.freeze_panes = "A2"
    info = wb.create_sheet(INSTRUCTIONS_SHEET)
    info.append([_("列名"), _("必填"), _("说明"), _("示例"), _("也可使用的列名")])
    for cell in info[1]:
        cell.font = Font(bold=True)
    for col in columns:
        info.append([col.header, _("是") if col.required else "", str(col.help), col.example, "、".join(col.aliases)])
    info.append([])
    info.append([_("提示"), "", _("第一个工作表的第一行是列名；空行会被跳过；请勿使用公式和合并单元格。")])
    for letter, width in zip("ABCDE", (16, 6, 60, 22, 60), strict=True):
        info.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def template_csv(kind: str) -> bytes:
    """UTF-8 with BOM, so that Excel opens the Chinese headers correctly."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow([col.header for col in COLUMNS[kind]])
    return buffer.getvalue().encode("utf-8-sig")
