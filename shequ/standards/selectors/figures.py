"""The figures of an area: one GROUP BY over its subtree, all years at once (the trend needs them anyway) — counts
and sums by year, child area, rule, status, community kind and threshold — summed into a Digest that every
figure on the dashboard and in the problems report reads. Cached per area, kind filter and version of the
results (selectors.base), so it is computed again only after a recompute."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import Substr

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area, Level
from shequ.core.roles import Perm
from shequ.standards.compliance_rollup import rollup_fresh
from shequ.standards.models import ComplianceResult, ComplianceRollup, ComplianceStatus
from shequ.standards.selectors.base import cached, compliance_results, tally_rows
from shequ.standards.selectors.catalogue import (
    CHILD_LENGTH,
    RULE_BY_CODE,
    RULES,
    ChildFigure,
    Digest,
    Rule,
    ShortGroup,
    Summary,
    Tally,
)


def _rollup_rows(code: str, kind: str, length: int, keys: list[str], year: int | None) -> QuerySet[Any]:
    """A city's or district's groups from the per-sub-district rollup (the whole subtree is the viewer's)."""
    qs = ComplianceRollup.objects.filter(sub_code__startswith=code)
    if kind:
        qs = qs.filter(community_kind=kind)
    if year is not None:
        qs = qs.filter(year=year)
    return (
        qs.annotate(child=Substr("sub_code", 1, length))
        .values(*keys, "child")
        .annotate(n=Sum("n"), gap_sum=Sum("gap_sum"), measured_sum=Sum("measured_sum"), absent=Sum("absent"),
                  zero_gap=Sum("zero_gap"))
        .order_by()
    )


def _result_rows(
    viewer: Any, code: str, kind: str, length: int | None, keys: list[str], year: int | None
) -> QuerySet[Any]:
    qs = compliance_results(viewer=viewer, area_code=code, kind=kind, year=year)
    if length:
        qs, keys = qs.annotate(child=Substr("area_code", 1, length)), [*keys, "child"]
    return (
        qs.values(*keys)
        .annotate(
            n=Count("id"),
            gap_sum=Sum("gap"),
            measured_sum=Sum("measured"),
            absent=Count("id", filter=Q(measured__isnull=True) | Q(measured=0)),
            zero_gap=Count("id", filter=Q(gap__isnull=True) | Q(gap=0)),
            latest=Max("computed_at"),
        )
        .order_by()
    )


def _newest_computed_at(code: str, kind: str, year: int | None) -> Any:
    """With the rollup (which keeps no times): the newest result row of the subtree — rows are only ever inserted,
    each run's with its start time, so the highest id carries the latest time (a backward walk of the primary key
    that stops at the first row under the prefix, not a scan of the subtree)."""
    qs = ComplianceResult.objects.filter(area_code__startswith=code)
    if kind:
        qs = qs.filter(community_kind=kind)
    if year is not None:
        qs = qs.filter(year=year)
    return qs.order_by("-id").values_list("computed_at", flat=True).first()


def figures_digest(*, viewer: Any, area: Area, kind: str, year: int | None = None) -> Digest:
    """Every year (the dashboards: the trend needs them), or one `year` (the problems report: a tenth of the
    rows to group)."""
    length = CHILD_LENGTH[Level(area.level)] if area.level in (Level.CITY, Level.DISTRICT) else None

    def compute() -> Digest:
        keys = ["year", "rule", "status", "community_kind", "threshold"]
        computed_at = None
        if length and viewer_scope(viewer).has(Perm.STANDARDS_VIEW, area.code) and rollup_fresh():
            query = _rollup_rows(area.code, kind, length, keys, year)
            computed_at = _newest_computed_at(area.code, kind, year)
        else:
            query = _result_rows(viewer, area.code, kind, length, keys, year)
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # PostgreSQL has no statistics on the code-prefix expression and guesses ~10x the real number
                # of groups (39,000 for the 4,611 of the city): it then sorts every row on disk and judges a
                # parallel aggregate too costly. Room to hash the real groups in memory, and the cost of passing
                # them between workers put back near the truth, let it hash in parallel (city: 1.5 s → 0.15 s of
                # SQL). SET LOCAL ends with this transaction.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL work_mem = '32MB'")
                    cursor.execute("SET LOCAL parallel_tuple_cost = 0.001")
            rows = list(query)
        by_year: dict[int, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
        by_child: dict[int, dict[str, dict[str, Tally]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(Tally)))
        short: dict[tuple[int, str, str, Decimal | None], ShortGroup] = {}
        for r in rows:
            y, rule, status, n, gap, measured = (
                r["year"],
                r["rule"],
                r["status"],
                r["n"],
                r["gap_sum"],
                r["measured_sum"],
            )
            by_year[y][rule].add(status, n, gap, measured)
            latest = r.get("latest")
            if latest is not None and (computed_at is None or latest > computed_at):
                computed_at = latest
            if length:
                by_child[y][r["child"]][rule].add(status, n, gap, measured)
            if status == ComplianceStatus.SHORT:
                key = (y, rule, r["community_kind"], r["threshold"])
                g = short.setdefault(key, ShortGroup(rule, key[2], key[3], 0, Decimal(0), Decimal(0), 0, 0))
                g.n, g.gap, g.measured = g.n + n, g.gap + (gap or 0), g.measured + (measured or 0)
                g.absent, g.zero_gap = g.absent + r["absent"], g.zero_gap + r["zero_gap"]
        by_short: dict[int, list[ShortGroup]] = defaultdict(list)
        for key in sorted(short, key=lambda k: (k[0], k[1], k[2], k[3] or 0)):
            by_short[key[0]].append(short[key])
        # plain dicts: the value is pickled into the cache
        return Digest(
            by_year={y: dict(t) for y, t in by_year.items()},
            by_child={y: {c: dict(t) for c, t in per.items()} for y, per in by_child.items()},
            short=dict(by_short),
            computed_at=computed_at,
        )

    return cached(("digest", area.code, kind, year), compute)


def child_tallies(
    *, viewer: Any, area: Area, year: int, kind: str = "", digest: Digest | None = None
) -> tuple[list[Area], dict[str, dict[str, Tally]]]:
    """The area's children and, per child code and rule, the tally of `year`."""
    if Level(area.level) not in CHILD_LENGTH:
        return [], {}
    children = list(Area.objects.filter(parent=area).order_by("code").only("code", "name", "level", "community_kind"))
    if area.level != Level.SUBDISTRICT:
        digest = digest or figures_digest(viewer=viewer, area=area, kind=kind)
        return children, digest.by_child.get(year, {})

    # the children are the communities, one result row each per rule: read for the year alone
    def compute() -> dict[str, dict[str, Tally]]:
        qs = compliance_results(viewer=viewer, area_code=area.code, year=year, kind=kind)
        tallies: dict[str, dict[str, Tally]] = defaultdict(dict)
        for r in tally_rows(qs, "area_code", "rule"):
            tallies[r["area_code"]].setdefault(r["rule"], Tally()).add(
                r["status"], r["n"], r["gap_sum"], r["measured_sum"]
            )
        return dict(tallies)

    return children, cached(("communities", area.code, kind, year), compute)


def _overall(tallies: dict[str, Tally]) -> Tally:
    total = Tally()
    for t in tallies.values():
        total.meets, total.short, total.no_data = (
            total.meets + t.meets,
            total.short + t.short,
            total.no_data + t.no_data,
        )
    return total


def compliance_summary(*, viewer: Any, area: Area, year: int | None = None, kind: str = "") -> Summary:
    """Everything the dashboard shows, from the digest (and, below a sub-district, one query for the year)."""
    digest = figures_digest(viewer=viewer, area=area, kind=kind)
    years = sorted(digest.by_year)
    if year is None and years:
        year = years[-1]
    this_year = digest.by_year.get(year, {}) if year is not None else {}
    known = [(r, this_year[r.code]) for r in RULES if r.code in this_year]
    rules = known + [(Rule(c, c, "", ""), t) for c, t in sorted(this_year.items()) if c not in RULE_BY_CODE]
    children: list[ChildFigure] = []
    if year is not None and this_year:
        areas, tallies = child_tallies(viewer=viewer, area=area, year=year, kind=kind, digest=digest)
        children = [ChildFigure(a, _overall(tallies.get(a.code, {})), dict(tallies.get(a.code, {}))) for a in areas]
    return Summary(
        area=area,
        year=year,
        years=years,
        kind=kind,
        rules=rules,
        total=_overall(this_year),
        # every rule evaluated in a year has a row (maybe "no data") for every community it applies to
        communities=max((t.total for t in this_year.values()), default=0),
        children=children,
        trend=[(y, _overall(digest.by_year[y]), digest.by_year[y]) for y in years],
        short_groups=digest.short.get(year, []) if year is not None else [],
        computed_at=digest.computed_at,
    )
