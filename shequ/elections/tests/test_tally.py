"""Tally sheets entered twice by two different users: agreement accepts the box, disagreement waits for the
committee's reconciliation; every refusal names its field or candidate and writes nothing; scope and audit."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shequ.core.models import AuditLog
from shequ.core.roles import Role
from shequ.core.testing.factories import make_user
from shequ.elections.models import BoxTally, Round, RoundStatus, Stage, TallySheet
from shequ.elections.selectors.tally import box_get, box_list, sheet_diff, sheet_warnings
from shequ.elections.services.boxes import box_create
from shequ.elections.services.tally import box_reconcile, sheet_enter
from shequ.elections.testing import advance, first_round, formal_candidates, roll_from


def voting_world(w: Any, *, stage: str = Stage.VOTING, box: bool = True) -> Any:
    """12 voters on the roll; formal candidates 2 directors, 2 deputies, 4 members; a second community worker;
    the election at `stage`; one central box (unless box=False)."""
    e = w.election
    w.voters = roll_from(e, w.people)
    w.directors = formal_candidates(e, "director", w.voters[0:2])
    w.deputies = formal_candidates(e, "deputy", w.voters[2:4])
    w.members = formal_candidates(e, "member", w.voters[4:8])
    w.candidates = [*w.directors, *w.deputies, *w.members]
    advance(e, stage)
    w.round = first_round(e)
    w.worker2 = make_user("community_worker2", Role.COMMUNITY_WORKER, w.community)
    w.box = box_create(actor=w.worker, election=e, name="中心会场", kind="central") if box else None
    return w


def SHEET(w: Any, **changes: Any) -> dict[str, Any]:
    """A valid sheet: 10 issued and returned, 1 invalid (9 valid), a write-in for member."""
    votes = [[6, 2, 1], [3, 5, 1], [7, 1, 1], [2, 6, 1], [7, 1, 1], [6, 2, 1], [5, 3, 1], [4, 4, 1]]
    sheet: dict[str, Any] = {
        "ballots_issued": 10, "ballots_returned": 10, "invalid_ballots": 1,
        "marks": {str(c.pk): list(v) for c, v in zip(w.candidates, votes, strict=True)},
        "write_ins": {"member": {"王五": 2}},
    }
    sheet.update(changes)
    return sheet


@pytest.fixture
def tw(ew):  # type: ignore[no-untyped-def]
    return voting_world(ew)


def _counts() -> tuple[int, int]:
    return TallySheet.objects.count(), BoxTally.objects.count()


def test_two_users_who_agree_accept_the_box(tw):
    one = sheet_enter(actor=tw.worker, box=tw.box, **SHEET(tw))
    assert one.entry_no == 1 and one.entered_by == tw.worker
    assert box_get(viewer=tw.worker, election=tw.election, pk=tw.box.pk).state == "one_entry"
    assert not BoxTally.objects.exists()
    two = sheet_enter(actor=tw.worker2, box=tw.box, **SHEET(tw))
    assert two.entry_no == 2
    tally = BoxTally.objects.get(box=tw.box)
    assert not tally.reconciled and tally.ballots_returned == 10 and tally.invalid_ballots == 1
    assert tally.marks[str(tw.directors[0].pk)] == [6, 2, 1] and tally.write_ins == {"member": {"王五": 2}}
    assert box_get(viewer=tw.worker, election=tw.election, pk=tw.box.pk).state == "agree"
    assert AuditLog.objects.filter(entity_type="elections.TallySheet", action="create").count() == 2
    assert AuditLog.objects.filter(entity_type="elections.BoxTally", action="accept", entity_id=str(tally.pk)).exists()
    with pytest.raises(Conflict) as exc:  # accepted: nobody corrects an entry any more
        sheet_enter(actor=tw.worker, box=tw.box, **SHEET(tw, invalid_ballots=2))
    assert exc.value.code == "box_accepted"
    assert TallySheet.objects.get(pk=one.pk).invalid_ballots == 1


def test_same_user_never_makes_both_entries(tw):
    sheet_enter(actor=tw.worker, box=tw.box, **SHEET(tw))
    again = sheet_enter(actor=tw.worker, box=tw.box, **SHEET(tw, ballots_issued=11))  # a correction of entry 1
    assert again.entry_no == 1 and TallySheet.objects.count() == 1 and not BoxTally.objects.exists()
    assert TallySheet.objects.get().ballots_issued == 11
    assert AuditLog.objects.filter(entity_type="elections.TallySheet", action="update",
                                   changes__ballots_issued=[10, 11]).exists()
    sheet_enter(actor=tw.worker2, box=tw.box, **SHEET(tw))  # differs from the corrected entry 1
    third = make_user("community_worker3", Role.COMMUNITY_WORKER, tw.community)
    with pytest.raises(Conflict) as exc:
        sheet_enter(actor=third, box=tw.box, **SHEET(tw))
    assert exc.value.code == "entries_complete" and _counts() == (2, 0)


def test_disagreement_waits_for_reconciliation(tw):
    sheet_enter(actor=tw.worker, box=tw.box, **SHEET(tw))
    marks = SHEET(tw)["marks"]
    marks[str(tw.members[0].pk)] = [6, 1, 1]
    sheet_enter(actor=tw.worker2, box=tw.box, **SHEET(tw, marks=marks, ballots_issued=11))
    box = box_get(viewer=tw.worker, election=tw.election, pk=tw.box.pk)
    assert box.state == "disagree" and not BoxTally.objects.exists()
    diff = sheet_diff(box)
    assert [row.key for row in diff] == ["ballots_issued", f"marks.{tw.members[0].pk}"]
    assert diff[1].differs == [True, False, False] and diff[1].first == [7, 1, 1] and diff[1].second == [6, 1, 1]

    with pytest.raises(ValidationFailed) as exc:  # the note is required
        box_reconcile(actor=tw.worker, box=tw.box, **SHEET(tw), note="  ")
    assert "note" in exc.value.details and not BoxTally.objects.exists()
    with pytest.raises(ValidationFailed) as exc:  # same validation as an entry
        box_reconcile(actor=tw.worker, box=tw.box, **SHEET(tw, invalid_ballots=11), note="核对纸质计票单")
    assert "invalid_ballots" in exc.value.details and not BoxTally.objects.exists()
    with pytest.raises(PermissionDenied):
        box_reconcile(actor=tw.analyst, box=tw.box, **SHEET(tw), note="核对")
    with pytest.raises(NotFound):
        box_reconcile(actor=tw.outsider, box=tw.box, **SHEET(tw), note="核对")
    assert not BoxTally.objects.exists()

    tally = box_reconcile(actor=tw.worker, box=tw.box, **SHEET(tw), note="核对纸质计票单，以第一次录入为准")
    assert tally.reconciled and tally.reconciled_by == tw.worker and tally.ballots_issued == 10
    assert TallySheet.objects.count() == 2  # both entries kept for the record
    assert box_get(viewer=tw.worker, election=tw.election, pk=tw.box.pk).state == "reconciled"
    log = AuditLog.objects.get(entity_type="elections.BoxTally", action="reconcile")
    assert log.changes["note"].startswith("核对纸质计票单") and log.actor == tw.worker

    # Reconciling again replaces the committee's figures (still one tally); entries stay closed.
    box_reconcile(actor=tw.worker2, box=tw.box, **SHEET(tw, ballots_issued=11), note="再次核对：发出 11 张")
    assert BoxTally.objects.get().ballots_issued == 11 and BoxTally.objects.count() == 1
    with pytest.raises(Conflict):
        sheet_enter(actor=tw.worker2, box=tw.box, **SHEET(tw))


def test_correcting_ones_own_entry_can_bring_agreement(tw):
    sheet_enter(actor=tw.worker, box=tw.box, **SHEET(tw, ballots_issued=11))
    sheet_enter(actor=tw.worker2, box=tw.box, **SHEET(tw))
    assert not BoxTally.objects.exists()
    sheet_enter(actor=tw.worker, box=tw.box, **SHEET(tw))
    assert BoxTally.objects.get().reconciled is False


def test_reconcile_refused_without_two_differing_entries(tw):
    with pytest.raises(Conflict) as exc:
        box_reconcile(actor=tw.worker, box=tw.box, **SHEET(tw), note="核对")
    assert exc.value.code == "entries_missing"
    sheet_enter(actor=tw.worker, box=tw.box, **SHEET(tw))
    sheet_enter(actor=tw.worker2, box=tw.box, **SHEET(tw))
    with pytest.raises(Conflict) as exc:
        box_reconcile(actor=tw.worker, box=tw.box, **SHEET(tw, ballots_issued=11), note="核对")
    assert exc.value.code == "nothing_to_reconcile"
    tally = BoxTally.objects.get()
    assert tally.ballots_issued == 10 and not tally.reconciled


def _with_marks(w: Any, index: int, value: Any) -> dict[str, Any]:
    marks = SHEET(w)["marks"]
    marks[str(w.candidates[index].pk)] = value
    return SHEET(w, marks=marks)


@pytest.mark.parametrize("change, key", [
    (lambda w: SHEET(w, ballots_issued=-1), "ballots_issued"),
    (lambda w: SHEET(w, ballots_returned="十"), "ballots_returned"),
    (lambda w: SHEET(w, invalid_ballots=True), "invalid_ballots"),
    (lambda w: SHEET(w, invalid_ballots=11), "invalid_ballots"),
    (lambda w: SHEET(w, ballots_returned=13, ballots_issued=13), "ballots_returned"),  # 12 voters on the roll
    (lambda w: _with_marks(w, 0, [6, 3, 1]), "marks.{c0}"),  # 10 marks for 9 valid ballots
    (lambda w: _with_marks(w, 1, [1, 2]), "marks.{c1}"),
    (lambda w: _with_marks(w, 1, [1, -2, 0]), "marks.{c1}"),
    (lambda w: _with_marks(w, 0, [7, 1, 1]), "seat.director"),  # 7 + 3 "for" > 9 valid × 1 seat
    (lambda w: SHEET(w, write_ins={"member": {"王五": 9, "赵六": 1}}), "seat.member"),  # 22 + 10 > 27
    (lambda w: SHEET(w, write_ins={"member": {" ": 1}}), "write_ins.member"),
    (lambda w: SHEET(w, write_ins={"member": {"王五": -1}}), "write_ins.member"),
    (lambda w: SHEET(w, write_ins={"member": {"王五": 1, " 王五": 1}}), "write_ins.member"),
    (lambda w: SHEET(w, write_ins={"chair": {"王五": 1}}), "write_ins"),
])
def test_each_refusal_names_its_field_and_writes_nothing(tw, change, key):
    before = AuditLog.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        sheet_enter(actor=tw.worker, box=tw.box, **change(tw))
    key = key.format(c0=tw.candidates[0].pk, c1=tw.candidates[1].pk)
    assert key in exc.value.details, exc.value.details
    assert exc.value.message and _counts() == (0, 0) and AuditLog.objects.count() == before


def test_missing_and_unknown_candidates_refused_by_name(tw):
    marks = SHEET(tw)["marks"]
    del marks[str(tw.deputies[1].pk)]
    marks["999999"] = [1, 0, 0]
    with pytest.raises(ValidationFailed) as exc:
        sheet_enter(actor=tw.worker, box=tw.box, **SHEET(tw, marks=marks))
    details = exc.value.details
    assert tw.deputies[1].name in details[f"marks.{tw.deputies[1].pk}"][0]
    assert "999999" in details["marks"][0]
    assert _counts() == (0, 0)


def test_box_with_more_ballots_than_its_voters_refused(tw):
    small = box_create(actor=tw.worker, election=tw.election, name="流动", kind="mobile",
                       staff=["甲", "乙", "丙", "丁"], voters_assigned=3)
    with pytest.raises(ValidationFailed) as exc:
        sheet_enter(actor=tw.worker, box=small, **SHEET(tw, ballots_issued=4, ballots_returned=4, invalid_ballots=4,
                                                          marks={str(c.pk): [0, 0, 0] for c in tw.candidates},
                                                          write_ins={}))
    assert "ballots_returned" in exc.value.details and "3" in exc.value.details["ballots_returned"][0]
    assert _counts() == (0, 0)


def test_returned_beyond_issued_is_recorded_with_a_warning(tw):
    sheet = sheet_enter(actor=tw.worker, box=tw.box, **SHEET(tw, ballots_issued=9))
    assert sheet.ballots_issued == 9 and sheet_warnings(sheet)
    assert not sheet_warnings(sheet_enter(actor=tw.worker, box=tw.box, **SHEET(tw)))


def test_no_change_after_the_round_is_counted(tw):
    sheet_enter(actor=tw.worker, box=tw.box, **SHEET(tw))
    Round.objects.filter(pk=tw.round.pk).update(status=RoundStatus.COUNTED)
    with pytest.raises(Conflict) as exc:
        sheet_enter(actor=tw.worker2, box=tw.box, **SHEET(tw))
    assert exc.value.code == "wrong_stage" and _counts() == (1, 0)
    advance(tw.election, Stage.COUNTED)
    with pytest.raises(Conflict):
        sheet_enter(actor=tw.worker, box=tw.box, **SHEET(tw))


def test_sheets_only_while_voting(ew):
    w = voting_world(ew, stage=Stage.CANDIDATES_PUBLISHED)
    with pytest.raises(Conflict) as exc:
        sheet_enter(actor=w.worker, box=w.box, **SHEET(w))
    assert exc.value.code == "wrong_stage" and _counts() == (0, 0)


def test_scope_and_roles(tw):
    for user, error in ((tw.outsider, NotFound), (tw.analyst, PermissionDenied), (tw.grid_worker, NotFound)):
        with pytest.raises(error):
            sheet_enter(actor=user, box=tw.box, **SHEET(tw))
    assert _counts() == (0, 0)
    with pytest.raises(NotFound):
        box_list(viewer=tw.outsider, election=tw.election)
    assert [b.state for b in box_list(viewer=tw.analyst, election=tw.election)] == ["empty"]
