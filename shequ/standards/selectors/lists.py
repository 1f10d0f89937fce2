"""Lists behind the figures: the communities behind a figure, the names and missing items of the problems
report, one community's evidence."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import Collate, RowNumber, Substr

from shequ.areas.models import Area, Level
from shequ.core.errors import NotFound
from shequ.standards.models import ComplianceResult, ComplianceStatus
from shequ.standards.selectors.base import cached, compliance_results, standards_area
from shequ.standards.selectors.catalogue import CHILD_LENGTH, NAMES_PER_GROUP, RULE_BY_CODE, RULES, STATUS_PARAM

SORTS: dict[str, tuple[Any, ...]] = {
    "-gap": (F("gap").desc(nulls_last=True), "area_code"),
    "gap": (F("gap").asc(nulls_last=True), "area_code"),
    "-measured": (F("measured").desc(nulls_last=True), "area_code"),
    "measured": (F("measured").asc(nulls_last=True), "area_code"),
    "code": ("area_code",),
}


def rule_communities(
    *, viewer: Any, area: Area, rule: str, year: int, status: str = "short", kind: str = "", sort: str = "-gap"
) -> QuerySet[ComplianceResult]:
    """The communities behind one figure: a rule, a year and a status ("all" for every status)."""
    if rule not in RULE_BY_CODE:
        raise NotFound()
    qs = compliance_results(viewer=viewer, area_code=area.code, year=year, kind=kind, rule=rule)
    if status != "all":
        qs = qs.filter(status=STATUS_PARAM[status])
    return qs.select_related("community", "community__parent", "policy_version", "policy_version__policy_set").order_by(
        *SORTS.get(sort, SORTS["-gap"])
    )


def short_names(
    *, viewer: Any, area: Area, year: int, kind: str = "", per_group: int = NAMES_PER_GROUP
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The short communities with the largest gaps, at most `per_group` per (rule, child area) — one
    windowed query, so the problems report names names without reading every row. Below a district the
    names are grouped under the area itself (its children are the communities)."""
    length = CHILD_LENGTH[Level(area.level)] if area.level in (Level.CITY, Level.DISTRICT) else len(area.code)
    child = Substr("area_code", 1, length)
    # Rule names and codes are ASCII: sorted byte-wise, the window's sort costs a fraction of the database
    # collation's (same partitions, same order).
    bytewise = (lambda e: Collate(e, "C")) if connection.vendor == "postgresql" else (lambda e: e)

    def compute() -> dict[tuple[str, str], list[dict[str, Any]]]:
        qs = (
            compliance_results(viewer=viewer, area_code=area.code, year=year, kind=kind)
            .filter(status=ComplianceStatus.SHORT)
            .annotate(
                child=child,
                rank=Window(
                    RowNumber(),
                    partition_by=[bytewise(F("rule")), bytewise(child)],
                    order_by=[F("gap").desc(nulls_last=True), bytewise(F("area_code")).asc()],
                ),
            )
            .filter(rank__lte=per_group)
            .values("rule", "child", "area_code", "community__name", "gap", "measured", "threshold", "rank")
        )
        out: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for row in qs:
            out[(row["rule"], row["child"])].append(dict(row))
        for rows in out.values():
            rows.sort(key=lambda r: r["rank"])
        return dict(out)

    return cached(("names", area.code, kind, year, per_group), compute)


def missing_item_counts(*, viewer: Any, area: Area, year: int, kind: str = "") -> dict[str, dict[str, dict[str, int]]]:
    """{rule: {"missing"|"extra": {item: communities}}} for the item rules; grouped by the detail value
    in the database, so only the distinct combinations travel."""

    def compute() -> dict[str, dict[str, dict[str, int]]]:
        qs = compliance_results(viewer=viewer, area_code=area.code, year=year, kind=kind).filter(
            status=ComplianceStatus.SHORT, rule__in=("functional_rooms", "five_unifications", "plaques")
        )
        out: dict[str, dict[str, dict[str, int]]] = {}
        for row in qs.values("rule", "detail").annotate(n=Count("id")).order_by():
            detail = row["detail"] if isinstance(row["detail"], dict) else {}
            counts = out.setdefault(row["rule"], {"missing": {}, "extra": {}})
            for key in ("missing", "extra"):
                items = detail.get(key) or []
                for item in items if isinstance(items, list) else []:
                    counts[key][str(item)] = counts[key].get(str(item), 0) + row["n"]
        return out

    return cached(("items", area.code, kind, year), compute)


# --- one community -----------------------------------------------------------------------------------------


@dataclass
class Evidence:
    community: Area
    year: int | None
    years: list[int]
    results: list[ComplianceResult]
    trend: list[tuple[int, dict[str, ComplianceResult]]]


def community_evidence(*, viewer: Any, code: str, year: int | None = None) -> Evidence:
    community = standards_area(viewer=viewer, code=code)
    if community.level != Level.COMMUNITY:
        raise NotFound()
    rows = list(
        compliance_results(viewer=viewer, area_code=community.code)
        .filter(community=community)
        .select_related("policy_version", "policy_version__policy_set")
    )
    by_year: dict[int, dict[str, ComplianceResult]] = defaultdict(dict)
    for row in rows:
        by_year[row.year][row.rule] = row
    years = sorted(by_year)
    if year is None and years:
        year = years[-1]
    order = {r.code: i for i, r in enumerate(RULES)}
    results = sorted(by_year.get(year, {}).values(), key=lambda r: (order.get(r.rule, 99), r.rule)) if year else []
    return Evidence(community, year, years, results, [(y, by_year[y]) for y in years])
