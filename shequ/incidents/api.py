"""/api/v1/incidents: report (multipart, with photos), list, detail with history, transitions, merge, duplicates,
categories and dashboard figures. Thin: parse → selector/service → serialise; every refusal in the one
{code, message, details} shape."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area, Level
from shequ.core.errors import NotFound, PermissionDenied, ValidationFailed
from shequ.core.roles import Perm
from shequ.incidents import access, selectors, services
from shequ.incidents.dashboard import dashboard_area, dashboard_figures
from shequ.incidents.files import photo_response, refuse_oversized
from shequ.incidents.models import Category, Department, Incident
from shequ.incidents.schemas import (
    ActionOut,
    CategoryOut,
    DashboardOut,
    DuplicateFilters,
    EventOut,
    IncidentDetailOut,
    IncidentFilters,
    IncidentOut,
    IncidentPage,
    MergeIn,
    NearFilters,
    PhotoOut,
    TransitionIn,
)
from shequ.registry.paging import paginate
from shequ.registry.schemas import PageMeta

router = Router(tags=["incidents"])

_REPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["category", "description"],
                    "properties": {
                        "category": {"type": "string", "description": "Category code"},
                        "description": {"type": "string", "maxLength": 2000},
                        "building_id": {"type": "integer"},
                        "latitude": {"type": "number"},
                        "longitude": {"type": "number"},
                        "community": {"type": "string", "description": "Community code, when neither building "
                                                                       "nor coordinates locate the case"},
                        "address": {"type": "string", "maxLength": 200},
                        "reporter_name": {"type": "string", "maxLength": 64},
                        "reporter_phone": {"type": "string", "maxLength": 20},
                        "photos": {"type": "array", "items": {"type": "string", "format": "binary"},
                                   "description": "PNG, JPEG or WebP"},
                    },
                }
            }
        }
    }
}


def _visible_only(request: HttpRequest) -> None:
    if not (access.can_report(request.user) or viewer_scope(request.user).has(Perm.INCIDENT_VIEW)):
        raise PermissionDenied()


def detail_out(request: HttpRequest, incident: Incident) -> IncidentDetailOut:
    case = selectors.incident_get(viewer=request.user, pk=incident.pk)
    return IncidentDetailOut(
        **IncidentOut.fields_of(case),
        events=[EventOut.build(e) for e in selectors.event_list(case)],
        photos=[PhotoOut.build(p) for p in selectors.photo_list(case)],
        actions=[ActionOut.build(t) for t in services.allowed_actions(request.user, case)],
        merged_from=[m.pk for m in selectors.merged_from(case, request.user)],
    )


def _number(field: str, raw: Any) -> float | None:
    text = str(raw or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        message = _("必须是数字")
        raise ValidationFailed(message, details={field: [message]}) from None


@router.get("/categories", response=list[CategoryOut], url_name="incidents_categories")
def list_categories(request: HttpRequest) -> list[CategoryOut]:
    return [CategoryOut.build(c) for c in selectors.category_list()]


@router.get("", response=IncidentPage, url_name="incidents")
def list_incidents(request: HttpRequest, filters: Query[IncidentFilters]) -> IncidentPage:
    _visible_only(request)
    qs = selectors.incident_list(
        viewer=request.user, status=filters.status, category=filters.category, overdue=filters.overdue,
        area=filters.area, handling=filters.handling, q=filters.q,
    )
    page = paginate(qs, filters.page, filters.page_size)
    return IncidentPage(**PageMeta.of(page), results=[IncidentOut.build(c) for c in page.object_list])


@router.post("", response={201: IncidentDetailOut}, url_name="incidents", openapi_extra=_REPORT_BODY,
             summary="Report a case (multipart: fields and photos)")
def report_incident(request: HttpRequest) -> Status[IncidentDetailOut]:
    if not access.can_report(request.user):
        raise PermissionDenied()
    refuse_oversized(request)  # before request.FILES reads the body
    data = request.POST
    code = data.get("category", "").strip()
    category = Category.objects.filter(code=code, active=True).first() if code else None
    building = None
    building_id = data.get("building_id", "").strip()
    if building_id:
        try:
            building = selectors.report_building_get(viewer=request.user, pk=building_id)
        except NotFound:
            message = _("请从您可上报的范围内选择楼栋")
            raise ValidationFailed(message, details={"building_id": [message]}) from None
    community = None
    community_code = data.get("community", "").strip()
    if community_code:
        community = Area.objects.filter(code=community_code, level=Level.COMMUNITY).first()
        if community is None:
            message = _("找不到该社区")
            raise ValidationFailed(message, details={"community": [message]})
    incident = services.incident_report(
        actor=request.user,
        category=category,  # type: ignore[arg-type]
        description=data.get("description", ""),
        source=access.default_source(request.user),
        community=community,
        building=building,
        latitude=_number("latitude", data.get("latitude")),
        longitude=_number("longitude", data.get("longitude")),
        address=data.get("address", ""),
        photos=request.FILES.getlist("photos"),
        reporter_name=data.get("reporter_name", ""),
        reporter_phone=data.get("reporter_phone", ""),
    )
    return Status(201, detail_out(request, incident))


@router.get("/dashboard", response=DashboardOut, url_name="incidents_dashboard")
def dashboard(request: HttpRequest, area: str = "") -> DashboardOut:
    found = dashboard_area(viewer=request.user, code=area)
    return DashboardOut.build(dashboard_figures(viewer=request.user, area=found))


@router.get("/duplicates", response=list[IncidentOut], url_name="incidents_near",
            summary="Open cases of a category near a point or building (before reporting)")
def near(request: HttpRequest, filters: Query[NearFilters]) -> list[IncidentOut]:
    _visible_only(request)
    category = Category.objects.filter(code=filters.category).first()
    if category is None:
        message = _("请选择有效的事件类别")
        raise ValidationFailed(message, details={"category": [message]})
    cases = services.duplicates_for(
        category=category, latitude=filters.latitude, longitude=filters.longitude,
        building_id=filters.building_id, radius_m=filters.radius_m, days=filters.days, viewer=request.user,
    )
    return [IncidentOut.build(c) for c in cases]


@router.get("/photos/{photo_id}/file", url_name="incidents_photo_file", summary="The image (PNG, JPEG or WebP)")
def photo_file(request: HttpRequest, photo_id: int) -> HttpResponse:
    return photo_response(selectors.photo_get(viewer=request.user, pk=photo_id))


@router.get("/{incident_id}", response=IncidentDetailOut, url_name="incident")
def get_incident(request: HttpRequest, incident_id: int) -> IncidentDetailOut:
    return detail_out(request, selectors.incident_get(viewer=request.user, pk=incident_id))


@router.post("/{incident_id}/transition", response=IncidentDetailOut, url_name="incident_transition")
def transition(request: HttpRequest, incident_id: int, payload: TransitionIn) -> IncidentDetailOut:
    incident = selectors.incident_get(viewer=request.user, pk=incident_id)
    department = None
    if payload.department_id is not None:
        department = Department.objects.filter(pk=payload.department_id).first()
        if department is None:
            message = _("该部门不负责此事件所在区域，或已停用")
            raise ValidationFailed(message, details={"department": [message]})
    done = services.incident_transition(
        actor=request.user, incident=incident, action=payload.action, note=payload.note, department=department,
        rating=payload.rating,
    )
    return detail_out(request, done)


@router.post("/{incident_id}/merge", response=IncidentDetailOut, url_name="incident_merge",
             summary="Merge this case (a duplicate) into another")
def merge(request: HttpRequest, incident_id: int, payload: MergeIn) -> IncidentDetailOut:
    incident = selectors.incident_get(viewer=request.user, pk=incident_id)
    try:
        if payload.into_number.strip():
            into = selectors.incident_by_number(viewer=request.user, number=payload.into_number)
        elif payload.into_id is not None:
            into = selectors.incident_get(viewer=request.user, pk=payload.into_id)
        else:
            raise NotFound()
    except NotFound:
        message = _("找不到要合并到的事件")
        raise ValidationFailed(message, details={"into": [message]}) from None
    done = services.incident_merge(actor=request.user, incident=incident, into=into, note=payload.note)
    return detail_out(request, done)


@router.get("/{incident_id}/duplicates", response=list[IncidentOut], url_name="incident_duplicates")
def duplicates(request: HttpRequest, incident_id: int, filters: Query[DuplicateFilters]) -> list[IncidentOut]:
    incident = selectors.incident_get(viewer=request.user, pk=incident_id)
    cases = services.duplicates_near(
        incident=incident, radius_m=filters.radius_m, days=filters.days, viewer=request.user
    )
    return [IncidentOut.build(c) for c in cases]
