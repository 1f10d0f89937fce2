"""Which area a viewer may see figures of, the results under it, and the cache of computed figures."""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, QuerySet, Sum

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import CODE_LENGTH, Area, Level
from shequ.core.errors import NotFound, PermissionDenied
from shequ.core.roles import Perm
from shequ.standards.models import ComplianceResult
from shequ.standards.selectors.catalogue import DASHBOARD_LEVELS

T = TypeVar("T")


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


def area_name(code: str) -> str:
    """The name of the area `code` ("" for the whole city: its root), for a page about work already scoped."""
    qs = Area.objects.filter(code=code) if code else Area.objects.filter(parent__isnull=True).order_by("code")
    return qs.values_list("name", flat=True).first() or ""


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


def cache_seconds() -> int:
    """How long computed figures are kept (0: not cached): settings.SHEQU_DASHBOARD_CACHE_SECONDS, else the
    environment variable of that name, else 10 minutes."""
    value = getattr(settings, "SHEQU_DASHBOARD_CACHE_SECONDS", None)
    return int(value if value is not None else os.environ.get("SHEQU_DASHBOARD_CACHE_SECONDS", "600"))


def results_version() -> str:
    """Moves on every write of results: the engine replaces rows (delete, then insert), so the newest row's id
    and time change with every recompute. A delete with nothing inserted after it ages out with the expiry."""
    row = ComplianceResult.objects.order_by("-id").values_list("id", "computed_at").first()
    return version_of(*row) if row else version_of(None, None)


def version_of(newest_id: int | None, computed_at: Any) -> str:
    """The results version from the newest row's id and time ("0" when there are no results)."""
    return f"{newest_id}.{computed_at.timestamp()}" if newest_id is not None and computed_at is not None else "0"


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
