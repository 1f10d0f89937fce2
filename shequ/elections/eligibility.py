"""Who may vote and who may stand: age on election day, living in the community (or the group), registered here
or — for a floating resident — living here long enough and applying. Used by the roll and by nomination."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from shequ.elections.rules import election_params, number
from shequ.registry.models import HouseholdKind, HouseholdMembership, ResidentStatus
from shequ.standards.policy import Params


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Full years on `day` (someone born on 29 February comes of age on 1 March in a common year)."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def comes_of_age(birth_date: dt.date, min_age: int, day: dt.date) -> bool:
    return age_on(birth_date, day) >= min_age


def _resident_since(resident: Any) -> dt.date | None:
    started = (
        HouseholdMembership.objects.filter(resident=resident, ended_at__isnull=True)
        .order_by("started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    return started.date() if started else None


def resident_eligibility(election: Any, resident: Any, *, applied: bool = False, values: Params | None = None) -> str:
    """"" when `resident` may be on this election's roll (or stand in it); otherwise why not, translated.

    A member of a floating household qualifies only by applying (`applied=True`) after living here the rule's
    number of years (户籍不在本社区、居住一年以上、本人申请). `values`: the election's parameters, when the caller
    checks many residents."""
    values = values if values is not None else election_params(election)
    if resident.status != ResidentStatus.ACTIVE:
        return _("该居民已迁出或已故。")
    if not str(resident.area_code or "").startswith(election.area_code):
        return _("该居民不在本选区居住。")
    min_age = number(values, "voter_min_age")
    if not comes_of_age(resident.birth_date, min_age, election.election_day):
        return _("选举日未满 %(age)s 周岁。") % {"age": min_age}
    household = getattr(resident, "household", None)
    if household is None:
        return _("该居民未登记在本社区的户中。")
    if household.kind == HouseholdKind.FLOATING:
        if not applied:
            return _("户籍不在本社区的居民须本人申请方可登记。")
        years = number(values, "floating_residence_years")
        since = _resident_since(resident)
        day = election.election_day
        limit = dt.date(day.year - years, day.month, 28 if (day.month, day.day) == (2, 29) else day.day)
        if since is None or since > limit:
            return _("户籍不在本社区的居民须在本社区居住满 %(years)s 年。") % {"years": years}
    return ""
