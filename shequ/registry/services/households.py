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
from shequ.core.validation import clean_and_save
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
from shequ.registry.services.common import place, require_change, resolve_place

_EDITABLE = ("kind", "building_id", "room", "head_id")
_AUDITED = ("kind", "building_id", "room", "area_code")  # the head has its own rows (household_head_set)


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


def household_head_set(*, actor: Any, household: Household, head_id: int | None) -> None:
    """Make the member `head_id` the household's head (户主), or leave it without one (None).

    Every path that changes a head goes through here, inside the caller's transaction and after the caller's
    own permission check. The rule is the importer's (importing/apply.py, step 5): any other member whose
    relation is 户主 becomes 其他, the new head's relation becomes 户主, and the current membership rows
    follow. Each change is audited: the household (`household.set_head`, head_id old → new) and every
    resident whose relation changed (`resident.update`, relation old → new). Calling it again changes and
    records nothing."""
    locked = Household.objects.select_for_update().filter(pk=household.pk).values("head_id", "area_code", "number")
    current = locked.get()
    old_head_id = current["head_id"]
    now = timezone.now()
    members = Resident.objects.filter(household_id=household.pk)
    memberships = HouseholdMembership.objects.filter(household_id=household.pk, ended_at__isnull=True)
    others = members.filter(relation=Relation.HEAD)
    if head_id is not None:
        others = others.exclude(pk=head_id)
    changed: list[tuple[int, str, str, str, str]] = [  # (pk, name, area_code, old relation, new relation)
        (pk, name, code, Relation.HEAD, Relation.OTHER)
        for pk, name, code in others.order_by("pk").values_list("pk", "name", "area_code")
    ]
    if changed:
        demoted = [row[0] for row in changed]
        Resident.objects.filter(pk__in=demoted).update(relation=Relation.OTHER, updated_at=now)
        memberships.filter(resident_id__in=demoted).update(relation=Relation.OTHER)
    if head_id is not None:
        head = members.filter(pk=head_id).values_list("name", "area_code", "relation").first()
        if head is None:
            raise ValidationFailed(_("户主必须是本户成员"), details={"head_id": [_("户主必须是本户成员")]})
        name, code, relation = head
        if relation != Relation.HEAD:
            Resident.objects.filter(pk=head_id).update(relation=Relation.HEAD, updated_at=now)
            changed.append((head_id, name, code, relation, Relation.HEAD))
        memberships.filter(resident_id=head_id).exclude(relation=Relation.HEAD).update(relation=Relation.HEAD)
    if old_head_id != head_id:
        Household.objects.filter(pk=household.pk).update(head_id=head_id, updated_at=now)
        audit_record(
            actor=actor,
            action="household.set_head",
            entity_type="household",
            entity_id=household.pk,
            area_code=current["area_code"],
            changes={"head_id": [old_head_id, head_id]},
            summary=current["number"],
        )
    household.head_id = head_id
    for pk, name, code, old, new in changed:
        audit_record(
            actor=actor,
            action="resident.update",
            entity_type="resident",
            entity_id=pk,
            area_code=code,
            changes={"relation": [old, new]},
            summary=name,
        )


def household_head_vacate(*, actor: Any, household_id: int, resident_id: int) -> None:
    """The head stopped being head (moved out, or took another relation): if `resident_id` is the household's
    head, it is left without one (audited by household_head_set)."""
    household = Household.objects.filter(pk=household_id, head_id=resident_id).first()
    if household is not None:
        household_head_set(actor=actor, household=household, head_id=None)


def audit_move_out(*, old_code: str, new_code: str, **row: Any) -> None:
    """A row (audit_record's fields) under the area a record left, so the auditors of that area see it go (they
    cannot see the row written under the new area). Not needed when the new area lies inside the old one: they
    see that row."""
    if not new_code.startswith(old_code):
        audit_record(area_code=old_code, **row)


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
        changes = {"area_code": [member.area_code, new_code]}
        audit_record(
            actor=actor,
            action="resident.update",
            entity_type="resident",
            entity_id=member.pk,
            area_code=new_code,
            changes=changes,
            summary=member.name,
        )
        audit_move_out(
            actor=actor,
            action="resident.move_out",
            entity_type="resident",
            entity_id=member.pk,
            old_code=member.area_code,
            new_code=new_code,
            changes=changes,
            summary=member.name,
        )


@transaction.atomic
def household_update(*, actor: Any, household: Household, **fields: Any) -> Household:
    """Edit a household. A new building in another grid of the community moves the household and its members
    into that grid (the actor must be allowed to write there too). A new head goes through household_head_set
    (its own audit rows); the other changes are one `household.update` row."""
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
    head_given = "head_id" in fields
    head_id = fields.pop("head_id", None)
    for name, value in fields.items():
        setattr(household, name, value)
    if regrid:
        place(household, household.community, grid)
    # The head is not saved from this instance (it may be stale): household_head_set reads and sets it.
    clean_and_save(household, update_fields=[*fields, "community", "grid", "area_code", "updated_at"])
    if head_given:
        household_head_set(actor=actor, household=household, head_id=head_id)
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
        if "area_code" in changes:
            audit_move_out(
                actor=actor,
                action="household.move_out",
                entity_type="household",
                entity_id=household.pk,
                old_code=old_code,
                new_code=household.area_code,
                changes=changes,
                summary=household.number,
            )
    return household
