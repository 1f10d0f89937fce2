"""The nomination methods a rule version allows (`nomination_methods`, a list parameter): the seeded versions allow
joint, household-representative and residents'-group nominations and not self-nomination; a method the version does
not allow is refused by name; a new version with another list changes the outcome by election day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shequ.core.errors import ValidationFailed
from shequ.core.testing.clients import ApiClient, assert_error, login
from shequ.elections.models import Candidate, Nomination, NominationMethod, SeatKind, Stage
from shequ.elections.rules import HUNAN_SET, election_params, items, number
from shequ.elections.services.nomination import candidate_nominate
from shequ.elections.testing import advance, make_election, make_people, roll_from
from shequ.standards.models import PolicyVersion
from shequ.standards.policy import params

pytestmark = pytest.mark.django_db

SEEDED = ["voters_jointly", "household_reps", "resident_groups"]


def _frozen(ew, day):  # type: ignore[no-untyped-def]
    election = make_election(actor=ew.admin, community=ew.community, day=day)
    singles = getattr(ew, "singles", None)
    if singles is None:
        singles = ew.singles = make_people(actor=ew.admin, community=ew.community, households=12, adults=1,
                                           prefix="单户")
    roll_from(election, ew.people)
    alone = roll_from(election, singles)
    advance(election, Stage.ROLL_FROZEN)
    return election, alone


def _nominate(ew, election, resident, method, alone):  # type: ignore[no-untyped-def]
    minimum = number(election_params(election), "nomination_joint_voters_min")
    extra = {
        NominationMethod.VOTERS_JOINTLY: {"nominator_ids": [v.pk for v in alone[:minimum]]},
        NominationMethod.HOUSEHOLD_REPS: {"nominator_ids": [v.pk for v in alone[:minimum]]},
        NominationMethod.RESIDENT_GROUPS: {"group_code": ew.grid.code},
        NominationMethod.SELF: {},
    }[method]
    return candidate_nominate(actor=ew.worker, election=election, resident=resident, seat=SeatKind.MEMBER,
                              method=method, on=election.election_day - dt.timedelta(days=10), **extra)


@pytest.mark.parametrize("number_", [1, 2], ids=["v1-2018", "v2-2025"])
def test_seeded_versions_list_the_laws_methods(ew, number_):
    version = PolicyVersion.objects.get(policy_set__code=HUNAN_SET, number=number_)
    assert items(params(version), "nomination_methods") == SEEDED
    assert version.parameters.get(key="nomination_methods").kind == "items"


@pytest.mark.parametrize("day", [dt.date(2025, 12, 20), dt.date(2026, 6, 20)], ids=["v1-2018", "v2-2025"])
def test_allowed_methods_accepted_self_nomination_refused(ew, day):
    election, alone = _frozen(ew, day)
    assert election.policy_version.number == (1 if day.year == 2025 else 2)
    for resident, method in zip(ew.people[0:6:2], SEEDED, strict=True):
        candidate = _nominate(ew, election, resident, method, alone)
        assert candidate.nominations.get().method == method
    before = (Candidate.objects.count(), Nomination.objects.count())
    with pytest.raises(ValidationFailed) as exc:
        _nominate(ew, election, ew.people[6], NominationMethod.SELF, alone)
    assert exc.value.code == "method_not_allowed" and "method" in exc.value.details
    message = str(exc.value.message)
    assert str(NominationMethod.SELF.label) in message  # names the refused method …
    assert str(NominationMethod.VOTERS_JOINTLY.label) in message  # … and the ones allowed
    assert (Candidate.objects.count(), Nomination.objects.count()) == before


def test_a_new_version_with_another_list_changes_the_outcome_by_election_day(ew, django_user_model):
    from shequ.standards.models import PolicySet
    from shequ.standards.policy_services import policy_version_create

    province = django_user_model.objects.create_superuser("province", password="x")
    v2 = PolicyVersion.objects.get(policy_set__code=HUNAN_SET, number=2)
    values = {k: (v if isinstance(v, list) else str(v)) for k, v in params(v2).items()}
    values["nomination_methods"] = ["voters_jointly", "resident_groups", "self"]  # 自荐 in, household reps out
    policy_version_create(actor=province, policy_set=PolicySet.objects.get(code=HUNAN_SET),
                          effective_from=dt.date(2026, 9, 1), citation="测试：允许本人自荐", parameters=values)
    before, alone_before = _frozen(ew, dt.date(2026, 8, 31))
    after, alone_after = _frozen(ew, dt.date(2026, 9, 1))
    assert (before.policy_version.number, after.policy_version.number) == (2, 3)

    # Under v2 (election day 2026-08-31): household representatives yes, self-nomination no.
    assert _nominate(ew, before, ew.people[0], NominationMethod.HOUSEHOLD_REPS, alone_before).pk
    with pytest.raises(ValidationFailed) as exc:
        _nominate(ew, before, ew.people[2], NominationMethod.SELF, alone_before)
    assert exc.value.code == "method_not_allowed"
    # Under v3 (election day 2026-09-01): the other way round.
    assert _nominate(ew, after, ew.people[2], NominationMethod.SELF, alone_after).pk
    with pytest.raises(ValidationFailed) as exc:
        _nominate(ew, after, ew.people[0], NominationMethod.HOUSEHOLD_REPS, alone_after)
    assert exc.value.code == "method_not_allowed" and str(NominationMethod.HOUSEHOLD_REPS.label) in str(
        exc.value.message)
    assert not Candidate.objects.filter(election=after, resident=ew.people[0]).exists()


def test_page_offers_only_the_allowed_methods_and_api_refuses_the_others(ew, monkeypatch):
    election, _alone = _frozen(ew, ew.day)
    day = ew.day - dt.timedelta(days=10)
    monkeypatch.setattr("shequ.elections.services.common.timezone.localdate", lambda *a, **k: day)
    html = login(ew.worker).get(reverse("elections:candidates", args=[election.pk])).content.decode()
    for method in SEEDED:
        assert f'<option value="{method}"' in html
    assert '<option value="self"' not in html
    response = login(ew.worker).post(reverse("elections:nominate", args=[election.pk]), {
        "resident_id": ew.people[0].pk, "seat": "member", "method": "self"})
    assert response.status_code == 422
    error = assert_error(ApiClient(ew.worker, "/api/v1").send("POST", f"/elections/{election.pk}/candidates", {
        "resident_id": ew.people[0].pk, "seat": "member", "method": "self"}), 422, "method_not_allowed")
    assert str(NominationMethod.SELF.label) in error["message"] and "method" in error["details"]
    assert not Candidate.objects.filter(election=election).exists()
