"""Paper tally sheets (计票单), entered twice by two different users; a box counts when the two entries agree, or
once the committee has re-checked the paper sheet and recorded the correct figures (核对).

Ballots returned beyond ballots issued are not refused here: they are a fact of the vote that makes the round
void, and the count (elections.services.results) decides that.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core.errors import Conflict, ValidationFailed
from shequ.elections.models import (
    BallotBox,
    BoxTally,
    Candidate,
    CandidateStatus,
    SeatKind,
    Stage,
    TallySheet,
    seat_label,
)
from shequ.elections.selectors.common import registered_count
from shequ.elections.services.boxes import require_round_open
from shequ.elections.services.common import locked, record, require_stage

COUNT_FIELDS = ("ballots_issued", "ballots_returned", "invalid_ballots")
FIGURE_FIELDS = (*COUNT_FIELDS, "marks", "write_ins")
FIELD_LABELS = {
    "ballots_issued": gettext_lazy("发出选票"),
    "ballots_returned": gettext_lazy("收回选票"),
    "invalid_ballots": gettext_lazy("无效票"),
}
MARK_LABELS = (gettext_lazy("赞成"), gettext_lazy("反对"), gettext_lazy("弃权"))


def _int(value: Any) -> int | None:
    """A count ≥ 0 (an int, or digits as sent by a form); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def figures_of(row: TallySheet | BoxTally) -> dict[str, Any]:
    return {f: getattr(row, f) for f in FIGURE_FIELDS}


def formal_of(box: BallotBox) -> list[Candidate]:
    return list(Candidate.objects.filter(round_id=box.round_id, status=CandidateStatus.FORMAL)
                .order_by("seat", "position", "id"))


class _Errors:
    def __init__(self) -> None:
        self.details: dict[str, list[str]] = {}

    def add(self, key: str, message: str) -> None:
        self.details.setdefault(key, []).append(message)

    def raise_any(self) -> None:
        if self.details:
            first = next(iter(self.details.values()))[0]
            raise ValidationFailed(first, details=self.details)


def _marks(box: BallotBox, marks: Any, valid: int, errors: _Errors) -> tuple[dict[str, list[int]], dict[str, int]]:
    """Normalised marks {"<id>": [for, against, abstain]} and the "for" votes per seat kind."""
    candidates = formal_of(box)
    by_id = {c.pk: c for c in candidates}
    if not isinstance(marks, dict):
        errors.add("marks", _("候选人票数须按候选人逐一填写。"))
        return {}, {}
    given: dict[int, Any] = {}
    for key, value in marks.items():
        text = str(key).strip()
        if not text.isdigit() or int(text) not in by_id:
            errors.add("marks", _("编号为 %(id)s 的候选人不是本轮的正式候选人。") % {"id": text[:20]})
            continue
        given[int(text)] = value
    out: dict[str, list[int]] = {}
    seat_for: dict[str, int] = {}
    for c in candidates:
        key = f"marks.{c.pk}"
        if c.pk not in given:
            errors.add(key, _("缺少候选人 %(name)s 的票数。") % {"name": c.name})
            continue
        raw = given[c.pk]
        triple = [_int(v) for v in raw] if isinstance(raw, (list, tuple)) and len(raw) == 3 else [None]
        if any(v is None for v in triple):
            errors.add(key, _("候选人 %(name)s 的赞成、反对、弃权票数须为三个不小于 0 的整数。") % {"name": c.name})
            continue
        numbers = [int(v or 0) for v in triple]
        if sum(numbers) > valid:
            errors.add(key, _("候选人 %(name)s 的赞成、反对、弃权票合计 %(total)s 张，多于有效票 %(valid)s 张。")
                       % {"name": c.name, "total": sum(numbers), "valid": valid})
        out[str(c.pk)] = numbers
        seat_for[c.seat] = seat_for.get(c.seat, 0) + numbers[0]
    return out, seat_for


def _write_ins(box: BallotBox, write_ins: Any, valid: int, errors: _Errors) -> dict[str, dict[str, int]]:
    if write_ins in (None, ""):
        return {}
    if not isinstance(write_ins, dict):
        errors.add("write_ins", _("另选他人须按职位填写姓名和票数。"))
        return {}
    seats = box.round.seats or {}
    out: dict[str, dict[str, int]] = {}
    for seat, names in write_ins.items():
        if seat not in SeatKind.values or not seats.get(seat):
            errors.add("write_ins", _("本轮不选举“%(seat)s”，不能另选他人。") % {"seat": str(seat)[:20]})
            continue
        label = seat_label(seat, box.round.election.body)
        key = f"write_ins.{seat}"
        if not isinstance(names, dict):
            errors.add(key, _("另选他人（%(seat)s）须填写姓名和票数。") % {"seat": label})
            continue
        entry: dict[str, int] = {}
        for raw_name, raw_votes in names.items():
            name = str(raw_name or "").strip()
            votes = _int(raw_votes)
            if not name:
                errors.add(key, _("另选他人（%(seat)s）须填写姓名。") % {"seat": label})
            elif len(name) > 64:
                errors.add(key, _("另选他人（%(seat)s）的姓名过长。") % {"seat": label})
            elif votes is None:
                errors.add(key, _("另选他人（%(seat)s）%(name)s 的票数须为不小于 0 的整数。")
                           % {"seat": label, "name": name})
            elif name in entry:
                errors.add(key, _("另选他人（%(seat)s）%(name)s 填写了两次。") % {"seat": label, "name": name})
            elif votes > valid:
                errors.add(key, _("另选他人（%(seat)s）%(name)s 得 %(votes)s 票，多于有效票 %(valid)s 张。")
                           % {"seat": label, "name": name, "votes": votes, "valid": valid})
            elif votes:
                entry[name] = votes
        if entry:
            out[seat] = entry
    return out


def check_figures(
    *, box: BallotBox, ballots_issued: Any, ballots_returned: Any, invalid_ballots: Any, marks: Any,
    write_ins: Any = None,
) -> dict[str, Any]:
    """The figures of a sheet, normalised, or ValidationFailed naming every field or candidate in error."""
    errors = _Errors()
    counts: dict[str, int] = {}
    for field, value in zip(COUNT_FIELDS, (ballots_issued, ballots_returned, invalid_ballots), strict=True):
        number = _int(value)
        if number is None:
            errors.add(field, _("“%(field)s”须为不小于 0 的整数。") % {"field": FIELD_LABELS[field]})
        else:
            counts[field] = number
    errors.raise_any()
    returned, bad = counts["ballots_returned"], counts["invalid_ballots"]
    if bad > returned:
        errors.add("invalid_ballots", _("无效票 %(invalid)s 张，不能多于收回选票 %(returned)s 张。")
                   % {"invalid": bad, "returned": returned})
    if box.voters_assigned is not None and returned > box.voters_assigned:
        errors.add("ballots_returned", _("收回选票 %(returned)s 张，多于本票箱对应的选民 %(voters)s 人。")
                   % {"returned": returned, "voters": box.voters_assigned})
    registered = registered_count(box.round.election)
    if returned > registered:
        errors.add("ballots_returned", _("收回选票 %(returned)s 张，多于选民名单上的选民 %(voters)s 人。")
                   % {"returned": returned, "voters": registered})
    valid = max(returned - bad, 0)
    normal_marks, seat_for = _marks(box, marks, valid, errors)
    normal_write_ins = _write_ins(box, write_ins, valid, errors)
    for seat, seats in (box.round.seats or {}).items():
        total = seat_for.get(seat, 0) + sum(normal_write_ins.get(seat, {}).values())
        if seats and total > valid * int(seats):
            message = _("%(seat)s赞成票与另选他人票合计 %(total)s 票，超过有效票 %(valid)s 张×应选职数 %(seats)s。")
            errors.add(f"seat.{seat}", message % {"seat": seat_label(seat, box.round.election.body), "total": total,
                                                  "valid": valid, "seats": seats})
    errors.raise_any()
    return {**counts, "marks": normal_marks, "write_ins": normal_write_ins}


def _locked_box(box: BallotBox, actor: Any) -> BallotBox:
    locked(box.round.election, actor)
    row = BallotBox.objects.select_for_update().select_related("round", "round__election").get(pk=box.pk)
    require_stage(row.round.election, [Stage.VOTING])
    require_round_open(row.round)
    return row


@transaction.atomic
def sheet_enter(
    *, actor: Any, box: BallotBox, ballots_issued: Any, ballots_returned: Any, invalid_ballots: Any, marks: Any,
    write_ins: Any = None, on: dt.date | None = None,
) -> TallySheet:
    """Entry 1 or 2 of the box's tally sheet, or a correction of the actor's own entry; when both entries exist
    and agree the box's tally is accepted from them."""
    box = _locked_box(box, actor)
    election = box.round.election
    if BoxTally.objects.filter(box=box).exists():
        raise Conflict(_("票箱“%(name)s”的计票结果已确认，不能再修改录入。") % {"name": box.name}, code="box_accepted")
    sheets = list(box.sheets.all())
    mine = next((s for s in sheets if s.entered_by_id == actor.pk), None)
    if mine is None and len(sheets) >= 2:
        raise Conflict(_("票箱“%(name)s”的两次录入已由其他人完成。") % {"name": box.name}, code="entries_complete")
    figures = check_figures(box=box, ballots_issued=ballots_issued, ballots_returned=ballots_returned,
                            invalid_ballots=invalid_ballots, marks=marks, write_ins=write_ins)
    if mine is not None:
        before = figures_of(mine)
        for field, value in figures.items():
            setattr(mine, field, value)
        mine.save(update_fields=[*FIGURE_FIELDS, "entered_at"])
        sheet, action = mine, "update"
        changes = {f: [before[f], figures[f]] for f in FIGURE_FIELDS if before[f] != figures[f]}
    else:
        entry_no = 2 if any(s.entry_no == 1 for s in sheets) else 1
        sheet = TallySheet.objects.create(box=box, entry_no=entry_no, entered_by=actor, **figures)
        action, changes = "create", dict(figures)
    record(actor=actor, election=election, action=action, entity="elections.TallySheet", entity_id=sheet.pk,
           changes={"box": box.pk, "entry_no": sheet.entry_no, **changes},
           summary=_("票箱“%(name)s”第 %(n)s 次录入") % {"name": box.name, "n": sheet.entry_no})
    other = next((s for s in sheets if s.pk != sheet.pk), None)
    if other is not None and figures_of(other) == figures:
        tally = BoxTally.objects.create(box=box, reconciled=False, **figures)
        record(actor=actor, election=election, action="accept", entity="elections.BoxTally", entity_id=tally.pk,
               changes={"box": box.pk, "reconciled": False},
               summary=_("票箱“%(name)s”两次录入一致，计票结果确认") % {"name": box.name})
    return sheet


@transaction.atomic
def box_reconcile(
    *, actor: Any, box: BallotBox, ballots_issued: Any, ballots_returned: Any, invalid_ballots: Any, marks: Any,
    write_ins: Any = None, note: str = "", on: dt.date | None = None,
) -> BoxTally:
    """The committee's figures for a box whose two entries disagree, after re-checking the paper sheet; both entries
    are kept for the record."""
    box = _locked_box(box, actor)
    election = box.round.election
    sheets = list(box.sheets.all())
    if len(sheets) < 2:
        raise Conflict(_("票箱“%(name)s”还没有两次录入，不能核对。") % {"name": box.name}, code="entries_missing")
    if figures_of(sheets[0]) == figures_of(sheets[1]):
        raise Conflict(_("票箱“%(name)s”的两次录入一致，无需核对。") % {"name": box.name}, code="nothing_to_reconcile")
    note = str(note or "").strip()
    note_message = _("请填写核对说明：核对了哪张纸质计票单、以哪些数字为准。")
    try:
        figures = check_figures(box=box, ballots_issued=ballots_issued, ballots_returned=ballots_returned,
                                invalid_ballots=invalid_ballots, marks=marks, write_ins=write_ins)
    except ValidationFailed as exc:
        if not note and isinstance(exc.details, dict):
            exc.details.setdefault("note", [note_message])
        raise
    if not note:
        raise ValidationFailed(note_message, details={"note": [note_message]})
    tally = BoxTally.objects.filter(box=box).first()
    before = figures_of(tally) if tally is not None else None
    if tally is None:
        tally = BoxTally(box=box)
    for field, value in figures.items():
        setattr(tally, field, value)
    tally.reconciled, tally.reconciled_by, tally.note = True, actor, note
    tally.save()
    record(actor=actor, election=election, action="reconcile", entity="elections.BoxTally", entity_id=tally.pk,
           changes={"box": box.pk, "before": before, "after": figures, "note": note,
                    "entries": {s.entry_no: s.entered_by_id for s in sheets}},
           summary=_("票箱“%(name)s”核对后确认计票结果") % {"name": box.name})
    return tally
