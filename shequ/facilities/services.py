"""Writes of premises, their functional rooms and photos: validated (nothing saved while any field is wrong),
audited, and followed by a compliance recompute of the years the change touches."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from shequ.areas.models import Area
from shequ.core.audit import audit_record, diff, snapshot
from shequ.core.validation import Problems, check_text, clean_and_save
from shequ.facilities.common import check_area, check_year, community_for_write, current_year, require_change
from shequ.facilities.images import NotAnImage, check_image
from shequ.facilities.models import FacilityPhoto, FunctionalRoom, Premises, Tenure
from shequ.facilities.names import MAX_PLAQUE_LENGTH, is_other_plaque, lists_for, normalise_plaque, unknown_message

FIELDS = (
    "name",
    "address",
    "floor_area_m2",
    "year_from",
    "year_to",
    "newly_built",
    "tenure",
    "service_centre_m2",
    "unifications",
    "plaques",
    "note",
)
_UPDATABLE = (*FIELDS, "rooms")


def _years(year_from: int, year_to: int | None) -> set[int]:
    """The years a premises counts in; an open-ended one up to this year (its future is not judged yet)."""
    last = year_to if year_to is not None else max(year_from, current_year())
    return set(range(year_from, last + 1))


def _recompute(community: Area, years: Iterable[int]) -> None:
    from shequ.standards.compliance import compliance_recompute_after_write

    compliance_recompute_after_write(community=community, years=years)


def _dedupe(values: Iterable[Any] | str | None) -> list[str]:
    """Names trimmed, blanks and repeats dropped; a single string is one name, not a list of characters."""
    if values is None:
        return []
    seen: list[str] = []
    for value in [values] if isinstance(values, str) else values:
        text = " ".join(str(value).split())
        if text and text not in seen:
            seen.append(text)
    return seen


def _check_names(
    problems: Problems, community: Area, state: dict[str, Any], rooms: dict[str, Decimal | None] | None
) -> None:
    year_from = state["year_from"]
    if year_from is None:
        return
    has_names = bool(state["unifications"] or state["plaques"] or rooms)
    if not has_names:
        return
    # The policy in force when the premises came into use; a premises older than any policy is checked
    # against the first one in force during its use.
    end = state["year_to"] if state["year_to"] is not None else max(year_from, current_year())
    lists = lists_for(community.code, [year_from, end])
    if not lists.found:
        message = _("%(year)s 年没有适用的社区建设标准，无法核对名称") % {"year": year_from}
        for key in ("rooms", "unifications", "plaques"):
            if (rooms if key == "rooms" else state[key]):
                problems.add(key, message)
        return
    unknown = [u for u in state["unifications"] if u not in lists.unifications]
    if unknown:
        problems.add("unifications", unknown_message("unifications", unknown, lists.unifications))
    unknown = [p for p in state["plaques"] if p not in lists.plaques and not _other_plaque_ok(p)]
    if unknown:
        problems.add("plaques", unknown_message("plaques", unknown, lists.plaques))
    unknown = [r for r in (rooms or {}) if r not in lists.rooms]
    if unknown:
        problems.add("rooms", unknown_message("rooms", unknown, lists.rooms))


def _other_plaque_ok(name: str) -> bool:
    return is_other_plaque(name) and len(name) <= MAX_PLAQUE_LENGTH


def _validate(
    community: Area, raw: dict[str, Any], raw_rooms: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Decimal | None] | None]:
    """The cleaned premises fields and rooms, or ValidationFailed listing every problem."""
    problems = Problems()
    state: dict[str, Any] = {
        "name": check_text(problems, "name", raw.get("name"), max_length=100),
        "address": check_text(problems, "address", raw.get("address"), max_length=200, required=True),
        "floor_area_m2": check_area(problems, "floor_area_m2", raw.get("floor_area_m2")),
        "year_from": check_year(problems, "year_from", raw.get("year_from")),
        "year_to": check_year(problems, "year_to", raw.get("year_to"), required=False),
        "newly_built": bool(raw.get("newly_built")),
        "tenure": raw.get("tenure") or Tenure.OWNED,
        "service_centre_m2": check_area(problems, "service_centre_m2", raw.get("service_centre_m2"), required=False),
        "unifications": _dedupe(raw.get("unifications")),
        "plaques": _dedupe([normalise_plaque(p) for p in _dedupe(raw.get("plaques"))]),
        "note": check_text(problems, "note", raw.get("note"), max_length=2000),
    }
    if state["tenure"] not in Tenure.values:
        problems.add("tenure", _("产权只能是：%(v)s") % {"v": "、".join(str(label) for label in Tenure.labels)})
    if state["year_from"] is not None and state["year_to"] is not None and state["year_to"] < state["year_from"]:
        problems.add("year_to", _("停用年份不能早于启用年份"))
    area = state["floor_area_m2"]
    centre = state["service_centre_m2"]
    if area is not None and centre is not None and centre > area:
        problems.add("service_centre_m2", _("服务中心面积不能超过用房面积"))
    rooms: dict[str, Decimal | None] | None = None
    if raw_rooms is not None:
        rooms = {}
        if not isinstance(raw_rooms, dict):
            problems.add("rooms", _("功能室应为“名称: 面积”的对应表"))
            raw_rooms = {}
        for raw_name, raw_area in raw_rooms.items():
            name = " ".join(str(raw_name).split())
            if not name:
                continue
            rooms[name] = check_area(problems, "rooms", raw_area, required=False, label=name)
        total = sum((a for a in rooms.values() if a is not None), Decimal(0))
        if area is not None and total > area:
            problems.add("rooms", _("功能室面积合计（%(sum)s 平方米）超过用房面积") % {"sum": total})
    _check_names(problems, community, state, rooms)
    problems.raise_if_any()
    return state, rooms


def _room_snapshot(premises: Premises) -> dict[str, str | None]:
    return {r.name: (str(r.floor_area_m2) if r.floor_area_m2 is not None else None) for r in premises.rooms.all()}


def _save_rooms(actor: Any, premises: Premises, rooms: dict[str, Decimal | None]) -> None:
    """Make the premises' rooms exactly `rooms`; each room added, changed or removed is audited."""
    existing = {r.name: r for r in premises.rooms.all()}
    for name, gone in existing.items():
        if name not in rooms:
            audit_record(
                actor=actor, action="functional_room.delete", entity_type="functional_room", entity_id=gone.pk,
                area_code=premises.area_code, changes=diff(snapshot(gone, ["name", "floor_area_m2"]), {}),
                summary=name,
            )
            gone.delete()
    for name, area in rooms.items():
        room = existing.get(name)
        if room is None:
            added = FunctionalRoom(premises=premises, area_code=premises.area_code, name=name, floor_area_m2=area)
            clean_and_save(added)
            audit_record(
                actor=actor, action="functional_room.create", entity_type="functional_room", entity_id=added.pk,
                area_code=premises.area_code, changes=diff({}, snapshot(added, ["name", "floor_area_m2"])),
                summary=name,
            )
        elif room.floor_area_m2 != area:
            before = snapshot(room, ["floor_area_m2"])
            room.floor_area_m2 = area
            clean_and_save(room, update_fields=["floor_area_m2"])
            audit_record(
                actor=actor, action="functional_room.update", entity_type="functional_room", entity_id=room.pk,
                area_code=premises.area_code, changes=diff(before, snapshot(room, ["floor_area_m2"])), summary=name,
            )


@transaction.atomic
def premises_create(
    *,
    actor: Any,
    community: Area,
    address: str,
    floor_area_m2: Decimal,
    year_from: int,
    year_to: int | None = None,
    newly_built: bool = False,
    tenure: str = "owned",
    service_centre_m2: Decimal | None = None,
    unifications: Iterable[str] = (),
    plaques: Iterable[str] = (),
    rooms: dict[str, Decimal | None] | None = None,
    name: str = "",
    note: str = "",
) -> Premises:
    area = community_for_write(actor, community)
    raw = {
        "name": name, "address": address, "floor_area_m2": floor_area_m2, "year_from": year_from,
        "year_to": year_to, "newly_built": newly_built, "tenure": tenure, "service_centre_m2": service_centre_m2,
        "unifications": unifications, "plaques": plaques, "note": note,
    }
    state, clean_rooms = _validate(area, raw, rooms if rooms is not None else {})
    premises = Premises(community=area, area_code=area.code, **state)
    clean_and_save(premises)
    audit_record(
        actor=actor, action="premises.create", entity_type="premises", entity_id=premises.pk, area_code=area.code,
        changes=diff({}, snapshot(premises, list(FIELDS))), summary=premises.address,
    )
    _save_rooms(actor, premises, clean_rooms or {})
    _recompute(area, _years(premises.year_from, premises.year_to))
    return premises


@transaction.atomic
def premises_update(*, actor: Any, premises: Premises, **fields: Any) -> Premises:
    for key in fields:
        if key not in _UPDATABLE:
            raise TypeError(f"premises_update() got an unexpected keyword argument {key!r}")
    require_change(actor, premises.area_code)
    premises = Premises.objects.select_for_update().select_related("community").get(pk=premises.pk)
    before = snapshot(premises, list(FIELDS))
    old_years = _years(premises.year_from, premises.year_to)
    raw = {key: getattr(premises, key) for key in FIELDS}
    raw.update(fields)
    rooms = fields.get("rooms")
    # Unchanged rooms are still checked: a changed year_from may bring another policy's list.
    checked_rooms = rooms if rooms is not None else {r.name: r.floor_area_m2 for r in premises.rooms.all()}
    state, clean_rooms = _validate(premises.community, raw, checked_rooms)
    for key, value in state.items():
        setattr(premises, key, value)
    clean_and_save(premises)
    changes = diff(before, snapshot(premises, list(FIELDS)))
    if changes:
        audit_record(
            actor=actor, action="premises.update", entity_type="premises", entity_id=premises.pk,
            area_code=premises.area_code, changes=changes, summary=premises.address,
        )
    if rooms is not None:
        _save_rooms(actor, premises, clean_rooms or {})
    _recompute(premises.community, old_years | _years(premises.year_from, premises.year_to))
    return premises


@transaction.atomic
def premises_delete(*, actor: Any, premises: Premises) -> None:
    require_change(actor, premises.area_code)
    premises = Premises.objects.select_for_update().select_related("community").get(pk=premises.pk)
    community = premises.community
    years = _years(premises.year_from, premises.year_to)
    for photo in premises.photos.all():
        _photo_remove(actor, photo)
    for room in premises.rooms.all():
        audit_record(
            actor=actor, action="functional_room.delete", entity_type="functional_room", entity_id=room.pk,
            area_code=premises.area_code, changes=diff(snapshot(room, ["name", "floor_area_m2"]), {}),
            summary=room.name,
        )
    audit_record(
        actor=actor, action="premises.delete", entity_type="premises", entity_id=premises.pk,
        area_code=premises.area_code, changes=diff(snapshot(premises, list(FIELDS)), {}), summary=premises.address,
    )
    premises.delete()
    _recompute(community, years)


# -- photos ------------------------------------------------------------------------------------------


@transaction.atomic
def photo_add(*, actor: Any, premises: Premises, upload: Any, caption: str = "") -> FacilityPhoto:
    require_change(actor, premises.area_code)
    problems = Problems()
    caption = check_text(problems, "caption", caption, max_length=200)
    checked = None
    if upload is None:
        problems.add("image", _("请选择照片文件"))
    else:
        try:
            checked = check_image(upload)
        except NotAnImage as exc:
            problems.add("image", exc.message)
    problems.raise_if_any()
    assert checked is not None
    photo = FacilityPhoto(premises=premises, area_code=premises.area_code, caption=caption)
    # The stored name is ours: the client's file name never reaches the disk.
    photo.image.save(f"{uuid.uuid4().hex}.{checked.extension}", ContentFile(checked.content), save=False)
    name = photo.image.name
    try:
        photo.save()
        audit_record(
            actor=actor, action="facility_photo.create", entity_type="facility_photo", entity_id=photo.pk,
            area_code=premises.area_code,
            changes=diff({}, {"premises_id": premises.pk, "caption": caption, "image": name}),
            summary=caption or premises.address,
        )
    except BaseException:
        photo.image.storage.delete(name or "")  # no row, no file
        raise
    return photo


@transaction.atomic
def photo_delete(*, actor: Any, photo: FacilityPhoto) -> None:
    require_change(actor, photo.area_code)
    _photo_remove(actor, photo)


def _photo_remove(actor: Any, photo: FacilityPhoto) -> None:
    name = photo.image.name
    storage = photo.image.storage
    audit_record(
        actor=actor, action="facility_photo.delete", entity_type="facility_photo", entity_id=photo.pk,
        area_code=photo.area_code,
        changes=diff({"premises_id": photo.premises_id, "caption": photo.caption, "image": name}, {}),
        summary=photo.caption,
    )
    photo.delete()
    # The file goes only once the row is gone for good; a rolled-back delete keeps both.
    transaction.on_commit(lambda: storage.delete(name) if name else None)

