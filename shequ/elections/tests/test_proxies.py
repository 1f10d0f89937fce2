"""Written proxies: both on the roll, one per grantor, at most the rule's number per holder (the fourth refused,
for each rule version), not after voting online, revoked only before voting; scope and audit."""

from __future__ import annotations

import datetime as dt

import pytest

from shequ.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shequ.core.models import AuditLog
from shequ.elections.models import OnlineVoteMark, Proxy, Stage, Voter
from shequ.elections.rules import election_params, number
from shequ.elections.selectors.candidates import proxy_holder_counts
from shequ.elections.services.proxies import proxy_record, proxy_revoke
from shequ.elections.testing import advance, first_round, make_election, roll_from

pytestmark = pytest.mark.django_db


def _frozen(ew, day=None):  # type: ignore[no-untyped-def]
    election = ew.election if day is None else make_election(actor=ew.admin, community=ew.community, day=day)
    voters = roll_from(election, ew.people)
    advance(election, Stage.ROLL_FROZEN)
    return election, voters


def _record(ew, election, grantor, holder, **kw):  # type: ignore[no-untyped-def]
    on = kw.pop("on", election.election_day - dt.timedelta(days=3))
    kw.setdefault("written_on", on)
    return proxy_record(actor=ew.worker, election=election, grantor=grantor, holder=holder, on=on, **kw)


@pytest.mark.parametrize("day,version", [(dt.date(2025, 12, 31), 1), (dt.date(2026, 1, 1), 2)])
def test_the_holder_limit(ew, day, version):
    election, voters = _frozen(ew, day)
    assert election.policy_version.number == version
    limit = number(election_params(election), "proxy_max")
    holder, grantors = voters[0], voters[1: limit + 2]
    for grantor in grantors[:limit]:
        _record(ew, election, grantor, holder)
    with pytest.raises(ValidationFailed) as exc:
        _record(ew, election, grantors[limit], holder)
    message = str(exc.value.message)
    assert holder.name in message and str(limit) in message and "holder" in exc.value.details
    assert exc.value.code == "proxy_limit"
    assert Proxy.objects.filter(election=election).count() == limit
    assert [(h.voter_id, h.count) for h in proxy_holder_counts(viewer=ew.worker, election=election)] == [
        (holder.pk, limit)]


def test_both_on_the_roll_distinct_and_once(ew):
    election, voters = _frozen(ew)
    Voter.objects.filter(pk=voters[5].pk).update(status="excluded")
    with pytest.raises(ValidationFailed) as exc:
        _record(ew, election, voters[5], voters[0])
    assert "grantor" in exc.value.details and voters[5].name in str(exc.value.message)
    with pytest.raises(ValidationFailed) as exc:
        _record(ew, election, voters[1], voters[5])
    assert "holder" in exc.value.details
    with pytest.raises(ValidationFailed):
        _record(ew, election, voters[1], voters[1])
    other = make_election(actor=ew.admin, community=ew.community)
    stranger = roll_from(other, ew.people[:1])[0]
    with pytest.raises(ValidationFailed):  # a voter of another election
        _record(ew, election, stranger, voters[0])
    assert Proxy.objects.count() == 0
    _record(ew, election, voters[1], voters[0])
    with pytest.raises(ValidationFailed) as exc:
        _record(ew, election, voters[1], voters[2])
    assert voters[0].name in str(exc.value.message)
    with pytest.raises(ValidationFailed):  # a grantor cannot hold, a holder cannot grant
        _record(ew, election, voters[2], voters[1])
    with pytest.raises(ValidationFailed):
        _record(ew, election, voters[0], voters[2])
    with pytest.raises(ValidationFailed) as exc:
        _record(ew, election, voters[3], voters[2], written_on=election.election_day)
    assert "written_on" in exc.value.details
    assert Proxy.objects.count() == 1


def test_a_voter_who_voted_online_cannot_give_a_proxy(ew):
    election, voters = _frozen(ew)
    advance(election, Stage.VOTING)
    OnlineVoteMark.objects.create(round=first_round(election), voter=voters[1])
    with pytest.raises(ValidationFailed) as exc:
        _record(ew, election, voters[1], voters[0])
    assert "grantor" in exc.value.details
    assert not Proxy.objects.exists()
    _record(ew, election, voters[2], voters[0])  # during voting, for a voter who has not voted


def test_revoke_before_voting_only_and_audited(ew):
    election, voters = _frozen(ew)
    proxy = _record(ew, election, voters[1], voters[0])
    assert AuditLog.objects.filter(entity_type="elections.Proxy", entity_id=str(proxy.pk), action="create").exists()
    proxy_revoke(actor=ew.worker, proxy=proxy)
    assert not Proxy.objects.exists()
    assert AuditLog.objects.filter(entity_type="elections.Proxy", entity_id=str(proxy.pk), action="delete").exists()
    proxy = _record(ew, election, voters[1], voters[0])
    advance(election, Stage.VOTING)
    with pytest.raises(Conflict):
        proxy_revoke(actor=ew.worker, proxy=proxy)
    assert Proxy.objects.filter(pk=proxy.pk).exists()


def test_stage_and_scope(ew):
    election, voters = _frozen(ew)
    with pytest.raises(NotFound):
        proxy_record(actor=ew.outsider, election=election, grantor=voters[1], holder=voters[0],
                     written_on=ew.day - dt.timedelta(days=3), on=ew.day - dt.timedelta(days=3))
    with pytest.raises(PermissionDenied):
        proxy_record(actor=ew.analyst, election=election, grantor=voters[1], holder=voters[0],
                     written_on=ew.day - dt.timedelta(days=3), on=ew.day - dt.timedelta(days=3))
    proxy = _record(ew, election, voters[1], voters[0])
    with pytest.raises(NotFound):
        proxy_revoke(actor=ew.outsider, proxy=proxy)
    with pytest.raises(NotFound):
        proxy_holder_counts(viewer=ew.outsider, election=election)
    advance(election, Stage.ROLL_PUBLISHED)
    with pytest.raises(Conflict):
        _record(ew, election, voters[2], voters[0])
    assert Proxy.objects.count() == 1
