"""Possible duplicates: cases of the same category still being worked on, reported in the last few days, within
a radius of the point (or in the same building when there are no coordinates)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q

from shequ.incidents.access import visible_q
from shequ.incidents.locate import bounding_box, distance_m, valid_point
from shequ.incidents.models import Category, Incident
from shequ.incidents.services import common
from shequ.incidents.states import ACTIVE

DEFAULT_RADIUS_M = 100.0
MAX_RADIUS_M = 2000.0
# Candidates read per lookup: a box of a couple of kilometres in a busy district holds fewer.
MAX_CANDIDATES = 500


def default_days() -> int:
    return int(getattr(settings, "SHEQU_INCIDENT_DUPLICATE_DAYS", 7))


def duplicates_for(
    *,
    category: Category | int,
    latitude: Any = None,
    longitude: Any = None,
    building_id: int | None = None,
    radius_m: float = DEFAULT_RADIUS_M,
    days: int | None = None,
    since: dt.datetime | None = None,
    exclude_pk: int | None = None,
    viewer: Any = None,
) -> list[Incident]:
    """Nearest first; each carries `distance_m` (None when matched by building alone). With a viewer, only the
    cases that viewer may see."""
    radius = max(1.0, min(float(radius_m), MAX_RADIUS_M))
    has_point = latitude not in (None, "") and valid_point(latitude, longitude)
    lat = float(latitude) if has_point else 0.0
    lon = float(longitude) if has_point else 0.0
    near = Q(pk__in=[])
    if has_point:
        near |= Q(**bounding_box(lat, lon, radius))
    if building_id:
        near |= Q(building_id=building_id)
    if not has_point and not building_id:
        return []
    start = (since or common.now()) - dt.timedelta(days=days if days is not None else default_days())
    qs = Incident.objects.filter(near, category=category, status__in=ACTIVE, reported_at__gte=start)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if viewer is not None:
        qs = qs.filter(visible_q(viewer))
    found: list[tuple[float, int, Incident]] = []
    for case in qs.select_related("category", "community", "grid").order_by("-reported_at")[:MAX_CANDIDATES]:
        distance = None
        if has_point and case.latitude is not None and case.longitude is not None:
            distance = distance_m(lat, lon, case.latitude, case.longitude)
        same_building = bool(building_id) and case.building_id == building_id
        if (distance is not None and distance <= radius) or same_building:
            case.distance_m = None if distance is None else round(distance)  # type: ignore[attr-defined]
            found.append((distance if distance is not None else 0.0, -case.pk, case))
    found.sort(key=lambda item: (item[0], item[1]))
    return [case for _, _, case in found]


def duplicates_near(
    *, incident: Incident, radius_m: float = DEFAULT_RADIUS_M, days: int | None = None, viewer: Any = None
) -> list[Incident]:
    return duplicates_for(
        category=incident.category_id,
        latitude=incident.latitude,
        longitude=incident.longitude,
        building_id=incident.building_id,
        radius_m=radius_m,
        days=days,
        since=min(common.now(), incident.reported_at),
        exclude_pk=incident.pk,
        viewer=viewer,
    )
