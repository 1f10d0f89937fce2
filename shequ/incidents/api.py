"""/api/v1/incidents: report (multipart, with photos), list, detail with history and the actions open (a dispatch
with its department choices), transitions (JSON, or multipart with photos), merge, duplicates, configuration
(categories, departments, the holiday calendar) and dashboard figures with the map's markers. Thin: parse →
selector/service → serialise; every refusal in the one {code, message, details} shape."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pydantic
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
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
    CalendarDayIn,
    CalendarDayOut,
    CalendarFilters,
    CategoryFilters,
    CategoryIn,
    CategoryOut,
    CategoryPatch,
    DashboardOut,
    DepartmentIn,
    DepartmentOut,
    DepartmentPatch,
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
from shequ.incidents.seed import seeded_days
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


_TRANSITION_FORM: dict[str, Any] = {
    "type": "object",
    "required": ["action"],
    "properties": {
        "action": {"type": "string"},
        "note": {"type": "string", "maxLength": 2000},
        "department_id": {"type": "integer"},
        "rating": {"type": "integer", "minimum": 1, "maximum": 5},
        "photos": {"type": "array", "items": {"type": "string", "format": "binary"},
                   "description": "PNG, JPEG or WebP, e.g. the photos after handling (处置后照片)"},
    },
}
_TRANSITION_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": TransitionIn.model_json_schema()},
            "multipart/form-data": {"schema": _TRANSITION_FORM},
        },
    }
}
_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _visible_only(request: HttpRequest) -> None:
    if not (access.can_report(request.user) or viewer_scope(request.user).has(Perm.INCIDENT_VIEW)):
        raise PermissionDenied()


def _require_configure(request: HttpRequest) -> None:
    if not access.can_configure(request.user):
        raise PermissionDenied()


def _require_city(request: HttpRequest) -> None:
    """Categories and the holiday calendar are city-wide: configuration rights at the city."""
    if not access.can_configure_city(request.user):
        raise PermissionDenied()


def detail_out(request: HttpRequest, incident: Incident) -> IncidentDetailOut:
    case = selectors.incident_get(viewer=request.user, pk=incident.pk)
    actions = services.allowed_actions(request.user, case)
    departments = services.department_choices(case) if any(t.action == "dispatch" for t in actions) else None
    return IncidentDetailOut(
        **IncidentOut.fields_of(case),
        events=[EventOut.build(e) for e in selectors.event_list(case)],
        photos=[PhotoOut.build(p) for p in selectors.photo_list(case)],
        actions=[ActionOut.build(t, departments if t.action == "dispatch" else None) for t in actions],
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
def list_categories(request: HttpRequest, filters: Query[CategoryFilters]) -> list[CategoryOut]:
    if filters.include_inactive:
        _require_configure(request)
    return [CategoryOut.build(c) for c in selectors.category_list(active_only=not filters.include_inactive)]


@router.post("/categories", response={201: CategoryOut}, url_name="incidents_categories",
             summary="Add a category (city-wide: configuration rights at the city)")
def create_category(request: HttpRequest, payload: CategoryIn) -> Status[CategoryOut]:
    fields = payload.dict(exclude={"code", "department_id"})
    category = services.category_create(actor=request.user, code=payload.code, department=payload.department_id,
                                        **fields)
    return Status(201, CategoryOut.build(category))


@router.patch("/categories/{code}", response=CategoryOut, url_name="incidents_category",
              summary="Change a category (all but its code)")
def update_category(request: HttpRequest, code: str, payload: CategoryPatch) -> CategoryOut:
    _require_city(request)
    category = selectors.category_list(active_only=False).filter(code=code).first()
    if category is None:
        raise NotFound()
    sent = payload.dict(exclude_unset=True)
    fields = {k: v for k, v in sent.items() if v is not None and k != "department_id"}
    if "department_id" in sent:
        fields["department"] = sent["department_id"]
    return CategoryOut.build(services.category_update(actor=request.user, category=category, **fields))


def _department_get(request: HttpRequest, department_id: int) -> Department:
    _require_configure(request)
    department = selectors.department_list(viewer=request.user).filter(pk=department_id).first()
    if department is None:
        raise NotFound()
    return department


@router.get("/departments", response=list[DepartmentOut], url_name="incidents_departments",
            summary="The departments serving areas inside the caller's configuration scope")
def list_departments(request: HttpRequest) -> list[DepartmentOut]:
    _require_configure(request)
    return [DepartmentOut.build(d) for d in selectors.department_list(viewer=request.user)]


@router.post("/departments", response={201: DepartmentOut}, url_name="incidents_departments")
def create_department(request: HttpRequest, payload: DepartmentIn) -> Status[DepartmentOut]:
    department = services.department_create(actor=request.user, **payload.dict())
    return Status(201, DepartmentOut.build(department))


@router.get("/departments/{department_id}", response=DepartmentOut, url_name="incidents_department")
def get_department(request: HttpRequest, department_id: int) -> DepartmentOut:
    return DepartmentOut.build(_department_get(request, department_id))


@router.patch("/departments/{department_id}", response=DepartmentOut, url_name="incidents_department")
def update_department(request: HttpRequest, department_id: int, payload: DepartmentPatch) -> DepartmentOut:
    department = _department_get(request, department_id)
    fields = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return DepartmentOut.build(services.department_update(actor=request.user, department=department, **fields))


@router.get("/calendar", response=list[CalendarDayOut], url_name="incidents_calendar",
            summary="A year's exceptions to the Monday–Friday week: holidays and make-up working days")
def list_calendar(request: HttpRequest, filters: Query[CalendarFilters]) -> list[CalendarDayOut]:
    _require_configure(request)
    year = filters.year or timezone.localdate().year
    seeded = seeded_days()
    return [CalendarDayOut.build(d, seeded) for d in selectors.calendar_days(year)]


@router.put("/calendar/{day}", response=CalendarDayOut, url_name="incidents_calendar_day",
            summary="Record (or correct) a holiday or make-up working day (configuration rights at the city)")
def set_calendar_day(request: HttpRequest, day: dt.date, payload: CalendarDayIn) -> CalendarDayOut:
    saved = services.calendar_day_set(actor=request.user, date=day, is_workday=payload.is_workday, name=payload.name)
    return CalendarDayOut.build(saved, seeded_days())


@router.delete("/calendar/{day}", response={204: None}, url_name="incidents_calendar_day",
               summary="Remove an exception: the date is an ordinary weekday or weekend day again")
def delete_calendar_day(request: HttpRequest, day: dt.date) -> Status[None]:
    _require_city(request)
    found = selectors.calendar_days(day.year).filter(date=day).first()
    if found is None:
        raise NotFound()
    services.calendar_day_delete(actor=request.user, day=found)
    return Status(204, None)


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


@router.get("/{incident_id}/departments", response=list[DepartmentOut], url_name="incident_departments",
            summary="The departments this case may be dispatched to (for whoever may handle it)")
def incident_departments(request: HttpRequest, incident_id: int) -> list[DepartmentOut]:
    incident = selectors.incident_get(viewer=request.user, pk=incident_id)
    if not access.can_handle(request.user, incident):
        raise PermissionDenied()
    return [DepartmentOut.build(d) for d in services.department_choices(incident)]


def _transition_input(request: HttpRequest) -> tuple[TransitionIn, list[Any]]:
    """The fields of a transition and its photos: from a form (multipart, with photos) or from a JSON body."""
    if request.content_type in _FORM_TYPES:
        refuse_oversized(request)  # before request.FILES reads the body
        # A field left empty in a form is one not sent (a blank department_id or rating means none).
        data: Any = {k: str(v) for k, v in request.POST.items() if k in TransitionIn.model_fields and str(v).strip()}
        photos = request.FILES.getlist("photos")
    else:
        try:
            data = json.loads(request.body) if request.body else {}
        except ValueError:
            raise HttpError(400, "Cannot parse request body") from None
        photos = []
    try:
        return TransitionIn.model_validate(data), photos
    except pydantic.ValidationError as exc:
        raise NinjaValidationError(
            [{**error, "loc": ("body", "payload", *error["loc"])} for error in exc.errors(include_url=False)]
        ) from None


@router.post("/{incident_id}/transition", response=IncidentDetailOut, url_name="incident_transition",
             openapi_extra=_TRANSITION_BODY,
             summary="Take an action (JSON; or a multipart form with photos, e.g. after handling)")
def transition(request: HttpRequest, incident_id: int) -> IncidentDetailOut:
    incident = selectors.incident_get(viewer=request.user, pk=incident_id)
    payload, photos = _transition_input(request)
    department = None
    if payload.department_id is not None:
        department = Department.objects.filter(pk=payload.department_id).first()
        if department is None:
            message = _("该部门不负责此事件所在区域，或已停用")
            raise ValidationFailed(message, details={"department": [message]})
    done = services.incident_transition(
        actor=request.user, incident=incident, action=payload.action, note=payload.note, department=department,
        rating=payload.rating, photos=photos,
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
