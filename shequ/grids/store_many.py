"""Database side of regridding many communities in one go, each step one set-based statement over a range of
codes: the partition's input of every community, their grids, registry rows following their buildings, the grids'
counts and profiles.

A range is (lo, hi): the first community's code and the last one's followed by "999", so that every code of those
communities and of their grids (community code + 3 digits) falls inside it and nothing of the communities around.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from django.db import connection
from django.db.models import Count

from shequ.areas.models import Area, AreaStats, AreaTagCount, Level
from shequ.core.sqlbulk import update_from_rows
from shequ.grids.geometry import outline
from shequ.grids.models import GridProfile
from shequ.grids.partition import BuildingIn
from shequ.registry.models import Building, Household, Resident, ResidentStatus, ResidentTag, ResidentUnit

Range = tuple[str, str]
Inputs = dict[int, tuple[list[BuildingIn], dict[int, int | None]]]


def code_range(communities: list[Area]) -> Range:
    codes = sorted(c.code for c in communities)
    return codes[0], codes[-1] + "999"


def inputs(span: Range) -> Inputs:
    """Per community id: its buildings as partition input (current households, active residents) and each
    building's grid id, for all communities of the range in three queries."""
    households = Counter(dict(
        Household.objects.filter(area_code__range=span, dissolved_at__isnull=True, building__isnull=False)
        .values("building_id").annotate(n=Count("pk")).values_list("building_id", "n")
    ))
    people = Counter(dict(
        Resident.objects.filter(
            area_code__range=span, status=ResidentStatus.ACTIVE, household__dissolved_at__isnull=True,
            household__building__isnull=False,
        ).values("household__building_id").annotate(n=Count("pk")).values_list("household__building_id", "n")
    ))
    out: Inputs = defaultdict(lambda: ([], {}))
    rows = Building.objects.filter(area_code__range=span).order_by().values_list(
        "pk", "latitude", "longitude", "compound", "address", "grid_id", "community_id"
    )
    for pk, lat, lon, compound, address, grid, community in rows.iterator(chunk_size=20_000):
        buildings, current = out[community]
        buildings.append(BuildingIn(pk, households[pk], people[pk], lat, lon, compound or "", address or ""))
        current[pk] = grid
    return out


def households_without_building(span: Range) -> dict[int, int]:
    """Current households with no building, per community id."""
    rows = Household.objects.filter(area_code__range=span, dissolved_at__isnull=True, building__isnull=True)
    return dict(rows.values("community_id").annotate(n=Count("pk")).values_list("community_id", "n"))


def grids(span: Range) -> dict[int, list[Area]]:
    """Each community's grids, by code."""
    out: dict[int, list[Area]] = defaultdict(list)
    for grid in Area.objects.filter(level=Level.GRID, code__range=span).order_by("code"):
        out[grid.parent_id or 0].append(grid)
    return out


_B = Building._meta.db_table
_FOLLOW = {
    # table being moved (as x), the tables that lead to its building (b), the condition tying them
    "households": (Household._meta.db_table, f"{_B} AS b", "x.building_id = b.id"),
    "residents": (Resident._meta.db_table, f"{Household._meta.db_table} AS h, {_B} AS b",
                  "x.household_id = h.id AND h.building_id = b.id"),
    "units": (ResidentUnit._meta.db_table, f"{_B} AS b",
              "x.community_id = b.community_id AND x.address = b.address AND b.address <> ''"),
}


def follow(span: Range, now: Any) -> dict[str, Counter[int]]:
    """Households of the range's buildings, their members and the units at those addresses join the building's
    grid where they are not on it yet. Returns, per kind, how many rows moved in each community."""
    stamp = connection.ops.adapt_datetimefield_value(now)
    postgres = connection.vendor == "postgresql"
    moved: dict[str, Counter[int]] = {}
    with connection.cursor() as cursor:
        for kind, (table, joins, on) in _FOLLOW.items():
            update = (
                f"UPDATE {table} AS x SET grid_id = b.grid_id, area_code = b.area_code, updated_at = %s "  # noqa: S608
                f"FROM {joins} WHERE {on} AND b.grid_id IS NOT NULL AND b.area_code BETWEEN %s AND %s "
                f"AND x.area_code <> b.area_code"
            )
            params = [stamp, *span]
            if postgres:  # counted in the database: a first regrid of a city moves millions of residents
                counted = f"WITH u AS ({update} RETURNING x.community_id) SELECT community_id, count(*) FROM u "  # noqa: S608
                cursor.execute(counted + "GROUP BY community_id", params)
                moved[kind] = Counter(dict(cursor.fetchall()))
            else:  # SQLite: a DML statement cannot be a CTE; RETURNING names the target's own columns
                cursor.execute(f"{update} RETURNING community_id", params)
                moved[kind] = Counter(row[0] for row in cursor.fetchall())
    return moved


def _per_code(qs: Any, span: Range, field: str = "area_code") -> dict[str, int]:
    return dict(qs.filter(**{f"{field}__range": span}).values(field).annotate(n=Count("pk")).values_list(field, "n"))


def grid_sizes(span: Range) -> dict[str, tuple[int, int]]:
    """Current households and active residents per code of the range."""
    households = _per_code(Household.objects.filter(dissolved_at__isnull=True), span)
    people = _per_code(Resident.objects.filter(status=ResidentStatus.ACTIVE), span)
    return {code: (households.get(code, 0), people.get(code, 0)) for code in set(households) | set(people)}


def grid_stats_rebuild(span: Range, sizes: dict[str, tuple[int, int]], now: Any) -> None:
    """AreaStats and AreaTagCount of every grid of the range, recounted from the registry. Moving rows between a
    community's grids leaves the community's own subtree counts, and its ancestors', as they were."""
    grid_ids = dict(Area.objects.filter(level=Level.GRID, code__range=span).values_list("code", "pk"))
    buildings = _per_code(Building.objects.all(), span)
    units = _per_code(ResidentUnit.objects.all(), span)
    have = set(AreaStats.objects.filter(area_id__in=list(grid_ids.values())).values_list("area_id", flat=True))
    AreaStats.objects.bulk_create([AreaStats(area_id=pk) for pk in grid_ids.values() if pk not in have],
                                  batch_size=2000)
    rows = [(pk, buildings.get(code, 0), *sizes.get(code, (0, 0)), units.get(code, 0)) for code, pk in grid_ids.items()]
    update_from_rows(AreaStats, "area", ["buildings", "households", "residents", "units"], rows,
                     constants={"updated_at": now})
    tags = (
        ResidentTag.objects.filter(resident__status=ResidentStatus.ACTIVE, resident__area_code__range=span)
        .values("resident__area_code", "tag_id").annotate(n=Count("pk"))
        .values_list("resident__area_code", "tag_id", "n")
    )
    fresh = [AreaTagCount(area_id=grid_ids[code], tag_id=tag, residents=n) for code, tag, n in tags if code in grid_ids]
    AreaTagCount.objects.filter(area__level=Level.GRID, area__code__range=span).delete()
    AreaTagCount.objects.bulk_create(fresh, batch_size=2000)


def profiles_write(span: Range, sizes: dict[str, tuple[int, int]], redraw: set[int], now: Any) -> None:
    """GridProfile of every grid of the range (created when missing): households and people where they changed,
    the outline where the grid's buildings changed (`redraw`: grid ids) or it had none."""
    grid_ids = dict(Area.objects.filter(level=Level.GRID, code__range=span).values_list("pk", "code"))
    existing = {pk: (h, p) for pk, h, p in
                GridProfile.objects.filter(area_id__in=list(grid_ids)).values_list("area_id", "households", "people")}
    missing = [pk for pk in grid_ids if pk not in existing]
    GridProfile.objects.bulk_create([GridProfile(area_id=pk, area_code=grid_ids[pk]) for pk in missing],
                                    batch_size=2000)
    redraw = (redraw & set(grid_ids)) | set(missing)
    points: dict[int, tuple[list[float], list[float]]] = {pk: ([], []) for pk in redraw}
    located = Building.objects.filter(area_code__range=span, grid_id__isnull=False, latitude__isnull=False,
                                      longitude__isnull=False)
    if redraw:
        for grid, lat, lon in located.values_list("grid_id", "latitude", "longitude").iterator(chunk_size=20_000):
            if grid in points and lat is not None and lon is not None:
                points[grid][0].append(lat)
                points[grid][1].append(lon)
    counts = []
    for pk, code in grid_ids.items():
        size = sizes.get(code, (0, 0))
        if existing.get(pk) != size or pk in redraw:
            counts.append((pk, *size))
    update_from_rows(GridProfile, "area", ["households", "people"], counts, constants={"updated_at": now})
    shapes = [(pk, json.dumps(outline(*points[pk]))) for pk in redraw]
    update_from_rows(GridProfile, "area", ["outline"], shapes)
