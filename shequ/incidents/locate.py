"""Where a reported point lies: the nearest building within BUILDING_RADIUS_M (with its community and grid),
else the community whose centre is nearest within COMMUNITY_RADIUS_M, else nothing.

Each lookup is one query over a latitude/longitude box around the point (the box is cut in SQL, so only the
handful of candidates inside it reach Python), then an exact great-circle distance on those candidates.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from django.db.models import QuerySet

from shequ.areas.models import Area, Level
from shequ.registry.models import Building

BUILDING_RADIUS_M = 300.0
# A community's recorded point is its centre; a village can stretch a few kilometres from it.
COMMUNITY_RADIUS_M = 5000.0
EARTH_RADIUS_M = 6_371_008.8


class Located(NamedTuple):
    community: Area
    grid: Area | None
    building: Building | None


def valid_point(latitude: object, longitude: object) -> bool:
    try:
        lat = float(latitude)  # type: ignore[arg-type]
        lon = float(longitude)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def bounding_box(latitude: float, longitude: float, radius_m: float) -> dict[str, tuple[float, float]]:
    """`latitude__range` / `longitude__range` lookups of a box that holds every point within radius_m."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    # Near the poles a degree of longitude shrinks to nothing; no community is there, but stay finite.
    dlon = dlat / max(math.cos(math.radians(latitude)), 0.01)
    return {
        "latitude__range": (latitude - dlat, latitude + dlat),
        "longitude__range": (longitude - dlon, longitude + dlon),
    }


def nearest(
    rows: list[tuple[int, float, float]], latitude: float, longitude: float, radius_m: float
) -> tuple[int, float] | None:
    """(id, distance) of the nearest of (id, lat, lon) rows within radius_m; ties go to the lower id."""
    best: tuple[float, int] | None = None
    for pk, lat, lon in rows:
        d = distance_m(latitude, longitude, lat, lon)
        if d <= radius_m and (best is None or (d, pk) < best):
            best = (d, pk)
    return None if best is None else (best[1], best[0])


def _points(qs: QuerySet[Any]) -> list[tuple[int, float, float]]:
    return [(pk, lat, lon) for pk, lat, lon in qs.values_list("pk", "latitude", "longitude") if lat is not None
            and lon is not None]


def locate(latitude: float | None, longitude: float | None) -> Located | None:
    if latitude is None or longitude is None or not valid_point(latitude, longitude):
        return None
    lat, lon = float(latitude), float(longitude)
    found = nearest(_points(Building.objects.filter(**bounding_box(lat, lon, BUILDING_RADIUS_M))), lat, lon,
                    BUILDING_RADIUS_M)
    if found is not None:
        building = Building.objects.select_related("community", "grid").get(pk=found[0])
        return Located(building.community, building.grid, building)
    communities = Area.objects.filter(level=Level.COMMUNITY, **bounding_box(lat, lon, COMMUNITY_RADIUS_M))
    found = nearest(_points(communities), lat, lon, COMMUNITY_RADIUS_M)
    if found is not None:
        return Located(Area.objects.get(pk=found[0]), None, None)
    return None
