"""Creating and changing elections: the rule version by election day, seats by the rule, scope."""

from __future__ import annotations

import datetime as dt

import pytest

from shequ.core.errors import NotFound, PermissionDenied, ValidationFailed
from shequ.elections.models import Body, Round
from shequ.elections.services.elections import election_create, election_update
from shequ.elections.testing import make_election

pytestmark = pytest.mark.django_db


def test_version_follows_election_day(ew):
    assert ew.election.policy_version.number == 2
    old = make_election(actor=ew.admin, community=ew.community_b, day=dt.date(2025, 12, 31))
    assert old.policy_version.number == 1
    assert Round.objects.filter(election=old, number=1, seats={"director": 1, "deputy": 1, "member": 3}).exists()


def test_no_rule_version_before_2018(ew):
    with pytest.raises(ValidationFailed) as exc:
        make_election(actor=ew.admin, community=ew.community_b, day=dt.date(2018, 12, 28))
    assert "election_day" in exc.value.details


@pytest.mark.parametrize("members,ok", [(2, False), (3, True), (7, True), (8, False)])
def test_seat_total_5_to_9(ew, members, ok):
    if ok:
        make_election(actor=ew.admin, community=ew.community_b, seats_member=members)
    else:
        with pytest.raises(ValidationFailed) as exc:
            make_election(actor=ew.admin, community=ew.community_b, seats_member=members)
        assert "seats_member" in exc.value.details


def test_group_leader_needs_a_grid_of_the_community(ew):
    e = make_election(actor=ew.admin, community=ew.community, body=Body.GROUP_LEADER, group=ew.grid,
                      seats_director=1, seats_deputy=0, seats_member=0, title="第一小组组长选举")
    assert e.area_code == ew.grid.code
    with pytest.raises(ValidationFailed):
        make_election(actor=ew.admin, community=ew.community, body=Body.GROUP_LEADER, group=None,
                      seats_director=1, seats_deputy=0, seats_member=0)


def test_scope(ew):
    with pytest.raises(NotFound):
        make_election(actor=ew.outsider, community=ew.community)
    with pytest.raises(PermissionDenied):  # a community worker runs the election but does not create it
        make_election(actor=ew.worker, community=ew.community)


def test_update_only_in_draft(ew):
    e = election_update(actor=ew.subdistrict_officer, election=ew.election, seats_member=5,
                        on=ew.day - dt.timedelta(days=30))
    assert e.rounds.get(number=1).seats["member"] == 5
    with pytest.raises(ValidationFailed):
        election_create(actor=ew.admin, community=ew.community, title="x", election_day=ew.day, seats_deputy=-1,
                        on=ew.day)
