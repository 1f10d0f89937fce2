"""Funding pages: communities' totals for a year, one community's funds year by year against the policy
minimums, and the forms to record them. Thin: parse → selector/service → render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area
from shequ.core.errors import PermissionDenied
from shequ.core.roles import Perm
from shequ.facilities.common import can_change, community_for_view, current_year, require_change
from shequ.facilities.selectors import subdistrict_choices
from shequ.facilities.views import year_choices, year_param
from shequ.funding import selectors, services
from shequ.funding.forms import OperatingFundForm, ProjectFundForm
from shequ.funding.models import OperatingFund, ProjectFund
from shequ.registry.paging import paginate
from shequ.registry.viewutils import base_query, form_status, run_service

FundForm = OperatingFundForm | ProjectFundForm


def _community_url(code: str, year: int | None = None) -> str:
    url = reverse("funding:community", args=[code])
    return url + f"#year-{year}" if year else url


@login_required
def index(request: HttpRequest) -> HttpResponse:
    if not viewer_scope(request.user).has(Perm.STANDARDS_VIEW):
        raise PermissionDenied()
    year = year_param(request.GET.get("year")) or selectors.latest_year(viewer=request.user) or current_year()
    filters = {"subdistrict": request.GET.get("subdistrict", "").strip(), "q": request.GET.get("q", "").strip()}
    qs = selectors.community_totals(viewer=request.user, year=year, **filters)
    page = paginate(qs, request.GET.get("page"), big_ordering=None)
    rows = list(page.object_list)
    return render(
        request,
        "funding/index.html",
        {
            "page": page,
            "rows": rows,
            "year": year,
            "filters": filters,
            "totals": selectors.year_totals(viewer=request.user, year=year, **filters),
            "subdistricts": subdistrict_choices(viewer=request.user),
            "years": year_choices(year),
            "base_query": base_query(request),
        },
    )


@login_required
def community(request: HttpRequest, code: str) -> HttpResponse:
    area = community_for_view(request.user, code)
    return render(
        request,
        "funding/community.html",
        {
            "area": area,
            "years": selectors.community_years(viewer=request.user, community=area),
            "can_change": can_change(request.user, area.code),
        },
    )


def _form_page(
    request: HttpRequest, form: Any, *, area: Area, title: str, year: int | None = None
) -> HttpResponse:
    return render(
        request,
        "funding/form.html",
        {"form": form, "area": area, "title": title, "cancel_url": _community_url(area.code, year)},
        status=form_status(form),
    )


def _create(
    request: HttpRequest, code: str, form_class: type[FundForm], create: Callable[..., Any], title: str, done: str
) -> HttpResponse:
    area = community_for_view(request.user, code)
    require_change(request.user, area.code)
    form = form_class(request.POST or None, initial={"year": year_param(request.GET.get("year")) or current_year()})
    if request.method == "POST" and form.is_valid():
        fields = form.changes()
        fund = run_service(form, lambda: create(actor=request.user, community=area, **fields))
        if fund is not None:
            messages.success(request, done)
            return redirect(_community_url(area.code, fund.year))
    return _form_page(request, form, area=area, title=title)


def _edit(
    request: HttpRequest,
    fund: OperatingFund | ProjectFund,
    form_class: type[FundForm],
    update: Callable[..., Any],
    title: str,
) -> HttpResponse:
    require_change(request.user, fund.area_code)
    initial = {name: getattr(fund, name) for name in form_class.base_fields}
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = form.changes()
        if run_service(form, lambda: update(actor=request.user, fund=fund, **fields)):
            messages.success(request, _("已保存"))
            return redirect(_community_url(fund.area_code, fund.year))
    return _form_page(request, form, area=fund.community, title=title, year=fund.year)


def _delete(
    request: HttpRequest, fund: OperatingFund | ProjectFund, delete: Callable[..., Any], title: str, what: str
) -> HttpResponse:
    require_change(request.user, fund.area_code)
    back = _community_url(fund.area_code, fund.year)
    if request.method == "POST":
        delete(actor=request.user, fund=fund)
        messages.success(request, _("已删除"))
        return redirect(back)
    return render(
        request,
        "funding/confirm_delete.html",
        {"title": title, "what": what, "area": fund.community, "cancel_url": back},
    )


@login_required
def operating_new(request: HttpRequest, code: str) -> HttpResponse:
    return _create(
        request, code, OperatingFundForm, services.operating_fund_create, _("登记运转经费"), _("已登记运转经费")
    )


@login_required
def operating_edit(request: HttpRequest, pk: int) -> HttpResponse:
    fund = selectors.operating_get(viewer=request.user, pk=pk)
    return _edit(request, fund, OperatingFundForm, services.operating_fund_update, _("编辑运转经费"))


@login_required
def operating_delete(request: HttpRequest, pk: int) -> HttpResponse:
    fund = selectors.operating_get(viewer=request.user, pk=pk)
    what = f"{fund.year} · {fund.get_source_display()} · {fund.amount}"
    return _delete(request, fund, services.operating_fund_delete, _("删除运转经费"), what)


@login_required
def project_new(request: HttpRequest, code: str) -> HttpResponse:
    return _create(
        request, code, ProjectFundForm, services.project_fund_create, _("登记惠民项目资金"), _("已登记惠民项目资金")
    )


@login_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    fund = selectors.project_get(viewer=request.user, pk=pk)
    return _edit(request, fund, ProjectFundForm, services.project_fund_update, _("编辑惠民项目资金"))


@login_required
def project_delete(request: HttpRequest, pk: int) -> HttpResponse:
    fund = selectors.project_get(viewer=request.user, pk=pk)
    what = f"{fund.year} · {fund.name} · {fund.amount}"
    return _delete(request, fund, services.project_fund_delete, _("删除惠民项目资金"), what)
