"""Compliance exports: an .xlsx workbook (per-rule summary, child areas, every community × rule) and a PDF
(the problems report and the summary table). Each export is written to the access log (kind "export"): the
detail sheet names communities and, for base pay, the committee members paid below the standard."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.areas.models import Area, CommunityKind
from shequ.core.audit import access_record
from shequ.core.models import AccessLog
from shequ.standards import selectors
from shequ.standards.models import ComplianceStatus
from shequ.standards.problems import Report, detail_lines, num, problems_report
from shequ.standards.selectors import RULE_BY_CODE, UNITS

PDF_FONT = "STSong-Light"  # one of reportlab's built-in CID fonts: Chinese without shipping a font file


@dataclass
class ExportFile:
    content: bytes
    filename: str
    content_type: str
    row_count: int
    pages: int = 0


def _log(*, actor: Any, area: Area, year: int | None, kind: str, fmt: str, rows: int) -> None:
    with transaction.atomic():
        access_record(
            actor=actor,
            kind=AccessLog.Kind.EXPORT,
            entity_type="compliance_result",
            area_code=area.code,
            reason=f"达标情况导出（{fmt}）",  # recorded as data, like a reason typed in a form
            row_count=rows,
            query={"area": area.code, "year": year, "kind": kind, "format": fmt},
        )


def _kind_label(kind: str) -> str:
    return str(CommunityKind(kind).label) if kind in CommunityKind.values else kind


def _unit(rule: str, gap: bool = False) -> str:
    info = RULE_BY_CODE.get(rule)
    return str(UNITS.get(info.gap_unit if gap else info.unit, "")) if info else ""


# --- xlsx ---------------------------------------------------------------------------------------------------


def compliance_export_xlsx(*, actor: Any, area: Area, year: int | None = None, kind: str = "") -> ExportFile:
    from openpyxl import Workbook

    summary = selectors.compliance_summary(viewer=actor, area=area, year=year, kind=kind)
    year = summary.year
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("汇总"))
    title = _("%(area)s %(year)s 年社区建设达标情况") % {"area": area.name, "year": year or "—"}
    sheet.append([title])
    if kind:
        sheet.append([_("社区类别"), _kind_label(kind)])
    sheet.append([_("社区（村）数"), summary.communities])
    sheet.append([])
    sheet.append([_("标准"), _("达标"), _("未达标"), _("无数据"), _("达标率（%）"), _("缺口合计"), _("单位")])
    for rule, t in summary.rules:
        sheet.append([str(rule.label), t.meets, t.short, t.no_data, t.rate, t.gap, _unit(rule.code, gap=True)])
    sheet.append(
        [_("合计（项次）"), summary.total.meets, summary.total.short, summary.total.no_data, summary.total.rate]
    )

    if summary.children:
        children = book.create_sheet(_("下级区域"))
        rules = [r for r, _t in summary.rules]
        children.append([_("区划代码"), _("名称"), _("综合达标率（%）"), *[str(r.label) for r in rules]])
        for child in summary.children:
            children.append(
                [
                    child.area.code,
                    child.area.name,
                    child.total.rate,
                    *[(child.rules[r.code].rate if r.code in child.rules else None) for r in rules],
                ]
            )

    detail = book.create_sheet(_("明细"))
    detail.append(
        [
            _("区划代码"),
            _("社区（村）"),
            _("街道（乡镇）"),
            _("社区类别"),
            _("年度"),
            _("标准"),
            _("结果"),
            _("实际"),
            _("标准值"),
            _("单位"),
            _("差距"),
            _("差距单位"),
            _("政策版本"),
            _("依据文件"),
            _("说明"),
        ]
    )
    rows = 0
    if year is not None:
        qs = (
            selectors.compliance_results(viewer=actor, area_code=area.code, year=year, kind=kind)
            .order_by("area_code", "rule")
            .values(
                "area_code", "community__name", "community__parent__name", "community_kind", "year", "rule",
                "status", "measured", "threshold", "gap", "policy_version__policy_set__name",
                "policy_version__number", "policy_version__citation", "detail",
            )
        )  # fmt: skip
        statuses = dict(ComplianceStatus.choices)
        for row in qs.iterator(chunk_size=2000):
            code, number = row["rule"], row["policy_version__number"]
            info = RULE_BY_CODE.get(code)
            version = _("%(set)s 第 %(n)s 版") % {"set": row["policy_version__policy_set__name"], "n": number}
            detail.append([
                row["area_code"], row["community__name"], row["community__parent__name"] or "",
                _kind_label(row["community_kind"]), row["year"], str(info.label) if info else code,
                str(statuses.get(row["status"], row["status"])), row["measured"], row["threshold"], _unit(code),
                row["gap"], _unit(code, gap=True), version if number else "", row["policy_version__citation"] or "",
                "；".join(f"{k}：{v}" for k, v in detail_lines(row["detail"])),
            ])  # fmt: skip
            rows += 1
    buffer = io.BytesIO()
    book.save(buffer)
    _log(actor=actor, area=area, year=year, kind=kind, fmt="xlsx", rows=rows)
    return ExportFile(
        content=buffer.getvalue(),
        filename=f"compliance-{area.code}-{year or 'none'}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        row_count=rows,
    )


# --- pdf ----------------------------------------------------------------------------------------------------


def _pdf_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    return PDF_FONT


def report_pdf(report: Report) -> tuple[bytes, int]:
    """The report as PDF bytes, and its number of pages."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _pdf_font()
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK", spaceAfter=4)
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=22, alignment=1, spaceAfter=10)
    heading = ParagraphStyle("heading", parent=body, fontSize=12, leading=18, spaceBefore=6)
    cell = ParagraphStyle("cell", parent=body, fontSize=9, leading=12, spaceAfter=0)
    line = ParagraphStyle("line", parent=body, leftIndent=8 * mm, fontSize=9.5, leading=14)

    def p(text: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(escape(str(text)), style)

    story: list[Any] = [p(report.title, title), p(report.intro, body)]
    for para in report.paragraphs:
        story.append(p(f"{para.number}{para.heading}", heading))
        story.append(p(para.text, body))
        for ln in para.lines:
            names = _("、").join(ln.names) + (_("等（另有 %(n)s 个）") % {"n": num(ln.more)} if ln.more else "")
            prefix = _("%(area)s %(n)s 个：") % {"area": ln.area.name, "n": num(ln.count)} if ln.area else ""
            story.append(p(prefix + names, line))
    if report.closing:
        story.append(p(report.closing, body))
    story += [Spacer(1, 6 * mm), p(_("达标情况汇总"), heading)]
    rows: list[list[Any]] = [
        [p(h, cell) for h in (_("标准"), _("达标"), _("未达标"), _("无数据"), _("达标率"), _("缺口合计"))]
    ]
    for rule, t in report.summary:
        rate = f"{t.rate:.1f}%" if t.rate is not None else "—"
        gap = f"{num(t.gap)} {UNITS.get(rule.gap_unit, '')}" if t.short else "—"
        rows.append([p(rule.label, cell), num(t.meets), num(t.short), num(t.no_data), rate, p(gap, cell)])
    table = Table(rows, colWidths=[48 * mm, 20 * mm, 20 * mm, 20 * mm, 22 * mm, 40 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 9),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            ]
        )
    )
    story.append(table)

    pages = {"n": 0}

    def footer(canvas: Any, doc: Any) -> None:
        pages["n"] += 1
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, _("第 %(n)s 页") % {"n": doc.page})
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=report.title,
        author="Shequ",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue(), pages["n"]


def compliance_export_pdf(*, actor: Any, area: Area, year: int | None = None, kind: str = "") -> ExportFile:
    report = problems_report(viewer=actor, area=area, year=year, kind=kind)
    content, pages = report_pdf(report)
    rows = sum(t.total for _r, t in report.summary)
    _log(actor=actor, area=area, year=report.year, kind=kind, fmt="pdf", rows=rows)
    return ExportFile(
        content=content,
        filename=f"compliance-problems-{area.code}-{report.year or 'none'}.pdf",
        content_type="application/pdf",
        row_count=rows,
        pages=pages,
    )
