from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shequ.areas.models import Area
from shequ.areas.stats import stats_apply
from shequ.core.audit import audit_record, diff, snapshot
from shequ.core.errors import ValidationFailed
from shequ.registry.models import Building, Household, HouseholdKind, HouseholdMembership, Relation, Resident
from shequ.registry.services.common import clean_and_save, place, require_change, resolve_place

_EDITABLE = ("kind", "building_id", "room", "head_id")


def next_household_number(community: Area) -> str:
    """户号: community code + 6-digit sequence."""
    prefix = community.code
    last = (
        Household.objects.filter(number__startswith=prefix, number__regex=r"^\d{18}$")
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    seq = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{seq:06d}"


@transaction.atomic
def household_create(
    *,
    actor: Any,
    community: Area | int | str | None = None,
    building: Building | None = None,
    number: str = "",
    kind: str = HouseholdKind.PERMANENT,
    room: str = "",
) -> Household:
    if building is not None:
        area = building.community
        grid = building.grid
    elif community is not None:
        area, grid = resolve_place(community)
    else:
        raise ValidationFailed(_("请指定楼栋或社区"), details={"community": [_("请指定楼栋或社区")]})
    household = Household(number=number or next_household_number(area), kind=kind, building=building, room=room)
    place(household, area, grid)
    require_change(actor, household.area_code)
    if Household.objects.filter(number=household.number).exists():
        raise ValidationFailed(_("户号 %(n)s 已存在") % {"n": household.number}, details={"number": [_("户号已存在")]})
    try:
        with transaction.atomic():
            clean_and_save(household)
    except IntegrityError:
        raise ValidationFailed(_("户号 %(n)s 已存在") % {"n": household.number}) from None
    stats_apply(household.area_code, households=1)
    audit_record(
        actor=actor,
        action="household.create",
        entity_type="household",
        entity_id=household.pk,
        area_code=household.area_code,
        changes=diff({}, snapshot(household, ["number", *_EDITABLE])),
        summary=household.number,
    )
    return household


def _relink_head(household: Household, old_head_id: int | None) -> None:
    """A new head: the relations (and the current membership rows) follow, so the household reads right."""
    current = HouseholdMembership.objects.filter(household=household, ended_at__isnull=True)
    if old_head_id:
        Resident.objects.filter(pk=old_head_id, household=household, relation=Relation.HEAD).update(
            relation=Relation.OTHER
        )
        current.filter(resident_id=old_head_id, relation=Relation.HEAD).update(relation=Relation.OTHER)
    if household.head_id:
        Resident.objects.filter(pk=household.head_id).update(relation=Relation.HEAD)
        current.filter(resident_id=household.head_id).update(relation=Relation.HEAD)


@transaction.atomic
def household_update(*, actor: Any, household: Household, **fields: Any) -> Household:
    require_change(actor, household.area_code)
    before = snapshot(household, list(_EDITABLE))
    if fields.get("head_id") is not None and not household.members.filter(pk=fields["head_id"]).exists():
        raise ValidationFailed(_("户主必须是本户成员"), details={"head_id": [_("户主必须是本户成员")]})
    if "building_id" in fields and fields["building_id"] is not None:
        building = Building.objects.filter(pk=fields["building_id"], community_id=household.community_id).first()
        if building is None:
            message = _("楼栋不存在或不在本社区")
            raise ValidationFailed(message, details={"building_id": [message]})
    old_head_id = household.head_id
    for name, value in fields.items():
        if name not in _EDITABLE:
            raise TypeError(name)
        setattr(household, name, value)
    clean_and_save(household)
    if household.head_id != old_head_id:
        _relink_head(household, old_head_id)
    changes = diff(before, snapshot(household, list(_EDITABLE)))
    if changes:
        audit_record(
            actor=actor,
            action="household.update",
            entity_type="household",
            entity_id=household.pk,
            area_code=household.area_code,
            changes=changes,
            summary=household.number,
        )
    return household
