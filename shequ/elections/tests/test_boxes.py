"""Opening the vote and ballot boxes: the stage and day guards, the mobile box's staff minimum (read from the
rule), names unique per round, deletion only while empty, scope and roles, audit rows."""

from __future__ import annotations

import datetime as dt

import pytest

from shequ.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shequ.core.models import AuditLog
from shequ.elections.models import BallotBox, Election, RoundStatus, Stage, TallySheet
from shequ.elections.rules import election_params, number
from shequ.elections.services.boxes import box_create, box_delete
from shequ.elections.services.voting import voting_open
from shequ.elections.testing import advance, first_round
from shequ.elections.tests.test_tally import SHEET, voting_world


@pytest.fixture
def tw(ew):  # type: ignore[no-untyped-def]
    return voting_world(ew, stage=Stage.CANDIDATES_PUBLISHED, box=False)


def test_voting_opens_on_election_day_with_formal_candidates(tw):
    e = tw.election
    with pytest.raises(ValidationFailed) as exc:
        voting_open(actor=tw.worker, election=e, on=tw.day - dt.timedelta(days=1))
    assert "election_day" in exc.value.details
    assert Election.objects.get(pk=e.pk).stage == Stage.CANDIDATES_PUBLISHED
    opened = voting_open(actor=tw.worker, election=e, on=tw.day)
    assert opened.stage == Stage.VOTING and Election.objects.get(pk=e.pk).stage == Stage.VOTING
    assert AuditLog.objects.filter(entity_type="elections.Election", action="update", entity_id=str(e.pk),
                                   changes__stage=["candidates_published", "voting"]).exists()
    with pytest.raises(Conflict) as exc:  # already open
        voting_open(actor=tw.worker, election=e, on=tw.day)
    assert exc.value.code == "wrong_stage"


def test_voting_needs_formal_candidates_and_the_right_stage(ew):
    e = ew.election
    advance(e, Stage.ROLL_FROZEN)
    with pytest.raises(Conflict):
        voting_open(actor=ew.worker, election=e, on=ew.day)
    advance(e, Stage.CANDIDATES_PUBLISHED)
    with pytest.raises(ValidationFailed) as exc:
        voting_open(actor=ew.worker, election=e, on=ew.day)
    assert "candidates" in exc.value.details
    assert Election.objects.get(pk=e.pk).stage == Stage.CANDIDATES_PUBLISHED


def test_voting_open_scope_and_roles(tw):
    for user, error in ((tw.outsider, NotFound), (tw.analyst, PermissionDenied), (tw.resident_user, NotFound)):
        with pytest.raises(error):
            voting_open(actor=user, election=tw.election, on=tw.day)
    assert Election.objects.get(pk=tw.election.pk).stage == Stage.CANDIDATES_PUBLISHED
    voting_open(actor=tw.subdistrict_officer, election=tw.election, on=tw.day)  # the sub-district may run it too


def test_box_create_in_the_open_round(tw):
    box = box_create(actor=tw.worker, election=tw.election, name=" 中心会场 ", kind="central", staff=["张三", " "],
                     voters_assigned=10)
    assert box.round == first_round(tw.election) and box.name == "中心会场" and box.staff == ["张三"]
    assert box.voters_assigned == 10 and box.created_by == tw.worker
    assert AuditLog.objects.filter(entity_type="elections.BallotBox", action="create", entity_id=str(box.pk)).exists()
    with pytest.raises(ValidationFailed) as exc:
        box_create(actor=tw.worker, election=tw.election, name="中心会场", kind="fixed")
    assert "name" in exc.value.details
    assert BallotBox.objects.count() == 1


@pytest.mark.parametrize("fields, field", [
    ({"name": "  "}, "name"),
    ({"kind": "boat"}, "kind"),
    ({"voters_assigned": -1}, "voters_assigned"),
    ({"voters_assigned": "abc"}, "voters_assigned"),
    ({"voters_assigned": 13}, "voters_assigned"),  # 12 voters on the roll
    ({"kind": "fixed", "staff": ["李四", "李四"]}, "staff"),
])
def test_box_create_refusals_write_nothing(tw, fields, field):
    before = AuditLog.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        box_create(actor=tw.worker, election=tw.election, **{"name": "一号箱", "kind": "fixed", **fields})
    assert field in exc.value.details and exc.value.message
    assert BallotBox.objects.count() == 0 and AuditLog.objects.count() == before


def test_mobile_box_needs_the_rules_minimum_of_distinct_staff(tw):
    minimum = number(election_params(tw.election), "mobile_box_staff_min")
    assert minimum >= 2
    short = [f"工作人员{i}" for i in range(minimum - 1)]
    for staff in (short, [*short, ""], [*short, short[0]]):
        with pytest.raises(ValidationFailed) as exc:
            box_create(actor=tw.worker, election=tw.election, name="流动票箱", kind="mobile", staff=staff)
        assert "staff" in exc.value.details
    assert BallotBox.objects.count() == 0
    box = box_create(actor=tw.worker, election=tw.election, name="流动票箱", kind="mobile",
                     staff=[*short, "最后一人"])
    assert len(box.staff) == minimum


def test_box_stage_scope_and_roles(tw):
    for user, error in ((tw.outsider, NotFound), (tw.analyst, PermissionDenied)):
        with pytest.raises(error):
            box_create(actor=user, election=tw.election, name="一号箱", kind="fixed")
    e = tw.election
    advance(e, Stage.ROLL_FROZEN)
    with pytest.raises(Conflict):
        box_create(actor=tw.worker, election=e, name="一号箱", kind="fixed")
    assert BallotBox.objects.count() == 0


def test_box_delete_only_while_empty_and_round_open(ew):
    w = voting_world(ew)
    spare = box_create(actor=w.worker, election=w.election, name="备用", kind="fixed")
    with pytest.raises(NotFound):
        box_delete(actor=w.outsider, box=spare)
    box_delete(actor=w.worker, box=spare)
    assert not BallotBox.objects.filter(pk=spare.pk).exists()
    assert AuditLog.objects.filter(entity_type="elections.BallotBox", action="delete", entity_id=str(spare.pk)).exists()

    from shequ.elections.services.tally import sheet_enter

    sheet_enter(actor=w.worker, box=w.box, **SHEET(w))
    with pytest.raises(Conflict) as exc:
        box_delete(actor=w.worker, box=w.box)
    assert exc.value.code == "box_has_sheets"
    assert BallotBox.objects.filter(pk=w.box.pk).exists() and TallySheet.objects.count() == 1

    empty = box_create(actor=w.worker, election=w.election, name="空箱", kind="fixed")
    first_round(w.election).__class__.objects.filter(pk=w.round.pk).update(status=RoundStatus.COUNTED)
    with pytest.raises(Conflict) as exc:
        box_delete(actor=w.worker, box=empty)
    assert exc.value.code == "wrong_stage"
    assert BallotBox.objects.filter(pk=empty.pk).exists()
