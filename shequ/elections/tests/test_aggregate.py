"""A round's figures from the database: accepted paper tallies plus online ballots grouped by their marks."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequ.elections.aggregate import boxes_missing_tally, round_figures, round_input
from shequ.elections.counting import count_round
from shequ.elections.models import (
    BallotBox,
    BoxTally,
    Candidate,
    CandidateStatus,
    OnlineBallot,
    Round,
    RoundKind,
    Stage,
)
from shequ.elections.rules import election_params
from shequ.elections.testing import advance, first_round, formal_candidates, roll_from

pytestmark = pytest.mark.django_db

_receipts = itertools.count()


def ballots(round_: Round, marks: str, n: int, write_ins: dict | None = None) -> None:
    OnlineBallot.objects.bulk_create([
        OnlineBallot(round=round_, marks=marks, write_ins=write_ins, receipt_hash=f"r{next(_receipts):063d}")
        for _ in range(n)
    ])


def box(round_: Round, name: str, tally: dict | None = None) -> BallotBox:
    b = BallotBox.objects.create(round=round_, name=name)
    if tally is not None:
        BoxTally.objects.create(box=b, **tally)
    return b


@pytest.fixture
def setup(ew):  # type: ignore[no-untyped-def]
    advance(ew.election, Stage.VOTING)
    ew.voters = roll_from(ew.election, ew.people)
    ew.round = first_round(ew.election)
    # positions 0..2: director 0, deputy 1, member 2 (one per seat keeps the marks short)
    ew.director = formal_candidates(ew.election, "director", ew.voters[0:1])[0]
    ew.deputy = formal_candidates(ew.election, "deputy", ew.voters[1:2])[0]
    ew.member = formal_candidates(ew.election, "member", ew.voters[2:3])[0]
    return ew


def test_paper_and_online_are_summed(setup):
    r, d, dp, m = setup.round, setup.director, setup.deputy, setup.member
    box(r, "第一票箱", {"ballots_issued": 10, "ballots_returned": 9, "invalid_ballots": 1,
                     "marks": {str(d.pk): [6, 1, 1], str(m.pk): [3, 4, 1]},
                     "write_ins": {"member": {"赵六": 2}}})
    box(r, "流动票箱", {"ballots_issued": 5, "ballots_returned": 5, "invalid_ballots": 0,
                     "marks": {str(d.pk): [5, 0, 0], str(dp.pk): [2, 2, 1]}, "write_ins": {}})
    ballots(r, "FFA", 4)
    ballots(r, "FAN", 3, write_ins={"member": ["赵六"]})
    ballots(r, "NNN", 2, write_ins={"member": ["赵六", "钱七"], "deputy": []})
    ballots(r, "AFF", 1, write_ins=None)

    f = round_figures(r)

    assert (f.ballots_issued, f.ballots_returned, f.invalid_ballots) == (15 + 10, 14 + 10, 1)
    assert f.votes[d.pk] == [6 + 5 + 4 + 3, 1 + 1, 1 + 2]
    assert f.votes[dp.pk] == [2 + 4 + 1, 2 + 3, 1 + 2]
    assert f.votes[m.pk] == [3 + 1, 4 + 4, 1 + 3 + 2]
    assert f.write_ins == {"member": {"赵六": 2 + 3 + 2, "钱七": 2}, "deputy": {}}


def test_online_ballots_are_grouped_in_the_database(setup):
    r = setup.round
    ballots(r, "FFF", 30)
    ballots(r, "FAF", 20, write_ins={"member": ["赵六"]})
    with CaptureQueriesContext(connection) as few:
        round_figures(r)
    ballots(r, "FFF", 200)
    ballots(r, "FAF", 100, write_ins={"member": ["赵六"]})
    with CaptureQueriesContext(connection) as many:
        f = round_figures(r)
    assert len(many.captured_queries) == len(few.captured_queries) <= 4
    online = [q["sql"] for q in many.captured_queries if "elections_onlineballot" in q["sql"]]
    assert online and all("GROUP BY" in sql for sql in online)
    assert f.ballots_returned == 350 and f.votes[setup.director.pk] == [350, 0, 0]
    assert f.write_ins == {"member": {"赵六": 120}}


def test_only_accepted_tallies_of_this_round_count(setup):
    r = setup.round
    counted = box(r, "第一票箱", {"ballots_issued": 8, "ballots_returned": 8, "invalid_ballots": 0,
                               "marks": {str(setup.director.pk): [8, 0, 0]}})
    waiting = box(r, "第二票箱")  # entries not yet reconciled: no BoxTally
    other = Round.objects.create(election=setup.election, number=2, kind=RoundKind.ADDITIONAL, seats={"member": 1})
    box(other, "另行选举票箱", {"ballots_issued": 50, "ballots_returned": 50, "invalid_ballots": 3, "marks": {}})
    box(other, "另行选举未录入")
    ballots(other, "F", 7)

    f = round_figures(r)
    assert (f.ballots_issued, f.ballots_returned, f.invalid_ballots) == (8, 8, 0)
    assert f.votes[setup.director.pk] == [8, 0, 0]
    assert boxes_missing_tally(r) == [waiting]
    assert counted not in boxes_missing_tally(r)
    assert [b.name for b in boxes_missing_tally(other)] == ["另行选举未录入"]


def test_empty_round_has_zero_figures_for_every_candidate(setup):
    f = round_figures(setup.round)
    assert (f.ballots_issued, f.ballots_returned, f.invalid_ballots, f.write_ins) == (0, 0, 0, {})
    assert f.votes == {c.pk: [0, 0, 0] for c in (setup.director, setup.deputy, setup.member)}


def test_withdrawn_candidates_positions_are_not_counted(setup):
    setup.member.status = CandidateStatus.WITHDRAWN
    setup.member.save(update_fields=["status"])
    ballots(setup.round, "FFF", 3)
    f = round_figures(setup.round)
    assert setup.member.pk not in f.votes
    assert f.votes[setup.director.pk] == [3, 0, 0]


def test_round_input_feeds_the_count(setup):
    e, r = setup.election, setup.round
    more = formal_candidates(e, "member", setup.voters[3:6])  # positions 3..5
    # 12 voters on the roll; 9 take part: 4 on paper, 5 online
    box(r, "第一票箱", {"ballots_issued": 4, "ballots_returned": 4, "invalid_ballots": 0,
                     "marks": {str(setup.director.pk): [4, 0, 0], str(setup.deputy.pk): [3, 1, 0],
                               str(setup.member.pk): [4, 0, 0], str(more[0].pk): [4, 0, 0]},
                     "write_ins": {"member": {"孙八": 3}}})
    ballots(r, "FFFFNF", 5, write_ins={"member": ["孙八"]})
    data = round_input(r, round_figures(r), registered=len(setup.voters))
    assert (data.kind, data.registered, data.voted, data.returned) == ("first", 12, 9, 9)
    assert data.seats == {"director": 1, "deputy": 1, "member": 3}
    by_key = {c.key: c for c in data.candidates}
    assert by_key[str(setup.deputy.pk)].votes_for == 8 and by_key[str(setup.deputy.pk)].votes_against == 1
    assert by_key["w:member:孙八"].votes_for == 8 and by_key["w:member:孙八"].write_in

    outcome = count_round(data, election_params(e))
    assert outcome.valid and outcome.threshold_votes == 5
    # Households of two, head and spouse: the director and deputy are relatives, so are the member and more[0]
    # (kinship by the registry's relations to the head, found once for the round). The deputy (8 votes to the
    # director's 9) is blocked and the seat stays open; more[0] ties the member at 9 and yields by the
    # deterministic order, so the member seat passes to more[2] (5 votes: the threshold exactly).
    assert frozenset((setup.director.resident_id, setup.deputy.resident_id)) in data.kin
    assert frozenset((setup.member.resident_id, more[0].resident_id)) in data.kin
    assert frozenset((setup.director.resident_id, setup.member.resident_id)) not in data.kin
    assert {x.key for x in outcome.elected} == {str(setup.director.pk), str(setup.member.pk), "w:member:孙八",
                                                 str(more[2].pk)}
    assert outcome.blocked == [str(setup.deputy.pk), str(more[0].pk)]
    assert outcome.unfilled == {"deputy": 1}


def test_round_input_carries_earlier_rounds(setup):
    e = setup.election
    woman = next(c for c in (setup.director, setup.deputy, setup.member) if c.sex == "F")
    Candidate.objects.filter(pk=woman.pk).update(elected=True)
    second = Round.objects.create(election=e, number=2, kind=RoundKind.ADDITIONAL, seats={"member": 1})
    data = round_input(second, round_figures(second), registered=12)
    assert data.kind == "additional" and data.seats == {"member": 1}
    assert data.women_elected_before == 1
    assert data.elected_before == frozenset({woman.resident_id})
    assert data.candidates == []
