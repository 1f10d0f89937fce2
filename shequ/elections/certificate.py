"""The results certificate (选举结果报告单 / 当选证书) as PDF, and its download logged as an export.

Chinese text uses reportlab's built-in CID font, as the standards exports do: no font file is shipped.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.core.audit import access_record
from shequ.core.errors import Conflict
from shequ.core.models import AccessLog
from shequ.elections.models import Election, Stage, seat_label
from shequ.elections.selectors.common import election_get
from shequ.elections.selectors.results import elected_list, turnout_percent
from shequ.standards.exports import _pdf_font

READY_STAGES = (Stage.COUNTED, Stage.COMPLETED)


@dataclass
class CertificateFile:
    content: bytes
    filename: str
    content_type: str = "application/pdf"


def certificate_pdf(election: Election) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _pdf_font()
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK", spaceAfter=4)
    title = ParagraphStyle("title", parent=body, fontSize=18, leading=26, alignment=1, spaceAfter=4)
    subtitle = ParagraphStyle("subtitle", parent=body, fontSize=12, leading=18, alignment=1, spaceAfter=10)
    heading = ParagraphStyle("heading", parent=body, fontSize=12, leading=18, spaceBefore=8)
    cell = ParagraphStyle("cell", parent=body, fontSize=9.5, leading=13, spaceAfter=0)

    def p(text: Any, style: ParagraphStyle) -> Paragraph:
        return Paragraph(escape(str(text)), style)

    def table(rows: list[list[Any]], widths: list[float]) -> Table:
        t = Table(rows, colWidths=widths, repeatRows=1)
        t.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, -1), font, 9.5),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]))
        return t

    version = election.policy_version
    story: list[Any] = [
        p(_("选举结果报告单"), title),
        p(election.title, subtitle),
        p(_("社区：%(community)s") % {"community": election.community.name}, body),
        p(_("选举日：%(day)s　选举方式：%(mode)s　第 %(n)s 次选举") % {
            "day": election.election_day.isoformat(), "mode": election.get_mode_display(), "n": election.attempt},
          body),
    ]
    if version is not None:
        story.append(p(_("选举规则：第 %(n)s 版（%(start)s 起施行）") % {
            "n": version.number, "start": version.effective_from.isoformat()}, body))
        story.append(p(_("依据：%(citation)s") % {"citation": version.citation}, body))
    story.append(p(_("投票情况"), heading))
    rows: list[list[Any]] = [[p(h, cell) for h in (_("轮次"), _("登记选民"), _("参加投票"), _("投票率"),
                                                   _("收回选票"), _("无效票"), _("当选票数"))]]
    for r in election.rounds.order_by("number"):
        res = r.result or {}
        if not res:
            continue
        pct = turnout_percent(res)
        rows.append([p(f"{r.number}（{r.get_kind_display()}）", cell), res.get("registered", 0), res.get("voted", 0),
                     f"{pct}%" if pct else "—", res.get("returned", 0), res.get("invalid", 0),
                     res.get("threshold_votes", 0)])
    story.append(table(rows, [34 * mm, 22 * mm, 22 * mm, 20 * mm, 22 * mm, 18 * mm, 22 * mm]))
    story.append(p(_("当选人员"), heading))
    elected = [[p(h, cell) for h in (_("职位"), _("姓名"), _("性别"), _("得票"), _("轮次"))]]
    for c in elected_list(election):
        sex = {"M": _("男"), "F": _("女")}.get(c.sex, "")
        elected.append([p(seat_label(c.seat, election.body), cell), p(c.name, cell), p(sex, cell), c.votes_for,
                        c.round.number])
    if len(elected) == 1:
        elected.append([p(_("无"), cell), "", "", "", ""])
    story.append(table(elected, [34 * mm, 50 * mm, 20 * mm, 28 * mm, 28 * mm]))
    story += [
        Spacer(1, 12 * mm),
        p(_("选举委员会主任（签字）：____________________　　委员（签字）：____________________"), body),
        Spacer(1, 6 * mm),
        p(_("监票人（签字）：____________________　　计票人（签字）：____________________"), body),
        Spacer(1, 6 * mm),
        p(_("社区居民委员会选举委员会（盖章）　　　　年　　月　　日"), body),
    ]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=_("选举结果报告单"), author="Shequ", leftMargin=18 * mm,
                            rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm)
    doc.build(story)
    return buffer.getvalue()


def certificate_download(*, viewer: Any, pk: Any) -> CertificateFile:
    """The certificate of an election the viewer may see, once counted; every download is logged as an export."""
    election = election_get(viewer=viewer, pk=pk)
    if election.stage not in READY_STAGES:
        raise Conflict(_("计票完成后才能打印选举结果报告单。"), code="not_counted")
    content = certificate_pdf(election)
    with transaction.atomic():
        access_record(
            actor=viewer, kind=AccessLog.Kind.EXPORT, entity_type="elections.Election", entity_id=election.pk,
            area_code=election.area_code, reason="选举结果报告单（pdf）", row_count=len(elected_list(election)),
            query={"election": election.pk, "format": "pdf"},
        )
    return CertificateFile(content=content, filename=f"election-{election.pk}-certificate.pdf")
