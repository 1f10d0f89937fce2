"""What a premises has against what the policy asks: the rooms, the five unifications and the plaques as
checklists for the community page (display only; the compliance rules judge the community)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from shequ.facilities.models import Premises
from shequ.facilities.names import OTHER_PLAQUE_PREFIX, NameLists, lists_for
from shequ.standards.policy import TOPIC, PolicyResolver


@dataclass
class Checklist:
    policy_year: int | None
    rooms: list[tuple[str, bool, Decimal | None]] = field(default_factory=list)  # (name, present, m²)
    extra_rooms: list[tuple[str, Decimal | None]] = field(default_factory=list)  # recorded, not in the policy
    unifications: list[tuple[str, bool]] = field(default_factory=list)
    extra_unifications: list[str] = field(default_factory=list)
    plaques: list[tuple[str, bool]] = field(default_factory=list)
    extra_plaques: list[str] = field(default_factory=list)  # organisations beyond the required ones
    rooms_present: int = 0
    unifications_done: int = 0


def judged_year(premises: Premises, this_year: int) -> int:
    """The year whose policy the page compares the premises with: this year while in use, else its last
    year of use (or its first, if it is not in use yet)."""
    if premises.year_from > this_year:
        return premises.year_from
    if premises.year_to is not None and premises.year_to < this_year:
        return premises.year_to
    return this_year


class ChecklistMaker:
    """Loads the policy once per page (a few queries however many premises and years are shown)."""

    def __init__(self, this_year: int):
        self.this_year = this_year
        self._resolver: PolicyResolver | None = None
        self._lists: dict[tuple[str, int, int], NameLists] = {}

    def lists(self, community_code: str, year: int, fallback: int) -> NameLists:
        key = (community_code, year, fallback)
        if key not in self._lists:
            if self._resolver is None:
                self._resolver = PolicyResolver(TOPIC)
            self._lists[key] = lists_for(community_code, [year, fallback], self._resolver)
        return self._lists[key]

    def make(self, premises: Premises) -> Checklist:
        lists = self.lists(premises.area_code, judged_year(premises, self.this_year), premises.year_from)
        recorded = {r.name: r.floor_area_m2 for r in premises.rooms.all()}
        unifications = set(premises.unifications or [])
        plaques = list(premises.plaques or [])
        checklist = Checklist(policy_year=lists.year)
        checklist.rooms = [(name, name in recorded, recorded.get(name)) for name in lists.rooms]
        checklist.extra_rooms = [(name, area) for name, area in recorded.items() if name not in lists.rooms]
        checklist.unifications = [(name, name in unifications) for name in lists.unifications]
        checklist.extra_unifications = [u for u in premises.unifications or [] if u not in lists.unifications]
        checklist.plaques = [(name, name in plaques) for name in lists.plaques]
        checklist.extra_plaques = [
            p[len(OTHER_PLAQUE_PREFIX) :] if p.startswith(OTHER_PLAQUE_PREFIX) else p
            for p in plaques
            if p not in lists.plaques
        ]
        checklist.rooms_present = sum(1 for _, present, _ in checklist.rooms if present)
        checklist.unifications_done = sum(1 for _, done in checklist.unifications if done)
        return checklist
