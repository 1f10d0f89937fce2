"""Writes to the registry: <entity>_<verb>(*, actor, ...), atomic, validated, audited."""

from shequ.registry.services.buildings import building_create, building_update
from shequ.registry.services.households import household_create, household_update
from shequ.registry.services.residents import (
    resident_create,
    resident_move,
    resident_tag_add,
    resident_tag_remove,
    resident_update,
)
from shequ.registry.services.units import unit_create, unit_update

__all__ = [
    "building_create",
    "building_update",
    "household_create",
    "household_update",
    "resident_create",
    "resident_move",
    "resident_tag_add",
    "resident_tag_remove",
    "resident_update",
    "unit_create",
    "unit_update",
]
