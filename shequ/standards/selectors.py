"""Reads behind the compliance dashboards: figures per rule, per child area and per year, the communities
behind a figure, one community's evidence. Every read is cut to the viewer's subtree (Perm.STANDARDS_VIEW on
ComplianceResult.area_code) and aggregated in the database: the number of queries does not grow with the
number of communities (DESIGN.md §3, convention 7 — results carry the community's code, so a roll-up is a
prefix filter and a GROUP BY on a code prefix, never a recursion)."""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber, Substr
from django.utils.translation import gettext_lazy as _

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import CODE_LENGTH, Area, Level
from shequ.core.errors import NotFound, PermissionDenied
from shequ.core.roles import Perm
from shequ.standards.models import ComplianceResult, ComplianceStatus


@dataclass(frozen=True)
class Rule:
    code: str
    label: Any
    unit: str  # of `measured` and `threshold`
    gap_unit: str


# Display order and units of the rule codes the engine writes (standards.compliance).
RULES: tuple[Rule, ...] = (
    Rule("premises_area", _("公共服务用房面积"), "m2", "m2"),
    Rule("service_centre", _("社区服务中心面积"), "m2", "m2"),
    Rule("functional_rooms", _("功能室"), "items", "items"),
    Rule("five_unifications", _("“五统一”"), "items", "items"),
    Rule("plaques", _("对外挂牌"), "items", "items"),
    Rule("staffing", _("工作人员配备"), "people", "people"),
    Rule("operating_funds", _("工作运转经费"), "yuan", "yuan"),
    Rule("project_funds", _("惠民项目资金"), "yuan", "yuan"),
    Rule("base_pay", _("两委成员基本报酬"), "people", "yuan"),
)
RULE_BY_CODE: dict[str, Rule] = {r.code: r for r in RULES}
UNITS: dict[str, Any] = {"m2": _("平方米"), "items": _("项"), "people": _("人"), "yuan": _("元")}
STATUS_PARAM: dict[str, int] = {
    "meets": ComplianceStatus.MEETS,
    "short": ComplianceStatus.SHORT,
    "no_data": ComplianceStatus.NO_DATA,
}
STATUS_NAME: dict[int, str] = {v: k for k, v in STATUS_PARAM.items()}
DASHBOARD_LEVELS = (Level.CITY, Level.DISTRICT, Level.SUBDISTRICT, Level.COMMUNITY)
CHILD_LENGTH: dict[str, int] = {
    Level.CITY: CODE_LENGTH[Level.DISTRICT],
    Level.DISTRICT: CODE_LENGTH[Level.SUBDISTRICT],
    Level.SUBDISTRICT: CODE_LENGTH[Level.COMMUNITY],
}
T = TypeVar("T")
# How many community names the problems report lists per (rule, child area); the rest are counted.
NAMES_PER_GROUP = 30


@dataclass(slots=True)
class Tally:
    """Communities meeting / short of / without data for a rule (or all rules), and what the short ones lack."""

    meets: int = 0
    short: int = 0
    no_data: int = 0
    gap: Decimal = Decimal(0)  # summed over the short rows, in the rule's gap unit
    measured: Decimal = Decimal(0)  # summed over the short rows (base_pay: the people paid below the standard)

    def add(self, status: int, n: int, gap: Decimal | None = None, measured: Decimal | None = None) -> None:
        if status == ComplianceStatus.MEETS:
            self.meets += n
        elif status == ComplianceStatus.SHORT:
            self.short += n
            self.gap += gap or 0
            self.measured += measured or 0
        else:
            self.no_data += n

    @property
    def total(self) -> int:
        return self.meets + self.short + self.no_data

    @property
    def rate(self) -> float | None:
        """Share meeting the rule among those assessed (no data is counted apart), in per cent."""
        assessed = self.meets + self.short
        return round(100.0 * self.meets / assessed, 1) if assessed else None


@dataclass
class ChildFigure:
    area: Area
    total: Tally
    rules: dict[str, Tally]


@dataclass
class ShortGroup:
    """Short rows of one rule, community kind and threshold (the headline sentences come from these)."""

    rule: str
    kind: str
    threshold: Decimal | None
    n: int
    gap: Decimal
    measured: Decimal
    absent: int  # measured empty or zero (e.g. no service centre at all)
    zero_gap: int  # short without a shortfall (e.g. more staff than the maximum)


@dataclass
class Summary:
    area: Area
    year: int | None
    years: list[int]
    kind: str
    rules: list[tuple[Rule, Tally]]
    total: Tally
    communities: int
    children: list[ChildFigure]
    trend: list[tuple[int, Tally, dict[str, Tally]]]
    short_groups: list[ShortGroup] = field(default_factory=list)

    def tally(self, rule: str) -> Tally:
        return next((t for r, t in self.rules if r.code == rule), Tally())


# --- scope and area ----------------------------------------------------------------------------------------


def standards_area(*, viewer: Any, code: str = "") -> Area:
    """The area a dashboard is about: `code` if the viewer may see its compliance figures, else the
    viewer's home area. Out of scope answers like a missing area."""
    scope = viewer_scope(viewer)
    codes = scope.codes_for(Perm.STANDARDS_VIEW)
    code = str(code or "").strip()
    if not code:
        if not codes:
            raise PermissionDenied()
        if codes[0]:
            code = codes[0]
        else:
            root = Area.objects.filter(parent__isnull=True).order_by("code").first()
            if root is None:
                raise NotFound()
            return root
    if not code.isdigit() or len(code) > CODE_LENGTH[Level.COMMUNITY] or not scope.has(Perm.STANDARDS_VIEW, code):
        raise NotFound()
    area = Area.objects.filter(code=code, level__in=DASHBOARD_LEVELS).select_related("parent").first()
    if area is None:
        raise NotFound()
    return area


def standards_crumbs(*, viewer: Any, area: Area) -> list[tuple[Area, bool]]:
    """The area and its ancestors, top first, each with whether the viewer may open its dashboard."""
    scope = viewer_scope(viewer)
    crumbs = Area.objects.filter(code__in=area.ancestor_codes).order_by("code")
    return [(a, scope.has(Perm.STANDARDS_VIEW, a.code)) for a in crumbs]


def compliance_results(
    *, viewer: Any, area_code: str, year: int | None = None, kind: str = "", rule: str = ""
) -> QuerySet[ComplianceResult]:
    qs = ComplianceResult.objects.filter(area_code__startswith=area_code)
    scope = viewer_scope(viewer)
    if not scope.has(Perm.STANDARDS_VIEW, area_code):
        # A subtree inside the viewer's scope needs no second filter (it would only halve PostgreSQL's row
        # estimate for the same rows); anything else is cut to the scope.
        qs = qs.filter(scope.q(Perm.STANDARDS_VIEW))
    if year is not None:
        qs = qs.filter(year=year)
    if kind:
        qs = qs.filter(community_kind=kind)
    if rule:
        qs = qs.filter(rule=rule)
    return qs


def year_bounds(*, viewer: Any, area_code: str, kind: str = "", rule: str = "") -> list[int]:
    """Years from the first to the last with results (two index probes instead of a DISTINCT over every row)."""
    qs = compliance_results(viewer=viewer, area_code=area_code, kind=kind, rule=rule)
    first = qs.order_by("year").values_list("year", flat=True).first()
    if first is None:
        return []
    last = qs.order_by("-year").values_list("year", flat=True).first() or first
    return list(range(first, last + 1))


# --- dashboard figures -------------------------------------------------------------------------------------
# The figures of an area are one GROUP BY over its subtree, all years at once (the trend needs them anyway):
# the "cube" of counts and sums by year, child area, rule, status, community kind and threshold. Every figure
# on the dashboard and in the problems report is a sum over it. It is cached, keyed by the area, the kind
# filter and the version of the results (below), so it is read again only after a recompute.


def cache_seconds() -> int:
    """How long computed figures are kept (0: not cached): settings.SHEQU_DASHBOARD_CACHE_SECONDS, else the
    environment variable of that name, else 10 minutes."""
    value = getattr(settings, "SHEQU_DASHBOARD_CACHE_SECONDS", None)
    return int(value if value is not None else os.environ.get("SHEQU_DASHBOARD_CACHE_SECONDS", "600"))


def results_version() -> str:
    """Moves on every write of results: the engine replaces rows (delete, then insert), so the newest row's id
    and time change with every recompute. A delete with nothing inserted after it ages out with the expiry."""
    row = ComplianceResult.objects.order_by("-id").values_list("id", "computed_at").first()
    return f"{row[0]}.{row[1].timestamp()}" if row else "0"


_LOCAL: OrderedDict[str, tuple[float, Any]] = OrderedDict()
_LOCAL_SIZE = 64
_LOCAL_LOCK = threading.Lock()


def cached(parts: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """Aggregates of an area are the same for every viewer allowed to open it (the area lies wholly inside the
    viewer's scope), so they are cached per area, not per viewer: in this process (no unpickling of a few
    thousand objects per request, which also kept the garbage collector busy), then in Django's cache (shared
    by the processes when it is Redis), else computed. Values are never mutated by their readers."""
    seconds = cache_seconds()
    if seconds <= 0:
        return compute()
    key = "standards.dash:" + ":".join(str(p) for p in parts) + ":" + results_version()
    now = time.monotonic()
    with _LOCAL_LOCK:
        hit = _LOCAL.get(key)
        if hit is not None and hit[0] > now:
            _LOCAL.move_to_end(key)
            return hit[1]  # type: ignore[no-any-return]
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    with _LOCAL_LOCK:
        _LOCAL[key] = (now + seconds, value)
        while len(_LOCAL) > _LOCAL_SIZE:
            _LOCAL.popitem(last=False)
    return value


def cache_clear() -> None:
    """Forget cached figures (tests; results changed in place rather than replaced)."""
    with _LOCAL_LOCK:
        _LOCAL.clear()
    cache.clear()


def tally_rows(qs: QuerySet[ComplianceResult], *keys: str) -> list[dict[str, Any]]:
    return list(
        qs.values(*keys, "status").annotate(n=Count("id"), gap_sum=Sum("gap"), measured_sum=Sum("measured")).order_by()
    )


@dataclass
class Digest:
    """The sums of an area's figures, all years (what is cached): per year and rule, per year, child and rule
    (city and district), and the short rows per year by rule, community kind and threshold."""

    by_year: dict[int, dict[str, Tally]]
    by_child: dict[int, dict[str, dict[str, Tally]]]
    short: dict[int, list[ShortGroup]]


def figures_digest(*, viewer: Any, area: Area, kind: str) -> Digest:
    length = CHILD_LENGTH[Level(area.level)] if area.level in (Level.CITY, Level.DISTRICT) else None

    def compute() -> Digest:
        qs = compliance_results(viewer=viewer, area_code=area.code, kind=kind)
        keys = ["year", "rule", "status", "community_kind", "threshold"]
        if length:
            qs, keys = qs.annotate(child=Substr("area_code", 1, length)), [*keys, "child"]
        rows = (
            qs.values(*keys)
            .annotate(
                n=Count("id"),
                gap_sum=Sum("gap"),
                measured_sum=Sum("measured"),
                absent=Count("id", filter=Q(measured__isnull=True) | Q(measured=0)),
                zero_gap=Count("id", filter=Q(gap__isnull=True) | Q(gap=0)),
            )
            .order_by()
        )
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # PostgreSQL has no statistics on the code-prefix expression and guesses ~10x the real number
                # of groups, then sorts every row on disk; with room for the few thousand real groups it hashes
                # them in memory instead (3x faster at city level). SET LOCAL ends with this transaction.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL work_mem = '32MB'")
            rows = list(rows)
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
        )

    return cached(("digest", area.code, kind), compute)


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
    )


# --- drill-down --------------------------------------------------------------------------------------------

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

    def compute() -> dict[tuple[str, str], list[dict[str, Any]]]:
        qs = (
            compliance_results(viewer=viewer, area_code=area.code, year=year, kind=kind)
            .filter(status=ComplianceStatus.SHORT)
            .annotate(
                child=child,
                rank=Window(
                    RowNumber(),
                    partition_by=[F("rule"), child],
                    order_by=[F("gap").desc(nulls_last=True), F("area_code").asc()],
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
