"""Counting a round on database data, void rounds, publishing, repeating a void election, the certificate.

`voting_setup` and `box` are used by the other results tests (second round, handover, pages, API) as well.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from shequ.core.errors import Conflict, NotFound, PermissionDenied
from shequ.core.models import AccessLog, AuditLog
from shequ.elections.certificate import certificate_download
from shequ.elections.models import (
    BallotBox,
    BoxTally,
    Candidate,
    CandidateStatus,
    Election,
    OnlineBallot,
    Round,
    RoundStatus,
    Stage,
)
from shequ.elections.services.results import election_repeat, results_publish, round_count
from shequ.elections.testing import advance, first_round, formal_candidates, make_people, roll_from
from shequ.standards.tests.test_exports import pdf_text

pytestmark = pytest.mark.django_db


def voting_setup(ew: Any, *, members: int = 4, directors: int = 2) -> SimpleNamespace:
    """ew + ten single-adult households (extra[0], [2], … women) on the roll with ew.people (22 voters); formal
    candidates director: extra[0..], deputy: two, member: `members`; election in stage voting.
    Positions: directors first, then deputies, then members (c[0], c[1], …)."""
    extra = make_people(actor=ew.admin, community=ew.community, households=10, adults=1, prefix="候选人",
                        grid=ew.grid)
    voters = roll_from(ew.election, ew.people + extra)
    by_resident = {v.resident_id: v for v in voters}
    pool = [by_resident[r.pk] for r in extra]
    c = formal_candidates(ew.election, "director", pool[:directors])
    c += formal_candidates(ew.election, "deputy", pool[directors:directors + 2])
    c += formal_candidates(ew.election, "member", pool[directors + 2:directors + 2 + members])
    advance(ew.election, Stage.VOTING)
    return SimpleNamespace(election=ew.election, round=first_round(ew.election), c=c, voters=voters, extra=extra)


def box(round_: Round, name: str, *, issued: int, returned: int | None = None, invalid: int = 0,
        votes: dict[Candidate, int] | None = None, write_ins: dict[str, dict[str, int]] | None = None,
        tally: bool = True) -> BallotBox:
    """A ballot box with its accepted tally ("for" votes only; the rest of the valid ballots abstain)."""
    b = BallotBox.objects.create(round=round_, name=name)
    if tally:
        valid = (returned if returned is not None else issued) - invalid
        BoxTally.objects.create(
            box=b, ballots_issued=issued, ballots_returned=returned if returned is not None else issued,
            invalid_ballots=invalid, write_ins=write_ins or {},
            marks={str(k.pk): [n, 0, valid - n] for k, n in (votes or {}).items()},
        )
    return b


def online(round_: Round, marks: str, n: int = 1) -> None:
    for _i in range(n):
        OnlineBallot.objects.create(round=round_, marks=marks, receipt_hash=f"{round_.pk}-{marks}-{_i}-"
                                    f"{OnlineBallot.objects.count()}")


def test_two_boxes_and_online_ballots_are_summed(ew):
    s = voting_setup(ew)
    c = s.c
    box(s.round, "第一票箱", issued=8, invalid=1,
        votes={c[0]: 5, c[1]: 2, c[2]: 4, c[3]: 3, c[4]: 6, c[5]: 5, c[6]: 4, c[7]: 1})
    box(s.round, "流动票箱", issued=4, votes={c[0]: 2, c[1]: 1, c[2]: 3, c[3]: 1, c[4]: 3, c[5]: 2, c[6]: 2, c[7]: 1})
    online(s.round, "FAFAFFFN")
    online(s.round, "FNAFFAFA")
    counted = round_count(actor=ew.worker, election=s.election, on=ew.day)
    res = counted.result
    assert (res["registered"], res["voted"], res["returned"], res["invalid"]) == (22, 14, 14, 1)
    assert res["valid"] is True and res["threshold_votes"] == 8
    votes = {x.pk: x.votes_for for x in Candidate.objects.filter(round=s.round)}
    assert [votes[x.pk] for x in c] == [9, 3, 8, 5, 11, 8, 8, 2]
    elected = set(Candidate.objects.filter(round=s.round, elected=True).values_list("pk", flat=True))
    assert elected == {c[0].pk, c[2].pk, c[4].pk, c[5].pk, c[6].pk} == set(res["elected"])
    assert res["unfilled"] == {} and res["ties"] == []
    s.election.refresh_from_db()
    assert s.election.stage == Stage.COUNTED and s.election.counted_at is not None
    assert counted.status == RoundStatus.COUNTED and counted.counted_at is not None
    assert not Round.objects.filter(election=s.election, number=2).exists()
    assert AuditLog.objects.filter(action="count", entity_type="elections.Round", entity_id=str(counted.pk)).exists()
    with pytest.raises(Conflict):  # counting twice
        round_count(actor=ew.worker, election=s.election, on=ew.day)


def test_void_when_exactly_half_voted(ew):
    s = voting_setup(ew)
    box(s.round, "票箱", issued=11, votes={s.c[0]: 11})
    round_count(actor=ew.worker, election=s.election, on=ew.day)
    s.election.refresh_from_db()
    r = first_round(s.election)
    assert s.election.stage == Stage.VOID and r.status == RoundStatus.VOID
    assert r.result["valid"] is False and r.result["void_reason"] == "turnout"
    assert "11" in s.election.void_reason and "22" in s.election.void_reason
    assert not Candidate.objects.filter(election=s.election, elected=True).exists()


def test_void_when_ballots_exceed_voters(ew):
    s = voting_setup(ew)
    box(s.round, "票箱", issued=15, returned=16, votes={s.c[0]: 15})
    round_count(actor=ew.worker, election=s.election, on=ew.day)
    s.election.refresh_from_db()
    assert s.election.stage == Stage.VOID
    assert first_round(s.election).result["void_reason"] == "ballots_exceed_voters"


def test_void_when_paper_and_online_together_exceed_the_roll(ew):
    # 22 on the roll: boxes within the roll each, but with the online ballots 23 took part — a double vote.
    s = voting_setup(ew)
    box(s.round, "第一票箱", issued=12, votes={s.c[0]: 12})
    box(s.round, "流动票箱", issued=9, votes={s.c[0]: 9})
    online(s.round, "FNNNNNNN", n=2)
    round_count(actor=ew.worker, election=s.election, on=ew.day)
    s.election.refresh_from_db()
    assert s.election.stage == Stage.VOID
    assert first_round(s.election).result["void_reason"] == "voters_exceed_roll"
    assert "23" in s.election.void_reason and "22" in s.election.void_reason
    assert not Candidate.objects.filter(election=s.election, elected=True).exists()


def test_count_refused_with_a_box_missing_its_tally(ew):
    s = voting_setup(ew)
    box(s.round, "第一票箱", issued=14, votes={s.c[0]: 14})
    box(s.round, "流动票箱", issued=0, tally=False)
    with pytest.raises(Conflict) as exc:
        round_count(actor=ew.worker, election=s.election, on=ew.day)
    assert exc.value.code == "tally_missing" and "流动票箱" in str(exc.value.message)
    s.election.refresh_from_db()
    assert s.election.stage == Stage.VOTING
    assert first_round(s.election).status == RoundStatus.OPEN
    assert not Candidate.objects.filter(election=s.election, votes_for__gt=0).exists()


def test_count_refused_without_ballots_or_before_the_day(ew):
    s = voting_setup(ew)
    with pytest.raises(Conflict) as exc:
        round_count(actor=ew.worker, election=s.election, on=ew.day)
    assert exc.value.code == "no_ballots"
    box(s.round, "票箱", issued=14, votes={s.c[0]: 14})
    with pytest.raises(Exception) as early:
        round_count(actor=ew.worker, election=s.election, on=ew.day - dt.timedelta(days=1))
    assert "election_day" in early.value.details  # type: ignore[attr-defined]
    assert first_round(s.election).status == RoundStatus.OPEN


def test_count_scope_and_roles(ew):
    s = voting_setup(ew)
    box(s.round, "票箱", issued=14, votes={s.c[0]: 14})
    with pytest.raises(NotFound):
        round_count(actor=ew.outsider, election=s.election, on=ew.day)
    with pytest.raises(PermissionDenied):
        round_count(actor=ew.analyst, election=s.election, on=ew.day)
    with pytest.raises(NotFound):
        round_count(actor=ew.resident_user, election=s.election, on=ew.day)
    assert Election.objects.get(pk=s.election.pk).stage == Stage.VOTING
    assert first_round(s.election).status == RoundStatus.OPEN


def test_elected_write_in_becomes_a_candidate_matched_on_the_roll(ew):
    s = voting_setup(ew, members=3)
    c = s.c
    person = ew.people[3]
    box(s.round, "票箱", issued=14, votes={c[0]: 10, c[2]: 10, c[4]: 10, c[5]: 10},
        write_ins={"member": {person.name: 9, "无此人": 1}})
    r = round_count(actor=ew.worker, election=s.election, on=ew.day)
    row = Candidate.objects.get(round=s.round, status=CandidateStatus.WRITE_IN)
    assert row.name == person.name and row.resident_id == person.pk and row.elected and row.votes_for == 9
    assert row.pk in r.result["elected"]
    assert r.result["write_ins"] == {"member": {person.name: 9, "无此人": 1}}


def counted_election(ew: Any) -> SimpleNamespace:
    s = voting_setup(ew)
    c = s.c
    box(s.round, "票箱", issued=14, votes={c[0]: 9, c[1]: 3, c[2]: 8, c[3]: 5, c[4]: 11, c[5]: 8, c[6]: 8, c[7]: 2})
    round_count(actor=ew.worker, election=s.election, on=ew.day)
    s.election.refresh_from_db()
    return s


def test_publish_writes_the_disclosure(ew):
    from shequ.disclosure.models import Disclosure

    s = counted_election(ew)
    with pytest.raises(NotFound):
        results_publish(actor=ew.outsider, election=s.election)
    assert not Disclosure.objects.exists()
    results_publish(actor=ew.worker, election=s.election)
    s.election.refresh_from_db()
    assert s.election.stage == Stage.COMPLETED and s.election.results_published_at is not None
    entry = Disclosure.objects.get(source_type="elections.Election", source_id=str(s.election.pk))
    assert entry.category == "election" and entry.community_id == ew.community.pk
    for i in (0, 2, 4, 5, 6):
        assert s.c[i].name in entry.body
    assert s.c[1].name not in entry.body
    assert "14" in entry.body and s.election.policy_version.citation in entry.body
    with pytest.raises(Conflict):
        results_publish(actor=ew.worker, election=s.election)
    assert Disclosure.objects.count() == 1


def test_repeat_a_void_election(ew):
    s = voting_setup(ew)
    box(s.round, "票箱", issued=10, votes={s.c[0]: 10})
    round_count(actor=ew.worker, election=s.election, on=ew.day)
    s.election.refresh_from_db()
    new_day = ew.day + dt.timedelta(days=40)
    with pytest.raises(PermissionDenied):  # a community worker runs elections, the sub-district repeats them
        election_repeat(actor=ew.worker, election=s.election, election_day=new_day, on=ew.day)
    with pytest.raises(NotFound):
        election_repeat(actor=ew.outsider, election=s.election, election_day=new_day, on=ew.day)
    assert not Election.objects.filter(repeat_of=s.election).exists()
    again = election_repeat(actor=ew.subdistrict_officer, election=s.election, election_day=new_day, on=ew.day)
    assert again.attempt == 2 and again.repeat_of_id == s.election.pk and again.stage == Stage.DRAFT
    assert (again.community_id, again.body, again.mode, again.seats) == (
        s.election.community_id, s.election.body, s.election.mode, s.election.seats)
    assert again.rounds.get(number=1).seats == s.election.seats
    with pytest.raises(Conflict):
        election_repeat(actor=ew.subdistrict_officer, election=s.election, election_day=new_day, on=ew.day)


def test_repeat_only_when_void(ew):
    s = counted_election(ew)
    with pytest.raises(Conflict):
        election_repeat(actor=ew.subdistrict_officer, election=s.election, election_day=ew.day, on=ew.day)
    assert Election.objects.count() == 1


def test_certificate_is_a_pdf_and_logs_an_export(ew):
    s = voting_setup(ew)
    with pytest.raises(Conflict):  # not counted yet
        certificate_download(viewer=ew.worker, pk=s.election.pk)
    c = s.c
    box(s.round, "票箱", issued=14, votes={c[0]: 9, c[2]: 8, c[4]: 11, c[5]: 8, c[6]: 8})
    round_count(actor=ew.worker, election=s.election, on=ew.day)
    with pytest.raises(NotFound):
        certificate_download(viewer=ew.outsider, pk=s.election.pk)
    assert not AccessLog.objects.filter(kind="export").exists()
    pdf = certificate_download(viewer=ew.analyst, pk=s.election.pk)
    assert pdf.content.startswith(b"%PDF") and pdf.content.rstrip().endswith(b"%%EOF")
    assert len(pdf.content) > 2000 and pdf.content_type == "application/pdf"
    text = pdf_text(pdf.content)  # a residents' committee's seats keep their names (a group leader is 组长)
    assert f"主任{c[0].name}" in text and f"副主任{c[2].name}" in text and f"委员{c[4].name}" in text
    assert "组长" not in text
    log = AccessLog.objects.get(kind="export", entity_type="elections.Election")
    assert log.actor == ew.analyst and log.entity_id == str(s.election.pk) and log.row_count == 5
