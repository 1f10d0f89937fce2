"""Configuration pages (INCIDENT_CONFIGURE): categories with their time limits and departments, departments, and
the holiday calendar. Categories and holidays are city-wide; a district officer reads them and keeps the
departments of its district."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.areas.models import Area
from shequ.core.errors import NotFound, PermissionDenied
from shequ.core.roles import Perm
from shequ.incidents import access, selectors, services
from shequ.incidents.forms import CategoryForm, DepartmentForm, HolidayForm
from shequ.incidents.models import CalendarDay, Category, Department
from shequ.incidents.seed import seeded_days
from shequ.registry.viewutils import run_service


def _require_configure(request: HttpRequest) -> None:
    if not access.can_configure(request.user):
        raise PermissionDenied()


def _require_city(request: HttpRequest) -> None:
    _require_configure(request)
    if not access.can_configure_city(request.user):
        raise PermissionDenied()


def _department(form: Any) -> Department | None:
    pk = form.cleaned_data.get("department")
    return Department.objects.filter(pk=pk).first() if pk else None


def _category_fields(form: Any) -> dict[str, Any]:
    data = form.cleaned_data
    keys = ("name", "name_en", "group", "time_limit_days", "keywords", "description", "active")
    return {**{k: data.get(k) for k in keys}, "department": _department(form)}


@login_required
def categories(request: HttpRequest) -> HttpResponse:
    _require_configure(request)
    can_edit = access.can_configure_city(request.user)
    departments = list(Department.objects.filter(active=True))
    form = CategoryForm(request.POST or None, departments=departments)
    status = 200
    if request.method == "POST":
        _require_city(request)
        if form.is_valid():
            code = form.cleaned_data["code"]
            created = run_service(
                form, lambda: services.category_create(actor=request.user, code=code, **_category_fields(form))
            )
            if created is not None:
                messages.success(request, _("已新增事件类别：%(name)s") % {"name": created.name})
                return redirect("incidents:categories")
        status = getattr(form, "service_status", 422)
    return render(
        request,
        "incidents/categories.html",
        {"categories": selectors.category_list(active_only=False), "form": form, "can_edit": can_edit},
        status=status,
    )


@login_required
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_city(request)
    category = Category.objects.filter(pk=pk).first()
    if category is None:
        raise NotFound()
    departments = list(Department.objects.filter(active=True))
    initial = {
        "name": category.name, "name_en": category.name_en, "group": category.group,
        "time_limit_days": category.time_limit_days, "keywords": category.keywords,
        "description": category.description, "active": category.active,
        "department": str(category.department_id or ""),
    }
    form = CategoryForm(request.POST or None, initial=initial, departments=departments, editing=True)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            done = run_service(
                form, lambda: services.category_update(actor=request.user, category=category, **_category_fields(form))
            )
            if done is not None:
                messages.success(request, _("已保存"))
                return redirect("incidents:categories")
        status = getattr(form, "service_status", 422)
    return render(request, "incidents/category_form.html", {"form": form, "category": category}, status=status)


def _department_areas(request: HttpRequest) -> list[Area]:
    return selectors.area_choices(viewer=request.user, perm=Perm.INCIDENT_CONFIGURE)


@login_required
def departments(request: HttpRequest) -> HttpResponse:
    _require_configure(request)
    form = DepartmentForm(request.POST or None, areas=_department_areas(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            created = run_service(form, lambda: services.department_create(actor=request.user, **data))
            if created is not None:
                messages.success(request, _("已新增处置部门：%(name)s") % {"name": created.name})
                return redirect("incidents:departments")
        status = getattr(form, "service_status", 422)
    return render(
        request,
        "incidents/departments.html",
        {"departments": selectors.department_list(viewer=request.user), "form": form},
        status=status,
    )


@login_required
def department_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_configure(request)
    department = selectors.department_list(viewer=request.user).filter(pk=pk).first()
    if department is None:
        raise NotFound()
    initial = {"name": department.name, "area_code": department.area_code, "phone": department.phone,
               "active": department.active}
    form = DepartmentForm(request.POST or None, initial=initial, areas=_department_areas(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            done = run_service(
                form, lambda: services.department_update(actor=request.user, department=department, **data)
            )
            if done is not None:
                messages.success(request, _("已保存"))
                return redirect("incidents:departments")
        status = getattr(form, "service_status", 422)
    return render(request, "incidents/department_form.html", {"form": form, "department": department}, status=status)


def _year(value: Any) -> int:
    try:
        year = int(str(value or "").strip())
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@login_required
def holidays(request: HttpRequest) -> HttpResponse:
    _require_configure(request)
    can_edit = access.can_configure_city(request.user)
    year = _year(request.GET.get("year"))
    deleting = request.POST.get("op") == "delete"
    form = HolidayForm(request.POST if request.method == "POST" and not deleting else None)
    status = 200
    if request.method == "POST":
        _require_city(request)
        if deleting:
            raw = str(request.POST.get("pk") or "")
            day = CalendarDay.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
            if day is None:
                raise NotFound()
            services.calendar_day_delete(actor=request.user, day=day)
            messages.success(request, _("已删除 %(date)s") % {"date": day.date})
            return redirect(f"{request.path}?year={day.date.year}")
        if form.is_valid():
            data = form.cleaned_data
            day = run_service(form, lambda: services.calendar_day_set(actor=request.user, **data))
            if day is not None:
                messages.success(request, _("已保存 %(date)s") % {"date": day.date})
                return redirect(f"{request.path}?year={day.date.year}")
        status = getattr(form, "service_status", 422)
    seeded = seeded_days()
    days = list(selectors.calendar_days(year))
    for day in days:
        day.seeded = seeded.get(day.date) == (day.is_workday, day.name)  # type: ignore[attr-defined]
    return render(
        request,
        "incidents/holidays.html",
        {"days": days, "year": year, "form": form, "can_edit": can_edit,
         "years": list(range(timezone.localdate().year + 1, timezone.localdate().year - 4, -1))},
        status=status,
    )
