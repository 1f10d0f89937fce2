"""The compliance rules: pure functions over in-memory facts and a version's parameters.

Each rule takes the facts of one community and year plus the parameters in force and returns a
`RuleResult` (status, measured, threshold, gap, detail). No database access here: the recompute loads the
facts of thousands of communities in a few set-based queries and calls these in a loop.

Units: m² for premises_area and service_centre; items for functional_rooms, five_unifications and plaques;
people for staffing; yuan for the funds; for base_pay `measured` is the number of people paid below the
standard and `gap` the year's total shortfall in yuan. `gap` is never negative.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from shequ.standards.models import ComplianceStatus
from shequ.standards.policy import BASE_PAY_KEYS, OPERATING_FUNDS_KEYS, Params

MEETS = int(ComplianceStatus.MEETS)
SHORT = int(ComplianceStatus.SHORT)
NO_DATA = int(ComplianceStatus.NO_DATA)
ZERO = Decimal(0)


class RuleResult(NamedTuple):
    status: int
    measured: Decimal | None
    threshold: Decimal | None
    gap: Decimal | None
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PremisesFacts:
    floor_area_m2: Decimal
    year_from: int
    year_to: int | None = None  # inclusive; None = still in use
    newly_built: bool = False
    service_centre_m2: Decimal | None = None  # None = no service centre here
    rooms: frozenset[str] = frozenset()
    unifications: frozenset[str] = frozenset()
    plaques: frozenset[str] = frozenset()

    def in_use(self, year: int) -> bool:
        return self.year_from <= year and (self.year_to is None or year <= self.year_to)


@dataclass(frozen=True, slots=True)
class WorkerFacts:
    id: int
    name: str
    position: str
    start_date: dt.date
    end_date: dt.date | None = None  # inclusive; None = in post
    monthly_base_pay: Decimal = ZERO

    def in_post_on(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)

    def months_in(self, year: int, until: dt.date) -> int:
        """Calendar months of `year` (up to `until`) in which the worker served at least one day."""
        first = max(self.start_date, dt.date(year, 1, 1))
        last = min(self.end_date or until, until, dt.date(year, 12, 31))
        if last < first:
            return 0
        return last.month - first.month + 1


@dataclass(slots=True)
class Facts:
    """What the rules know about one community in one year."""

    year: int
    community_kind: str
    # Every premises of the community (the rules pick those in use in `year`).
    premises: Sequence[PremisesFacts] = ()
    # Every worker ever recorded for the community.
    workers: Sequence[WorkerFacts] = ()
    households: int = 0  # permanent households now (the registry keeps no history)
    operating_funds: Decimal | None = None  # sum of the year's rows; None = no rows that year
    project_funds: Decimal | None = None
    today: dt.date = field(default_factory=dt.date.today)
    # The workers whose base pay has a standard (director, deputy, member); derived from `workers` when None.
    committee: Sequence[WorkerFacts] | None = None

    def committee_workers(self) -> Sequence[WorkerFacts]:
        if self.committee is None:
            self.committee = [w for w in self.workers if w.position in BASE_PAY_KEYS]
        return self.committee

    def premises_in_use(self) -> list[PremisesFacts]:
        return [p for p in self.premises if p.in_use(self.year)]

    def staffing_day(self) -> dt.date:
        """31 December of the year, or today while the year is still running."""
        return year_bounds(self.year, self.today)[1]


def _num(params: Params, key: str) -> Decimal:
    value = params[key]
    assert isinstance(value, Decimal), key
    return value


def _items(params: Params, key: str) -> list[str]:
    value = params[key]
    assert isinstance(value, list), key
    return value


def _gap(threshold: Decimal, measured: Decimal) -> Decimal:
    return max(ZERO, threshold - measured)


def premises_area(facts: Facts, params: Params) -> RuleResult:
    in_use = facts.premises_in_use()
    new = any(p.newly_built for p in in_use)
    threshold = _num(params, "premises_min_m2_new" if new else "premises_min_m2")
    if not in_use:
        return RuleResult(NO_DATA, None, threshold, None, {})
    measured = sum((p.floor_area_m2 for p in in_use), ZERO)
    status = MEETS if measured >= threshold else SHORT
    return RuleResult(status, measured, threshold, _gap(threshold, measured), {"newly_built": new} if new else {})


def service_centre(facts: Facts, params: Params) -> RuleResult:
    threshold = _num(params, "service_centre_min_m2")
    in_use = facts.premises_in_use()
    if not in_use:
        return RuleResult(NO_DATA, None, threshold, None, {})
    centres = [p.service_centre_m2 for p in in_use if p.service_centre_m2 is not None]
    if not centres:
        return RuleResult(SHORT, ZERO, threshold, threshold, {"no_centre": True})
    measured = max(centres)
    status = MEETS if measured >= threshold else SHORT
    return RuleResult(status, measured, threshold, _gap(threshold, measured), {})


def _required_items(
    facts: Facts, required: list[str], present: Callable[[PremisesFacts], frozenset[str]]
) -> RuleResult:
    threshold = Decimal(len(required))
    in_use = facts.premises_in_use()
    if not in_use:
        return RuleResult(NO_DATA, None, threshold, None, {})
    have: set[str] = set()
    for p in in_use:
        have |= present(p)
    missing = [name for name in required if name not in have]
    measured = Decimal(len(required) - len(missing))
    return RuleResult(MEETS if not missing else SHORT, measured, threshold, Decimal(len(missing)), {"missing": missing})


def functional_rooms(facts: Facts, params: Params) -> RuleResult:
    return _required_items(facts, _items(params, "functional_rooms"), lambda p: p.rooms)


def five_unifications(facts: Facts, params: Params) -> RuleResult:
    return _required_items(facts, _items(params, "unifications"), lambda p: p.unifications)


def plaques(facts: Facts, params: Params) -> RuleResult:
    """Exactly the listed plaques hung outside: none missing, none extra; gap = plaques to add or take down."""
    required = _items(params, "plaques")
    threshold = Decimal(len(required))
    in_use = facts.premises_in_use()
    if not in_use:
        return RuleResult(NO_DATA, None, threshold, None, {})
    hung: set[str] = set()
    for p in in_use:
        hung |= p.plaques
    missing = [name for name in required if name not in hung]
    extra = sorted(hung.difference(required))
    status = MEETS if not missing and not extra else SHORT
    detail = {"missing": missing, "extra": extra}
    return RuleResult(status, Decimal(len(hung)), threshold, Decimal(len(missing) + len(extra)), detail)


def staff_required(households: int, params: Params) -> int:
    """1 per `staff_households_per_worker` permanent households (rounded up), kept within staff_min..staff_max."""
    return _staff_required(
        households, _num(params, "staff_households_per_worker"), _num(params, "staff_min"), _num(params, "staff_max")
    )


@lru_cache(maxsize=4096)
def _staff_required(households: int, per: Decimal, minimum: Decimal, maximum: Decimal) -> int:
    by_households = (Decimal(households) / per).to_integral_value(rounding=ROUND_CEILING) if per > 0 else ZERO
    return int(min(maximum, max(minimum, by_households)))


def _in_post(workers: Sequence[WorkerFacts], day: dt.date) -> int:
    return sum(1 for w in workers if w.start_date <= day and (w.end_date is None or w.end_date >= day))


@lru_cache(maxsize=256)
def year_bounds(year: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """(1 January, the last day counted: 31 December, or today while the year is running)."""
    return dt.date(year, 1, 1), min(dt.date(year, 12, 31), today)


def _committee_served(facts: Facts) -> list[WorkerFacts]:
    start, until = year_bounds(facts.year, facts.today)
    return [
        w for w in facts.committee_workers() if w.start_date <= until and (w.end_date is None or w.end_date >= start)
    ]


def staffing(facts: Facts, params: Params) -> RuleResult:
    required = staff_required(facts.households, params)
    threshold = Decimal(required)
    if not facts.workers:
        return RuleResult(NO_DATA, None, threshold, None, {"households": facts.households})
    day = facts.staffing_day()
    in_post = _in_post(facts.workers, day)
    maximum = _num(params, "staff_max")
    status = MEETS if required <= in_post <= maximum else SHORT
    detail: dict[str, Any] = {"households": facts.households}
    if day.month != 12 or day.day != 31:
        detail["on"] = day.isoformat()  # the year is still running: counted today
    if in_post > maximum:
        detail["excess"] = int(in_post - maximum)
    return RuleResult(status, Decimal(in_post), threshold, Decimal(max(0, required - in_post)), detail)


def _funds(measured: Decimal | None, threshold: Decimal) -> RuleResult:
    if measured is None:
        return RuleResult(NO_DATA, None, threshold, None, {})
    status = MEETS if measured >= threshold else SHORT
    return RuleResult(status, measured, threshold, _gap(threshold, measured), {})


def operating_funds(facts: Facts, params: Params) -> RuleResult:
    return _funds(facts.operating_funds, _num(params, OPERATING_FUNDS_KEYS[facts.community_kind]))


def project_funds(facts: Facts, params: Params) -> RuleResult:
    return _funds(facts.project_funds, _num(params, "project_funds_min_central_urban"))


def base_pay(facts: Facts, params: Params) -> RuleResult:
    """Committee members (director, deputy, member) paid below the monthly standard during the year."""
    until = min(dt.date(facts.year, 12, 31), facts.today)
    served = _committee_served(facts)
    if not served:
        return RuleResult(NO_DATA, None, ZERO, None, {})
    standards = {position: _num(params, key) for position, key in BASE_PAY_KEYS.items()}
    below: list[dict[str, Any]] = []
    shortfall = ZERO
    for w in served:
        standard = standards[w.position]
        if w.monthly_base_pay >= standard:
            continue
        months = w.months_in(facts.year, until)
        owed = (standard - w.monthly_base_pay) * months
        shortfall += owed
        below.append(
            {
                "worker": w.id,
                "name": w.name,
                "position": w.position,
                "pay": str(w.monthly_base_pay),
                "standard": str(standard),
                "months": months,
                "shortfall": str(owed),
            }
        )
    status = MEETS if not below else SHORT
    return RuleResult(status, Decimal(len(below)), ZERO, shortfall, {"below": below} if below else {})


RULE_FUNCTIONS: dict[str, Callable[[Facts, Params], RuleResult]] = {
    "premises_area": premises_area,
    "service_centre": service_centre,
    "functional_rooms": functional_rooms,
    "five_unifications": five_unifications,
    "plaques": plaques,
    "staffing": staffing,
    "operating_funds": operating_funds,
    "project_funds": project_funds,
    "base_pay": base_pay,
}


# What each non-premises rule's result depends on, given the version's parameters: equal keys under the same
# version give equal results, so the recompute evaluates each distinct key once. Worker ids stand for the worker's
# fixed name, position and pay within one recompute.
def _staffing_key(facts: Facts) -> Hashable:
    if not facts.workers:
        return (facts.households, None, None)
    day = facts.staffing_day()
    running = None if (day.month, day.day) == (12, 31) else day
    return (facts.households, _in_post(facts.workers, day), running)


def _base_pay_key(facts: Facts, params: Params) -> Hashable:
    served = _committee_served(facts)
    if not served:
        return None
    until = year_bounds(facts.year, facts.today)[1]
    return tuple(
        (w.id, w.months_in(facts.year, until))
        for w in served
        if w.monthly_base_pay < _num(params, BASE_PAY_KEYS[w.position])
    )


RULE_KEYS: dict[str, Callable[[Facts, Params], Hashable]] = {
    "staffing": lambda f, p: _staffing_key(f),
    "operating_funds": lambda f, p: (f.community_kind, f.operating_funds),
    "project_funds": lambda f, p: f.project_funds,
    "base_pay": _base_pay_key,
}
# Rules that read only the premises in use (their results repeat while the premises do).
PREMISES_RULES: tuple[str, ...] = (
    "premises_area",
    "service_centre",
    "functional_rooms",
    "five_unifications",
    "plaques",
)
