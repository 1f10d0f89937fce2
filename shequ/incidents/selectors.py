"""Reads of cases, cut to the viewer (shequ.incidents.access.visible_q); a case outside answers like a missing one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Length
from django.utils import timezone

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area, Level
from shequ.core.errors import NotFound
from shequ.core.roles import Perm
from shequ.incidents.access import visible_q
from shequ.incidents.models import CalendarDay, Category, Department, Event, Incident, Photo, Status
from shequ.incidents.states import ACTIVE, CLOSED

STATUS_GROUPS = {"open": ACTIVE, "closed": CLOSED}
COMMUNITY_CODE_LENGTH = 12


def _pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


def overdue_q(at: dt.datetime | None = None) -> Q:
    """Still being worked on and past its time limit."""
    return Q(status__in=ACTIVE, due_at__isnull=False, due_at__lt=at or timezone.now())


def is_overdue(incident: Incident, at: dt.datetime | None = None) -> bool:
    return incident.status in ACTIVE and incident.due_at is not None and incident.due_at < (at or timezone.now())


def incident_list(
    *,
    viewer: Any,
    status: str = "",
    category: str = "",
    overdue: bool = False,
    area: str = "",
    handling: str = "",
    q: str = "",
    at: dt.datetime | None = None,
) -> QuerySet[Incident]:
    """`status`: a status, or "open"/"closed"; `category`: a category code; `area`: a code prefix;
    `handling="mine"`: the cases now at the viewer's own level (its to-do list)."""
    qs = Incident.objects.filter(visible_q(viewer))
    status = (status or "").strip()
    if status in STATUS_GROUPS:
        qs = qs.filter(status__in=STATUS_GROUPS[status])
    elif status:
        qs = qs.filter(status=status) if status in Status.values else qs.none()
    category = (category or "").strip()
    if category:
        qs = qs.filter(category__code=category)
    if overdue:
        qs = qs.filter(overdue_q(at))
    area = (area or "").strip()
    if area:
        qs = qs.filter(area_code__startswith=area) if area.isdigit() else qs.none()
    if handling == "mine":
        codes = viewer_scope(viewer).codes_for(Perm.INCIDENT_HANDLE)
        qs = qs.filter(status__in=ACTIVE, handling_code__in=codes) if "" not in codes else qs.filter(status__in=ACTIVE)
    text = (q or "").strip()
    if text:
        qs = qs.filter(Q(number__iexact=text) | Q(description__icontains=text) | Q(address__icontains=text))
    return qs.select_related("category", "community", "grid").order_by("-reported_at", "-pk")


def incident_get(*, viewer: Any, pk: Any) -> Incident:
    incident = (
        Incident.objects.filter(visible_q(viewer), pk=_pk(pk))
        .select_related("category", "community", "community__parent", "grid", "building", "department",
                        "merged_into", "reporter")
        .first()
    )
    if incident is None:
        raise NotFound()
    return incident


def incident_by_number(*, viewer: Any, number: str) -> Incident:
    incident = Incident.objects.filter(visible_q(viewer), number=str(number or "").strip()).first()
    if incident is None:
        raise NotFound()
    return incident


def event_list(incident: Incident) -> QuerySet[Event]:
    return incident.events.select_related("actor").order_by("at", "pk")


def photo_list(incident: Incident) -> QuerySet[Photo]:
    return incident.photos.order_by("uploaded_at", "pk")


def photo_get(*, viewer: Any, pk: Any) -> Photo:
    photo = Photo.objects.filter(pk=_pk(pk)).select_related("incident").first()
    if photo is None or not Incident.objects.filter(visible_q(viewer), pk=photo.incident_id).exists():
        raise NotFound()
    return photo


def merged_from(incident: Incident, viewer: Any) -> QuerySet[Incident]:
    return Incident.objects.filter(visible_q(viewer), merged_into=incident).order_by("reported_at")


def category_list(*, active_only: bool = True) -> QuerySet[Category]:
    qs = Category.objects.select_related("department")
    return qs.filter(active=True) if active_only else qs


def calendar_days(year: int) -> QuerySet[CalendarDay]:
    """The year's exceptions to the Monday–Friday week (holidays, make-up working days): city-wide, public."""
    return CalendarDay.objects.filter(date__year=year).order_by("date")


def department_list(*, viewer: Any) -> QuerySet[Department]:
    """Departments the viewer may configure: those serving an area inside its configuration scope."""
    return Department.objects.filter(viewer_scope(viewer).q(Perm.INCIDENT_CONFIGURE))


def area_choices(*, viewer: Any, perm: str = Perm.INCIDENT_VIEW, limit: int = 300) -> list[Area]:
    """The viewer's own areas and two levels below them, for filters (capped)."""
    codes = viewer_scope(viewer).codes_for(perm)
    if not codes:
        return []
    roots = list(Area.objects.filter(parent__isnull=True).values_list("code", flat=True)) if "" in codes else codes
    query = Q(pk__in=[])
    for code in roots:
        # two levels down: 4→6→9, 6→9→12, 9→12→15, 12→15
        query |= Q(code__startswith=code, code_length__lte=len(code) + 6)
    return list(Area.objects.annotate(code_length=Length("code")).filter(query).order_by("code")[:limit])


def report_buildings(*, viewer: Any, limit: int = 500) -> tuple[list[Any], bool]:
    """Buildings the viewer may report a case at (its grid, its community …), for the picker; (rows, truncated)."""
    from shequ.registry.models import Building

    codes = viewer_scope(viewer).codes_for(Perm.INCIDENT_REPORT)
    # Above a community the list would be thousands long: officers pick a community or use their position.
    if not codes or any(len(code) < COMMUNITY_CODE_LENGTH for code in codes):
        return [], False
    query = Q(pk__in=[])
    for code in codes:
        query |= Q(area_code__startswith=code)
    rows = list(
        Building.objects.filter(query).select_related("grid", "community").order_by("area_code", "address")[: limit + 1]
    )
    return rows[:limit], len(rows) > limit


def report_building_get(*, viewer: Any, pk: Any) -> Any:
    from shequ.registry.models import Building

    building = Building.objects.filter(viewer_scope(viewer).q(Perm.INCIDENT_REPORT), pk=_pk(pk)).first()
    if building is None:
        raise NotFound()
    return building


def report_communities(*, viewer: Any, limit: int = 300) -> list[Area]:
    """Communities the viewer may report in without choosing a building (officers: capped)."""
    codes = viewer_scope(viewer).codes_for(Perm.INCIDENT_REPORT)
    grid_only = codes and all(len(c) == 15 for c in codes)
    if not codes or grid_only:
        return []
    return list(Area.objects.filter(viewer_scope(viewer).q(Perm.INCIDENT_REPORT, "code"), level=Level.COMMUNITY)
                .order_by("code")[:limit])
