"""Reads behind the public GeoReport v2 endpoint.

Service requests are public there, as the spec intends, so these reads are not cut to a viewer; instead they load
only the public columns (`PUBLIC_FIELDS`): the reporter's account, name and phone are never read, so no response
can carry them. What depends on the viewer (photo links) is decided separately by `media_for`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.utils import timezone

from shequ.accounts.scope import viewer_scope
from shequ.core.errors import NotFound
from shequ.core.models import AuditLog
from shequ.core.roles import Perm
from shequ.incidents.access import visible_q
from shequ.incidents.models import Category, Event, Incident, Photo, Status
from shequ.registry.models import Building

PUBLIC_FIELDS = (
    "id",
    "number",
    "status",
    "description",
    "address",
    "building_id",
    "latitude",
    "longitude",
    "reported_at",
    "updated_at",
    "closed_at",
    "due_at",
    "token",
    "category__code",
    "category__name",
    "category__name_en",
    "category__time_limit_days",
    "category__department__name",
    "department__name",
    "building__address",
    "merged_into__number",
)
# History steps whose note explains the current status to the public. The report itself (the reporter's words
# are already the description), evaluations (the reporter's opinion) and free notes (contact details) are not.
STATUS_NOTE_ACTIONS = ("open", "reject", "dispatch", "handle", "check", "close", "escalate", "merge")
OPEN311_NOTE = "note"  # the history step holding what an Open311 client filed beside the case (media_url, email)
# The first release of this endpoint; the discovery changeset never goes back before it.
API_CHANGESET = dt.datetime(2026, 11, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
CLOSED_STATUSES = (Status.CLOSED, Status.EVALUATED, Status.REJECTED, Status.MERGED)


def service_list() -> QuerySet[Category]:
    return Category.objects.filter(active=True).order_by("group", "code")


def service_get(code: str) -> Category:
    category = Category.objects.filter(active=True, code=code).first()
    if category is None:
        raise NotFound()
    return category


def services_changed_at() -> dt.datetime:
    """When the service list or a definition last changed (the discovery changeset)."""
    last = AuditLog.objects.filter(entity_type="incident_category").aggregate(at=Max("at"))["at"]
    return max(last, API_CHANGESET) if last else API_CHANGESET


def _requests() -> QuerySet[Incident]:
    last_note = (
        Event.objects.filter(incident=OuterRef("pk"), action__in=STATUS_NOTE_ACTIONS)
        .order_by("-at", "-id")
        .values("note")[:1]
    )
    return (
        Incident.objects.select_related("category", "category__department", "department", "building", "merged_into")
        .only(*PUBLIC_FIELDS)
        .annotate(status_note=Subquery(last_note))
    )


def request_list(
    *,
    ids: list[str] | None = None,
    codes: list[str] | None = None,
    statuses: list[str] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    offset: int = 0,
    limit: int = 1000,
) -> list[Incident]:
    """By `ids` (request numbers; overrides every other filter, as the spec says), else by service codes, status
    ("open"/"closed") and the requested_datetime range [start, end]; newest first."""
    qs = _requests()
    if ids:
        qs = qs.filter(number__in=ids)
    else:
        if codes:
            qs = qs.filter(category__code__in=codes)
        if statuses and set(statuses) != {"open", "closed"}:
            closed = qs.filter(status__in=CLOSED_STATUSES)
            qs = closed if "closed" in statuses else qs.exclude(status__in=CLOSED_STATUSES)
        if start is not None:
            qs = qs.filter(reported_at__gte=start)
        if end is not None:
            qs = qs.filter(reported_at__lte=end)
    return list(qs.order_by("-reported_at", "-pk")[offset : offset + limit])


def request_get(number: str) -> Incident:
    incident = _requests().filter(number=number).first()
    if incident is None:
        raise NotFound()
    return incident


def request_by_token(token: str) -> Incident:
    incident = _requests().filter(token=token).first()
    if incident is None:
        raise NotFound()
    return incident


def media_for(viewer: Any, incidents: list[Incident]) -> dict[int, tuple[str, Any]]:
    """For the cases this viewer may see: ("photo", photo id) of the first photo, else ("url", the media_url its
    Open311 client filed). Anonymous viewers see neither (photos are served only to those who may see the case)."""
    if viewer is None or not getattr(viewer, "is_authenticated", False) or not incidents:
        return {}
    candidates = [i.pk for i in incidents]
    ids = list(Incident.objects.filter(visible_q(viewer), pk__in=candidates).values_list("pk", flat=True))
    if not ids:
        return {}
    media: dict[int, tuple[str, Any]] = {}
    for incident_id, photo_id in Photo.objects.filter(incident_id__in=ids).order_by("-uploaded_at", "-id").values_list(
        "incident_id", "id"
    ):
        media[incident_id] = ("photo", photo_id)  # the earliest ends up kept
    notes = Event.objects.filter(incident_id__in=[i for i in ids if i not in media], action=OPEN311_NOTE)
    for incident_id, data in notes.order_by("-at", "-id").values_list("incident_id", "data"):
        url = data.get("media_url") if isinstance(data, dict) else None
        if url:
            media[incident_id] = ("url", url)
    return media


def address_building(*, viewer: Any, address: str) -> Building | None:
    """The one building the viewer may report at whose address is exactly this text; None if none or several."""
    rows = list(
        Building.objects.filter(viewer_scope(viewer).q(Perm.INCIDENT_REPORT), address__iexact=address.strip())
        .select_related("community", "grid")[:2]
    )
    return rows[0] if len(rows) == 1 else None


def report_building(*, viewer: Any, pk: int) -> Building | None:
    """The building with this id if the viewer may report there; None answers unknown and out-of-scope alike."""
    return (
        Building.objects.filter(viewer_scope(viewer).q(Perm.INCIDENT_REPORT), pk=pk)
        .select_related("community", "grid")
        .first()
    )


def sole_report_community(*, viewer: Any) -> Any:
    """The community a viewer reports in when its INCIDENT_REPORT scope lies within a single community (a
    resident, a community or grid worker); None for wider or scattered scopes."""
    from shequ.areas.models import Area, Level

    codes = viewer_scope(viewer).codes_for(Perm.INCIDENT_REPORT)
    communities = {code[:12] for code in codes if len(code) >= 12}
    if len(communities) != 1 or any(len(code) < 12 for code in codes):
        return None
    return Area.objects.filter(code=communities.pop(), level=Level.COMMUNITY).first()


def is_closed(incident: Incident) -> bool:
    return incident.status in CLOSED_STATUSES


def updated_at(incident: Incident) -> dt.datetime:
    """For a closed request the spec wants the closing time; otherwise the last change."""
    if incident.status in (Status.CLOSED, Status.EVALUATED) and incident.closed_at is not None:
        return incident.closed_at
    return incident.updated_at or incident.reported_at or timezone.now()

