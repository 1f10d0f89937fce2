"""Who is elected in a round, by the rule set: pure functions over the round's figures (no database).

`count_round` takes the totals of a round (paper tallies and online ballots already summed by
`elections.aggregate`) and the parameters of the election's rule version, and decides validity, the threshold,
who is elected for each seat kind, what is left unfilled, ties at the cut-off, close relatives and the women rule.
Close relatives are the pairs of residents in `RoundInput.kin` (registry-derived and declared, computed once per
round by `elections.kinship.kin_pairs`); one person is never kin to themselves, but cannot take two seats either.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import combinations

from shequ.elections.rules import number, ratio
from shequ.standards.policy import Params

# Unordered pairs of resident ids that are close relatives (elections.kinship.kin_pairs).
KinPairs = frozenset[frozenset[int]]


def are_kin(a: int, b: int, kin: KinPairs) -> bool:
    """True when residents `a` and `b` may not both be elected: close relatives, or the same person twice."""
    return a == b or frozenset((a, b)) in kin


def kin_of_any(person: int, others: Iterable[int], kin: KinPairs) -> bool:
    return any(are_kin(person, other, kin) for other in others)


@dataclass(frozen=True)
class CandidateVotes:
    key: str  # the Candidate id as a string; write-ins: "w:<seat>:<name>"
    seat: str  # SeatKind value
    name: str
    votes_for: int
    votes_against: int = 0
    votes_abstain: int = 0
    female: bool = False
    resident_id: int | None = None  # the registry resident (None: a write-in nobody could identify)
    write_in: bool = False


@dataclass(frozen=True)
class RoundInput:
    kind: str  # RoundKind value: "first" or "additional"
    seats: dict[str, int]  # what this round fills, by SeatKind value
    registered: int  # voters on the roll
    voted: int  # voters who took part: paper ballots issued + online ballots
    returned: int  # ballots returned: paper ballots in the boxes + online ballots
    invalid: int  # invalid ballots among `returned`
    candidates: list[CandidateVotes]
    women_elected_before: int = 0  # women elected in earlier rounds of the same election
    elected_before: frozenset[int] = frozenset()  # residents elected in earlier rounds of the same election
    kin: KinPairs = frozenset()  # pairs of residents who are close relatives (近亲属)


@dataclass(frozen=True)
class Elected:
    key: str
    seat: str
    name: str
    votes: int


@dataclass
class RoundOutcome:
    valid: bool
    void_reason: str = ""  # "", "turnout" (too few voted), "ballots_exceed_voters" or "voters_exceed_roll"
    threshold_votes: int = 0  # the fewest "for" votes that elect in this round
    threshold_rule: str = ""  # "more_than_half"-style description key: "more_than" or "at_least"
    elected: list[Elected] = field(default_factory=list)
    unfilled: dict[str, int] = field(default_factory=dict)  # seat kind → seats left for 另行选举
    ties: list[list[str]] = field(default_factory=list)  # keys tied at the cut-off (each group re-voted)
    blocked: list[str] = field(default_factory=list)  # keys not elected because a close relative was
    warnings: list[str] = field(default_factory=list)  # "women" (fewer women than the rule), "close_relatives"

    @property
    def needs_another_round(self) -> bool:
        return self.valid and any(self.unfilled.values())


# The order seat kinds are decided and listed in (models.SeatKind values; kept here so this module needs no ORM).
SEAT_ORDER: tuple[str, ...] = ("director", "deputy", "member")
MORE_THAN = "more_than"
AT_LEAST = "at_least"


def threshold(kind: str, returned: int, values: Params) -> tuple[int, str]:
    """The fewest "for" votes that elect in a round of `kind`, and the rule's name.

    First round: more than `elect` of the ballots returned (exactly half does not elect). 另行选举: at least
    `second_round` of them. Exact arithmetic: `floor(returned × r) + 1` and `ceil(returned × r)`; never below one
    vote, so a round with no ballots returned elects nobody.
    """
    if kind == "additional":
        share = ratio(values, "second_round") * returned
        return max(1, math.ceil(share)), AT_LEAST
    share = ratio(values, "elect") * returned
    return max(1, math.floor(share) + 1), MORE_THAN


def void_reason(data: RoundInput, values: Params) -> str:
    """"" when the round is valid; else why it is void."""
    if data.returned > data.voted:
        return "ballots_exceed_voters"
    # Paper ballots issued and online ballots together can only exceed the roll if someone voted twice (in the
    # booth and online) or ballots were issued to people not on it: the round cannot stand.
    if data.voted > data.registered:
        return "voters_exceed_roll"
    # Valid only when strictly more than the ratio voted: exactly one half is void.
    if Fraction(data.voted) <= ratio(values, "turnout") * data.registered:
        return "turnout"
    return ""


def _order(candidate: CandidateVotes) -> tuple[int, int, int, str]:
    """Rank: most votes first; equal votes by key (candidate ids numerically, then write-ins) — never random."""
    key = candidate.key
    if key.isdigit():
        return (-candidate.votes_for, 0, int(key), "")
    return (-candidate.votes_for, 1, 0, key)


def _fill(ranked: list[CandidateVotes], seats: int) -> tuple[list[CandidateVotes], list[CandidateVotes]]:
    """Winners of `seats` among qualifying `ranked`, and the group tied at the cut-off that could not all fit
    (they take none of the seats left: those stay unfilled for the re-vote)."""
    if len(ranked) <= seats:
        return list(ranked), []
    cut = ranked[seats - 1].votes_for if seats else None
    if seats == 0 or ranked[seats].votes_for != cut:
        return ranked[:seats], []
    above = [c for c in ranked if c.votes_for > cut]
    tied = [c for c in ranked if c.votes_for == cut]
    return above, tied


def count_round(data: RoundInput, values: Params) -> RoundOutcome:
    """Decide a round: validity, threshold, the elected per seat kind, unfilled seats, ties, relatives, women."""
    reason = void_reason(data, values)
    votes_needed, rule = threshold(data.kind, data.returned, values)
    if reason:
        return RoundOutcome(valid=False, void_reason=reason, threshold_votes=votes_needed, threshold_rule=rule)

    block = number(values, "close_relatives_block") == 1
    kinds = [k for k in SEAT_ORDER if data.seats.get(k, 0) > 0]
    kinds += sorted(k for k, n in data.seats.items() if n > 0 and k not in SEAT_ORDER)
    qualifying = {
        kind: sorted((c for c in data.candidates if c.seat == kind and c.votes_for >= votes_needed), key=_order)
        for kind in kinds
    }
    blocked: set[str] = set()
    # Blocking a relative hands the seat to the next qualifying candidate, who may in turn be someone's relative
    # or start a tie at the cut-off: recompute until nothing new is blocked (each pass blocks one more, so it ends).
    while True:
        winners: dict[str, list[CandidateVotes]] = {}
        tied: dict[str, list[CandidateVotes]] = {}
        for kind in kinds:
            pool = [c for c in qualifying[kind] if c.key not in blocked]
            winners[kind], tied[kind] = _fill(pool, data.seats[kind])
        if not block:
            break
        newly = _relatives_to_block(winners, tied, data.elected_before, data.kin)
        if not newly:
            break
        blocked |= newly

    outcome = RoundOutcome(valid=True, threshold_votes=votes_needed, threshold_rule=rule)
    for kind in kinds:
        outcome.elected += [Elected(key=c.key, seat=kind, name=c.name, votes=c.votes_for) for c in winners[kind]]
        left = data.seats[kind] - len(winners[kind])
        if left > 0:
            outcome.unfilled[kind] = left
        if tied[kind]:
            outcome.ties.append([c.key for c in tied[kind]])
    outcome.blocked = sorted(blocked, key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k))

    elected_keys = {e.key for e in outcome.elected}
    chosen = [c for c in data.candidates if c.key in elected_keys]
    if not block:
        people = [c.resident_id for c in chosen if c.resident_id is not None]
        clash = any(are_kin(a, b, data.kin) for a, b in combinations(people, 2)) or any(
            kin_of_any(p, data.elected_before, data.kin) for p in people)
        if clash:
            outcome.warnings.append("close_relatives")
    women = data.women_elected_before + sum(1 for c in chosen if c.female)
    if not outcome.unfilled and women < number(values, "women_min"):
        outcome.warnings.append("women")
    return outcome


def _relatives_to_block(
    winners: dict[str, list[CandidateVotes]], tied: dict[str, list[CandidateVotes]], before: frozenset[int],
    kin: KinPairs,
) -> set[str]:
    """Keys to block: of relatives among the winners the ones with fewer votes, any winner related to someone
    elected in an earlier round, and tied candidates who could not serve beside a relative already elected."""
    everyone = sorted((c for group in winners.values() for c in group), key=_order)
    kept: list[int] = list(before)
    newly: set[str] = set()
    for candidate in everyone:
        person = candidate.resident_id
        if person is None:
            continue
        if kin_of_any(person, kept, kin):
            newly.add(candidate.key)
        else:
            kept.append(person)
    for group in tied.values():
        newly |= {c.key for c in group if c.resident_id is not None and kin_of_any(c.resident_id, kept, kin)}
    return newly
