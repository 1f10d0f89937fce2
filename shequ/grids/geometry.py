"""Plane geometry for grids: local metres around a community, convex hulls, buffered outlines as GeoJSON.

A community spans a few kilometres, so an equirectangular projection around its mean point is accurate to well
under a metre — good enough for neighbours, compactness and drawn outlines (no GIS library needed).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_AT_EQUATOR = 111_320.0
OUTLINE_BUFFER_M = 15.0  # drawn around a grid's buildings so a one-building grid still shows as an area
_BUFFER_SEGMENTS = 8


def to_metres(lat: FloatArray, lon: FloatArray, lat0: float, lon0: float) -> tuple[FloatArray, FloatArray]:
    scale = M_PER_DEG_LON_AT_EQUATOR * math.cos(math.radians(lat0))
    return (lon - lon0) * scale, (lat - lat0) * M_PER_DEG_LAT


def to_degrees(x: FloatArray, y: FloatArray, lat0: float, lon0: float) -> tuple[FloatArray, FloatArray]:
    scale = M_PER_DEG_LON_AT_EQUATOR * math.cos(math.radians(lat0))
    return lat0 + y / M_PER_DEG_LAT, lon0 + x / scale


def _cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def convex_hull(x: FloatArray, y: FloatArray) -> list[tuple[float, float]]:
    """Vertices of the convex hull, counter-clockwise, not closed (Andrew's monotone chain).

    One or two distinct points give one or two vertices; collinear points give the two ends.
    """
    points = sorted(set(zip(x.tolist(), y.tolist(), strict=True)))
    if len(points) <= 2:
        return points
    lower: list[tuple[float, float]] = []
    for point in points:
        while len(lower) >= 2 and _cross(lower[-2], lower[-1], point) <= 0:
            lower.pop()
        lower.append(point)
    upper: list[tuple[float, float]] = []
    for point in reversed(points):
        while len(upper) >= 2 and _cross(upper[-2], upper[-1], point) <= 0:
            upper.pop()
        upper.append(point)
    return lower[:-1] + upper[:-1]


def area_perimeter(hull: list[tuple[float, float]]) -> tuple[float, float]:
    if len(hull) < 3:
        perimeter = 2 * math.dist(hull[0], hull[1]) if len(hull) == 2 else 0.0
        return 0.0, perimeter
    area = 0.0
    perimeter = 0.0
    for i, a in enumerate(hull):
        b = hull[(i + 1) % len(hull)]
        area += a[0] * b[1] - b[0] * a[1]
        perimeter += math.dist(a, b)
    return abs(area) / 2, perimeter


def polsby_popper(x: FloatArray, y: FloatArray, buffer_m: float = 0.0) -> float | None:
    """4πA/P² of the (optionally buffered) convex hull: 1 for a circle, towards 0 for a sliver."""
    hull = convex_hull(*_buffered(x, y, buffer_m)) if buffer_m > 0 else convex_hull(x, y)
    area, perimeter = area_perimeter(hull)
    if perimeter <= 0:
        return None
    return 4 * math.pi * area / perimeter**2


def _buffered(x: FloatArray, y: FloatArray, buffer_m: float) -> tuple[FloatArray, FloatArray]:
    """The hull's vertices, each replaced by a small polygon around it: their hull is the rounded buffer."""
    hull = convex_hull(x, y)
    hx = np.array([p[0] for p in hull], dtype=float)
    hy = np.array([p[1] for p in hull], dtype=float)
    angles = np.linspace(0, 2 * math.pi, _BUFFER_SEGMENTS, endpoint=False)
    return (
        (hx[:, None] + buffer_m * np.cos(angles)[None, :]).ravel(),
        (hy[:, None] + buffer_m * np.sin(angles)[None, :]).ravel(),
    )


def outline(lats: list[float], lons: list[float], buffer_m: float = OUTLINE_BUFFER_M) -> dict[str, Any]:
    """A GeoJSON Polygon around the points (convex hull with a rounded buffer); {} without points."""
    if not lats:
        return {}
    lat = np.asarray(lats, dtype=float)
    lon = np.asarray(lons, dtype=float)
    lat0, lon0 = float(lat.mean()), float(lon.mean())
    x, y = to_metres(lat, lon, lat0, lon0)
    hull = convex_hull(*_buffered(x, y, buffer_m))
    hx = np.array([p[0] for p in hull], dtype=float)
    hy = np.array([p[1] for p in hull], dtype=float)
    rlat, rlon = to_degrees(hx, hy, lat0, lon0)
    ring = [[round(float(a), 6), round(float(b), 6)] for a, b in zip(rlon, rlat, strict=True)]
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}
