"""Which policy version judges a community in a year, and its parameters as Python values.

A year is judged by the version in force on 31 December of that year, taken from the deepest policy set
of the topic whose `jurisdiction_code` is a prefix of the community's code (a district's own set beats the
city's). When the deepest set has no version in force that year (e.g. a district set that only starts
later), the next shallower set that has one is used, so earlier years stay judged by the rules then in
force. A year no set covers has no version: no compliance rows are written for it.

`version_for`/`params` do a few queries each (pages, one community); `PolicyResolver` loads the whole
topic once and answers from memory (the recompute over thousands of communities × years).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from shequ.standards.models import PolicyParameter, PolicySet, PolicyVersion

TOPIC = "community_standards"
LOUDI_SET = "loudi-community-standards"

ParamValue = Decimal | list[str]
Params = dict[str, ParamValue]

# Operating-fund minimum by community kind (areas.CommunityKind values).
OPERATING_FUNDS_KEYS: dict[str, str] = {
    "village": "operating_funds_min_village",
    "urban": "operating_funds_min_urban",
    "central_urban": "operating_funds_min_central_urban",
    "township": "operating_funds_min_township",
}
BASE_PAY_KEYS: dict[str, str] = {
    "director": "base_pay_director",
    "deputy": "base_pay_deputy",
    "member": "base_pay_member",
}

# The parameters each rule reads. A rule is evaluated for a year only when the version in force has all of
# them (operating_funds: only the key of the community's kind, see `rule_applies`).
RULE_PARAMS: dict[str, tuple[str, ...]] = {
    "premises_area": ("premises_min_m2", "premises_min_m2_new"),
    "service_centre": ("service_centre_min_m2",),
    "functional_rooms": ("functional_rooms",),
    "five_unifications": ("unifications",),
    "plaques": ("plaques",),
    "staffing": ("staff_households_per_worker", "staff_min", "staff_max"),
    "operating_funds": tuple(OPERATING_FUNDS_KEYS.values()),
    "project_funds": ("project_funds_min_central_urban",),
    "base_pay": tuple(BASE_PAY_KEYS.values()),
}
RULES: tuple[str, ...] = tuple(RULE_PARAMS)

# Parameters that belong to no compliance rule but to the same policy (the two-year evaluation rule, grids).
OTHER_PARAMS: tuple[str, ...] = ("incompetent_years", "grid_households", "grid_people")

# The kind of every known parameter key (standards.ParamKind values).
PARAM_KINDS: dict[str, str] = {
    "premises_min_m2": "m2",
    "premises_min_m2_new": "m2",
    "service_centre_min_m2": "m2",
    "functional_rooms": "items",
    "unifications": "items",
    "plaques": "items",
    "staff_households_per_worker": "count",
    "staff_min": "count",
    "staff_max": "count",
    "operating_funds_min_village": "yuan",
    "operating_funds_min_urban": "yuan",
    "operating_funds_min_central_urban": "yuan",
    "operating_funds_min_township": "yuan",
    "project_funds_min_central_urban": "yuan",
    "base_pay_director": "yuan",
    "base_pay_deputy": "yuan",
    "base_pay_member": "yuan",
    "incompetent_years": "count",
    "grid_households": "count",
    "grid_people": "count",
}


def rule_applies(rule: str, params: Params, community_kind: str) -> bool:
    """True when `params` hold what `rule` needs for a community of this kind."""
    if rule == "operating_funds":
        key = OPERATING_FUNDS_KEYS.get(community_kind)
        return key is not None and key in params
    if rule == "project_funds":
        return community_kind == "central_urban" and "project_funds_min_central_urban" in params
    return all(key in params for key in RULE_PARAMS[rule])


def year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def in_force(version: PolicyVersion, year: int) -> bool:
    return in_force_on(version, year_end(year))


def in_force_on(version: PolicyVersion, day: dt.date) -> bool:
    return version.effective_from <= day and (version.effective_to is None or version.effective_to >= day)


def parse_value(value: object) -> ParamValue:
    """A stored parameter value: a list of names stays a list, a number becomes an exact Decimal."""
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))


def _prefixes(area_code: str) -> list[str]:
    return [area_code[:n] for n in range(1, len(area_code) + 1)]


def _pick(sets: list[PolicySet], versions: dict[int, list[PolicyVersion]], year: int) -> PolicyVersion | None:
    """`sets` deepest first: the first one with a version in force on 31 December of `year`."""
    for policy_set in sets:
        for version in versions.get(policy_set.pk, []):
            if in_force(version, year):
                return version
    return None


def _deepest_first(sets: list[PolicySet]) -> list[PolicySet]:
    return sorted(sets, key=lambda s: (-len(s.jurisdiction_code), s.code))


def version_for(topic: str, area_code: str, year: int) -> PolicyVersion | None:
    """The version judging `area_code` in `year` (two queries)."""
    sets = _deepest_first(list(PolicySet.objects.filter(topic=topic, jurisdiction_code__in=_prefixes(area_code))))
    if not sets:
        return None
    day = year_end(year)
    versions: dict[int, list[PolicyVersion]] = {}
    candidates = PolicyVersion.objects.filter(policy_set__in=sets, effective_from__lte=day).select_related("policy_set")
    for version in candidates.order_by("-effective_from", "-number"):
        versions.setdefault(version.policy_set_id, []).append(version)
    return _pick(sets, versions, year)


def version_on(topic: str, area_code: str, day: dt.date) -> PolicyVersion | None:
    """The version of `topic` in force on `day` for `area_code` (an election is judged by its election day, not by
    the year end): the deepest covering set with a version in force that day, else the next shallower one."""
    sets = _deepest_first(list(PolicySet.objects.filter(topic=topic, jurisdiction_code__in=_prefixes(area_code))))
    versions = PolicyVersion.objects.filter(policy_set__in=sets, effective_from__lte=day).select_related("policy_set")
    by_set: dict[int, list[PolicyVersion]] = {}
    for version in versions.order_by("-effective_from", "-number"):
        by_set.setdefault(version.policy_set_id, []).append(version)
    for policy_set in sets:
        for version in by_set.get(policy_set.pk, []):
            if in_force_on(version, day):
                return version
    return None


# Kept for callers that used the name in the models' docstring.
version_for_year = version_for


def params(version: PolicyVersion | None) -> Params:
    """key → Decimal (numbers) or list[str] (items) for one version; {} for None."""
    if version is None:
        return {}
    rows = PolicyParameter.objects.filter(version=version).values_list("key", "value")
    return {key: parse_value(value) for key, value in rows}


class PolicyResolver:
    """All sets, versions and parameters of one topic, loaded once (three queries), answered from memory."""

    def __init__(self, topic: str = TOPIC):
        self.topic = topic
        self.sets = _deepest_first(list(PolicySet.objects.filter(topic=topic)))
        self.versions: dict[int, list[PolicyVersion]] = {}
        by_id: dict[int, PolicyVersion] = {}
        for version in (
            PolicyVersion.objects.filter(policy_set__topic=topic)
            .select_related("policy_set")
            .order_by("-effective_from", "-number")
        ):
            self.versions.setdefault(version.policy_set_id, []).append(version)
            by_id[version.pk] = version
        self._params: dict[int, Params] = {pk: {} for pk in by_id}
        for version_id, key, value in PolicyParameter.objects.filter(version_id__in=list(by_id)).values_list(
            "version_id", "key", "value"
        ):
            self._params[version_id][key] = parse_value(value)
        self._memo: dict[tuple[tuple[int, ...], int], PolicyVersion | None] = {}
        self._timelines: dict[tuple[tuple[int, ...], tuple[int, ...]], list[tuple[int, PolicyVersion]]] = {}

    def _sets_for(self, area_code: str) -> list[PolicySet]:
        return [s for s in self.sets if area_code.startswith(s.jurisdiction_code)]

    def version_for(self, area_code: str, year: int) -> PolicyVersion | None:
        sets = self._sets_for(area_code)
        key = (tuple(s.pk for s in sets), year)
        if key not in self._memo:
            self._memo[key] = _pick(sets, self.versions, year)
        return self._memo[key]

    def timeline(self, area_code: str, years: Sequence[int]) -> list[tuple[int, PolicyVersion]]:
        """(year, version) for each of `years` that has a version; shared by every code under the same sets."""
        sets = self._sets_for(area_code)
        key = (tuple(s.pk for s in sets), tuple(years))
        found = self._timelines.get(key)
        if found is None:
            found = self._timelines[key] = [
                (year, version) for year in years if (version := _pick(sets, self.versions, year)) is not None
            ]
        return found

    def params(self, version: PolicyVersion | None) -> Params:
        if version is None:
            return {}
        return self._params.get(version.pk, {})

    def first_year(self) -> int | None:
        """The earliest year any version of the topic is in force (the default start of a recompute)."""
        starts = [v.effective_from for versions in self.versions.values() for v in versions]
        if not starts:
            return None
        return min(starts).year
