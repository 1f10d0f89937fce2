"""The counting engine at the rule boundaries, for each version of the Hunan election rules.

`count_round` is pure; the only database use is reading the seeded rule versions (v1: 2018 law, v2: 2025 law).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from shequ.elections.counting import CandidateVotes, KinPairs, RoundInput, count_round, threshold
from shequ.elections.rules import HUNAN_SET
from shequ.elections.tests.conftest import _ensure_rules
from shequ.standards.models import PolicyVersion
from shequ.standards.policy import Params, params

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[1, 2], ids=["v1-2018", "v2-2025"])
def values(request) -> Params:  # type: ignore[no-untyped-def]
    _ensure_rules()
    version = PolicyVersion.objects.get(policy_set__code=HUNAN_SET, number=request.param)
    return params(version)


def cv(key: str, votes: int, seat: str = "member", *, female: bool = False, person: int | None = None,
       write_in: bool = False) -> CandidateVotes:
    """A candidate; `person` is the resident (by default the key's number for a candidate, none for a write-in)."""
    if person is None and key.isdigit():
        person = 1000 + int(key)
    return CandidateVotes(key=key, seat=seat, name=f"候选人{key}", votes_for=votes, female=female,
                          resident_id=person, write_in=write_in)


def kin(*groups: tuple[str, ...]) -> KinPairs:
    """Close relatives: every two candidates (by key) within each group."""
    return frozenset(frozenset((1000 + int(a), 1000 + int(b))) for g in groups for a in g for b in g
                     if int(a) < int(b))


def rin(candidates: list[CandidateVotes], *, kind: str = "first", seats: dict[str, int] | None = None,
        registered: int = 150, voted: int = 100, returned: int = 100, invalid: int = 0,
        women_before: int = 1, elected_before: frozenset[int] = frozenset(),
        relatives: KinPairs = frozenset()) -> RoundInput:
    # One woman elected "before" by default so that tests about other rules are not also about the women rule.
    return RoundInput(kind=kind, seats=seats if seats is not None else {"member": 1}, registered=registered,
                      voted=voted, returned=returned, invalid=invalid, candidates=candidates,
                      women_elected_before=women_before, elected_before=elected_before, kin=relatives)


def elected(outcome) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.key for e in outcome.elected]


# --- validity ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("registered,voted,valid", [
    (200, 100, False),  # exactly one half: void
    (200, 101, True),
    (201, 100, False),
    (201, 101, True),  # 100.5 is the half: 101 is more
    (200, 0, False),
])
def test_turnout_must_exceed_half(values, registered, voted, valid):
    outcome = count_round(rin([cv("1", voted)], registered=registered, voted=voted, returned=voted), values)
    assert outcome.valid is valid
    assert outcome.void_reason == ("" if valid else "turnout")
    if not valid:
        assert outcome.elected == [] and outcome.unfilled == {} and not outcome.needs_another_round


def test_ballots_exceeding_voters_void_the_round(values):
    outcome = count_round(rin([cv("1", 101)], voted=150, returned=151), values)
    assert (outcome.valid, outcome.void_reason, outcome.elected) == (False, "ballots_exceed_voters", [])
    ok = count_round(rin([cv("1", 101)], voted=150, returned=150), values)
    assert ok.valid and elected(ok) == ["1"]


@pytest.mark.parametrize("voted,void", [(150, False), (151, True)])
def test_more_taking_part_than_on_the_roll_voids_the_round(values, voted, void):
    # 150 registered: paper ballots issued plus online ballots above that means someone was counted twice.
    outcome = count_round(rin([cv("1", 101)], registered=150, voted=voted, returned=voted), values)
    assert (outcome.valid, outcome.void_reason) == ((False, "voters_exceed_roll") if void else (True, ""))


def test_exceeding_ballots_win_over_low_turnout(values):
    outcome = count_round(rin([], registered=200, voted=50, returned=60), values)
    assert outcome.void_reason == "ballots_exceed_voters"


# --- thresholds -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("returned,votes,wins", [
    (100, 50, False),  # exactly half of the ballots: not elected
    (100, 51, True),
    (101, 50, False),
    (101, 51, True),  # 50.5 is the half
    (150, 75, False),
    (150, 76, True),
])
def test_first_round_needs_more_than_half(values, returned, votes, wins):
    outcome = count_round(rin([cv("1", votes), cv("2", 3)], voted=returned, returned=returned), values)
    assert outcome.threshold_rule == "more_than"
    assert outcome.threshold_votes == returned // 2 + 1
    assert elected(outcome) == (["1"] if wins else [])
    assert outcome.unfilled == ({} if wins else {"member": 1})
    assert outcome.needs_another_round is not wins


@pytest.mark.parametrize("returned,votes,wins,needed", [
    (300, 100, True, 100),  # exactly one third elects in 另行选举
    (300, 99, False, 100),
    (301, 100, False, 101),
    (301, 101, True, 101),
    (302, 100, False, 101),
    (302, 101, True, 101),
    (303, 101, True, 101),
])
def test_additional_round_needs_at_least_a_third(values, returned, votes, wins, needed):
    data = rin([cv("7", votes), cv("8", 20)], kind="additional", registered=400, voted=returned, returned=returned)
    outcome = count_round(data, values)
    assert (outcome.threshold_votes, outcome.threshold_rule) == (needed, "at_least")
    assert elected(outcome) == (["7"] if wins else [])


def test_threshold_counts_ballots_returned_including_invalid(values):
    # 100 returned of which 10 invalid: the base stays the ballots returned.
    outcome = count_round(rin([cv("1", 50)], voted=100, returned=100, invalid=10), values)
    assert outcome.threshold_votes == 51 and elected(outcome) == []


def test_no_ballots_returned_elects_nobody(values):
    assert threshold("additional", 0, values) == (1, "at_least")
    outcome = count_round(rin([cv("1", 0)], kind="additional", voted=101, returned=0), values)
    assert outcome.valid and elected(outcome) == [] and outcome.unfilled == {"member": 1}


# --- filling seats, ties ----------------------------------------------------------------------------------------

def test_more_qualifying_candidates_than_seats(values):
    cands = [cv("1", 60), cv("2", 90), cv("3", 70), cv("4", 80)]
    outcome = count_round(rin(cands, seats={"member": 2}), values)
    assert elected(outcome) == ["2", "4"]
    assert [e.votes for e in outcome.elected] == [90, 80]
    assert outcome.unfilled == {} and outcome.ties == []


def test_tie_at_the_cut_off_takes_no_seat(values):
    cands = [cv("1", 80), cv("2", 70), cv("3", 60), cv("4", 60), cv("5", 52)]
    outcome = count_round(rin(cands, seats={"member": 3}), values)
    assert elected(outcome) == ["1", "2"]
    assert outcome.unfilled == {"member": 1}
    assert outcome.ties == [["3", "4"]]
    assert outcome.needs_another_round


def test_tie_that_fits_the_seats_is_elected(values):
    cands = [cv("1", 80), cv("2", 60), cv("3", 60), cv("4", 40)]
    outcome = count_round(rin(cands, seats={"member": 3}), values)
    assert sorted(elected(outcome)) == ["1", "2", "3"]
    assert outcome.ties == [] and outcome.unfilled == {}


def test_tie_for_a_single_seat(values):
    outcome = count_round(rin([cv("1", 55, "director"), cv("2", 55, "director")], seats={"director": 1}), values)
    assert elected(outcome) == [] and outcome.ties == [["1", "2"]] and outcome.unfilled == {"director": 1}


def test_equal_votes_away_from_the_cut_off_are_ordered_by_key(values):
    cands = [cv("10", 70), cv("9", 70), cv("3", 65), cv("4", 55)]
    outcome = count_round(rin(cands, seats={"member": 3}), values)
    assert elected(outcome) == ["9", "10", "3"]
    again = count_round(rin(list(reversed(cands)), seats={"member": 3}), values)
    assert elected(again) == elected(outcome)


def test_tied_group_below_the_threshold_is_not_a_tie(values):
    cands = [cv("1", 70), cv("2", 40), cv("3", 40)]
    outcome = count_round(rin(cands, seats={"member": 2}), values)
    assert elected(outcome) == ["1"] and outcome.ties == [] and outcome.unfilled == {"member": 1}


def test_write_in_can_be_elected(values):
    cands = [cv("1", 30), cv("2", 20), cv("w:member:王五", 60, write_in=True)]
    outcome = count_round(rin(cands), values)
    assert elected(outcome) == ["w:member:王五"]
    assert outcome.elected[0].name == "候选人w:member:王五"


def test_several_seat_kinds_are_decided_independently(values):
    cands = [
        cv("1", 70, "director"), cv("2", 30, "director"),
        cv("3", 50, "deputy"), cv("4", 45, "deputy"),  # nobody reaches 51: the deputy seat is unfilled
        cv("5", 90, "member"), cv("6", 80, "member"), cv("7", 60, "member"), cv("8", 60, "member"),
    ]
    outcome = count_round(rin(cands, seats={"director": 1, "deputy": 1, "member": 3}), values)
    assert elected(outcome) == ["1", "5", "6"]
    assert [e.seat for e in outcome.elected] == ["director", "member", "member"]
    assert outcome.unfilled == {"deputy": 1, "member": 1}
    assert outcome.ties == [["7", "8"]]


def test_candidate_of_a_seat_not_in_the_round_is_ignored(values):
    outcome = count_round(rin([cv("1", 90, "director"), cv("2", 60)], seats={"member": 1}), values)
    assert elected(outcome) == ["2"]


# --- close relatives --------------------------------------------------------------------------------------------

def _without(values: Params, **changes: int) -> Params:
    return {**values, **{k: Decimal(v) for k, v in changes.items()}}


def test_relative_with_fewer_votes_is_blocked_and_the_seat_passes_on(values):
    assert values["close_relatives_block"] == Decimal(1)
    cands = [cv("1", 80), cv("2", 70), cv("3", 60), cv("4", 55)]
    outcome = count_round(rin(cands, seats={"member": 2}, relatives=kin(("1", "2"))), values)
    assert elected(outcome) == ["1", "3"]
    assert outcome.blocked == ["2"]
    assert "close_relatives" not in outcome.warnings


def test_relatives_across_seat_kinds(values):
    cands = [cv("1", 60, "director"), cv("2", 55, "director"), cv("3", 90)]
    outcome = count_round(rin(cands, seats={"director": 1, "member": 1}, relatives=kin(("1", "3"))), values)
    assert elected(outcome) == ["2", "3"] and outcome.blocked == ["1"]


def test_relative_of_someone_elected_in_an_earlier_round(values):
    cands = [cv("1", 90), cv("2", 60)]
    # Resident 7 was elected in round 1; candidate 1 is their child (a kinship the round's pairs carry).
    related = frozenset({frozenset((1001, 7))})
    outcome = count_round(rin(cands, kind="additional", elected_before=frozenset({7}), relatives=related), values)
    assert elected(outcome) == ["2"] and outcome.blocked == ["1"]
    unrelated = count_round(rin(cands, kind="additional", elected_before=frozenset({7})), values)
    assert elected(unrelated) == ["1"] and unrelated.blocked == []


def test_blocking_leaves_the_seat_unfilled_when_nobody_else_qualifies(values):
    cands = [cv("1", 80), cv("2", 70), cv("3", 30)]
    outcome = count_round(rin(cands, seats={"member": 2}, relatives=kin(("1", "2"))), values)
    assert elected(outcome) == ["1"] and outcome.unfilled == {"member": 1}


def test_relatives_warn_only_when_the_rule_does_not_block(values):
    warn = _without(values, close_relatives_block=0)
    cands = [cv("1", 80), cv("2", 70), cv("3", 60)]
    outcome = count_round(rin(cands, seats={"member": 2}, relatives=kin(("1", "2"))), warn)
    assert elected(outcome) == ["1", "2"] and outcome.blocked == []
    assert "close_relatives" in outcome.warnings
    unrelated = count_round(rin(cands, seats={"member": 2}, relatives=kin(("1", "3"))), warn)
    assert elected(unrelated) == ["1", "2"] and unrelated.warnings == []
    before = count_round(rin(cands[:1], relatives=frozenset({frozenset((1001, 7))}),
                             elected_before=frozenset({7})), warn)
    assert elected(before) == ["1"] and before.warnings == ["close_relatives"]


# --- women ------------------------------------------------------------------------------------------------------

def test_women_warning_when_all_seats_filled_without_a_woman(values):
    assert values["women_min"] == Decimal(1)
    cands = [cv("1", 80), cv("2", 70), cv("3", 60, female=True)]
    outcome = count_round(rin(cands, seats={"member": 2}, women_before=0), values)
    assert elected(outcome) == ["1", "2"] and outcome.warnings == ["women"]


def test_no_women_warning_when_a_woman_is_elected_now_or_before(values):
    cands = [cv("1", 80), cv("2", 70, female=True)]
    assert count_round(rin(cands, seats={"member": 2}, women_before=0), values).warnings == []
    assert count_round(rin([cv("1", 80)], women_before=1), values).warnings == []


def test_no_women_warning_while_seats_remain_for_another_round(values):
    outcome = count_round(rin([cv("1", 80), cv("2", 20, female=True)], seats={"member": 2}, women_before=0), values)
    assert outcome.unfilled == {"member": 1} and outcome.warnings == []


def test_tied_relative_of_a_winner_is_blocked_and_the_tie_resolves(values):
    # Seat 2 is contested by 2 and 3 at 60 votes; 3 is the winner 1's relative, so only 2 can take it.
    cands = [cv("1", 80), cv("2", 60), cv("3", 60)]
    outcome = count_round(rin(cands, seats={"member": 2}, relatives=kin(("1", "3"))), values)
    assert elected(outcome) == ["1", "2"] and outcome.ties == [] and outcome.blocked == ["3"]


def test_blocking_passes_the_seat_along_a_chain_of_relatives(values):
    cands = [cv("1", 90), cv("2", 80), cv("3", 70), cv("4", 65), cv("5", 60)]
    outcome = count_round(rin(cands, seats={"member": 3}, relatives=kin(("1", "2", "3"))), values)
    assert elected(outcome) == ["1", "4", "5"] and outcome.blocked == ["2", "3"]


def test_kinship_is_by_pair_not_by_group(values):
    # 1–2 and 2–3 are close relatives (say spouses, and 2 with a sibling), 1 and 3 are not: 2 yields to 1, 3 serves.
    cands = [cv("1", 90), cv("2", 80), cv("3", 70), cv("4", 60)]
    outcome = count_round(rin(cands, seats={"member": 2}, relatives=kin(("1", "2"), ("2", "3"))), values)
    assert elected(outcome) == ["1", "3"] and outcome.blocked == ["2"]


def test_an_identified_write_in_is_blocked_beside_a_relative(values):
    cands = [cv("1", 90), cv("w:member:王五", 80, person=55, write_in=True), cv("3", 60)]
    related = frozenset({frozenset((1001, 55))})
    outcome = count_round(rin(cands, seats={"member": 2}, relatives=related), values)
    assert elected(outcome) == ["1", "3"] and outcome.blocked == ["w:member:王五"]


def test_tie_at_the_cut_off_in_an_additional_round(values):
    cands = [cv("1", 120), cv("2", 100), cv("3", 100)]
    data = rin(cands, kind="additional", seats={"member": 2}, registered=400, voted=300, returned=300)
    outcome = count_round(data, values)
    assert elected(outcome) == ["1"] and outcome.ties == [["2", "3"]] and outcome.unfilled == {"member": 1}
