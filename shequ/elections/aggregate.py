"""A round's figures from the database: the accepted paper tallies of its boxes plus its online ballots.

Online ballots are summed by `GROUP BY marks` (a round has few distinct mark strings however many ballots),
so tallying a million ballots reads a few thousand rows, on PostgreSQL and on SQLite alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Figures:
    ballots_issued: int = 0
    ballots_returned: int = 0
    invalid_ballots: int = 0
    votes: dict[int, list[int]] = field(default_factory=dict)  # candidate id → [for, against, abstain]
    write_ins: dict[str, dict[str, int]] = field(default_factory=dict)  # seat → name → votes
