"""Building and resident-unit (驻区单位) pages: list, detail, create, edit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.registry import policies, selectors, services
from shequ.registry.exporting import export_links
from shequ.registry.forms import BuildingCreateForm, BuildingFieldsForm, UnitCreateForm, UnitFieldsForm
from shequ.registry.paging import paginate
from shequ.registry.viewutils import RecordPages, area_or_none, base_query, create_page, edit_page

BUILDINGS = RecordPages("registry:building_list", "registry:building_detail", gettext_lazy("楼栋"))
UNITS = RecordPages("registry:unit_list", "registry:unit_detail", gettext_lazy("驻区单位"))


def _list(
    request: HttpRequest, template: str, select: Callable[..., QuerySet[Any]], export: str
) -> HttpResponse:
    filters = {"q": request.GET.get("q", "").strip(), "area": request.GET.get("area", "").strip()}
    qs = select(viewer=request.user, q=filters["q"], area_code=filters["area"])
    return render(
        request,
        template,
        {
            "page": paginate(qs, request.GET.get("page")),
            "filters": filters,
            "area": area_or_none(request, filters["area"]),
            "base_query": base_query(request),
            "can_change": policies.can_change(request.user),
            **export_links(request.user, export, filters["area"]),
        },
    )


def _create_view(
    pages: RecordPages,
    form_class: type[Any],
    create: Callable[..., Any],
    *,
    title: Promise,
    done: Callable[[Any], str],
) -> Callable[[HttpRequest], HttpResponse]:
    """The create page of a place-like record: the form's `area` and its changes() go to `create`."""

    @login_required
    def view(request: HttpRequest) -> HttpResponse:
        policies.require_change(request.user)
        form = form_class(request.POST or None, viewer=request.user, within=request.GET.get("area", ""))
        return create_page(
            request,
            form,
            pages,
            create=lambda: create(actor=request.user, community=form.cleaned_data["area"], **form.changes()),
            title=str(title),
            done=done,
        )

    return view


def _edit_view(
    pages: RecordPages,
    get: Callable[..., Any],
    form_class: type[Any],
    update: Callable[[Any, Any, dict[str, Any]], Any],
    *,
    title: Promise,
) -> Callable[[HttpRequest, int], HttpResponse]:
    """The edit page of a place-like record: every field of the form starts from the record."""

    @login_required
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        record = get(viewer=request.user, pk=pk)
        policies.require_change(request.user, record.area_code)
        initial = {name: getattr(record, name) for name in form_class.base_fields}
        form = form_class(request.POST or None, initial=initial)
        return edit_page(
            request, form, pages, record, update=lambda changes: update(request.user, record, changes), title=str(title)
        )

    return view


# -- buildings ---------------------------------------------------------------------------------------


@login_required
def building_list(request: HttpRequest) -> HttpResponse:
    return _list(request, "registry/building_list.html", selectors.building_list, "buildings")


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


building_create = _create_view(
    BUILDINGS,
    BuildingCreateForm,
    services.building_create,
    title=gettext_lazy("登记楼栋"),
    done=lambda building: _("已登记楼栋 %(a)s") % {"a": building.address},
)
building_edit = _edit_view(
    BUILDINGS,
    selectors.building_get,
    BuildingFieldsForm,
    lambda actor, building, changes: services.building_update(actor=actor, building=building, **changes),
    title=gettext_lazy("编辑楼栋"),
)


# -- resident units ----------------------------------------------------------------------------------


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    return _list(request, "registry/unit_list.html", selectors.unit_list, "units")


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.unit_get(viewer=request.user, pk=pk)
    return render(
        request,
        "registry/unit_detail.html",
        {"unit": unit, "can_change": policies.can_change(request.user, unit.area_code)},
    )


unit_create = _create_view(
    UNITS,
    UnitCreateForm,
    services.unit_create,
    title=gettext_lazy("登记驻区单位"),
    done=lambda unit: _("已登记驻区单位 %(n)s") % {"n": unit.name},
)
unit_edit = _edit_view(
    UNITS,
    selectors.unit_get,
    UnitFieldsForm,
    lambda actor, unit, changes: services.unit_update(actor=actor, unit=unit, **changes),
    title=gettext_lazy("编辑驻区单位"),
)
