"""Dashboard figures of one area (city, district, sub-district, community or grid): open, overdue, closed this
month, median time to close, by category, by child area, and the open cases on a map.

Every figure is an aggregate over the indexed area_code prefix of the area, in as few queries as the figures
allow. The median is computed by the database on PostgreSQL (percentile_cont); SQLite has no such aggregate, so
there it is taken in Python over the durations of the month's closed cases only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area
from shequ.core.errors import NotFound, PermissionDenied
from shequ.core.roles import Perm
from shequ.incidents.access import visible_q
from shequ.incidents.models import Incident
from shequ.incidents.selectors import overdue_q
from shequ.incidents.states import ACTIVE

MAX_MARKERS = 500


class Median(Aggregate):
    function = "PERCENTILE_CONT"
    name = "median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


@dataclass
class Figures:
    area: Area
    month_start: dt.datetime
    open: int = 0
    overdue: int = 0
    closed_month: int = 0
    reported_month: int = 0
    median_close: dt.timedelta | None = None
    categories: list[dict[str, Any]] = field(default_factory=list)
    children: list[dict[str, Any]] = field(default_factory=list)
    markers: list[dict[str, Any]] = field(default_factory=list)


def month_start(at: dt.datetime) -> dt.datetime:
    local = timezone.localtime(at)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def dashboard_area(*, viewer: Any, code: str = "") -> Area:
    """The area asked for if the viewer may see cases there, else NotFound; by default the viewer's own area."""
    scope = viewer_scope(viewer)
    codes = scope.codes_for(Perm.INCIDENT_VIEW)
    if not codes:
        raise PermissionDenied()
    code = (code or "").strip()
    if not code:
        if "" in codes:
            root = Area.objects.filter(parent__isnull=True).order_by("code").first()
            if root is None:
                raise NotFound()
            return root
        code = codes[0]
    if not code.isdigit() or not scope.has(Perm.INCIDENT_VIEW, code):
        raise NotFound()
    area = Area.objects.filter(code=code).select_related("parent").first()
    if area is None:
        raise NotFound()
    return area


def _counts(start: dt.datetime, at: dt.datetime) -> dict[str, Any]:
    return {
        "open": Count("pk", filter=Q(status__in=ACTIVE)),
        "overdue": Count("pk", filter=overdue_q(at)),
        "closed_month": Count("pk", filter=Q(closed_at__gte=start)),
        "reported_month": Count("pk", filter=Q(reported_at__gte=start)),
    }


def median_close(qs: QuerySet[Incident]) -> dt.timedelta | None:
    """Median of closed_at − reported_at over `qs` (rows without closed_at are left out)."""
    closed = qs.filter(closed_at__isnull=False)
    if connection.vendor == "postgresql":
        duration = ExpressionWrapper(F("closed_at") - F("reported_at"), output_field=DurationField())
        return closed.aggregate(m=Median(duration))["m"]
    spans = sorted(c - r for r, c in closed.values_list("reported_at", "closed_at") if c is not None)
    if not spans:
        return None
    middle = len(spans) // 2
    return spans[middle] if len(spans) % 2 else (spans[middle - 1] + spans[middle]) / 2


def dashboard_figures(*, viewer: Any, area: Area, at: dt.datetime | None = None) -> Figures:
    at = at or timezone.now()
    start = month_start(at)
    qs = Incident.objects.filter(visible_q(viewer), area_code__startswith=area.code)
    figures = Figures(area=area, month_start=start)
    totals = qs.aggregate(**_counts(start, at))
    figures.open, figures.overdue = totals["open"], totals["overdue"]
    figures.closed_month, figures.reported_month = totals["closed_month"], totals["reported_month"]
    figures.median_close = median_close(qs.filter(closed_at__gte=start))
    by_category: Any = (
        qs.values("category__code", "category__name", "category__name_en")
        .annotate(**_counts(start, at))
        .order_by("category__code")
    )
    figures.categories = [
        {
            "code": row["category__code"],
            "name": row["category__name"],
            "name_en": row["category__name_en"],
            **{k: row[k] for k in ("open", "overdue", "closed_month", "reported_month")},
        }
        for row in by_category
    ]
    figures.children = _children(qs, area, start, at)
    figures.markers = _markers(qs, at)
    return figures


def _children(qs: QuerySet[Incident], area: Area, start: dt.datetime, at: dt.datetime) -> list[dict[str, Any]]:
    children = list(Area.objects.filter(parent=area).order_by("code"))
    if not children:
        return []
    width = len(children[0].code)
    grouped: Any = (
        qs.annotate(prefix=Substr("area_code", 1, width)).values("prefix").annotate(**_counts(start, at)).order_by()
    )
    rows: dict[str, dict[str, Any]] = {row["prefix"]: row for row in grouped}
    empty = {"open": 0, "overdue": 0, "closed_month": 0, "reported_month": 0}
    result = []
    for child in children:
        row = rows.get(child.code, empty)
        result.append({"area": child, **{k: row[k] for k in empty}})
    # Cases placed at this area itself (a community's case outside any grid) have a shorter code.
    rest = rows.get(area.code)
    if rest is not None:
        result.append({"area": None, **{k: rest[k] for k in empty}})
    return result


def _markers(qs: QuerySet[Incident], at: dt.datetime) -> list[dict[str, Any]]:
    rows = (
        qs.filter(status__in=ACTIVE, latitude__isnull=False, longitude__isnull=False)
        .order_by("-reported_at")
        .values("pk", "number", "latitude", "longitude", "status", "due_at", "category__name", "category__name_en")
    )[:MAX_MARKERS]
    return [
        {
            "id": row["pk"],
            "number": row["number"],
            "lat": row["latitude"],
            "lon": row["longitude"],
            "status": row["status"],
            "overdue": row["due_at"] is not None and row["due_at"] < at,
            "category": row["category__name"],
            "category_en": row["category__name_en"],
        }
        for row in rows
    ]
