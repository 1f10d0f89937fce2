"""Ballot boxes as a viewer sees them: their state, both entries of their tally sheet side by side, the figures that
differ. The election passed in has already been read through `election_get` (scoped to the viewer)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core.errors import NotFound
from shequ.elections import policies
from shequ.elections.models import (
    BallotBox,
    Candidate,
    CandidateStatus,
    Election,
    Round,
    RoundStatus,
    SeatKind,
    TallySheet,
)

EMPTY, ONE_ENTRY, AGREE, DISAGREE, RECONCILED = "empty", "one_entry", "agree", "disagree", "reconciled"
STATE_LABELS = {
    EMPTY: gettext_lazy("未录入"),
    ONE_ENTRY: gettext_lazy("已录入一次"),
    AGREE: gettext_lazy("两次录入一致，已确认"),
    DISAGREE: gettext_lazy("两次录入不一致"),
    RECONCILED: gettext_lazy("已核对确认"),
}
ACCEPTED = (AGREE, RECONCILED)
FIELD_LABELS = {
    "ballots_issued": gettext_lazy("发出选票"),
    "ballots_returned": gettext_lazy("收回选票"),
    "invalid_ballots": gettext_lazy("无效票"),
}


def open_round(election: Election) -> Round | None:
    """The round being voted: the latest one still open (boxes belong to it)."""
    return election.rounds.filter(status=RoundStatus.OPEN).order_by("-number").first()


def _sheets(box: BallotBox) -> list[TallySheet]:
    return sorted(box.sheets.all(), key=lambda s: s.entry_no)


def _tally(box: BallotBox) -> Any:
    return getattr(box, "tally", None) if hasattr(box, "tally") else None


def box_state(box: BallotBox) -> str:
    tally = _tally(box)
    if tally is not None:
        return RECONCILED if tally.reconciled else AGREE
    return {0: EMPTY, 1: ONE_ENTRY}.get(len(_sheets(box)), DISAGREE)


def _boxes() -> Any:
    return BallotBox.objects.select_related("round", "tally", "created_by").prefetch_related(
        Prefetch("sheets", queryset=TallySheet.objects.select_related("entered_by").order_by("entry_no"))
    )


def _with_state(box: BallotBox) -> BallotBox:
    box.state = box_state(box)  # type: ignore[attr-defined]
    box.state_label = STATE_LABELS[box.state]  # type: ignore[attr-defined]
    return box


def box_list(*, viewer: Any, election: Election, round_: Round | None = None) -> list[BallotBox]:
    """The boxes of `round_` (default: the open round), each with `state` and `state_label`."""
    policies.require_view(viewer, election.area_code)
    round_ = round_ or open_round(election)
    if round_ is None:
        return []
    return [_with_state(b) for b in _boxes().filter(round=round_).order_by("id")]


def box_get(*, viewer: Any, election: Election, pk: Any) -> BallotBox:
    """A box of one of the election's rounds, else NotFound (also for a box of another election)."""
    policies.require_view(viewer, election.area_code)
    try:
        number = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    box = _boxes().filter(round__election=election, pk=number).first()
    if box is None:
        raise NotFound()
    return _with_state(box)


def round_candidates(round_: Round) -> list[Candidate]:
    """The formal candidates in ballot order: director, deputy, member, each by ballot position."""
    rows = Candidate.objects.filter(round=round_, status=CandidateStatus.FORMAL).order_by("position", "id")
    return sorted(rows, key=lambda c: _seat_order(c.seat))


@dataclass
class DiffRow:
    """One line of the side-by-side view: a count (one cell) or a candidate (for/against/abstain)."""

    key: str
    label: str
    seat: str = ""
    first: list[int | None] = field(default_factory=list)
    second: list[int | None] = field(default_factory=list)

    @property
    def differs(self) -> list[bool]:
        return [a != b for a, b in zip(self.first, self.second, strict=True)]

    @property
    def any_differs(self) -> bool:
        return any(self.differs)

    @property
    def cells(self) -> list[tuple[int | None, int | None, bool]]:
        return list(zip(self.first, self.second, self.differs, strict=True))


def _seat_order(seat: str) -> int:
    values = list(SeatKind.values)
    return values.index(seat) if seat in values else len(values)


def sheet_rows(box: BallotBox, candidates: list[Candidate] | None = None) -> list[DiffRow]:
    """Every figure of the box's two entries side by side (None where an entry is missing or lacks it)."""
    sheets = _sheets(box)
    one = sheets[0] if sheets else None
    two = sheets[1] if len(sheets) > 1 else None
    rows = [
        DiffRow(key=f, label=str(FIELD_LABELS[f]),
                first=[getattr(one, f) if one else None], second=[getattr(two, f) if two else None])
        for f in FIELD_LABELS
    ]
    for c in candidates if candidates is not None else round_candidates(box.round):
        a = (one.marks if one else {}).get(str(c.pk)) or [None, None, None]
        b = (two.marks if two else {}).get(str(c.pk)) or [None, None, None]
        rows.append(DiffRow(key=f"marks.{c.pk}", label=c.name, seat=c.seat, first=list(a), second=list(b)))
    seats = sorted({*(one.write_ins if one else {}), *(two.write_ins if two else {})}, key=_seat_order)
    for seat in seats:
        a_names = (one.write_ins if one else {}).get(seat, {})
        b_names = (two.write_ins if two else {}).get(seat, {})
        for name in sorted({*a_names, *b_names}):
            rows.append(DiffRow(key=f"write_ins.{seat}.{name}", label=_("另选他人：%(name)s") % {"name": name},
                                seat=seat, first=[a_names.get(name, 0) if one else None],
                                second=[b_names.get(name, 0) if two else None]))
    return rows


def sheet_diff(box: BallotBox) -> list[DiffRow]:
    """The figures on which the two entries differ ([] when they agree or there are fewer than two)."""
    if len(_sheets(box)) < 2:
        return []
    return [row for row in sheet_rows(box) if row.any_differs]


def sheet_warnings(figures: Any) -> list[str]:
    """Facts the count will judge (not refused on entry): more ballots returned than issued voids the round."""
    issued, returned = getattr(figures, "ballots_issued", None), getattr(figures, "ballots_returned", None)
    if issued is not None and returned is not None and returned > issued:
        return [_("收回选票 %(returned)s 张多于发出选票 %(issued)s 张：按规则本轮投票无效，由计票确认。")
                % {"returned": returned, "issued": issued}]
    return []
