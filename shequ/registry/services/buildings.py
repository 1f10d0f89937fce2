from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.areas.models import Area
from shequ.areas.stats import stats_apply
from shequ.core.audit import audit_record, diff, snapshot
from shequ.core.errors import ValidationFailed
from shequ.core.validation import clean_and_save
from shequ.registry.models import Building
from shequ.registry.services.common import place, require_change, resolve_place

_EDITABLE = ("compound", "number", "address", "latitude", "longitude")


@transaction.atomic
def building_create(
    *,
    actor: Any,
    community: Area | int | str,
    address: str,
    compound: str = "",
    number: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    grid: Area | None = None,
) -> Building:
    area, place_grid = resolve_place(community)
    if grid is None:
        grid = place_grid
    elif grid.parent_id != area.pk:
        message = _("网格不属于该社区")
        raise ValidationFailed(message, details={"grid": [message]})
    building = Building(compound=compound, number=number, address=address, latitude=latitude, longitude=longitude)
    place(building, area, grid)
    require_change(actor, building.area_code)
    clean_and_save(building)
    stats_apply(building.area_code, buildings=1)
    audit_record(
        actor=actor,
        action="building.create",
        entity_type="building",
        entity_id=building.pk,
        area_code=building.area_code,
        changes=diff({}, snapshot(building, list(_EDITABLE))),
        summary=address,
    )
    return building


@transaction.atomic
def building_update(*, actor: Any, building: Building, **fields: Any) -> Building:
    require_change(actor, building.area_code)
    before = snapshot(building, list(_EDITABLE))
    for name, value in fields.items():
        if name not in _EDITABLE:
            raise TypeError(name)
        setattr(building, name, value)
    clean_and_save(building)
    changes = diff(before, snapshot(building, list(_EDITABLE)))
    if changes:
        audit_record(
            actor=actor,
            action="building.update",
            entity_type="building",
            entity_id=building.pk,
            area_code=building.area_code,
            changes=changes,
            summary=building.address,
        )
    return building
