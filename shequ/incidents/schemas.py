"""API shapes of incidents: cases with their history and photos, configuration (categories, departments, the holiday
calendar), and dashboard figures with the map's markers. Residents' phones leave the server masked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from ninja import Schema
from pydantic import Field

from shequ.core.masking import mask_phone
from shequ.incidents.dashboard import MAX_MARKERS, Figures
from shequ.incidents.models import CalendarDay, Category, Department, Event, Incident, Photo, Status
from shequ.incidents.selectors import is_overdue
from shequ.incidents.states import EVENT_LABELS, Transition
from shequ.registry.schemas import PageMeta


class IncidentFilters(Schema):
    status: str = Field("", description="A status, or `open` / `closed`")
    category: str = Field("", description="Category code")
    overdue: bool = False
    area: str = Field("", description="Area code prefix (grid, community, sub-district …)")
    handling: str = Field("", description="`mine`: the cases now at the viewer's own level")
    q: str = ""
    page: int = 1
    page_size: int = 50


class DepartmentOut(Schema):
    id: int
    name: str
    area_code: str = Field(description="The area it serves (its cases are those in this area's subtree)")
    phone: str
    active: bool

    @staticmethod
    def build(department: Department) -> DepartmentOut:
        return DepartmentOut(id=department.pk, name=department.name, area_code=department.area_code,
                             phone=department.phone, active=department.active)


class DepartmentIn(Schema):
    name: str
    area_code: str = Field(description="An area inside the caller's configuration scope")
    phone: str = ""
    active: bool = True


class DepartmentPatch(Schema):
    """Only the fields sent change."""

    name: str | None = None
    area_code: str | None = None
    phone: str | None = None
    active: bool | None = None


class CategoryOut(Schema):
    id: int
    code: str = Field(description="Also the Open311 service_code")
    name: str
    name_en: str
    group: str
    description: str
    keywords: str = ""
    time_limit_days: int = Field(description="Working days from opening to the time limit")
    department: str | None
    department_id: int | None = Field(None, description="The responsible department")
    active: bool

    @staticmethod
    def build(category: Category) -> CategoryOut:
        return CategoryOut(
            id=category.pk, code=category.code, name=category.name, name_en=category.name_en, group=category.group,
            description=category.description, keywords=category.keywords, time_limit_days=category.time_limit_days,
            department=category.department.name if category.department_id and category.department else None,
            department_id=category.department_id, active=category.active,
        )


class CategoryIn(Schema):
    code: str = Field(description="Lower-case letters, digits, - and _; the Open311 service_code, fixed once saved")
    name: str
    name_en: str = ""
    group: str = ""
    description: str = ""
    keywords: str = ""
    time_limit_days: int = Field(description="1–365 working days")
    department_id: int | None = Field(None, description="An active department, the responsible one")
    active: bool = True


class CategoryPatch(Schema):
    """Only the fields sent change; `department_id: null` removes the responsible department. The code is fixed."""

    name: str | None = None
    name_en: str | None = None
    group: str | None = None
    description: str | None = None
    keywords: str | None = None
    time_limit_days: int | None = None
    department_id: int | None = None
    active: bool | None = None


class CategoryFilters(Schema):
    include_inactive: bool = Field(False, description="Also the disabled categories (configuration rights)")


class CalendarDayOut(Schema):
    date: dt.date
    is_workday: bool = Field(description="true: a make-up working day (调休) on a weekend; false: a holiday")
    name: str
    seeded: bool = Field(description="Still as the platform's seed data has it")

    @staticmethod
    def build(day: CalendarDay, seeded: dict[dt.date, tuple[bool, str]]) -> CalendarDayOut:
        return CalendarDayOut(date=day.date, is_workday=day.is_workday, name=day.name,
                              seeded=seeded.get(day.date) == (day.is_workday, day.name))


class CalendarDayIn(Schema):
    is_workday: bool = Field(description="true: a make-up working day; false: a holiday (a rest day)")
    name: str = Field("", description="e.g. 国庆节")


class CalendarFilters(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="Default: this year")


class IncidentOut(Schema):
    id: int
    number: str
    token: str
    category: str
    category_name: str
    status: str
    status_label: str
    source: str
    community_code: str
    community_name: str
    grid_code: str | None
    area_code: str
    handling_code: str = Field(description="The level now responsible (the community, or above after escalation)")
    building_id: int | None
    address: str
    latitude: float | None
    longitude: float | None
    description: str
    reporter_name: str
    reporter_phone: str = Field(description="Masked")
    department: str | None
    merged_into: int | None
    rating: int | None
    reported_at: dt.datetime
    opened_at: dt.datetime | None
    due_at: dt.datetime | None
    closed_at: dt.datetime | None
    overdue: bool
    distance_m: int | None = None

    @staticmethod
    def fields_of(case: Incident) -> dict[str, Any]:
        return {
            "id": case.pk, "number": case.number, "token": case.token, "category": case.category.code,
            "category_name": case.category.name, "status": case.status, "status_label": str(Status(case.status).label),
            "source": case.source, "community_code": case.community.code, "community_name": case.community.name,
            "grid_code": case.grid.code if case.grid_id and case.grid else None, "area_code": case.area_code,
            "handling_code": case.handling_code, "building_id": case.building_id, "address": case.address,
            "latitude": case.latitude, "longitude": case.longitude, "description": case.description,
            "reporter_name": case.reporter_name, "reporter_phone": mask_phone(case.reporter_phone),
            "department": case.department.name if case.department_id and case.department else None,
            "merged_into": case.merged_into_id, "rating": case.rating, "reported_at": case.reported_at,
            "opened_at": case.opened_at, "due_at": case.due_at, "closed_at": case.closed_at,
            "overdue": is_overdue(case), "distance_m": getattr(case, "distance_m", None),
        }

    @staticmethod
    def build(case: Incident) -> IncidentOut:
        return IncidentOut(**IncidentOut.fields_of(case))


class IncidentPage(PageMeta):
    results: list[IncidentOut]


class EventOut(Schema):
    at: dt.datetime
    action: str
    label: str
    actor: str | None
    from_status: str
    to_status: str
    note: str
    data: dict[str, Any]

    @staticmethod
    def build(event: Event) -> EventOut:
        return EventOut(
            at=event.at, action=event.action, label=str(EVENT_LABELS.get(event.action, event.action)),
            actor=event.actor.username if event.actor_id and event.actor else None, from_status=event.from_status,
            to_status=event.to_status, note=event.note, data=event.data or {},
        )


class PhotoOut(Schema):
    id: int
    content_type: str
    stage: str
    uploaded_at: dt.datetime
    file_url: str

    @staticmethod
    def build(photo: Photo) -> PhotoOut:
        return PhotoOut(
            id=photo.pk, content_type=photo.content_type, stage=photo.stage, uploaded_at=photo.uploaded_at,
            file_url=reverse("api:incidents_photo_file", kwargs={"photo_id": photo.pk}),
        )


class ActionOut(Schema):
    action: str
    label: str
    to_status: str
    needs: list[str]
    choices: dict[str, list[DepartmentOut]] = Field(
        default_factory=dict,
        description="The valid values of what the action takes: `department` lists the departments a dispatch may "
                    "send the case to (their `id` goes in the transition's `department_id`)",
    )

    @staticmethod
    def build(t: Transition, departments: list[Department] | None = None) -> ActionOut:
        choices = {"department": [DepartmentOut.build(d) for d in departments]} if departments is not None else {}
        return ActionOut(action=t.action, label=str(t.label), to_status=t.target, needs=list(t.needs),
                         choices=choices)


class IncidentDetailOut(IncidentOut):
    events: list[EventOut]
    photos: list[PhotoOut]
    actions: list[ActionOut] = Field(description="What the caller may do now")
    merged_from: list[int]


class TransitionIn(Schema):
    """As JSON, or as a multipart form with the same fields and `photos` (e.g. 处置后照片 with `handle`)."""

    action: str = Field(description="open, reject, dispatch, handle, check, close, evaluate or escalate")
    note: str = ""
    department_id: int | None = Field(None, description="For dispatch: one of the action's `choices.department`")
    rating: int | None = Field(None, description="1–5, for evaluate")


class MergeIn(Schema):
    into_id: int | None = None
    into_number: str = ""
    note: str = ""


class DuplicateFilters(Schema):
    radius_m: float = Field(100, ge=1, le=2000)
    days: int = Field(7, ge=1, le=365)


class NearFilters(DuplicateFilters):
    category: str = Field(description="Category code")
    latitude: float | None = None
    longitude: float | None = None
    building_id: int | None = None


class CountsOut(Schema):
    open: int
    overdue: int
    closed_month: int
    reported_month: int


class CategoryFiguresOut(CountsOut):
    code: str
    name: str
    name_en: str


class ChildFiguresOut(CountsOut):
    code: str | None = Field(description="null: cases placed at the area itself, outside any child")
    name: str | None


class MarkerOut(Schema):
    id: int
    number: str
    latitude: float
    longitude: float
    status: str
    status_label: str
    overdue: bool
    category_name: str
    category_name_en: str
    url: str = Field(description="The case in this API")

    @staticmethod
    def build(marker: dict[str, Any]) -> MarkerOut:
        status = marker["status"]
        return MarkerOut(
            id=marker["id"], number=marker["number"], latitude=marker["lat"], longitude=marker["lon"], status=status,
            status_label=str(Status(status).label) if status in Status.values else status,
            overdue=marker["overdue"], category_name=marker["category"], category_name_en=marker["category_en"] or "",
            url=reverse("api:incident", kwargs={"incident_id": marker["id"]}),
        )


class DashboardOut(CountsOut):
    area_code: str
    area_name: str
    level: str
    month_start: dt.datetime
    median_close_hours: float | None = Field(description="Median reported→closed of the cases closed this month")
    categories: list[CategoryFiguresOut]
    children: list[ChildFiguresOut]
    markers: list[MarkerOut] = Field(
        description=f"The open cases with a position, for the map: newest first, at most {MAX_MARKERS}"
    )

    @staticmethod
    def build(figures: Figures) -> DashboardOut:
        median = figures.median_close
        keys = ("open", "overdue", "closed_month", "reported_month")
        return DashboardOut(
            area_code=figures.area.code, area_name=figures.area.name, level=figures.area.level,
            month_start=figures.month_start, open=figures.open, overdue=figures.overdue,
            closed_month=figures.closed_month, reported_month=figures.reported_month,
            median_close_hours=round(median.total_seconds() / 3600, 2) if median is not None else None,
            categories=[CategoryFiguresOut(**c) for c in figures.categories],
            children=[
                ChildFiguresOut(code=r["area"].code if r["area"] else None, name=r["area"].name if r["area"] else None,
                                **{k: r[k] for k in keys})
                for r in figures.children
            ],
            markers=[MarkerOut.build(m) for m in figures.markers],
        )
