"""Database side of the grid services: the policy's grid size, a community's buildings as partition input, what
still references a grid, the grids' profiles (sizes, outlines) and the subtree counts after regridding."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.areas.models import Area, AreaStats, AreaTagCount, Level
from shequ.core.errors import ValidationFailed
from shequ.grids.geometry import outline
from shequ.grids.models import GridProfile
from shequ.grids.partition import TOLERANCE, BuildingIn
from shequ.registry.models import Building, Household, Resident, ResidentStatus, ResidentUnit
from shequ.standards.policy import TOPIC, params, version_for

# Rows that go with the grid itself (deleted with it) or that the partition moves: not references that keep it.
_OWN = {AreaStats, AreaTagCount, GridProfile, Building, Household, Resident, ResidentUnit}


@dataclass(frozen=True)
class Targets:
    households: int
    people: int
    year: int
    version: Any  # standards.PolicyVersion
    tolerance: float = TOLERANCE


def targets_for(community: Area, year: int | None = None) -> Targets:
    """The grid size of the policy in force this year (or `year`) for the community."""
    year = year or timezone.localdate().year
    return targets_from(version_for(TOPIC, community.code, year), params, year)


def targets_from(version: Any, read_params: Callable[[Any], dict[str, Any]], year: int) -> Targets:
    """Targets of a policy version (None: none in force), refused when it lacks the grid size."""
    values = read_params(version)
    households, people = values.get("grid_households"), values.get("grid_people")
    if version is None or households is None or people is None or isinstance(households, list) \
            or isinstance(people, list) or households <= 0 or people <= 0:
        message = _("%(year)s 年没有适用于该社区的网格规模标准（grid_households、grid_people），无法划分网格") % {
            "year": year
        }
        raise ValidationFailed(message, details={"policy": [message]})
    return Targets(int(households), int(people), year, version)


def grid_load(households: int, people: int, targets: Targets) -> float:
    return max(households / targets.households, people / targets.people)


def community_buildings(community: Area) -> tuple[list[BuildingIn], dict[int, int | None]]:
    """The partition's input (current households, active residents per building) and each building's grid id."""
    households = Counter(
        dict(
            Household.objects.filter(community=community, dissolved_at__isnull=True, building__isnull=False)
            .values("building_id").annotate(n=Count("pk")).values_list("building_id", "n")
        )
    )
    people = Counter(
        dict(
            Resident.objects.filter(
                community=community, status=ResidentStatus.ACTIVE, household__dissolved_at__isnull=True,
                household__building__isnull=False,
            ).values("household__building_id").annotate(n=Count("pk")).values_list("household__building_id", "n")
        )
    )
    rows = Building.objects.filter(community=community).values_list(
        "pk", "latitude", "longitude", "compound", "address", "grid_id"
    )
    buildings = [
        BuildingIn(pk, households[pk], people[pk], lat, lon, compound or "", address or "")
        for pk, lat, lon, compound, address, _grid in rows
    ]
    return buildings, {pk: grid for pk, *_rest, grid in rows}


def grid_references(grid: Area) -> list[str]:
    """Names of the kinds of records, other than registry rows and the grid's own, that point at the grid."""
    found = []
    for rel in Area._meta.get_fields(include_hidden=True):
        model: Any = rel.related_model
        if not (rel.auto_created and not rel.concrete) or model is None or model in _OWN:
            continue
        field: Any = getattr(rel, "field", None)
        if field is None or not field.db_index:  # unindexed links only ever point at communities (compliance)
            continue
        if model._base_manager.filter(**{field.name: grid}).exists():
            found.append(str(model._meta.verbose_name))
    return sorted(set(found))


def registry_release(grid: Area, community: Area) -> dict[str, int]:
    """Registry rows still on a grid about to be removed (households without a building, their members, units)
    go to community level."""
    moved = {}
    now = timezone.now()
    for model in (Resident, Household, ResidentUnit, Building):
        moved[model._meta.model_name or ""] = model.objects.filter(grid=grid).update(
            grid=None, area_code=community.code, updated_at=now
        )
    return moved


def sizes(grids: list[Area], targets: Targets) -> dict[str, dict[str, Any]]:
    """Current households and active residents of each grid, its load and deviation from the policy's size."""
    codes = [g.code for g in grids]
    households = dict(
        Household.objects.filter(area_code__in=codes, dissolved_at__isnull=True)
        .values("area_code").annotate(n=Count("pk")).values_list("area_code", "n")
    )
    people = dict(
        Resident.objects.filter(area_code__in=codes, status=ResidentStatus.ACTIVE)
        .values("area_code").annotate(n=Count("pk")).values_list("area_code", "n")
    )
    out = {}
    for code in codes:
        hh, pp = households.get(code, 0), people.get(code, 0)
        load = grid_load(hh, pp, targets)
        out[code] = {
            "households": hh,
            "people": pp,
            "load": round(load, 4),
            "deviation": round(load - 1, 4),
            "within": abs(load - 1) <= targets.tolerance + 1e-9,
        }
    return out


def profiles_refresh(grids: list[Area], targets: Targets) -> dict[str, dict[str, Any]]:
    """GridProfile of each grid (created when missing): sizes and the outline of its buildings."""
    measured = sizes(grids, targets)
    points: dict[str, tuple[list[float], list[float]]] = {g.code: ([], []) for g in grids}
    located = Building.objects.filter(area_code__in=list(points), latitude__isnull=False, longitude__isnull=False)
    for code, lat, lon in located.values_list("area_code", "latitude", "longitude"):
        if lat is not None and lon is not None:
            points[code][0].append(lat)
            points[code][1].append(lon)
    existing = {p.area_id: p for p in GridProfile.objects.filter(area__in=grids)}
    changed: list[GridProfile] = []
    created: list[GridProfile] = []
    for grid in grids:
        profile = existing.get(grid.pk) or GridProfile(area=grid)
        profile.area_code = grid.code
        profile.households = measured[grid.code]["households"]
        profile.people = measured[grid.code]["people"]
        profile.outline = outline(*points[grid.code])
        (changed if grid.pk in existing else created).append(profile)
    GridProfile.objects.bulk_create(created)
    GridProfile.objects.bulk_update(changed, ["area_code", "households", "people", "outline", "updated_at"])
    return measured


def community_grids(community: Area) -> list[Area]:
    return list(Area.objects.filter(parent=community, level=Level.GRID).order_by("code"))
