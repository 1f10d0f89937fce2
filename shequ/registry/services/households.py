from __future__ import annotations

from collections import Counter
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.areas.models import Area
from shequ.areas.stats import stats_apply, stats_move, tag_counts_move
from shequ.core.audit import audit_record, diff, snapshot
from shequ.core.errors import ValidationFailed
from shequ.registry.models import (
    Building,
    Household,
    HouseholdKind,
    HouseholdMembership,
    Relation,
    Resident,
    ResidentStatus,
    ResidentTag,
)
from shequ.registry.services.common import clean_and_save, place, require_change, resolve_place

_EDITABLE = ("kind", "building_id", "room", "head_id")
_AUDITED = (*_EDITABLE, "area_code")


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


def _target_grid(household: Household, fields: dict[str, Any]) -> tuple[bool, Area | None]:
    """Whether the household changes grid, and to which: it follows a new building into the building's grid."""
    building_id = fields.get("building_id")
    if building_id is None or building_id == household.building_id:
        return False, household.grid
    building = (
        Building.objects.filter(pk=building_id, community_id=household.community_id).select_related("grid").first()
    )
    if building is None:
        message = _("楼栋不存在或不在本社区")
        raise ValidationFailed(message, details={"building_id": [message]})
    return building.grid_id != household.grid_id, building.grid


def _move_members(actor: Any, household: Household) -> None:
    """Members follow their household into its new grid: area code, subtree counts (active residents and
    their tags, as stats_rebuild counts them) and an audit row each."""
    new_code = household.area_code
    members = list(Resident.objects.filter(household=household).exclude(area_code=new_code).only(
        "pk", "name", "area_code", "status"
    ))
    if not members:
        return
    Resident.objects.filter(pk__in=[m.pk for m in members]).update(
        grid=household.grid, area_code=new_code, updated_at=timezone.now()
    )
    old_codes = {m.pk: m.area_code for m in members if m.status == ResidentStatus.ACTIVE}
    for code, count in Counter(old_codes.values()).items():
        stats_move(code, new_code, residents=count)
    tags = ResidentTag.objects.filter(resident_id__in=list(old_codes)).values_list("resident_id", "tag_id")
    for (code, tag_id), count in Counter((old_codes[r], t) for r, t in tags).items():
        tag_counts_move(code, new_code, tag_id, count)
    for member in members:
        audit_record(
            actor=actor,
            action="resident.update",
            entity_type="resident",
            entity_id=member.pk,
            area_code=new_code,
            changes={"area_code": [member.area_code, new_code]},
            summary=member.name,
        )


@transaction.atomic
def household_update(*, actor: Any, household: Household, **fields: Any) -> Household:
    """Edit a household. A new building in another grid of the community moves the household and its members
    into that grid (the actor must be allowed to write there too)."""
    require_change(actor, household.area_code)
    unknown = set(fields) - set(_EDITABLE)
    if unknown:
        raise TypeError(", ".join(sorted(unknown)))
    before = snapshot(household, list(_AUDITED))
    if fields.get("head_id") is not None and not household.members.filter(pk=fields["head_id"]).exists():
        raise ValidationFailed(_("户主必须是本户成员"), details={"head_id": [_("户主必须是本户成员")]})
    regrid, grid = _target_grid(household, fields)
    old_code = household.area_code
    if regrid:
        require_change(actor, grid.code if grid else household.community.code)
    old_head_id = household.head_id
    for name, value in fields.items():
        setattr(household, name, value)
    if regrid:
        place(household, household.community, grid)
    clean_and_save(household)
    if household.head_id != old_head_id:
        _relink_head(household, old_head_id)
    if household.area_code != old_code:
        if household.dissolved_at is None:
            stats_move(old_code, household.area_code, households=1)
        _move_members(actor, household)
    changes = diff(before, snapshot(household, list(_AUDITED)))
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
