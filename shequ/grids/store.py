"""Database side of the grid services for one community: the policy's grid size, what still references a grid,
releasing a grid's registry rows, the grids' sizes against the policy. Reads and writes over many communities at
once are in store_many."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.areas.models import Area, AreaStats, AreaTagCount
from shequ.core.errors import ValidationFailed
from shequ.grids.models import GridProfile
from shequ.grids.partition import TOLERANCE
from shequ.registry.models import Building, Household, Resident, ResidentUnit
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


def sizes(grids: list[Area], targets: Targets, counts: dict[str, tuple[int, int]]) -> dict[str, dict[str, Any]]:
    """Each grid's households and active residents (`counts`: code → both, store_many.grid_sizes), its load and
    deviation from the policy's size."""
    out = {}
    for grid in grids:
        hh, pp = counts.get(grid.code, (0, 0))
        load = grid_load(hh, pp, targets)
        out[grid.code] = {
            "households": hh,
            "people": pp,
            "load": round(load, 4),
            "deviation": round(load - 1, 4),
            "within": abs(load - 1) <= targets.tolerance + 1e-9,
        }
    return out
