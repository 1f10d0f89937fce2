from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area
from shequ.areas.stats import stats_apply, tag_counts_apply
from shequ.core.audit import audit_record, diff, snapshot
from shequ.core.errors import Conflict, ValidationFailed
from shequ.core.roles import Perm
from shequ.core.validation import clean_and_save
from shequ.registry.idnumbers import IdNumberError, parse_id_number
from shequ.registry.models import Household, HouseholdMembership, Relation, Resident, ResidentStatus, ResidentTag, Tag
from shequ.registry.names import pinyin_keys
from shequ.registry.phones import PhoneError, normalise_phone
from shequ.registry.services.common import place, require_change, resolve_place
from shequ.registry.services.households import audit_move_out, household_head_set, household_head_vacate

_AUDITED = ("name", "id_number", "phone", "household_id", "relation", "status", "area_code")


def apply_identity(resident: Resident, *, name: str | None = None, id_number: Any = None, phone: Any = None) -> None:
    """Validate and derive: pinyin keys, sex and birth date from the ID, reversed search keys."""
    errors: dict[str, list[str]] = {}
    if name is not None:
        resident.name = str(name).strip()
        if not resident.name:
            errors["name"] = [_("姓名不能为空")]
        resident.name_pinyin, resident.name_initials = pinyin_keys(resident.name)
    if id_number is not None:
        try:
            parsed = parse_id_number(id_number)
        except IdNumberError as exc:
            errors["id_number"] = [str(exc.message)]
        else:
            resident.id_number = parsed.number
            resident.id_number_rev = parsed.number[::-1]
            resident.sex = parsed.sex
            resident.birth_date = parsed.birth_date
    if phone is not None:
        try:
            resident.phone = normalise_phone(phone)
        except PhoneError as exc:
            errors["phone"] = [str(exc)]
        resident.phone_rev = resident.phone[::-1]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], details=errors)


def duplicate_id_error(actor: Any, id_number: str, exclude_pk: int | None = None) -> Conflict | None:
    """A duplicate is refused; the message names the existing record only if the actor may see it."""
    others = Resident.objects.filter(id_number=id_number)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    existing = others.select_related("community").first()
    if existing is None:
        return None
    if viewer_scope(actor).has(Perm.REGISTRY_VIEW, existing.area_code):
        message = _("该公民身份号码已登记：%(name)s（%(community)s，居民编号 %(id)s）") % {
            "name": existing.name,
            "community": existing.community.name,
            "id": existing.pk,
        }
        return Conflict(
            message, code="duplicate_id_number", details={"id_number": [message], "existing_id": existing.pk}
        )
    message = _("该公民身份号码已在其他辖区登记，请联系上级核实")
    return Conflict(message, code="duplicate_id_number", details={"id_number": [message]})


def _join(actor: Any, resident: Resident, household: Household, relation: str, reason: str) -> None:
    """A new current membership; joining as 户主 makes the resident the head (the old head becomes 其他)."""
    HouseholdMembership.objects.create(
        resident=resident,
        household=household,
        relation=relation,
        community_code=household.community.code,
        started_at=timezone.now(),
        reason=reason,
    )
    if relation == Relation.HEAD:
        household_head_set(actor=actor, household=household, head_id=resident.pk)


@transaction.atomic
def resident_create(
    *,
    actor: Any,
    name: str,
    id_number: str,
    phone: str = "",
    household: Household | None = None,
    relation: str = "",
    community: Area | int | str | None = None,
    tags: list[str] | None = None,
) -> Resident:
    resident = Resident()
    apply_identity(resident, name=name, id_number=id_number, phone=phone)
    if household is not None:
        place(resident, household.community, household.grid)
    elif community is not None:
        place(resident, *resolve_place(community))
    else:
        raise ValidationFailed(_("请指定户或社区"), details={"household": [_("请指定户或社区")]})
    require_change(actor, resident.area_code)
    conflict = duplicate_id_error(actor, resident.id_number)
    if conflict:
        raise conflict
    resident.household = household
    resident.relation = relation or (Relation.OTHER if household else "")
    clean_and_save(resident)
    stats_apply(resident.area_code, residents=1)
    if household is not None:
        _join(actor, resident, household, resident.relation, "create")
    for code in tags or []:
        resident_tag_add(actor=actor, resident=resident, tag=code)
    audit_record(
        actor=actor,
        action="resident.create",
        entity_type="resident",
        entity_id=resident.pk,
        area_code=resident.area_code,
        changes=diff({}, snapshot(resident, list(_AUDITED))),
        summary=resident.name,
    )
    return resident


@transaction.atomic
def resident_update(*, actor: Any, resident: Resident, **fields: Any) -> Resident:
    require_change(actor, resident.area_code)
    before = snapshot(resident, list(_AUDITED))
    allowed = {"name", "id_number", "phone", "relation", "status"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(", ".join(sorted(unknown)))
    apply_identity(resident, name=fields.get("name"), id_number=fields.get("id_number"), phone=fields.get("phone"))
    if "id_number" in fields:
        conflict = duplicate_id_error(actor, resident.id_number, exclude_pk=resident.pk)
        if conflict:
            raise conflict
    for name in ("relation", "status"):
        if name in fields:
            setattr(resident, name, fields[name])
    clean_and_save(resident)
    if resident.relation != before["relation"] and resident.household is not None:
        HouseholdMembership.objects.filter(resident=resident, ended_at__isnull=True).update(relation=resident.relation)
        if resident.relation == Relation.HEAD:
            household_head_set(actor=actor, household=resident.household, head_id=resident.pk)
        else:
            household_head_vacate(actor=actor, household_id=resident.household.pk, resident_id=resident.pk)
    was_active, is_active = before["status"] == ResidentStatus.ACTIVE, resident.status == ResidentStatus.ACTIVE
    if was_active != is_active:
        # Subtree counts (like stats_rebuild) count active residents only, tags included.
        delta = 1 if is_active else -1
        stats_apply(resident.area_code, residents=delta)
        for tag_id in resident.resident_tags.values_list("tag_id", flat=True):
            tag_counts_apply(resident.area_code, tag_id, delta)
    changes = diff(before, snapshot(resident, list(_AUDITED)))
    if changes:
        audit_record(
            actor=actor,
            action="resident.update",
            entity_type="resident",
            entity_id=resident.pk,
            area_code=resident.area_code,
            changes=changes,
            summary=resident.name,
        )
    return resident


@transaction.atomic
def resident_move(
    *, actor: Any, resident: Resident, household: Household, relation: str = Relation.OTHER, reason: str = ""
) -> Resident:
    """Move to another household (maybe in another community); history is kept."""
    require_change(actor, resident.area_code)
    require_change(actor, household.area_code)
    if resident.household_id == household.pk:
        raise ValidationFailed(_("该居民已在此户"), details={"household": [_("该居民已在此户")]})
    before = snapshot(resident, list(_AUDITED))
    now = timezone.now()
    HouseholdMembership.objects.filter(resident=resident, ended_at__isnull=True).update(ended_at=now)
    old_household_id = resident.household_id
    old_code = resident.area_code
    tag_ids = list(resident.resident_tags.values_list("tag_id", flat=True))
    resident.household = household
    resident.relation = relation
    place(resident, household.community, household.grid)
    clean_and_save(resident)
    if old_code != resident.area_code and resident.status == ResidentStatus.ACTIVE:
        stats_apply(old_code, residents=-1)
        stats_apply(resident.area_code, residents=1)
        for tag_id in tag_ids:
            tag_counts_apply(old_code, tag_id, -1)
            tag_counts_apply(resident.area_code, tag_id, 1)
    if old_household_id:
        household_head_vacate(actor=actor, household_id=old_household_id, resident_id=resident.pk)
    _join(actor, resident, household, relation, reason or "move")
    changes = diff(before, snapshot(resident, list(_AUDITED)))
    audit_record(
        actor=actor,
        action="resident.move",
        entity_type="resident",
        entity_id=resident.pk,
        area_code=resident.area_code,
        changes=changes,
        summary=reason[:255],
    )
    audit_move_out(
        actor=actor,
        action="resident.move_out",
        entity_type="resident",
        entity_id=resident.pk,
        old_code=old_code,
        new_code=resident.area_code,
        changes=changes,
        summary=reason[:255],
    )
    return resident


def _tag(tag: Tag | str, actor: Any) -> Tag:
    """A tag the actor's work lines may see; any other answers like an unknown tag."""
    from shequ.registry.selectors import tag_list

    visible = tag_list(viewer=actor)
    if isinstance(tag, Tag):
        found = visible.filter(pk=tag.pk).first()
    else:
        found = visible.filter(code=tag).first() or visible.filter(name=tag).first()
    if found is None:
        raise ValidationFailed(
            _("未知标签：%(tag)s") % {"tag": tag}, details={"tags": [_("未知标签：%(tag)s") % {"tag": tag}]}
        )
    return found


@transaction.atomic
def resident_tag_add(*, actor: Any, resident: Resident, tag: Tag | str, note: str = "") -> ResidentTag:
    require_change(actor, resident.area_code)
    tag_obj = _tag(tag, actor)
    link, created = ResidentTag.objects.get_or_create(resident=resident, tag=tag_obj, defaults={"note": note})
    if created:
        if resident.status == ResidentStatus.ACTIVE:
            tag_counts_apply(resident.area_code, tag_obj.pk, 1)
        audit_record(
            actor=actor,
            action="resident.tag_add",
            entity_type="resident",
            entity_id=resident.pk,
            area_code=resident.area_code,
            changes={"tags": [None, tag_obj.code]},
            summary=resident.name,
        )
    return link


@transaction.atomic
def resident_tag_remove(*, actor: Any, resident: Resident, tag: Tag | str) -> None:
    require_change(actor, resident.area_code)
    tag_obj = _tag(tag, actor)
    deleted, _rows = ResidentTag.objects.filter(resident=resident, tag=tag_obj).delete()
    if deleted:
        if resident.status == ResidentStatus.ACTIVE:
            tag_counts_apply(resident.area_code, tag_obj.pk, -1)
        audit_record(
            actor=actor,
            action="resident.tag_remove",
            entity_type="resident",
            entity_id=resident.pk,
            area_code=resident.area_code,
            changes={"tags": [tag_obj.code, None]},
            summary=resident.name,
        )
