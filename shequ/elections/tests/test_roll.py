"""The roll: generation by mode from the registry, age on election day, applications, exclusions, group
representatives, publication deadline, stage guards, scope and audit — for rule versions 2 and 1."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequ.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shequ.core.models import AuditLog
from shequ.core.testing.factories import make_id_number
from shequ.elections.models import Mode, Stage, Voter, VoterSource, VoterStatus
from shequ.elections.rules import election_params, number
from shequ.elections.selectors.roll import public_roll, roll_counts, roll_deadlines, voter_for_resident
from shequ.elections.services.elections import election_update
from shequ.elections.services.roll import (
    representatives_set,
    roll_generate,
    roll_publish,
    voter_add,
    voter_exclude,
    voter_include,
    voter_replace,
)
from shequ.elections.testing import make_election, make_people
from shequ.registry import services as registry
from shequ.registry.models import HouseholdKind, HouseholdMembership, ResidentStatus

pytestmark = pytest.mark.django_db


def _on_roll(election):
    return set(Voter.objects.filter(election=election, status=VoterStatus.ON_ROLL).values_list("resident_id",
                                                                                                 flat=True))


def _person(w, birth, name="新居民", kind=HouseholdKind.PERMANENT, building=None):
    household = registry.household_create(actor=w.admin, building=building or w.building, kind=kind,
                                          room=f"R{birth:%m%d}{name}")
    return registry.resident_create(actor=w.admin, name=name, household=household, relation="head",
                                    id_number=make_id_number(birth))


def _draft_day(election):
    return election.election_day - dt.timedelta(days=30)


def test_generate_all_voters(ew):
    gone = _person(ew, dt.date(1960, 5, 5), "迁出者")
    dead = _person(ew, dt.date(1940, 5, 5), "已故者")
    registry.resident_update(actor=ew.admin, resident=gone, status=ResidentStatus.MOVED_OUT)
    registry.resident_update(actor=ew.admin, resident=dead, status=ResidentStatus.DECEASED)
    counts = roll_generate(actor=ew.worker, election=ew.election)
    adults = [*ew.people, ew.children[0], ew.wang, ew.li]
    assert _on_roll(ew.election) == {p.pk for p in adults}
    assert counts["added"] == counts["on_roll"] == len(adults)
    assert not {c.pk for c in ew.children[1:]} & _on_roll(ew.election)  # minors
    assert ew.zhao.pk not in _on_roll(ew.election)  # another community
    v = Voter.objects.get(election=ew.election, resident=ew.wang)
    assert (v.name, v.sex, v.birth_date, v.household_id, v.group_code, v.source) == (
        "王小明", "M", dt.date(1985, 3, 4), ew.household.pk, ew.grid.code, VoterSource.REGISTRY)
    assert AuditLog.objects.filter(action="roll.generate", entity_id=str(ew.election.pk)).count() == 1
    c = roll_counts(ew.election)
    assert c["on_roll"] == len(adults) and c["by_sex"]["M"] + c["by_sex"]["F"] == len(adults)
    assert c["by_group"] == [{"code": ew.grid.code, "name": ew.grid.name, "count": len(adults)}]
    assert voter_for_resident(ew.election, ew.wang) == v and voter_for_resident(ew.election, ew.zhao) is None


@pytest.mark.parametrize("day", [dt.date(2026, 6, 20), dt.date(2025, 6, 20)], ids=["v2", "v1"])
def test_age_on_election_day(ew, day):
    election = make_election(actor=ew.admin, community=ew.community, day=day, title="换届")
    min_age = number(election_params(election), "voter_min_age")
    exactly = _person(ew, dt.date(day.year - min_age, day.month, day.day), "刚满")
    day_short = _person(ew, dt.date(day.year - min_age, day.month, day.day) + dt.timedelta(days=1), "差一天")
    roll_generate(actor=ew.worker, election=election)
    assert exactly.pk in _on_roll(election)
    assert day_short.pk not in _on_roll(election)
    with pytest.raises(ValidationFailed) as exc:
        voter_add(actor=ew.worker, election=election, resident=day_short)
    assert str(min_age) in str(exc.value.message)


def test_regenerate_keeps_manual_changes_and_is_idempotent(ew):
    roll_generate(actor=ew.worker, election=ew.election)
    target = Voter.objects.get(election=ew.election, resident=ew.li)
    voter_exclude(actor=ew.worker, election=ew.election, voter=target, reason="被依法剥夺政治权利")
    first = roll_generate(actor=ew.worker, election=ew.election)
    second = roll_generate(actor=ew.worker, election=ew.election)
    assert first == second and first["added"] == first["removed"] == first["refreshed"] == 0
    target.refresh_from_db()
    assert target.status == VoterStatus.EXCLUDED and target.exclusion_reason == "被依法剥夺政治权利"
    assert AuditLog.objects.filter(action="roll.generate").count() == 1  # nothing changed: no new row
    # Someone who moved out since is dropped on regeneration.
    registry.resident_update(actor=ew.admin, resident=ew.wang, status=ResidentStatus.MOVED_OUT)
    assert roll_generate(actor=ew.worker, election=ew.election)["removed"] == 1
    assert ew.wang.pk not in _on_roll(ew.election)


def test_exclude_needs_reason_and_include(ew):
    roll_generate(actor=ew.worker, election=ew.election)
    v = Voter.objects.get(election=ew.election, resident=ew.wang)
    with pytest.raises(ValidationFailed) as exc:
        voter_exclude(actor=ew.worker, election=ew.election, voter=v, reason="  ")
    assert "reason" in exc.value.details
    v.refresh_from_db()
    assert v.status == VoterStatus.ON_ROLL
    voter_exclude(actor=ew.worker, election=ew.election, voter=v, reason="剥夺政治权利")
    voter_include(actor=ew.worker, election=ew.election, voter=v)
    v.refresh_from_db()
    assert v.status == VoterStatus.ON_ROLL and v.exclusion_reason == ""
    log = AuditLog.objects.filter(action="voter.exclude", entity_id=str(v.pk)).get()
    assert log.changes["status"] == [VoterStatus.ON_ROLL, VoterStatus.EXCLUDED]
    assert AuditLog.objects.filter(action="voter.include", entity_id=str(v.pk)).exists()


def test_add_refusals(ew):
    roll_generate(actor=ew.worker, election=ew.election)
    with pytest.raises(Conflict):
        voter_add(actor=ew.worker, election=ew.election, resident=ew.wang)
    with pytest.raises(ValidationFailed) as exc:
        voter_add(actor=ew.worker, election=ew.election, resident=ew.zhao)
    assert "resident" in exc.value.details
    with pytest.raises(ValidationFailed):
        voter_add(actor=ew.worker, election=ew.election, resident=ew.children[1])
    assert Voter.objects.filter(election=ew.election).count() == 15


def test_floating_resident_by_application_after_residence_years(ew):
    floater = _person(ew, dt.date(1990, 2, 2), "流动人员", kind=HouseholdKind.FLOATING)
    roll_generate(actor=ew.worker, election=ew.election)
    assert floater.pk not in _on_roll(ew.election)
    years = number(election_params(ew.election), "floating_residence_years")
    day = ew.election.election_day
    since = timezone.make_aware(dt.datetime(day.year - years, day.month, day.day, 12))
    membership = HouseholdMembership.objects.filter(resident=floater, ended_at__isnull=True)
    membership.update(started_at=since + dt.timedelta(days=1))  # one day short
    with pytest.raises(ValidationFailed):
        voter_add(actor=ew.worker, election=ew.election, resident=floater)
    membership.update(started_at=since)
    v = voter_add(actor=ew.worker, election=ew.election, resident=floater, note="本人申请")
    assert v.source == VoterSource.APPLICATION and v.status == VoterStatus.ON_ROLL
    assert AuditLog.objects.filter(action="voter.add", entity_id=str(v.pk)).exists()


def test_household_mode_one_per_household(ew):
    election_update(actor=ew.subdistrict_officer, election=ew.election, mode=Mode.HOUSEHOLD_REPS,
                    on=_draft_day(ew.election))
    # In one household the head is gone: the oldest eligible member stands for it.
    registry.resident_update(actor=ew.admin, resident=ew.wang, status=ResidentStatus.MOVED_OUT)
    roll_generate(actor=ew.worker, election=ew.election)
    rows = list(Voter.objects.filter(election=ew.election, status=VoterStatus.ON_ROLL))
    households = [r.household_id for r in rows]
    assert len(households) == len(set(households)) == 8
    heads = {p.pk for i, p in enumerate(ew.people) if i % 2 == 0} | {ew.children[0].pk, ew.li.pk}
    assert {r.resident_id for r in rows} == heads
    # The committee swaps a representative; regeneration keeps the swap.
    head = Voter.objects.get(election=ew.election, resident=ew.people[0])
    new = voter_replace(actor=ew.worker, election=ew.election, voter=head, resident=ew.people[1])
    assert roll_generate(actor=ew.worker, election=ew.election)["added"] == 0
    assert ew.people[1].pk in _on_roll(ew.election) and ew.people[0].pk not in _on_roll(ew.election)
    assert new.household_id == head.household_id
    with pytest.raises(ValidationFailed):  # the household already has its representative
        voter_include(actor=ew.worker, election=ew.election, voter=head)


def test_group_reps_limits(ew):
    election_update(actor=ew.subdistrict_officer, election=ew.election, mode=Mode.GROUP_REPS,
                    on=_draft_day(ew.election))
    second = make_people(actor=ew.admin, community=ew.community, households=2, adults=2, grid=ew.grid2,
                         prefix="二组")
    assert roll_generate(actor=ew.worker, election=ew.election)["on_roll"] == 0
    values = election_params(ew.election)
    low, high = number(values, "group_reps_min"), number(values, "group_reps_max")
    with pytest.raises(ValidationFailed):
        representatives_set(actor=ew.worker, election=ew.election, group_code=ew.grid.code,
                            residents=ew.people[:low - 1])
    with pytest.raises(ValidationFailed):
        representatives_set(actor=ew.worker, election=ew.election, group_code=ew.grid.code,
                            residents=ew.people[:high + 1])
    with pytest.raises(ValidationFailed):  # not of this group
        representatives_set(actor=ew.worker, election=ew.election, group_code=ew.grid.code,
                            residents=second[:low])
    assert Voter.objects.filter(election=ew.election).count() == 0
    representatives_set(actor=ew.worker, election=ew.election, group_code=ew.grid.code, residents=ew.people[:high])
    day = roll_deadlines(ew.election).publish_by
    with pytest.raises(ValidationFailed) as exc:  # the second group has nobody yet
        roll_publish(actor=ew.worker, election=ew.election, on=day)
    assert exc.value.code == "too_few_representatives"
    representatives_set(actor=ew.worker, election=ew.election, group_code=ew.grid2.code, residents=second[:low])
    representatives_set(actor=ew.worker, election=ew.election, group_code=ew.grid.code, residents=ew.people[:low])
    assert len(_on_roll(ew.election)) == 2 * low
    assert roll_publish(actor=ew.worker, election=ew.election, on=day).stage == Stage.ROLL_PUBLISHED


@pytest.mark.parametrize("day", [dt.date(2026, 6, 20), dt.date(2025, 6, 20)], ids=["v2", "v1"])
def test_publication_deadline(ew, day):
    election = make_election(actor=ew.admin, community=ew.community, day=day, title="换届")
    days = number(election_params(election), "roll_publish_days_before")
    last = day - dt.timedelta(days=days)
    with pytest.raises(ValidationFailed) as exc:  # empty roll
        roll_publish(actor=ew.worker, election=election, on=last)
    assert exc.value.code == "empty_roll"
    roll_generate(actor=ew.worker, election=election)
    with pytest.raises(ValidationFailed) as exc:
        roll_publish(actor=ew.worker, election=election, on=last + dt.timedelta(days=1))
    assert exc.value.code == "deadline_passed" and last.isoformat() in str(exc.value.message)
    election.refresh_from_db()
    assert election.stage == Stage.DRAFT and election.roll_published_on is None
    roll_publish(actor=ew.worker, election=election, on=last)
    election.refresh_from_db()
    assert (election.stage, election.roll_published_on) == (Stage.ROLL_PUBLISHED, last)
    assert AuditLog.objects.filter(action="roll.publish", entity_id=str(election.pk)).exists()
    assert [r["name"] for r in public_roll(election)][:1] and set(public_roll(election)[0]) == {
        "number", "name", "sex", "age", "group"}


def test_published_roll_changes_only_through_objections(ew):
    roll_generate(actor=ew.worker, election=ew.election)
    roll_publish(actor=ew.worker, election=ew.election, on=roll_deadlines(ew.election).publish_by)
    v = Voter.objects.get(election=ew.election, resident=ew.wang)
    for call in (
        lambda: voter_exclude(actor=ew.worker, election=ew.election, voter=v, reason="x"),
        lambda: voter_add(actor=ew.worker, election=ew.election, resident=ew.children[0]),
        lambda: roll_generate(actor=ew.worker, election=ew.election),
    ):
        with pytest.raises(Conflict) as exc:
            call()
        assert exc.value.code == "wrong_stage"
    v.refresh_from_db()
    assert v.status == VoterStatus.ON_ROLL


def test_scope_and_roles(ew):
    with pytest.raises(NotFound):
        roll_generate(actor=ew.outsider, election=ew.election)
    with pytest.raises(PermissionDenied):
        roll_generate(actor=ew.analyst, election=ew.election)
    assert not Voter.objects.filter(election=ew.election).exists()
    roll_generate(actor=ew.subdistrict_officer, election=ew.election)
    v = Voter.objects.get(election=ew.election, resident=ew.wang)
    with pytest.raises(NotFound):
        voter_exclude(actor=ew.outsider, election=ew.election, voter=v, reason="x")
    with pytest.raises(PermissionDenied):
        voter_exclude(actor=ew.analyst, election=ew.election, voter=v, reason="x")
    v.refresh_from_db()
    assert v.status == VoterStatus.ON_ROLL
