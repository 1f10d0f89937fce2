"""另行选举: unfilled seats and ties open an additional round with the right candidates; the one-third rule applies
there; a seat nobody can stand for stays vacant."""

from __future__ import annotations

import pytest

from shequ.core.errors import Conflict
from shequ.elections.models import Candidate, CandidateStatus, Round, RoundKind, RoundStatus, Stage
from shequ.elections.selectors.results import results_for
from shequ.elections.services.results import round_count
from shequ.elections.testing import first_round
from shequ.elections.tests.test_results import box, voting_setup

pytestmark = pytest.mark.django_db


def _names(round_: Round) -> list[tuple[int, str, str]]:
    return list(Candidate.objects.filter(round=round_).order_by("position").values_list("position", "seat", "name"))


def test_unfilled_seat_goes_to_an_additional_round_where_one_third_elects(ew):
    s = voting_setup(ew)
    c = s.c
    # 14 returned: the first round elects with 8; members c[6] (6) and c[7] (2) fall short, one member seat left.
    box(s.round, "票箱", issued=14, votes={c[0]: 9, c[1]: 3, c[2]: 8, c[3]: 5, c[4]: 11, c[5]: 8, c[6]: 6, c[7]: 2})
    first = round_count(actor=ew.worker, election=s.election, on=ew.day)
    assert first.result["unfilled"] == {"member": 1} and first.result["next_round"] == 2
    s.election.refresh_from_db()
    assert s.election.stage == Stage.VOTING and s.election.counted_at is None
    second = Round.objects.get(election=s.election, number=2)
    assert (second.kind, second.status, second.seats) == (RoundKind.ADDITIONAL, RoundStatus.OPEN, {"member": 1})
    # seats (1) + margin_member_min (1): the two best members not elected, renumbered from 0.
    assert _names(second) == [(0, "member", c[6].name), (1, "member", c[7].name)]
    assert set(Candidate.objects.filter(round=second).values_list("status", flat=True)) == {CandidateStatus.FORMAL}
    new6 = Candidate.objects.get(round=second, name=c[6].name)
    new7 = Candidate.objects.get(round=second, name=c[7].name)
    # 12 returned: at least a third (4) elects in 另行选举 — fewer than half.
    box(second, "另行选举票箱", issued=12, votes={new6: 4, new7: 3})
    counted = round_count(actor=ew.worker, election=s.election, on=ew.day)
    assert counted.number == 2 and counted.result["threshold_votes"] == 4
    assert counted.result["threshold_rule"] == "at_least" and counted.result["elected"] == [new6.pk]
    s.election.refresh_from_db()
    assert s.election.stage == Stage.COUNTED
    elected = Candidate.objects.filter(election=s.election, elected=True)
    assert elected.count() == 5 and elected.filter(round=second).get().name == c[6].name
    view = results_for(s.election)
    assert [r.round.number for r in view.rounds] == [1, 2] and len(view.elected) == 5
    assert any("另行选举" in note for note in view.rounds[1].notes)
    with pytest.raises(Conflict):
        round_count(actor=ew.worker, election=s.election, on=ew.day)


def test_below_one_third_leaves_the_seat_for_yet_another_round(ew):
    s = voting_setup(ew)
    c = s.c
    box(s.round, "票箱", issued=14, votes={c[0]: 9, c[2]: 8, c[4]: 11, c[5]: 8, c[6]: 6, c[7]: 2})
    round_count(actor=ew.worker, election=s.election, on=ew.day)
    second = Round.objects.get(election=s.election, number=2)
    a, b = Candidate.objects.filter(round=second).order_by("position")
    box(second, "票箱", issued=12, votes={a: 3, b: 3})
    counted = round_count(actor=ew.worker, election=s.election, on=ew.day)
    assert counted.result["elected"] == [] and counted.result["unfilled"] == {"member": 1}
    assert Round.objects.get(election=s.election, number=3).kind == RoundKind.ADDITIONAL


def test_a_tie_is_revoted_between_the_tied(ew):
    s = voting_setup(ew)
    c = s.c
    # Three members tie at 9 for the two seats left after c[4]: none of them takes one.
    box(s.round, "票箱", issued=14, votes={c[0]: 9, c[2]: 8, c[4]: 10, c[5]: 9, c[6]: 9, c[7]: 9})
    first = round_count(actor=ew.worker, election=s.election, on=ew.day)
    assert first.result["unfilled"] == {"member": 2}
    assert [sorted(g) for g in first.result["ties"]] == [sorted([c[5].pk, c[6].pk, c[7].pk])]
    second = Round.objects.get(election=s.election, number=2)
    assert second.seats == {"member": 2}
    assert sorted(n for _p, _s, n in _names(second)) == sorted([c[5].name, c[6].name, c[7].name])
    assert [p for p, _s, _n in _names(second)] == [0, 1, 2]
    notes = results_for(s.election).rounds[0].notes
    assert any(c[5].name in n and "得票相等" in n for n in notes)


def test_no_candidate_left_leaves_the_seat_vacant(ew):
    s = voting_setup(ew, directors=0)
    c = s.c
    # Nobody stood for director (all withdrew): nobody can stand in 另行选举, the seat stays vacant.
    box(s.round, "票箱", issued=14, votes={c[0]: 8, c[1]: 5, c[2]: 11, c[3]: 8, c[4]: 8})
    first = round_count(actor=ew.worker, election=s.election, on=ew.day)
    assert first.result["unfilled"] == {"director": 1} and first.result["vacant"] == {"director": 1}
    assert first.result["next_round"] is None
    s.election.refresh_from_db()
    assert s.election.stage == Stage.COUNTED
    assert not Round.objects.filter(election=s.election, number=2).exists()
    assert any("空缺" in n for n in results_for(s.election).rounds[0].notes)


def test_first_round_rows_stay_as_counted(ew):
    s = voting_setup(ew)
    c = s.c
    box(s.round, "票箱", issued=14, votes={c[0]: 9, c[2]: 8, c[4]: 11, c[5]: 8, c[6]: 6, c[7]: 2})
    round_count(actor=ew.worker, election=s.election, on=ew.day)
    old = Candidate.objects.get(pk=c[6].pk)
    assert (old.round_id, old.votes_for, old.elected) == (first_round(s.election).pk, 6, False)
