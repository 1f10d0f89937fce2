"""Building and resident-unit (驻区单位) pages: list, detail, create, edit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.registry import policies, selectors, services
from shequ.registry.forms import BuildingCreateForm, BuildingFieldsForm, UnitCreateForm, UnitFieldsForm
from shequ.registry.paging import paginate
from shequ.registry.viewutils import area_or_none, base_query, render_form, run_service

_TRUNCATED = gettext_lazy("可选范围过多，仅列出部分；请从区域页面进入以缩小范围")


# -- buildings ---------------------------------------------------------------------------------------


@login_required
def building_list(request: HttpRequest) -> HttpResponse:
    filters = {"q": request.GET.get("q", "").strip(), "area": request.GET.get("area", "").strip()}
    qs = selectors.building_list(viewer=request.user, q=filters["q"], area_code=filters["area"])
    page = paginate(qs, request.GET.get("page"))
    return render(
        request,
        "registry/building_list.html",
        {
            "page": page,
            "filters": filters,
            "area": area_or_none(request, filters["area"]),
            "base_query": base_query(request),
            "can_change": policies.can_change(request.user),
        },
    )


@login_required
def building_detail(request: HttpRequest, pk: int) -> HttpResponse:
    building = selectors.building_get(viewer=request.user, pk=pk)
    households = selectors.household_list(viewer=request.user, building_id=building.pk)
    page = paginate(households, request.GET.get("page"), big_ordering=None)  # by number: indexed
    return render(
        request,
        "registry/building_detail.html",
        {
            "building": building,
            "page": page,
            "base_query": base_query(request),
            "can_change": policies.can_change(request.user, building.area_code),
        },
    )


@login_required
def building_create(request: HttpRequest) -> HttpResponse:
    policies.require_change(request.user)
    form = BuildingCreateForm(request.POST or None, viewer=request.user, within=request.GET.get("area", ""))
    if request.method == "POST" and form.is_valid():
        fields = form.changes()
        building = run_service(
            form, lambda: services.building_create(actor=request.user, community=form.cleaned_data["area"], **fields)
        )
        if building is not None:
            messages.success(request, _("已登记楼栋 %(a)s") % {"a": building.address})
            return redirect("registry:building_detail", pk=building.pk)
    return render_form(
        request,
        form,
        title=_("登记楼栋"),
        cancel_url=reverse("registry:building_list"),
        crumbs=[(reverse("registry:building_list"), _("楼栋"))],
        hint=_TRUNCATED if form.place_truncated else "",
    )


@login_required
def building_edit(request: HttpRequest, pk: int) -> HttpResponse:
    building = selectors.building_get(viewer=request.user, pk=pk)
    policies.require_change(request.user, building.area_code)
    initial = {k: getattr(building, k) for k in ("compound", "number", "address", "latitude", "longitude")}
    form = BuildingFieldsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if run_service(form, lambda: services.building_update(actor=request.user, building=building, **changes)):
            messages.success(request, _("已保存"))
            return redirect("registry:building_detail", pk=building.pk)
    detail_url = reverse("registry:building_detail", args=[building.pk])
    return render_form(
        request,
        form,
        title=_("编辑楼栋"),
        cancel_url=detail_url,
        crumbs=[(reverse("registry:building_list"), _("楼栋")), (detail_url, building.address)],
    )


# -- resident units ----------------------------------------------------------------------------------


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    filters = {"q": request.GET.get("q", "").strip(), "area": request.GET.get("area", "").strip()}
    qs = selectors.unit_list(viewer=request.user, q=filters["q"], area_code=filters["area"])
    page = paginate(qs, request.GET.get("page"))
    return render(
        request,
        "registry/unit_list.html",
        {
            "page": page,
            "filters": filters,
            "area": area_or_none(request, filters["area"]),
            "base_query": base_query(request),
            "can_change": policies.can_change(request.user),
        },
    )


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.unit_get(viewer=request.user, pk=pk)
    return render(
        request,
        "registry/unit_detail.html",
        {
            "unit": unit,
            "can_change": policies.can_change(request.user, unit.area_code),
        },
    )


@login_required
def unit_create(request: HttpRequest) -> HttpResponse:
    policies.require_change(request.user)
    form = UnitCreateForm(request.POST or None, viewer=request.user, within=request.GET.get("area", ""))
    if request.method == "POST" and form.is_valid():
        fields = form.changes()
        unit = run_service(
            form, lambda: services.unit_create(actor=request.user, community=form.cleaned_data["area"], **fields)
        )
        if unit is not None:
            messages.success(request, _("已登记驻区单位 %(n)s") % {"n": unit.name})
            return redirect("registry:unit_detail", pk=unit.pk)
    return render_form(
        request,
        form,
        title=_("登记驻区单位"),
        cancel_url=reverse("registry:unit_list"),
        crumbs=[(reverse("registry:unit_list"), _("驻区单位"))],
        hint=_TRUNCATED if form.place_truncated else "",
    )


@login_required
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.unit_get(viewer=request.user, pk=pk)
    policies.require_change(request.user, unit.area_code)
    initial = {k: getattr(unit, k) for k in ("name", "credit_code", "kind", "address", "contact_name", "phone")}
    form = UnitFieldsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if run_service(form, lambda: services.unit_update(actor=request.user, unit=unit, **changes)):
            messages.success(request, _("已保存"))
            return redirect("registry:unit_detail", pk=unit.pk)
    detail_url = reverse("registry:unit_detail", args=[unit.pk])
    return render_form(
        request,
        form,
        title=_("编辑驻区单位"),
        cancel_url=detail_url,
        crumbs=[(reverse("registry:unit_list"), _("驻区单位")), (detail_url, unit.name)],
    )
