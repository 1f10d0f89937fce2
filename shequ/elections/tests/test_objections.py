"""Objections to the published roll: the window, the answer limit, what an upheld objection changes, freezing,
nothing changing afterwards, scope — by the rule's numbers for versions 2 and 1."""

from __future__ import annotations

import datetime as dt

import pytest

from shequ.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shequ.core.models import AuditLog
from shequ.core.testing.factories import make_id_number
from shequ.elections.models import Objection, ObjectionDecision, ObjectionKind, Stage, Voter, VoterSource, VoterStatus
from shequ.elections.rules import election_params, number
from shequ.elections.selectors.roll import objection_list, roll_deadlines
from shequ.elections.services.objections import objection_answer, objection_file
from shequ.elections.services.roll import roll_freeze, roll_generate, roll_publish, voter_exclude
from shequ.elections.testing import make_election
from shequ.registry import services as registry

pytestmark = pytest.mark.django_db


def _published(w, election):
    roll_generate(actor=w.worker, election=election)
    day = roll_deadlines(election).publish_by - dt.timedelta(days=2)
    roll_publish(actor=w.worker, election=election, on=day)
    election.refresh_from_db()
    return day


def _file(w, election, on, kind=ObjectionKind.WRONGLY_INCLUDED, **kw):
    if kind != ObjectionKind.OMITTED and "subject_voter" not in kw:
        kw["subject_voter"] = Voter.objects.get(election=election, resident=w.wang)
    return objection_file(actor=w.worker, election=election, kind=kind, filed_by_name="张三", reason="已迁往外地",
                          on=on, **kw)


@pytest.mark.parametrize("day", [dt.date(2026, 6, 20), dt.date(2025, 6, 20)], ids=["v2", "v1"])
def test_objection_window(ew, day):
    election = make_election(actor=ew.admin, community=ew.community, day=day, title="换届")
    published = _published(ew, election)
    days = number(election_params(election), "objection_days")
    last = published + dt.timedelta(days=days)
    assert roll_deadlines(election).objection_last_day == last
    with pytest.raises(ValidationFailed) as exc:
        _file(ew, election, last + dt.timedelta(days=1))
    assert exc.value.code == "deadline_passed" and last.isoformat() in str(exc.value.message)
    assert not Objection.objects.filter(election=election).exists()
    objection = _file(ew, election, last)
    assert objection.decision == ObjectionDecision.PENDING and objection.filed_on == last
    assert AuditLog.objects.filter(action="objection.file", entity_id=str(objection.pk)).exists()


def test_objection_needs_subject_and_reason(ew):
    published = _published(ew, ew.election)
    with pytest.raises(ValidationFailed) as exc:
        objection_file(actor=ew.worker, election=ew.election, kind=ObjectionKind.OMITTED, filed_by_name="张三",
                       reason="", on=published)
    assert "reason" in exc.value.details
    with pytest.raises(ValidationFailed) as exc:
        objection_file(actor=ew.worker, election=ew.election, kind=ObjectionKind.OMITTED, filed_by_name="张三",
                       reason="漏登", on=published)
    assert "subject_resident" in exc.value.details
    with pytest.raises(ValidationFailed):  # already on the roll
        _file(ew, ew.election, published, ObjectionKind.OMITTED, subject_resident=ew.wang)
    assert not Objection.objects.exists()


def test_upheld_omitted_adds_wrongly_included_excludes(ew):
    published = _published(ew, ew.election)
    newcomer = registry.resident_create(actor=ew.admin, name="漏登者", household=ew.household, relation="child",
                                        id_number=make_id_number(dt.date(2000, 1, 1)))
    omitted = _file(ew, ew.election, published, ObjectionKind.OMITTED, subject_resident=newcomer)
    wrong = _file(ew, ew.election, published)
    objection_answer(actor=ew.worker, election=ew.election, objection=omitted, decision=ObjectionDecision.UPHELD,
                     on=published + dt.timedelta(days=1))
    added = Voter.objects.get(election=ew.election, resident=newcomer)
    assert (added.status, added.source) == (VoterStatus.ON_ROLL, VoterSource.OBJECTION)
    objection_answer(actor=ew.worker, election=ew.election, objection=wrong, decision=ObjectionDecision.UPHELD,
                     answer="经核实已迁出", on=published + dt.timedelta(days=1))
    v = Voter.objects.get(election=ew.election, resident=ew.wang)
    assert v.status == VoterStatus.EXCLUDED and "已迁往外地" in v.exclusion_reason
    assert AuditLog.objects.filter(action="voter.exclude_by_objection", entity_id=str(v.pk)).exists()
    assert AuditLog.objects.filter(action="voter.add_by_objection", entity_id=str(added.pk)).exists()
    with pytest.raises(ValidationFailed):  # answered already
        objection_answer(actor=ew.worker, election=ew.election, objection=wrong,
                         decision=ObjectionDecision.REJECTED, answer="x", on=published + dt.timedelta(days=1))


def test_wrong_details_recopied_from_registry(ew):
    published = _published(ew, ew.election)
    objection = _file(ew, ew.election, published, ObjectionKind.WRONG_DETAILS)
    registry.resident_update(actor=ew.admin, resident=ew.wang, name="王晓明")
    objection_answer(actor=ew.worker, election=ew.election, objection=objection, decision=ObjectionDecision.UPHELD,
                     on=published)
    v = Voter.objects.get(election=ew.election, resident=ew.wang)
    assert v.name == "王晓明" and v.status == VoterStatus.ON_ROLL
    log = AuditLog.objects.get(action="voter.correct_by_objection", entity_id=str(v.pk))
    assert log.changes["name"] == ["王小明", "王晓明"]


def test_rejected_needs_answer_and_changes_nothing(ew):
    published = _published(ew, ew.election)
    objection = _file(ew, ew.election, published)
    with pytest.raises(ValidationFailed) as exc:
        objection_answer(actor=ew.worker, election=ew.election, objection=objection,
                         decision=ObjectionDecision.REJECTED, answer=" ", on=published)
    assert "answer" in exc.value.details
    objection.refresh_from_db()
    assert objection.decision == ObjectionDecision.PENDING
    objection_answer(actor=ew.worker, election=ew.election, objection=objection,
                     decision=ObjectionDecision.REJECTED, answer="经核实仍在本社区居住", on=published)
    assert Voter.objects.get(election=ew.election, resident=ew.wang).status == VoterStatus.ON_ROLL


@pytest.mark.parametrize("day", [dt.date(2026, 6, 20), dt.date(2025, 6, 20)], ids=["v2", "v1"])
def test_answer_limit_overdue_and_late(ew, day):
    election = make_election(actor=ew.admin, community=ew.community, day=day, title="换届")
    published = _published(ew, election)
    answer_days = number(election_params(election), "objection_answer_days")
    objection = _file(ew, election, published)
    deadlines = roll_deadlines(election)
    due = published + dt.timedelta(days=answer_days)
    assert deadlines.answer_due(objection) == due
    assert not deadlines.overdue(objection, due) and deadlines.overdue(objection, due + dt.timedelta(days=1))
    objection_answer(actor=ew.worker, election=election, objection=objection, decision=ObjectionDecision.REJECTED,
                     answer="不成立", on=due + dt.timedelta(days=1))
    objection.refresh_from_db()
    assert objection.decision == ObjectionDecision.REJECTED and deadlines.late(objection)
    log = AuditLog.objects.get(action="objection.answer", entity_id=str(objection.pk))
    assert log.changes["late"] is True and log.changes["due"] == due.isoformat()


def test_freeze_waits_for_window_and_answers_then_nothing_changes(ew):
    published = _published(ew, ew.election)
    last = roll_deadlines(ew.election).objection_last_day
    objection = _file(ew, ew.election, published)
    with pytest.raises(ValidationFailed) as exc:
        roll_freeze(actor=ew.worker, election=ew.election, on=last)
    assert exc.value.code == "objection_window_open"
    after = last + dt.timedelta(days=1)
    with pytest.raises(ValidationFailed) as exc:
        roll_freeze(actor=ew.worker, election=ew.election, on=after)
    assert exc.value.code == "objections_pending"
    ew.election.refresh_from_db()
    assert ew.election.stage == Stage.ROLL_PUBLISHED
    objection_answer(actor=ew.worker, election=ew.election, objection=objection, decision=ObjectionDecision.REJECTED,
                     answer="不成立", on=after)
    roll_freeze(actor=ew.worker, election=ew.election, on=after)
    ew.election.refresh_from_db()
    assert (ew.election.stage, ew.election.roll_frozen_on) == (Stage.ROLL_FROZEN, after)
    before = list(Voter.objects.filter(election=ew.election).values_list("pk", "status", "name"))
    v = Voter.objects.get(election=ew.election, resident=ew.wang)
    for call in (
        lambda: voter_exclude(actor=ew.worker, election=ew.election, voter=v, reason="x"),
        lambda: roll_generate(actor=ew.worker, election=ew.election),
        lambda: _file(ew, ew.election, after),
    ):
        with pytest.raises(Conflict) as c:
            call()
        assert c.value.code == "wrong_stage"
    assert list(Voter.objects.filter(election=ew.election).values_list("pk", "status", "name")) == before
    assert AuditLog.objects.filter(action="roll.freeze", entity_id=str(ew.election.pk)).exists()


def test_scope(ew):
    published = _published(ew, ew.election)
    with pytest.raises(NotFound):
        objection_file(
            actor=ew.outsider, election=ew.election, kind=ObjectionKind.WRONG_DETAILS, filed_by_name="x",
            reason="x", subject_voter=Voter.objects.get(election=ew.election, resident=ew.wang), on=published)
    with pytest.raises(PermissionDenied):
        objection_file(actor=ew.analyst, election=ew.election, kind=ObjectionKind.WRONG_DETAILS, filed_by_name="x",
                       reason="x", subject_voter=Voter.objects.get(election=ew.election, resident=ew.wang),
                       on=published)
    assert not Objection.objects.exists()
    objection = _file(ew, ew.election, published)
    with pytest.raises(NotFound):
        objection_answer(actor=ew.outsider, election=ew.election, objection=objection,
                         decision=ObjectionDecision.REJECTED, answer="x", on=published)
    assert list(objection_list(viewer=ew.outsider, election=ew.election)) == []
    assert list(objection_list(viewer=ew.analyst, election=ew.election)) == [objection]
