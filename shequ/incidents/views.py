"""Incident pages: the phone-sized report form (with duplicate suggestions), the list, and a case's detail with
its history, photos, the actions open to this viewer, duplicates and merging. Thin: parse → service/selector →
render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area
from shequ.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from shequ.core.roles import Perm
from shequ.incidents import access, selectors, services
from shequ.incidents.calendar import working_days_between
from shequ.incidents.files import refuse_oversized
from shequ.incidents.forms import ReportForm
from shequ.incidents.models import Category, Department, Incident, Source, Status
from shequ.incidents.services.transition import category_department, status_label
from shequ.incidents.states import ACTIVE
from shequ.incidents.views_dashboard import map_settings
from shequ.registry.paging import paginate
from shequ.registry.viewutils import base_query


def _int_or_none(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


# -- report ------------------------------------------------------------------------------------------


@login_required
def report(request: HttpRequest) -> HttpResponse:
    if not access.can_report(request.user):
        raise PermissionDenied()
    buildings, truncated = selectors.report_buildings(viewer=request.user)
    communities = selectors.report_communities(viewer=request.user)
    categories = list(selectors.category_list())
    upload_error = ""
    if request.method == "POST":
        try:
            refuse_oversized(request)  # before request.FILES reads the body
        except ValidationFailed as exc:
            upload_error = str(exc.message)
    bound = request.method == "POST" and not upload_error
    form = ReportForm(
        request.POST if bound else None, request.FILES if bound else None,
        categories=categories, buildings=buildings, communities=communities,
    )
    status = 422 if upload_error else 200
    if form.is_bound:
        if form.is_valid():
            incident, status = _submit(request, form, categories, communities)
            if incident is not None:
                messages.success(request, _("已上报事件 %(number)s") % {"number": incident.number})
                return redirect("incidents:detail", pk=incident.pk)
        else:
            status = 422
    return render(
        request,
        "incidents/report.html",
        {
            "form": form,
            "upload_error": upload_error,
            "truncated": truncated,
            "on_behalf": access.default_source(request.user) != Source.RESIDENT,
        },
        status=status,
    )


def _submit(
    request: HttpRequest, form: ReportForm, categories: list[Category], communities: list[Area]
) -> tuple[Incident | None, int]:
    data = form.cleaned_data
    category = next((c for c in categories if str(c.pk) == data["category"]), None)
    community = next((a for a in communities if str(a.pk) == data.get("community")), None)
    try:
        building = (
            selectors.report_building_get(viewer=request.user, pk=data["building"]) if data.get("building") else None
        )
        incident = services.incident_report(
            actor=request.user,
            category=category,  # type: ignore[arg-type]
            description=data["description"],
            source=access.default_source(request.user),
            community=community,
            building=building,
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            address=data.get("address") or "",
            photos=data.get("photos") or [],
            reporter_name=data.get("reporter_name") or "",
            reporter_phone=data.get("reporter_phone") or "",
        )
    except NotFound:
        form.add_error("building", _("请从列表中选择楼栋"))
        return None, 422
    except ApplicationError as exc:
        form.add_service_error(exc)
        return None, exc.status
    return incident, 201


@login_required
def report_duplicates(request: HttpRequest) -> HttpResponse:
    """HTMX: open cases of the chosen category near the chosen building or position, before submitting."""
    if not access.can_report(request.user):
        raise PermissionDenied()
    category_id = _int_or_none(request.GET.get("category"))
    category = Category.objects.filter(pk=category_id, active=True).first() if category_id is not None else None
    building_id = _int_or_none(request.GET.get("building"))
    lat, lon = request.GET.get("latitude"), request.GET.get("longitude")
    cases: list[Incident] = []
    if category is not None:
        if building_id is not None and not lat:
            try:
                building = selectors.report_building_get(viewer=request.user, pk=building_id)
                lat, lon = building.latitude, building.longitude
            except NotFound:
                building_id = None
        cases = services.duplicates_for(
            category=category, latitude=lat, longitude=lon, building_id=building_id, viewer=request.user
        )
    return render(request, "incidents/_duplicates.html", {"cases": cases[:10], "asked": category is not None})


# -- list --------------------------------------------------------------------------------------------


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    scope = viewer_scope(request.user)
    if not (scope.has(Perm.INCIDENT_VIEW) or scope.has(Perm.INCIDENT_REPORT)):
        raise PermissionDenied()
    filters: dict[str, Any] = {
        "status": request.GET.get("status", "").strip(),
        "category": request.GET.get("category", "").strip(),
        "overdue": request.GET.get("overdue") in ("1", "on", "true"),
        "area": request.GET.get("area", "").strip(),
        "handling": request.GET.get("handling", "").strip(),
        "q": request.GET.get("q", "").strip(),
    }
    now = timezone.now()
    qs = selectors.incident_list(viewer=request.user, at=now, **filters)
    page = paginate(qs, request.GET.get("page"))
    for case in page.object_list:
        case.overdue = selectors.is_overdue(case, now)
    return render(
        request,
        "incidents/list.html",
        {
            "page": page,
            "filters": filters,
            "statuses": Status.choices,
            "categories": selectors.category_list(active_only=False),
            "areas": selectors.area_choices(viewer=request.user),
            "can_report": access.can_report(request.user),
            "can_handle": scope.has(Perm.INCIDENT_HANDLE),
            "can_dashboard": scope.has(Perm.INCIDENT_VIEW),
            "can_configure": access.can_configure(request.user),
            "base_query": base_query(request),
        },
    )


# -- detail ------------------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    now = timezone.now()
    actions = services.allowed_actions(request.user, incident)
    handler = access.can_handle(request.user, incident)
    duplicates: list[Incident] = []
    if handler and incident.status in ACTIVE:
        duplicates = services.duplicates_near(incident=incident, viewer=request.user)
    remaining = None
    if incident.due_at is not None and incident.status in ACTIVE:
        remaining = working_days_between(now, incident.due_at)
    departments = services.department_choices(incident) if any(a.action == "dispatch" for a in actions) else []
    # Pre-selected: the case's own department (a re-dispatch), else its category's responsible department.
    preselected = next((d for d in departments if d.pk == incident.department_id), None)
    if preselected is None and incident.department_id is None:
        preselected = category_department(incident, departments)
    return {
        "incident": incident,
        "events": list(selectors.event_list(incident)),
        "photos": list(selectors.photo_list(incident)),
        "actions": actions,
        "departments": departments,
        "preselected_department": preselected.pk if preselected else None,
        "overdue": selectors.is_overdue(incident, now),
        "remaining": remaining,
        "duplicates": duplicates,
        "merged_from": list(selectors.merged_from(incident, request.user)),
        "can_merge": handler and incident.status in ACTIVE,
        "can_handle": handler,
        "status_label": status_label(incident.status),
        "ratings": range(1, 6),
        "map_data": _map_data(incident),
        "handling_area": (
            Area.objects.filter(code=incident.handling_code).first()
            if incident.handling_code != incident.community.code else None
        ),
    }


def _map_data(incident: Incident) -> dict[str, Any] | None:
    if incident.latitude is None or incident.longitude is None:
        return None
    marker = {"lat": incident.latitude, "lon": incident.longitude, "number": incident.number, "label": ""}
    return {"markers": [marker], "center": [incident.latitude, incident.longitude], **map_settings()}


def _render_detail(request: HttpRequest, incident: Incident, *, error: ApplicationError | None = None) -> HttpResponse:
    context = _detail_context(request, incident)
    context["error"] = error
    return render(request, "incidents/detail.html", context, status=error.status if error else 200)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, selectors.incident_get(viewer=request.user, pk=pk))


@login_required
@require_POST
def transition(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.incident_get(viewer=request.user, pk=pk)
    department = None
    department_id = _int_or_none(request.POST.get("department"))
    if department_id is not None:
        department = Department.objects.filter(pk=department_id).first()
    action = request.POST.get("action", "").strip()
    try:
        refuse_oversized(request)
        done = services.incident_transition(
            actor=request.user,
            incident=incident,
            action=action,
            note=request.POST.get("note", ""),
            department=department,
            rating=request.POST.get("rating") or None,  # type: ignore[arg-type]
            photos=request.FILES.getlist("photos"),
        )
    except NotFound:
        raise
    except ApplicationError as exc:
        return _render_detail(request, selectors.incident_get(viewer=request.user, pk=pk), error=exc)
    messages.success(request, _("事件 %(number)s：%(status)s") % {"number": done.number,
                                                                "status": status_label(done.status)})
    return redirect("incidents:detail", pk=done.pk)


@login_required
@require_POST
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge case `pk` (the duplicate) into the case named by `into` (an id) or `into_number`."""
    incident = selectors.incident_get(viewer=request.user, pk=pk)
    try:
        number = request.POST.get("into_number", "").strip()
        if number:
            into = selectors.incident_by_number(viewer=request.user, number=number)
        else:
            into = selectors.incident_get(viewer=request.user, pk=request.POST.get("into"))
    except NotFound:
        error = ValidationFailed(_("找不到要合并到的事件"), details={"into": [_("找不到要合并到的事件")]})
        return _render_detail(request, incident, error=error)
    try:
        services.incident_merge(actor=request.user, incident=incident, into=into, note=request.POST.get("note", ""))
    except NotFound:
        raise
    except ApplicationError as exc:
        return _render_detail(request, incident, error=exc)
    messages.success(request, _("已将事件 %(dup)s 合并到 %(into)s") % {"dup": incident.number, "into": into.number})
    back = request.POST.get("back")
    return redirect("incidents:detail", pk=into.pk if back != "duplicate" else incident.pk)
