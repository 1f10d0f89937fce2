"""Nomination and the formal candidate list: methods and their minimums, the deadline, eligibility, one seat
kind per person, the margins at their boundaries under each rule version, women, close relatives, audit."""

from __future__ import annotations

import datetime as dt

import pytest

from shequ.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shequ.core.models import AuditLog
from shequ.elections.models import Candidate, CandidateStatus, Nomination, NominationMethod, SeatKind, Stage, Voter
from shequ.elections.rules import HUNAN_SET, election_params, number
from shequ.elections.selectors.candidates import margin_status, publication_check
from shequ.elections.services.nomination import candidate_nominate, candidate_set_status, candidates_publish
from shequ.elections.testing import advance, first_round, formal_candidates, make_election, make_people, roll_from

pytestmark = pytest.mark.django_db


def _frozen(ew, day=None):  # type: ignore[no-untyped-def]
    """An election (on `day`, default ew.day) with the roll frozen: ew.people plus 14 single-adult households
    (7 women) on the roll. Returns (election, voters of ew.people, voters of the single households)."""
    election = ew.election if day is None else make_election(actor=ew.admin, community=ew.community, day=day)
    singles = getattr(ew, "singles", None)
    if singles is None:
        singles = ew.singles = make_people(actor=ew.admin, community=ew.community, households=14, adults=1,
                                           prefix="单户")
    people = roll_from(election, ew.people)
    alone = roll_from(election, singles)
    advance(election, Stage.ROLL_FROZEN)
    return election, people, alone


def _on(election):  # type: ignore[no-untyped-def]
    return election.election_day - dt.timedelta(days=10)


def _nominate(ew, election, resident, seat=SeatKind.MEMBER, **kw):  # type: ignore[no-untyped-def]
    # By default a residents' group nominates (the seeded rules do not allow self-nomination).
    kw.setdefault("method", NominationMethod.RESIDENT_GROUPS)
    if kw["method"] == NominationMethod.RESIDENT_GROUPS:
        kw.setdefault("group_code", ew.grid.code)
    kw.setdefault("on", _on(election))
    return candidate_nominate(actor=ew.worker, election=election, resident=resident, seat=seat, **kw)


def _joint_min(election) -> int:  # type: ignore[no-untyped-def]
    return number(election_params(election), "nomination_joint_voters_min")


def _positions(election):  # type: ignore[no-untyped-def]
    return list(Candidate.objects.filter(election=election).order_by("id").values_list("id", "position", "status"))


def _counts() -> tuple[int, int]:
    return Candidate.objects.count(), Nomination.objects.count()


# -- nominating ------------------------------------------------------------------------------------------------


def test_joint_nomination_needs_the_minimum_of_voters_on_the_roll(ew):
    election, people, alone = _frozen(ew)
    minimum = _joint_min(election)
    voters = [v.pk for v in (people + alone)[1:]]
    before = _counts()
    with pytest.raises(ValidationFailed) as exc:
        _nominate(ew, election, ew.people[0], method=NominationMethod.VOTERS_JOINTLY,
                  nominator_ids=voters[: minimum - 1])
    assert "nominator_ids" in exc.value.details and str(minimum) in str(exc.value.message)
    assert _counts() == before
    # The same id twice counts once.
    with pytest.raises(ValidationFailed):
        _nominate(ew, election, ew.people[0], method=NominationMethod.VOTERS_JOINTLY,
                  nominator_ids=[*voters[:minimum - 1], voters[0]])
    candidate = _nominate(ew, election, ew.people[0], method=NominationMethod.VOTERS_JOINTLY,
                          nominator_ids=voters[:minimum])
    assert candidate.status == CandidateStatus.NOMINATED and candidate.round == first_round(election)
    assert (candidate.name, candidate.sex, candidate.birth_date, candidate.household_id) == (
        ew.people[0].name, ew.people[0].sex, ew.people[0].birth_date, ew.people[0].household_id)
    assert candidate.voter == people[0]
    assert candidate.nominations.get().nominator_ids == voters[:minimum]
    assert AuditLog.objects.filter(entity_type="elections.Candidate", entity_id=str(candidate.pk),
                                   action="create").exists()


def test_a_nominator_not_on_the_roll_is_named(ew):
    election, _people, alone = _frozen(ew)
    minimum = _joint_min(election)
    off = alone[0]
    Voter.objects.filter(pk=off.pk).update(status="excluded", exclusion_reason="迁出")
    ids = [v.pk for v in alone[: minimum + 1]]
    with pytest.raises(ValidationFailed) as exc:
        _nominate(ew, election, ew.people[0], method=NominationMethod.VOTERS_JOINTLY, nominator_ids=ids)
    assert off.name in str(exc.value.message)
    with pytest.raises(ValidationFailed) as exc:
        _nominate(ew, election, ew.people[0], method=NominationMethod.VOTERS_JOINTLY,
                  nominator_ids=[v.pk for v in alone[1:minimum + 1]] + [999999])
    assert "999999" in str(exc.value.message)
    assert Candidate.objects.count() == 0


def test_household_representatives_are_heads_one_per_household(ew):
    election, people, alone = _frozen(ew)
    minimum = _joint_min(election)
    # Single-adult households: each adult is the head.
    heads = [v.pk for v in alone[:minimum]]
    c = _nominate(ew, election, ew.people[0], method=NominationMethod.HOUSEHOLD_REPS, nominator_ids=heads)
    assert c.nominations.get().method == NominationMethod.HOUSEHOLD_REPS
    spouse = people[1]  # ew.people[1] is the spouse in the first household
    with pytest.raises(ValidationFailed) as exc:
        _nominate(ew, election, ew.people[2], method=NominationMethod.HOUSEHOLD_REPS,
                  nominator_ids=[*heads[1:], spouse.pk])
    assert spouse.name in str(exc.value.message)


def test_a_residents_group_nominates_by_its_grid(ew):
    election, _people, _alone = _frozen(ew)
    with pytest.raises(ValidationFailed) as exc:
        _nominate(ew, election, ew.people[0], method=NominationMethod.RESIDENT_GROUPS,
                  group_code=ew.community2.code)
    assert "group_code" in exc.value.details
    c = _nominate(ew, election, ew.people[0], method=NominationMethod.RESIDENT_GROUPS, group_code=ew.grid.code)
    assert c.nominations.get().group_code == ew.grid.code


def test_second_nomination_adds_to_the_candidate_and_one_person_one_seat_kind(ew):
    election, _people, _alone = _frozen(ew)
    c = _nominate(ew, election, ew.people[0])
    again = _nominate(ew, election, ew.people[0], method=NominationMethod.RESIDENT_GROUPS, group_code=ew.grid.code)
    assert again.pk == c.pk and c.nominations.count() == 2
    with pytest.raises(ValidationFailed) as exc:
        _nominate(ew, election, ew.people[0], seat=SeatKind.DIRECTOR)
    assert "seat" in exc.value.details
    assert Candidate.objects.filter(election=election).count() == 1


def test_nomination_deadline_names_the_last_day(ew):
    election, _people, _alone = _frozen(ew)
    last = election.election_day - dt.timedelta(days=number(election_params(election),
                                                            "candidates_publish_days_before"))
    _nominate(ew, election, ew.people[0], on=last)
    with pytest.raises(ValidationFailed) as exc:
        _nominate(ew, election, ew.people[2], on=last + dt.timedelta(days=1))
    assert last.isoformat() in str(exc.value.message)
    assert Candidate.objects.filter(election=election).count() == 1


def test_ineligible_or_excluded_candidate_refused(ew):
    election, people, _alone = _frozen(ew)
    child = ew.children[1]  # born 2015: under age on election day
    with pytest.raises(ValidationFailed) as exc:
        _nominate(ew, election, child)
    assert "resident" in exc.value.details and child.name in str(exc.value.message)
    with pytest.raises(ValidationFailed):  # lives in another community: not found in this election's area
        _nominate(ew, election, ew.zhao)
    Voter.objects.filter(pk=people[3].pk).update(status="excluded", exclusion_reason="被剥夺政治权利")
    with pytest.raises(ValidationFailed) as exc:
        _nominate(ew, election, ew.people[3])
    assert "被剥夺政治权利" in str(exc.value.message)
    with pytest.raises(ValidationFailed) as exc:  # a seat the election does not have
        e2 = make_election(actor=ew.admin, community=ew.community, seats_deputy=0, seats_member=4)
        roll_from(e2, ew.people)
        advance(e2, Stage.ROLL_FROZEN)
        _nominate(ew, e2, ew.people[0], seat=SeatKind.DEPUTY)
    assert "seat" in exc.value.details
    assert Candidate.objects.count() == 0


def test_incumbent_is_flagged(ew):
    from shequ.governance.services import worker_create

    election, _people, _alone = _frozen(ew)
    worker_create(actor=ew.admin, community=ew.community, resident=ew.people[4], name=ew.people[4].name,
                  position="member", committee="residents", start_date=dt.date(2021, 6, 1), end_date=None,
                  monthly_base_pay=1200)
    assert _nominate(ew, election, ew.people[4]).incumbent is True
    assert _nominate(ew, election, ew.people[6]).incumbent is False


def test_stage_and_scope(ew):
    election, _people, _alone = _frozen(ew)
    with pytest.raises(NotFound):
        candidate_nominate(actor=ew.outsider, election=election, resident=ew.people[0], seat="member",
                           method="self", on=_on(election))
    with pytest.raises(PermissionDenied):
        candidate_nominate(actor=ew.analyst, election=election, resident=ew.people[0], seat="member",
                           method="self", on=_on(election))
    advance(election, Stage.CANDIDATES_PUBLISHED)
    with pytest.raises(Conflict):
        _nominate(ew, election, ew.people[0])
    assert Candidate.objects.count() == 0


# -- status ----------------------------------------------------------------------------------------------------


def test_status_needs_a_reason_to_withdraw_or_reject(ew):
    election, _people, _alone = _frozen(ew)
    c = _nominate(ew, election, ew.people[0])
    with pytest.raises(ValidationFailed) as exc:
        candidate_set_status(actor=ew.worker, candidate=c, status=CandidateStatus.REJECTED, reason=" ")
    assert "reason" in exc.value.details
    c.refresh_from_db()
    assert c.status == CandidateStatus.NOMINATED
    candidate_set_status(actor=ew.worker, candidate=c, status=CandidateStatus.FORMAL, reason="")
    candidate_set_status(actor=ew.worker, candidate=c, status=CandidateStatus.WITHDRAWN, reason="本人书面申请退出")
    c.refresh_from_db()
    assert (c.status, c.status_reason) == (CandidateStatus.WITHDRAWN, "本人书面申请退出")
    assert AuditLog.objects.filter(entity_type="elections.Candidate", entity_id=str(c.pk), action="update").count() == 2
    with pytest.raises(NotFound):
        candidate_set_status(actor=ew.outsider, candidate=c, status=CandidateStatus.FORMAL, reason="")


# -- the formal list -------------------------------------------------------------------------------------------


def _formal_list(election, alone, *, director, deputy, member, women=True):  # type: ignore[no-untyped-def]
    """Formal candidates from distinct households; the women among `alone` are the even ones (every other)."""
    pool = list(alone) if women else [v for v in alone if v.sex == "M"] + [v for v in alone if v.sex == "F"]
    out = []
    for seat, n in ((SeatKind.DIRECTOR, director), (SeatKind.DEPUTY, deputy), (SeatKind.MEMBER, member)):
        out += formal_candidates(election, seat, pool[:n])
        pool = pool[n:]
    return out


@pytest.mark.parametrize("day,version", [(dt.date(2025, 12, 31), 1), (dt.date(2026, 1, 1), 2)])
@pytest.mark.parametrize("seat", [SeatKind.DIRECTOR, SeatKind.DEPUTY, SeatKind.MEMBER])
def test_margins_at_the_boundaries(ew, day, version, seat):
    election, _people, alone = _frozen(ew, day)
    assert election.policy_version.number == version
    values = election_params(election)
    seats = election.seats
    low = {s: seats[s] + number(values, f"margin_{s}_min") for s in SeatKind.values}
    high = {s: seats[s] + number(values, f"margin_{s}_max") for s in SeatKind.values}
    on = day - dt.timedelta(days=10)
    for count, ok in ((low[seat] - 1, False), (low[seat], True), (high[seat], True), (high[seat] + 1, False)):
        Candidate.objects.filter(election=election).delete()
        sizes = {s: (count if s == seat else low[s]) for s in SeatKind.values}
        _formal_list(election, alone, **sizes)
        check = publication_check(election, on)
        assert (seat in check.errors) is (not ok), (count, check.errors)
        assert set(check.errors) <= {seat}, check.errors
    # The last list (one too many) is refused at once with every problem, and nothing moves.
    with pytest.raises(ValidationFailed) as exc:
        candidates_publish(actor=ew.worker, election=election, on=on)
    assert seat in exc.value.details
    election.refresh_from_db()
    assert election.stage == Stage.ROLL_FROZEN and election.candidates_published_on is None


def test_a_seat_kind_without_seats_has_no_candidates(ew):
    _election, _people, _alone = _frozen(ew)
    e = make_election(actor=ew.admin, community=ew.community, seats_deputy=0, seats_member=4)
    roll_from(e, ew.singles)
    advance(e, Stage.ROLL_FROZEN)
    status = margin_status(e)
    assert [s.seat for s in status.seats] == [SeatKind.DIRECTOR, SeatKind.MEMBER]
    _formal_list(e, Voter.objects.filter(election=e).order_by("id"), director=2, deputy=1, member=5)
    assert SeatKind.DEPUTY in publication_check(e, _on(e)).errors


def test_publish_numbers_positions_by_seat_and_audits(ew):
    election, _people, alone = _frozen(ew)
    _formal_list(election, alone, director=2, deputy=2, member=4)
    nominee = _nominate(ew, election, ew.people[0])  # left undecided: not on the list, a warning
    published = candidates_publish(actor=ew.worker, election=election, on=_on(election))
    assert published.stage == Stage.CANDIDATES_PUBLISHED
    assert published.candidates_published_on == _on(election)
    assert any("1 名" in w for w in published.publish_warnings)
    formal = list(Candidate.objects.filter(election=election, status=CandidateStatus.FORMAL).order_by("position"))
    assert [c.position for c in formal] == list(range(8))
    order = list(SeatKind.values)
    assert [order.index(c.seat) for c in formal] == sorted(order.index(c.seat) for c in formal)
    nominee.refresh_from_db()
    assert nominee.status == CandidateStatus.NOMINATED
    row = AuditLog.objects.get(entity_type="elections.Election", action="publish")
    assert row.area_code == election.area_code


def test_women_rule(ew):
    election, people, alone = _frozen(ew)
    minimum = number(election_params(election), "women_min")
    men = [v for v in alone if v.sex == "M"] + [people[1]]  # eight men from eight households
    formal_candidates(election, SeatKind.DIRECTOR, men[:2])
    formal_candidates(election, SeatKind.DEPUTY, men[2:4])
    members = formal_candidates(election, SeatKind.MEMBER, men[4:8])
    check = publication_check(election, _on(election))
    assert set(check.errors) == {"women"} and str(minimum) in check.errors["women"][0]
    women = [v for v in alone if v.sex == "F"][:minimum]
    Candidate.objects.filter(pk__in=[c.pk for c in members[:minimum]]).update(status=CandidateStatus.WITHDRAWN)
    formal_candidates(election, SeatKind.MEMBER, women)
    assert publication_check(election, _on(election)).errors == {}


def test_publication_after_the_deadline_refused(ew):
    election, _people, alone = _frozen(ew)
    _formal_list(election, alone, director=2, deputy=2, member=4)
    last = publication_check(election, _on(election)).margins.deadline
    before = _positions(election)
    with pytest.raises(ValidationFailed) as exc:
        candidates_publish(actor=ew.worker, election=election, on=last + dt.timedelta(days=1))
    assert last.isoformat() in str(exc.value.details["deadline"])
    assert _positions(election) == before
    candidates_publish(actor=ew.worker, election=election, on=last)


def _relatives_list(election, people, alone):  # type: ignore[no-untyped-def]
    # people[0] and people[1] share a household.
    formal_candidates(election, SeatKind.DIRECTOR, [people[0], alone[0]])
    formal_candidates(election, SeatKind.DEPUTY, alone[1:3])
    formal_candidates(election, SeatKind.MEMBER, [people[1], *alone[3:6]])


def test_close_relatives_blocked_when_the_rule_blocks(ew):
    election, people, alone = _frozen(ew)
    assert number(election_params(election), "close_relatives_block") == 1
    _relatives_list(election, people, alone)
    with pytest.raises(ValidationFailed) as exc:
        candidates_publish(actor=ew.worker, election=election, on=_on(election))
    assert people[0].name in str(exc.value.details["relatives"])
    election.refresh_from_db()
    assert election.stage == Stage.ROLL_FROZEN
    assert not AuditLog.objects.filter(entity_type="elections.Election", action="publish").exists()


def test_close_relatives_only_warned_under_a_version_that_warns(ew, django_user_model):
    from shequ.standards.models import PolicySet
    from shequ.standards.policy_services import policy_version_create

    province = django_user_model.objects.create_superuser("province", password="x")  # the set is Hunan's
    values = {k: (v if isinstance(v, list) else str(v)) for k, v in election_params(ew.election).items()}
    values["close_relatives_block"] = "0"
    version = policy_version_create(actor=province, policy_set=PolicySet.objects.get(code=HUNAN_SET),
                                    effective_from=dt.date(2026, 6, 1), citation="测试：近亲属仅提示",
                                    parameters=values)
    election, people, alone = _frozen(ew, ew.day)
    assert election.policy_version_id == version.pk
    _relatives_list(election, people, alone)
    published = candidates_publish(actor=ew.worker, election=election, on=_on(election))
    assert published.stage == Stage.CANDIDATES_PUBLISHED
    assert any(people[0].name in w for w in published.publish_warnings)
    row = AuditLog.objects.get(entity_type="elections.Election", entity_id=str(election.pk), action="publish")
    assert any(people[0].name in w for w in row.changes["warnings"])


def test_publish_scope_and_stage(ew):
    election, _people, alone = _frozen(ew)
    _formal_list(election, alone, director=2, deputy=2, member=4)
    before = _positions(election)
    with pytest.raises(NotFound):
        candidates_publish(actor=ew.outsider, election=election, on=_on(election))
    with pytest.raises(PermissionDenied):
        candidates_publish(actor=ew.analyst, election=election, on=_on(election))
    advance(election, Stage.ROLL_PUBLISHED)
    with pytest.raises(Conflict):
        candidates_publish(actor=ew.worker, election=election, on=_on(election))
    assert _positions(election) == before
    election.refresh_from_db()
    assert election.candidates_published_on is None
