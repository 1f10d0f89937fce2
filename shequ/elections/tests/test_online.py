"""Online voting: one ballot per voter and round, not linkable to its voter, with a receipt to check it."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection

from shequ.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shequ.core.models import AuditLog
from shequ.core.roles import Role
from shequ.core.testing.clients import ApiClient, assert_error
from shequ.core.testing.factories import make_user
from shequ.elections.models import (
    OnlineBallot,
    OnlineVoteMark,
    Proxy,
    Round,
    RoundKind,
    RoundStatus,
    SeatKind,
    Stage,
    VoterStatus,
)
from shequ.elections.selectors.online import online_voter_ids
from shequ.elections.services.online import ballot_cast, receipt_check, receipt_hash, receipt_normalise
from shequ.elections.services.results import round_count
from shequ.elections.testing import advance, first_round, formal_candidates, roll_from

pytestmark = pytest.mark.django_db


def open_for_voting(w: Any, *, online: bool = True, voters: int = 0) -> SimpleNamespace:
    """ew's election in stage voting: everyone on the roll (w.li, the resident user's person, first), formal
    candidates 2 directors, 2 deputies, 4 members (seats 1/1/3), and `voters` extra resident users on the roll."""
    e = w.election
    roll = roll_from(e, [w.li, *w.people])
    cands = (formal_candidates(e, SeatKind.DIRECTOR, roll[1:3]) + formal_candidates(e, SeatKind.DEPUTY, roll[3:5])
             + formal_candidates(e, SeatKind.MEMBER, roll[5:9]))
    e.online_voting = online
    e.save(update_fields=["online_voting"])
    advance(e, Stage.VOTING)
    users = [make_user(f"voter{i}", Role.RESIDENT, w.community, resident=v.resident)
             for i, v in enumerate(roll[1:1 + voters])]
    return SimpleNamespace(election=e, round=first_round(e), roll=roll, cands=cands, users=users,
                           director=cands[:2], deputy=cands[2:4], member=cands[4:])


def counts() -> tuple[int, int]:
    return OnlineBallot.objects.count(), OnlineVoteMark.objects.count()


def test_cast_stores_marks_by_position_and_a_receipt(ew):
    s = open_for_voting(ew)
    choices = {s.director[0].pk: "F", s.director[1].pk: "A", s.deputy[1].pk: "F",
               s.member[0].pk: "F", s.member[1].pk: "F", s.member[2].pk: "A"}
    code = ballot_cast(actor=ew.resident_user, election=s.election, choices=choices)
    assert receipt_normalise(code) and len(code.replace("-", "")) == 16
    ballot = OnlineBallot.objects.get()
    by_pos = {c.position: choices.get(c.pk, "N") for c in s.cands}
    assert ballot.marks == "".join(by_pos[i] for i in range(len(s.cands)))
    assert ballot.receipt_hash == receipt_hash(code) and code not in ballot.receipt_hash
    assert ballot.round_id == s.round.pk and ballot.write_ins is None
    mark = OnlineVoteMark.objects.get()
    assert (mark.round_id, mark.voter_id) == (s.round.pk, s.roll[0].pk)
    assert online_voter_ids(s.round) == {s.roll[0].pk}


def test_second_ballot_refused_and_nothing_added(ew):
    s = open_for_voting(ew)
    ballot_cast(actor=ew.resident_user, election=s.election, choices={s.director[0].pk: "F"})
    before = (counts(), OnlineBallot.objects.get().marks, AuditLog.objects.count())
    with pytest.raises(Conflict) as exc:
        ballot_cast(actor=ew.resident_user, election=s.election, choices={s.director[1].pk: "F"})
    assert exc.value.code == "already_voted"
    assert (counts(), OnlineBallot.objects.get().marks, AuditLog.objects.count()) == before


def test_unique_mark_holds_without_the_early_check(ew, monkeypatch):
    """The constraint, not the pre-check, is what stops a second ballot (as when two requests race)."""
    from shequ.elections.services import online

    s = open_for_voting(ew)
    ballot_cast(actor=ew.resident_user, election=s.election, choices={})

    class NeverMarked:
        def filter(self, **kw: Any) -> Any:
            return SimpleNamespace(exists=lambda: False)

        def create(self, **kw: Any) -> Any:
            return OnlineVoteMark._default_manager.create(**kw)

    monkeypatch.setattr(online.OnlineVoteMark, "objects", NeverMarked())
    with pytest.raises(Conflict) as exc:
        ballot_cast(actor=ew.resident_user, election=s.election, choices={})
    assert exc.value.code == "already_voted"
    monkeypatch.undo()
    assert counts() == (1, 1)


def test_not_on_the_roll_refused(ew):
    s = open_for_voting(ew)
    s.roll[0].status = VoterStatus.EXCLUDED
    s.roll[0].save(update_fields=["status"])
    with pytest.raises(PermissionDenied) as exc:
        ballot_cast(actor=ew.resident_user, election=s.election, choices={})
    assert exc.value.code == "not_on_roll"
    stranger = make_user("stranger", Role.RESIDENT, ew.community, resident=ew.children[0])  # a child: no Voter
    with pytest.raises(PermissionDenied):
        ballot_cast(actor=stranger, election=s.election, choices={})
    assert counts() == (0, 0)


@pytest.mark.parametrize("who,error", [("worker", PermissionDenied), ("outsider", NotFound),
                                       ("admin", PermissionDenied), ("auditor", NotFound)])
def test_staff_and_outsiders_cannot_vote(ew, who, error):
    s = open_for_voting(ew)
    with pytest.raises(error):
        ballot_cast(actor=getattr(ew, who), election=s.election, choices={})
    other = make_user("elsewhere", Role.RESIDENT, ew.community2, resident=ew.zhao)
    with pytest.raises(NotFound):
        ballot_cast(actor=other, election=s.election, choices={})
    assert counts() == (0, 0)


def test_resident_user_without_person_refused(ew):
    s = open_for_voting(ew)
    bare = make_user("unverified", Role.RESIDENT, ew.community)
    with pytest.raises(PermissionDenied) as exc:
        ballot_cast(actor=bare, election=s.election, choices={})
    assert exc.value.code == "not_a_voter"


@pytest.mark.parametrize("stage", [Stage.CANDIDATES_PUBLISHED, Stage.COUNTED])
def test_wrong_stage_refused(ew, stage):
    s = open_for_voting(ew)
    advance(s.election, stage)
    with pytest.raises(Conflict) as exc:
        ballot_cast(actor=ew.resident_user, election=s.election, choices={})
    assert exc.value.code == "wrong_stage"
    assert counts() == (0, 0)


def test_round_not_open_refused_and_the_additional_round_is_the_one(ew):
    s = open_for_voting(ew)
    Round.objects.filter(pk=s.round.pk).update(status=RoundStatus.COUNTED)
    with pytest.raises(Conflict) as exc:
        ballot_cast(actor=ew.resident_user, election=s.election, choices={})
    assert exc.value.code == "round_not_open"
    second = Round.objects.create(election=s.election, number=2, kind=RoundKind.ADDITIONAL, seats={"member": 1})
    cands = formal_candidates(s.election, SeatKind.MEMBER, s.roll[5:7], round_=second)
    ballot_cast(actor=ew.resident_user, election=s.election, choices={cands[1].pk: "F"})
    assert OnlineBallot.objects.get().round_id == second.pk
    assert online_voter_ids(second) == {s.roll[0].pk} and online_voter_ids(s.round) == set()
    with pytest.raises(ValidationFailed):  # a first-round candidate is not on the second round's ballot
        ballot_cast(actor=make_user("v9", Role.RESIDENT, ew.community, resident=s.roll[9].resident),
                    election=s.election, choices={s.director[0].pk: "F"})


def test_election_without_online_voting_refused(ew):
    s = open_for_voting(ew, online=False)
    with pytest.raises(Conflict) as exc:
        ballot_cast(actor=ew.resident_user, election=s.election, choices={})
    assert exc.value.code == "online_voting_off"
    assert counts() == (0, 0)


def test_proxy_grantor_refused(ew):
    s = open_for_voting(ew)
    Proxy.objects.create(election=s.election, grantor=s.roll[0], holder=s.roll[1], written_on=ew.day)
    with pytest.raises(Conflict) as exc:
        ballot_cast(actor=ew.resident_user, election=s.election, choices={})
    assert exc.value.code == "proxy_given"
    assert counts() == (0, 0)


def test_too_many_for_votes_refused(ew):
    s = open_for_voting(ew)
    with pytest.raises(ValidationFailed) as exc:
        ballot_cast(actor=ew.resident_user, election=s.election,
                    choices={s.director[0].pk: "F", s.director[1].pk: "F"})
    assert "choices" in exc.value.details and "主任" in exc.value.message
    with pytest.raises(ValidationFailed):  # three members for plus one written in: four for three seats
        ballot_cast(actor=ew.resident_user, election=s.election,
                    choices={c.pk: "F" for c in s.member[:3]}, write_ins={SeatKind.MEMBER: ["张三"]})
    assert counts() == (0, 0)


@pytest.mark.parametrize("choices", [{999999: "F"}, {"x": "F"}, {"@": "F"}, {0: "Y"}])
def test_unknown_candidate_or_choice_refused(ew, choices):
    s = open_for_voting(ew)
    choices = {(s.director[0].pk if k == 0 else k): v for k, v in choices.items()}
    with pytest.raises(ValidationFailed) as exc:
        ballot_cast(actor=ew.resident_user, election=s.election, choices=choices)
    assert "choices" in exc.value.details
    assert counts() == (0, 0)


def test_write_ins(ew):
    s = open_for_voting(ew)
    with pytest.raises(ValidationFailed) as exc:  # a listed candidate is voted for, not written in
        ballot_cast(actor=ew.resident_user, election=s.election, choices={},
                    write_ins={SeatKind.DIRECTOR: [s.director[0].name]})
    assert "write_ins" in exc.value.details
    with pytest.raises(ValidationFailed):
        ballot_cast(actor=ew.resident_user, election=s.election, choices={}, write_ins={"treasurer": ["张三"]})
    assert counts() == (0, 0)
    ballot_cast(actor=ew.resident_user, election=s.election,
                choices={s.director[0].pk: "A", s.member[0].pk: "F"},
                write_ins={SeatKind.DIRECTOR: [" 张三 "], SeatKind.MEMBER: ["李四", ""]})
    assert OnlineBallot.objects.get().write_ins == {"director": ["张三"], "member": ["李四"]}


def test_receipt_check(ew):
    s = open_for_voting(ew)
    code = ballot_cast(actor=ew.resident_user, election=s.election, choices={s.member[2].pk: "F"})
    found = receipt_check(code.lower().replace("-", " "))
    assert found is not None
    assert (found["election"], found["round"], found["counted"]) == (s.election.title, 1, False)
    # stored and counted, never how: the code must not prove to a third person how its holder voted
    assert set(found) == {"election_id", "election", "round", "round_status", "counted"}
    Round.objects.filter(pk=s.round.pk).update(status=RoundStatus.COUNTED)
    assert receipt_check(code)["counted"] is True
    assert receipt_check("2222-2222-2222-2222") is None
    assert receipt_check("not a code") is None and receipt_check("") is None


def test_no_path_from_ballot_to_voter(ew):
    s = open_for_voting(ew)
    ballot_cast(actor=ew.resident_user, election=s.election, choices={s.director[0].pk: "F"})
    fields = {f.name for f in OnlineBallot._meta.get_fields()}
    assert fields == {"id", "round", "marks", "write_ins", "receipt_hash"}
    assert not any(isinstance(f, (dt.datetime, dt.date)) for f in vars(OnlineBallot.objects.get()).values())
    mark_fields = {f.name for f in OnlineVoteMark._meta.get_fields()}
    assert mark_fields == {"id", "round", "voter"}
    ballot = OnlineBallot.objects.get()
    assert OnlineVoteMark.objects.filter(round=s.round, voter__resident=ew.resident_user.resident).exists()
    # no timestamped row of the voter's act sits beside the ballot: nothing written by the vote names the voter
    # and the time, and nothing anywhere holds the ballot's id, marks or receipt hash
    assert not AuditLog.objects.filter(actor=ew.resident_user).exists()
    for row in AuditLog.objects.all():
        text = f"{row.entity_type} {row.entity_id} {row.summary} {row.changes}"
        assert str(ballot.id) not in text and ballot.id.hex not in text and ballot.receipt_hash not in text


def _storage_order() -> list[str]:
    """Receipt hashes in the order the database keeps the ballots (PostgreSQL's ctid, SQLite's rowid)."""
    column = "ctid" if connection.vendor == "postgresql" else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT receipt_hash FROM {OnlineBallot._meta.db_table} ORDER BY {column}")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def test_count_unties_ballots_from_marks(ew):
    # 13 voters cast in turn; after the count no database-level trace orders or dates a ballot like its mark.
    s = open_for_voting(ew, voters=12)
    codes = [ballot_cast(actor=user, election=s.election, choices={s.cands[i % 8].pk: "F"})
             for i, user in enumerate([ew.resident_user, *s.users])]
    before = {b.receipt_hash: (b.id, b.marks) for b in OnlineBallot.objects.all()}
    cast_order = _storage_order()
    assert cast_order == [receipt_hash(code) for code in codes]  # what a reader of the table could use
    round_count(actor=ew.worker, election=s.election, on=ew.day)
    after = {b.receipt_hash: (b.id, b.marks) for b in OnlineBallot.objects.all()}
    assert {h: m for h, (_i, m) in after.items()} == {h: m for h, (_i, m) in before.items()}
    assert not {i for i, _m in after.values()} & {i for i, _m in before.values()}  # every id new
    assert _storage_order() != cast_order and sorted(_storage_order()) == sorted(cast_order)
    assert all(receipt_check(code)["counted"] for code in codes)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT xmin::text FROM {OnlineBallot._meta.db_table}")  # noqa: S608
            ballot_xids = {row[0] for row in cursor.fetchall()}
            cursor.execute(f"SELECT DISTINCT xmin::text FROM {OnlineVoteMark._meta.db_table}")  # noqa: S608
            mark_xids = {row[0] for row in cursor.fetchall()}
        assert len(ballot_xids) == 1 and not ballot_xids & mark_xids


# -- API -------------------------------------------------------------------------------------------------

def test_api_get_and_cast(ew):
    s = open_for_voting(ew)
    api = ApiClient(ew.resident_user, base="/api/v1/elections")
    got = api.get(f"/{s.election.pk}/ballot")
    assert got.status_code == 200, got.content
    body = got.json()
    assert body["can_vote"] is True and body["voted"] is False and body["round"] == 1
    assert {c["id"] for seat in body["seats"] for c in seat["candidates"]} == {c.pk for c in s.cands}
    assert [(x["seat"], x["seats"]) for x in body["seats"]] == [("director", 1), ("deputy", 1), ("member", 3)]
    cast = api.send("POST", f"/{s.election.pk}/ballot",
                    {"choices": {str(s.director[0].pk): "F"}, "write_ins": {"member": ["张三"]}})
    assert cast.status_code == 200, cast.content
    code = cast.json()["receipt"]
    assert OnlineBallot.objects.get().receipt_hash == receipt_hash(code)
    assert_error(api.send("POST", f"/{s.election.pk}/ballot", {"choices": {}}), 409, "already_voted")
    assert api.get(f"/{s.election.pk}/ballot").json()["voted"] is True
    assert counts() == (1, 1)
    public = ApiClient(ew.resident_user, base="/api/v1/elections")
    public.client.logout()
    check = public.get(f"/receipts/{code}")
    assert check.status_code == 200 and check.json()["round"] == 1
    assert "marks" not in check.json() and "write_ins" not in check.json()
    assert_error(public.get("/receipts/2222-2222-2222-2222"), 404, "not_found")


def test_api_refusals(ew):
    s = open_for_voting(ew)
    url = f"/{s.election.pk}/ballot"
    assert_error(ApiClient(ew.outsider, base="/api/v1/elections").send("POST", url, {"choices": {}}), 404)
    assert_error(ApiClient(ew.worker, base="/api/v1/elections").send("POST", url, {"choices": {}}), 403)
    assert_error(ApiClient(ew.outsider, base="/api/v1/elections").get(url), 404)
    api = ApiClient(ew.resident_user, base="/api/v1/elections")
    body = assert_error(api.send("POST", url, {"choices": {str(s.director[0].pk): "F", str(s.director[1].pk): "F"}}),
                        422, "validation_failed")
    assert "choices" in body["details"]
    assert_error(api.send("POST", url, {"choices": {"abc": "F"}}), 422)
    assert_error(api.get("/999999/ballot"), 404)
    assert counts() == (0, 0)
