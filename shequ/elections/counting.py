"""Who is elected in a round, by the rule set: pure functions over the round's figures (no database).

`count_round` takes the totals of a round (paper tallies and online ballots already summed by
`elections.aggregate`) and the parameters of the election's rule version, and decides validity, the threshold,
who is elected for each seat kind, what is left unfilled, ties at the cut-off, close relatives and the women rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shequ.standards.policy import Params


@dataclass(frozen=True)
class CandidateVotes:
    key: str  # the Candidate id as a string; write-ins: "w:<seat>:<name>"
    seat: str  # SeatKind value
    name: str
    votes_for: int
    votes_against: int = 0
    votes_abstain: int = 0
    female: bool = False
    household_id: int | None = None  # close relatives are, as far as the registry shows, members of one household
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
    households_elected_before: frozenset[int] = frozenset()  # households of those elected in earlier rounds


@dataclass(frozen=True)
class Elected:
    key: str
    seat: str
    name: str
    votes: int


@dataclass
class RoundOutcome:
    valid: bool
    void_reason: str = ""  # "", "turnout" (too few voted) or "ballots_exceed_voters"
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


def count_round(data: RoundInput, values: Params) -> RoundOutcome:
    """Decide a round. Implemented in this module by the counting work; see the module docstring."""
    raise NotImplementedError
