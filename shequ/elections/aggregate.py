"""A round's figures from the database: the accepted paper tallies of its boxes plus its online ballots.

Online ballots are summed by `GROUP BY marks` and `GROUP BY write_ins` (a round has few distinct mark strings and
write-ins however many ballots), so tallying a million ballots reads a few thousand rows, on PostgreSQL and on
SQLite alike (bench/tally_bench.py: about 0.5 s for 1,000,000 ballots on PostgreSQL).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from shequ.elections.counting import CandidateVotes, RoundInput
from shequ.elections.kinship import kin_pairs
from shequ.elections.models import BallotBox, BoxTally, Candidate, CandidateStatus, OnlineBallot, Round


@dataclass
class Figures:
    ballots_issued: int = 0
    ballots_returned: int = 0
    invalid_ballots: int = 0
    votes: dict[int, list[int]] = field(default_factory=dict)  # candidate id → [for, against, abstain]
    write_ins: dict[str, dict[str, int]] = field(default_factory=dict)  # seat → name → votes

    def of(self, candidate_id: int) -> tuple[int, int, int]:
        """For, against, abstain of a candidate (a candidate nobody marked has none)."""
        counts = [*self.votes.get(candidate_id, []), 0, 0, 0]
        return int(counts[0]), int(counts[1]), int(counts[2])


# The characters of an online ballot's marks, by Candidate.position (models.OnlineBallot).
MARK_INDEX: dict[str, int] = {"F": 0, "A": 1, "N": 2}


def ballot_positions(round_: Round) -> dict[int, int]:
    """Candidate.position → Candidate id for the formal candidates of a round: where each sits on the ballot."""
    rows = Candidate.objects.filter(round=round_, status=CandidateStatus.FORMAL).values_list("position", "id")
    return dict(rows)


def round_figures(round_: Round) -> Figures:
    """The round's totals: accepted paper tallies of its boxes plus its online ballots, grouped in the database."""
    positions = ballot_positions(round_)
    figures = Figures(votes={candidate_id: [0, 0, 0] for candidate_id in positions.values()})
    _add_paper(figures, round_)
    _add_online(figures, round_, positions)
    return figures


def _add_paper(figures: Figures, round_: Round) -> None:
    # A round has a handful of boxes: their tallies are read whole.
    tallies = BoxTally.objects.filter(box__round=round_).values_list(
        "ballots_issued", "ballots_returned", "invalid_ballots", "marks", "write_ins"
    )
    for issued, returned, invalid, marks, write_ins in tallies:
        figures.ballots_issued += issued
        figures.ballots_returned += returned
        figures.invalid_ballots += invalid
        for candidate_id, counts in (marks or {}).items():
            total = figures.votes.setdefault(int(candidate_id), [0, 0, 0])
            for i, n in enumerate(list(counts)[:3]):
                total[i] += int(n)
        for seat, names in (write_ins or {}).items():
            seat_total = figures.write_ins.setdefault(seat, {})
            for name, n in names.items():
                seat_total[name] = seat_total.get(name, 0) + int(n)


def _add_online(figures: Figures, round_: Round, positions: dict[int, int]) -> None:
    ballots = OnlineBallot.objects.filter(round=round_).order_by()
    # GROUP BY marks: a round has few distinct mark strings (3 ** candidates at most) however many ballots.
    # COUNT(*), not COUNT(id): the (round, marks) index then covers the query — SQLite reads the index alone
    # (0.2 s for a million ballots instead of 5 s looking up each row's UUID key), PostgreSQL may too.
    for marks, n in ballots.values("marks").annotate(n=Count("*")).values_list("marks", "n"):
        figures.ballots_issued += n
        figures.ballots_returned += n
        for position, mark in enumerate(marks):
            candidate_id = positions.get(position)
            index = MARK_INDEX.get(mark)
            if candidate_id is not None and index is not None:
                figures.votes[candidate_id][index] += n
    # Write-ins are few and repeat (the same name written by many): GROUP BY write_ins as well.
    with_write_ins = ballots.filter(write_ins__isnull=False).values("write_ins").annotate(n=Count("*"))
    for write_ins, n in with_write_ins.values_list("write_ins", "n"):
        if isinstance(write_ins, str):  # defensive: a backend handing the grouped JSON back as text
            write_ins = json.loads(write_ins)
        _add_write_ins(figures, write_ins, n)


def _add_write_ins(figures: Figures, write_ins: object, n: int) -> None:
    if not isinstance(write_ins, dict):
        return
    for seat, names in write_ins.items():
        seat_total = figures.write_ins.setdefault(seat, {})
        for name in names or []:
            name = str(name).strip()
            if name:
                seat_total[name] = seat_total.get(name, 0) + n


def boxes_missing_tally(round_: Round) -> list[BallotBox]:
    """The round's ballot boxes without an accepted tally (entries missing or not yet reconciled)."""
    return list(BallotBox.objects.filter(round=round_, tally__isnull=True).order_by("id"))


WRITE_IN_PREFIX = "w:"


def write_in_key(seat: str, name: str) -> str:
    return f"{WRITE_IN_PREFIX}{seat}:{name}"


def round_input(
    round_: Round, figures: Figures, *, registered: int, candidates: list[Candidate] | None = None,
    person: Callable[[str], Any] | None = None,
) -> RoundInput:
    """What `counting.count_round` decides on: the figures, the round's formal candidates (or `candidates`) and
    write-ins, and what earlier rounds of the same election already decided (women elected, the residents
    elected). `person(name)` identifies a write-in (an object with `sex` and `resident_id`, or None), so the women
    and close-relatives rules see who was written in. The close relatives among all of these people (registry and
    declared, `kinship.kin_pairs`) are found here, once for the round."""
    if candidates is None:
        candidates = list(Candidate.objects.filter(round=round_, status=CandidateStatus.FORMAL)
                          .order_by("position", "id"))
    votes: list[CandidateVotes] = []
    for c in candidates:
        for_, against, abstain = figures.of(c.pk)
        votes.append(CandidateVotes(
            key=str(c.pk), seat=c.seat, name=c.name, votes_for=for_, votes_against=against,
            votes_abstain=abstain, female=c.sex == "F", resident_id=c.resident_id,
        ))
    for seat, names in sorted(figures.write_ins.items()):
        for name, n in sorted(names.items()):
            who = person(name) if person is not None else None
            votes.append(CandidateVotes(
                key=write_in_key(seat, name), seat=seat, name=name, votes_for=int(n), write_in=True,
                female=bool(who and who.sex == "F"), resident_id=who.resident_id if who else None,
            ))
    earlier = Candidate.objects.filter(election_id=round_.election_id, round__number__lt=round_.number,
                                       elected=True).values_list("sex", "resident_id")
    women_before = 0
    elected_before: set[int] = set()
    for sex, resident_id in earlier:
        women_before += sex == "F"
        if resident_id is not None:
            elected_before.add(resident_id)
    people = elected_before | {v.resident_id for v in votes if v.resident_id is not None}
    kin = kin_pairs(community_id=round_.election.community_id, resident_ids=people)
    return RoundInput(
        kind=round_.kind, seats={k: int(v) for k, v in (round_.seats or {}).items()}, registered=registered,
        voted=figures.ballots_issued, returned=figures.ballots_returned, invalid=figures.invalid_ballots,
        candidates=votes, women_elected_before=women_before,
        elected_before=frozenset(elected_before), kin=kin,
    )
