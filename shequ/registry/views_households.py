"""Household pages: list, detail (members, head, kind, move history), create, edit."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.accounts.scope import viewer_scope
from shequ.registry import policies, selectors, services
from shequ.registry.exporting import export_links
from shequ.registry.forms import HouseholdCreateForm, HouseholdEditForm
from shequ.registry.models import Household, HouseholdKind
from shequ.registry.paging import paginate
from shequ.registry.privacy import masked_identity
from shequ.registry.viewutils import RecordPages, area_or_none, base_query, create_page, edit_page

HOUSEHOLDS = RecordPages("registry:household_list", "registry:household_detail", gettext_lazy("户"))


@login_required
def household_list(request: HttpRequest) -> HttpResponse:
    get = request.GET
    filters = {"q": get.get("q", "").strip(), "area": get.get("area", "").strip(), "kind": get.get("kind", "")}
    building_id = get.get("building", "")
    building = selectors.building_get(viewer=request.user, pk=building_id) if building_id else None
    qs = selectors.household_list(
        viewer=request.user,
        q=filters["q"],
        area_code=filters["area"],
        kind=filters["kind"],
        building_id=building.pk if building else None,
    )
    page = paginate(qs, get.get("page"), big_ordering=None)  # by number: indexed
    return render(
        request,
        "registry/household_list.html",
        {
            "page": page,
            "filters": filters,
            "building": building,
            "area": area_or_none(request, filters["area"]),
            "kinds": HouseholdKind.choices,
            "base_query": base_query(request),
            "can_change": policies.can_change(request.user),
            **export_links(request.user, "households", filters["area"]),
        },
    )


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(viewer=request.user, pk=pk)
    members = selectors.household_members(viewer=request.user, household=household)
    return render(
        request,
        "registry/household_detail.html",
        {
            "household": household,
            "members": [(m, masked_identity(m)) for m in members],
            "history": selectors.household_history(viewer=request.user, household=household),
            "can_change": policies.can_change(request.user, household.area_code),
            # a resident's own household (their landing page) links to their grid's public card: 我的网格
            "is_own": viewer_scope(request.user).resident_household_id == household.pk,
        },
    )


@login_required
def household_create(request: HttpRequest) -> HttpResponse:
    policies.require_change(request.user)
    within = request.GET.get("area", "")
    initial = {}
    if request.GET.get("building"):
        building = selectors.building_get(viewer=request.user, pk=request.GET["building"])
        within = within or building.area_code
        initial = {"area": building.area_code, "building": building.pk}
    form = HouseholdCreateForm(request.POST or None, viewer=request.user, within=within, initial=initial)

    def create() -> Household:
        data = form.cleaned_data
        chosen = selectors.building_get(viewer=request.user, pk=data["building"]) if data["building"] else None
        return services.household_create(
            actor=request.user,
            community=None if chosen else data["area"],
            building=chosen,
            number=data["number"].strip(),
            kind=data["kind"],
            room=data["room"],
        )

    return create_page(
        request,
        form,
        HOUSEHOLDS,
        create=create,
        title=_("新建户"),
        done=lambda household: _("已建立户 %(n)s") % {"n": household.number},
    )


@login_required
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(viewer=request.user, pk=pk)
    policies.require_change(request.user, household.area_code)
    form = HouseholdEditForm(request.POST or None, viewer=request.user, household=household)
    return edit_page(
        request,
        form,
        HOUSEHOLDS,
        household,
        update=lambda changes: services.household_update(actor=request.user, household=household, **changes),
        title=_("编辑户 %(n)s") % {"n": household.number},
    )


@login_required
def building_options(request: HttpRequest) -> HttpResponse:
    """<option>s of the buildings in an area (HTMX: the household form reloads its building select)."""
    area = request.GET.get("area", "").strip()
    buildings = selectors.building_list(viewer=request.user, area_code=area)[:300] if area.isdigit() else []
    return render(request, "registry/_building_options.html", {"buildings": buildings})
