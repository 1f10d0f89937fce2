"""Reporting a case: where it is (building, else coordinates, else the community given), whether the reporter may
report there, its number and token, its photos, and the first step of its history."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.areas.models import Area, Level
from shequ.core.errors import PermissionDenied, ValidationFailed
from shequ.core.validation import Problems, check_text, clean_and_save
from shequ.incidents import access
from shequ.incidents.locate import Located, locate, valid_point
from shequ.incidents.models import Category, Incident, Source, Status
from shequ.incidents.services import common
from shequ.incidents.services.common import MAX_DESCRIPTION, record
from shequ.incidents.services.photos import check_photos, remove_files, store_photos
from shequ.registry.models import Building

NUMBER_PREFIX = "SJ"
NUMBER_ATTEMPTS = 5
PHONE = re.compile(r"^[0-9+\- ]{5,20}$")


def next_number(day: Any) -> str:
    """SJ + yyyymmdd + a four-digit sequence of that day (five digits past the 9,999th case)."""
    prefix = f"{NUMBER_PREFIX}{day:%Y%m%d}"
    last = (
        Incident.objects.filter(number__startswith=prefix)
        .order_by(Length("number").desc(), "-number")
        .values_list("number", flat=True)
        .first()
    )
    tail = last[len(prefix):] if last else ""
    sequence = int(tail) + 1 if tail.isdigit() else 1
    return f"{prefix}{sequence:04d}"


def _where(
    problems: Problems, community: Area | None, building: Building | None, latitude: Any, longitude: Any
) -> Located | None:
    has_lat, has_lon = latitude not in (None, ""), longitude not in (None, "")
    if has_lat != has_lon or (has_lat and not valid_point(latitude, longitude)):
        problems.add("location", _("坐标无效：纬度应在 -90 至 90 之间，经度应在 -180 至 180 之间，且须同时填写"))
        return None
    if community is not None and community.level != Level.COMMUNITY:
        problems.add("community", _("必须是社区（村）"))
        return None
    if building is not None:
        if community is not None and building.community_id != community.pk:
            problems.add("building", _("所选楼栋不在该社区"))
            return None
        return Located(building.community, building.grid, building)
    if has_lat:
        located = locate(float(latitude), float(longitude))
        # A point nearer another community's buildings than the chosen community's: trust the reporter's choice.
        if located is not None and (community is None or located.community.pk == community.pk):
            return located
        if community is not None:
            return Located(community, None, None)
    elif community is not None:
        return Located(community, None, None)
    problems.add("location", _("无法确定事件位置：请选择楼栋，或提供社区范围内的坐标"))
    return None


def _own_grid(actor: Any, place: Located) -> Located:
    """A grid worker's position that located only to a community (no building near) is placed in the worker's
    own grid there: the worker is on patrol in it."""
    if place.grid is not None or place.building is not None or actor is None:
        return place
    grids = [c for c in access.report_codes(actor) if len(c) == 15 and c.startswith(place.community.code)]
    if len(grids) != 1:
        return place
    grid = Area.objects.filter(code=grids[0], level=Level.GRID).first()
    return place if grid is None else Located(place.community, grid, place.building)


def _check_category(problems: Problems, category: Any) -> Category | None:
    if not isinstance(category, Category) or not category.active:
        problems.add("category", _("请选择有效的事件类别"))
        return None
    return category


@transaction.atomic
def incident_report(
    *,
    actor: Any,
    category: Category,
    description: str,
    source: str,
    community: Area | None = None,
    building: Building | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    address: str = "",
    photos: Sequence[Any] = (),
    reporter_name: str = "",
    reporter_phone: str = "",
) -> Incident:
    if actor is None and source != Source.OPEN311:
        raise PermissionDenied()
    if actor is not None and not access.can_report(actor):
        raise PermissionDenied()
    problems = Problems()
    category = _check_category(problems, category)  # type: ignore[assignment]
    description = check_text(problems, "description", description, max_length=MAX_DESCRIPTION, required=True)
    address = check_text(problems, "address", address, max_length=200)
    reporter_name = check_text(problems, "reporter_name", reporter_name, max_length=64)
    reporter_phone = check_text(problems, "reporter_phone", reporter_phone, max_length=20)
    if reporter_phone and not PHONE.match(reporter_phone):
        problems.add("reporter_phone", _("电话号码只能包含数字、空格、+ 和 -"))
    if source not in Source.values:
        problems.add("source", _("来源无效"))
    place = _where(problems, community, building, latitude, longitude)
    images = check_photos(problems, photos)
    problems.raise_if_any()
    assert place is not None and category is not None
    if building is None and community is None:
        place = _own_grid(actor, place)
    area_code = place.grid.code if place.grid is not None else place.community.code
    if actor is not None and not access.can_report(actor, area_code):
        message = _("该位置不在您可以上报事件的范围内")
        raise PermissionDenied(message, details={"location": [message]})
    if latitude in (None, "") and place.building is not None and place.building.latitude is not None:
        latitude, longitude = place.building.latitude, place.building.longitude
    at = common.now()
    incident = Incident(
        category=category,
        status=Status.REPORTED,
        source=source,
        community=place.community,
        grid=place.grid,
        area_code=area_code,
        handling_code=place.community.code,
        building=place.building,
        address=address,
        latitude=float(latitude) if latitude not in (None, "") else None,
        longitude=float(longitude) if longitude not in (None, "") else None,
        description=description,
        reporter=actor if getattr(actor, "pk", None) else None,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        reported_at=at,
        token=str(uuid.uuid4()),
    )
    _save_numbered(incident, timezone.localtime(at).date())
    saved: list[str] = []
    try:
        stored = store_photos(incident, images, Status.REPORTED, saved)
        record(
            actor=actor,
            incident=incident,
            action="report",
            to_status=Status.REPORTED,
            data={"photos": [p.pk for p in stored], "source": source},
            changes={
                "number": [None, incident.number],
                "category": [None, category.code],
                "area_code": [None, area_code],
                "status": [None, Status.REPORTED],
            },
        )
    except BaseException:
        remove_files(saved)  # no row, no file
        raise
    return incident


def _save_numbered(incident: Incident, day: Any) -> None:
    """Save with the day's next number; a number taken meanwhile by a concurrent report is simply retried."""
    for attempt in range(NUMBER_ATTEMPTS):
        incident.number = next_number(day)
        try:
            with transaction.atomic():
                clean_and_save(incident)
            return
        except ValidationFailed as exc:
            if "number" not in (exc.details or {}) or attempt == NUMBER_ATTEMPTS - 1:
                raise
        except IntegrityError:
            if attempt == NUMBER_ATTEMPTS - 1:
                raise
            incident.pk = None
