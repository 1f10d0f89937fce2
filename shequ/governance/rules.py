"""The two-year rule (「连续两年被评定为不称职」) as a pure computation, and the policy numbers it reads.

The number of consecutive years is the policy parameter `incompetent_years` of the version in force for the
later year (so 2015 is judged by the 2015 rules); a year without a policy in force triggers nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shequ.governance.models import Rating

TOPIC = "community_standards"
BASE_PAY_KEYS = {"director": "base_pay_director", "deputy": "base_pay_deputy", "member": "base_pay_member"}


def policy_params(community_code: str, year: int) -> dict[str, Any]:
    """The parameters in force for a community in a year ({} when no policy covers that year)."""
    from shequ.standards.policy import params, version_for

    return dict(params(version_for(TOPIC, community_code, year)))


def required_years(community_code: str, year: int) -> int | None:
    """`incompetent_years` for `year`, or None when no policy in force says it."""
    value = policy_params(community_code, year).get("incompetent_years")
    if not isinstance(value, Decimal):
        return None
    n = int(value)
    return n if n >= 1 else None


def base_pay(params: dict[str, Any], position: str) -> Decimal | None:
    """The monthly base-pay standard of a position (None for plain staff or when the policy has none)."""
    value = params.get(BASE_PAY_KEYS.get(position, ""))
    return value if isinstance(value, Decimal) else None


@dataclass(frozen=True)
class Due:
    first_year: int
    second_year: int


def due_years(ratings: dict[int, str], required: Callable[[int], int | None]) -> list[Due]:
    """Each year Y that closes a run of `required(Y)` consecutive 不称职 ratings, in year order.

    A year without a rating (on leave, not yet evaluated) breaks the run like any other rating.
    """
    due = []
    for year in sorted(y for y, r in ratings.items() if r == Rating.INCOMPETENT):
        n = required(year)
        if n is None:
            continue
        first = year - n + 1
        if all(ratings.get(y) == Rating.INCOMPETENT for y in range(first, year + 1)):
            due.append(Due(first, year))
    return due


def runs(due: Iterable[Due]) -> list[list[Due]]:
    """Group due years into runs: a run continues while each due year follows the previous one."""
    grouped: list[list[Due]] = []
    for item in due:
        if grouped and grouped[-1][-1].second_year == item.second_year - 1:
            grouped[-1].append(item)
        else:
            grouped.append([item])
    return grouped


def served_years(start: dt.date, end: dt.date | None, today: dt.date) -> range:
    """Calendar years that overlap the term (up to this year for a term still running)."""
    last = end.year if end is not None else today.year
    return range(start.year, max(start.year, last) + 1) if start.year <= last else range(0)


def served_label(start: dt.date, end: dt.date | None) -> str:
    if end is None:
        return f"{start.year}–"
    return str(start.year) if start.year == end.year else f"{start.year}–{end.year}"
