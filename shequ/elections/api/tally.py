"""/api/v1/elections/{id}/voting/open and /boxes: open the vote, ballot boxes (list, create, delete, read with both
entries and their differences), tally sheet entries and the committee's reconciliation.

Thin: parse → selector/service → serialise. An election outside the caller's scope answers 404; a caller who may
only read gets 403 on writes; errors come in the one {code, message, details} shape."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from shequ.elections.models import BallotBox, BoxKind, TallySheet
from shequ.elections.selectors.common import election_get
from shequ.elections.selectors.tally import DiffRow, box_get, box_list, sheet_diff, sheet_warnings
from shequ.elections.services.boxes import box_create, box_delete
from shequ.elections.services.tally import box_reconcile, sheet_enter
from shequ.elections.services.voting import voting_open

router = Router(tags=["elections"])


class StageOut(Schema):
    id: int
    stage: str


class FiguresIn(Schema):
    ballots_issued: int
    ballots_returned: int
    invalid_ballots: int
    marks: dict[str, list[int]] = Field(description='{"<candidate id>": [for, against, abstain]}, every formal '
                                                    "candidate of the round")
    write_ins: dict[str, dict[str, int]] = Field(default_factory=dict,
                                                 description='另选他人: {"<seat>": {"<name>": votes}}')


class ReconcileIn(FiguresIn):
    note: str


class FiguresOut(Schema):
    ballots_issued: int
    ballots_returned: int
    invalid_ballots: int
    marks: dict[str, list[int]]
    write_ins: dict[str, dict[str, int]]


class EntryOut(FiguresOut):
    entry_no: int
    entered_by: str
    entered_at: dt.datetime
    warnings: list[str]

    @staticmethod
    def build(s: TallySheet) -> EntryOut:
        return EntryOut(entry_no=s.entry_no, entered_by=s.entered_by.get_username(), entered_at=s.entered_at,
                        warnings=sheet_warnings(s), **_figures(s))


class TallyOut(FiguresOut):
    reconciled: bool
    reconciled_by: str | None
    note: str
    accepted_at: dt.datetime


class DiffOut(Schema):
    field: str = Field(description='"ballots_issued", "marks.<candidate id>" or "write_ins.<seat>.<name>"')
    label: str
    entry_1: list[int | None]
    entry_2: list[int | None]

    @staticmethod
    def build(row: DiffRow) -> DiffOut:
        return DiffOut(field=row.key, label=row.label, entry_1=row.first, entry_2=row.second)


class BoxIn(Schema):
    name: str
    kind: str = BoxKind.CENTRAL
    staff: list[str] = Field(default_factory=list)
    voters_assigned: int | None = None


class BoxOut(Schema):
    id: int
    round: int
    name: str
    kind: str
    staff: list[str]
    voters_assigned: int | None
    state: str = Field(description="empty, one_entry, agree (accepted), disagree or reconciled (accepted)")
    entries: int

    @staticmethod
    def build(b: BallotBox) -> BoxOut:
        return BoxOut(id=b.pk, round=b.round.number, name=b.name, kind=b.kind, staff=list(b.staff or []),
                      voters_assigned=b.voters_assigned, state=b.state,  # type: ignore[attr-defined]
                      entries=len(b.sheets.all()))


class BoxDetail(BoxOut):
    sheets: list[EntryOut]
    tally: TallyOut | None
    diff: list[DiffOut]


def _figures(row: Any) -> dict[str, Any]:
    return {"ballots_issued": row.ballots_issued, "ballots_returned": row.ballots_returned,
            "invalid_ballots": row.invalid_ballots, "marks": dict(row.marks or {}),
            "write_ins": dict(row.write_ins or {})}


def _detail(request: HttpRequest, election: Any, box_id: int) -> BoxDetail:
    box = box_get(viewer=request.user, election=election, pk=box_id)
    tally = getattr(box, "tally", None) if hasattr(box, "tally") else None
    return BoxDetail(
        **BoxOut.build(box).dict(),
        sheets=[EntryOut.build(s) for s in box.sheets.all()],
        tally=None if tally is None else TallyOut(
            reconciled=tally.reconciled, note=tally.note, accepted_at=tally.accepted_at,
            reconciled_by=tally.reconciled_by.get_username() if tally.reconciled_by else None, **_figures(tally)),
        diff=[DiffOut.build(row) for row in sheet_diff(box)],
    )


@router.post("/{election_id}/voting/open", response=StageOut, url_name="elections_voting_open")
def open_voting(request: HttpRequest, election_id: int) -> StageOut:
    election = voting_open(actor=request.user, election=election_get(viewer=request.user, pk=election_id))
    return StageOut(id=election.pk, stage=election.stage)


@router.get("/{election_id}/boxes", response=list[BoxOut], url_name="elections_boxes")
def list_boxes(request: HttpRequest, election_id: int) -> list[BoxOut]:
    election = election_get(viewer=request.user, pk=election_id)
    return [BoxOut.build(b) for b in box_list(viewer=request.user, election=election)]


@router.post("/{election_id}/boxes", response={201: BoxDetail}, url_name="elections_boxes")
def create_box(request: HttpRequest, election_id: int, payload: BoxIn) -> Status:
    election = election_get(viewer=request.user, pk=election_id)
    box = box_create(actor=request.user, election=election, name=payload.name, kind=payload.kind,
                     staff=payload.staff, voters_assigned=payload.voters_assigned)
    return Status(201, _detail(request, election, box.pk))


@router.get("/{election_id}/boxes/{box_id}", response=BoxDetail, url_name="elections_box")
def get_box(request: HttpRequest, election_id: int, box_id: int) -> BoxDetail:
    return _detail(request, election_get(viewer=request.user, pk=election_id), box_id)


@router.delete("/{election_id}/boxes/{box_id}", response={204: None}, url_name="elections_box")
def delete_box(request: HttpRequest, election_id: int, box_id: int) -> Status:
    election = election_get(viewer=request.user, pk=election_id)
    box_delete(actor=request.user, box=box_get(viewer=request.user, election=election, pk=box_id))
    return Status(204, None)


@router.post("/{election_id}/boxes/{box_id}/sheets", response=BoxDetail, url_name="elections_box_sheets")
def enter_sheet(request: HttpRequest, election_id: int, box_id: int, payload: FiguresIn) -> BoxDetail:
    """Entry 1, entry 2 (a different user) or a correction of the caller's own entry until the box is accepted."""
    election = election_get(viewer=request.user, pk=election_id)
    box = box_get(viewer=request.user, election=election, pk=box_id)
    sheet_enter(actor=request.user, box=box, **payload.dict())
    return _detail(request, election, box_id)


@router.post("/{election_id}/boxes/{box_id}/reconcile", response=BoxDetail, url_name="elections_box_reconcile")
def reconcile_box(request: HttpRequest, election_id: int, box_id: int, payload: ReconcileIn) -> BoxDetail:
    election = election_get(viewer=request.user, pk=election_id)
    box = box_get(viewer=request.user, election=election, pk=box_id)
    box_reconcile(actor=request.user, box=box, **payload.dict())
    return _detail(request, election, box_id)
