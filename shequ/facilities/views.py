"""Facilities pages: communities with their current premises, one community's premises with checklists and
photos, and the forms to record them. Thin: parse → selector/service → render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from shequ.accounts.scope import viewer_scope
from shequ.core.errors import PermissionDenied, ValidationFailed
from shequ.core.roles import Perm
from shequ.facilities import selectors, services
from shequ.facilities.checklists import ChecklistMaker
from shequ.facilities.common import FIRST_YEAR, can_change, community_for_view, current_year, require_change
from shequ.facilities.files import refuse_oversized
from shequ.facilities.forms import PhotoForm, PremisesForm
from shequ.facilities.models import Premises
from shequ.facilities.names import lists_for
from shequ.registry.paging import paginate
from shequ.registry.viewutils import base_query, form_status, run_service


def year_param(value: Any) -> int | None:
    """A year from the query string, or None when absent or outside the years records may have."""
    try:
        year = int(str(value or "").strip())
    except ValueError:
        return None
    return year if FIRST_YEAR <= year <= current_year() + 1 else None


def year_choices(chosen: int) -> list[int]:
    """The year filter's options: next year back ten years, and the chosen year wherever it lies."""
    this_year = current_year()
    return sorted(set(range(this_year - 10, this_year + 2)) | {chosen}, reverse=True)


def _community_url(premises: Premises) -> str:
    return reverse("facilities:community", args=[premises.area_code]) + f"#premises-{premises.pk}"


@login_required
def index(request: HttpRequest) -> HttpResponse:
    if not viewer_scope(request.user).has(Perm.STANDARDS_VIEW):
        raise PermissionDenied()
    year = year_param(request.GET.get("year")) or current_year()
    filters = {"subdistrict": request.GET.get("subdistrict", "").strip(), "q": request.GET.get("q", "").strip()}
    qs = selectors.community_summaries(viewer=request.user, year=year, **filters)
    page = paginate(qs, request.GET.get("page"), big_ordering=None)  # ordered by code: indexed
    return render(
        request,
        "facilities/index.html",
        {
            "page": page,
            "year": year,
            "filters": filters,
            "subdistricts": selectors.subdistrict_choices(viewer=request.user),
            "years": year_choices(year),
            "base_query": base_query(request),
        },
    )


@login_required
def community(request: HttpRequest, code: str) -> HttpResponse:
    area = community_for_view(request.user, code)
    this_year = current_year()
    maker = ChecklistMaker(this_year)
    groups: dict[str, list[tuple[Premises, Any]]] = {"current": [], "planned": [], "past": []}
    for premises in selectors.premises_list(viewer=request.user, community_code=area.code):
        if premises.year_from > this_year:
            key = "planned"
        elif premises.year_to is not None and premises.year_to < this_year:
            key = "past"
        else:
            key = "current"
        groups[key].append((premises, maker.make(premises)))
    current = [p for p, _ in groups["current"]]
    return render(
        request,
        "facilities/community.html",
        {
            "area": area,
            "groups": groups,
            "this_year": this_year,
            "total_m2": sum((p.floor_area_m2 for p in current), start=0),
            "centre_m2": max((p.service_centre_m2 for p in current if p.service_centre_m2 is not None), default=None),
            "can_change": can_change(request.user, area.code),
            "photo_form": PhotoForm(),
        },
    )


def _premises_form_page(
    request: HttpRequest, form: PremisesForm, *, area: Any, title: str, premises: Premises | None = None
) -> HttpResponse:
    return render(
        request,
        "facilities/premises_form.html",
        {"form": form, "area": area, "title": title, "premises": premises},
        status=form_status(form),
    )


@login_required
def premises_new(request: HttpRequest, code: str) -> HttpResponse:
    area = community_for_view(request.user, code)
    require_change(request.user, area.code)
    form = PremisesForm(request.POST or None, lists=lists_for(area.code, [current_year()]))
    if request.method == "POST" and form.is_valid():
        fields = form.changes()
        premises = run_service(form, lambda: services.premises_create(actor=request.user, community=area, **fields))
        if premises is not None:
            messages.success(request, _("已登记社区服务用房：%(a)s") % {"a": premises.address})
            return redirect(_community_url(premises))
    return _premises_form_page(request, form, area=area, title=_("登记社区服务用房"))


@login_required
def premises_edit(request: HttpRequest, pk: int) -> HttpResponse:
    premises = selectors.premises_get(viewer=request.user, pk=pk)
    require_change(request.user, premises.area_code)
    end = premises.year_to if premises.year_to is not None else max(premises.year_from, current_year())
    lists = lists_for(premises.area_code, [premises.year_from, end])
    form = PremisesForm(request.POST or None, lists=lists, premises=premises)
    if request.method == "POST" and form.is_valid():
        fields = form.changes()
        if run_service(form, lambda: services.premises_update(actor=request.user, premises=premises, **fields)):
            messages.success(request, _("已保存"))
            return redirect(_community_url(premises))
    return _premises_form_page(
        request, form, area=premises.community, title=_("编辑社区服务用房"), premises=premises
    )


@login_required
def premises_delete(request: HttpRequest, pk: int) -> HttpResponse:
    premises = selectors.premises_get(viewer=request.user, pk=pk)
    require_change(request.user, premises.area_code)
    back = reverse("facilities:community", args=[premises.area_code])
    if request.method == "POST":
        services.premises_delete(actor=request.user, premises=premises)
        messages.success(request, _("已删除社区服务用房：%(a)s") % {"a": premises.address})
        return redirect(back)
    return render(
        request,
        "facilities/confirm_delete.html",
        {
            "title": _("删除社区服务用房"),
            "what": f"{premises.address}（{premises.year_from}–{premises.year_to or ''}）",
            "warning": _("该用房的功能室和照片将一并删除。"),
            "area": premises.community,
            "cancel_url": _community_url(premises),
        },
    )


@login_required
def photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    premises = selectors.premises_get(viewer=request.user, pk=pk)
    require_change(request.user, premises.area_code)
    upload_error = ""
    if request.method == "POST":
        try:
            refuse_oversized(request)  # before request.FILES reads the body
        except ValidationFailed as exc:
            upload_error = str(exc.message)
    bound = request.method == "POST" and not upload_error
    form = PhotoForm(request.POST if bound else None, request.FILES if bound else None)
    if form.is_bound and form.is_valid():
        photo = run_service(
            form,
            lambda: services.photo_add(
                actor=request.user,
                premises=premises,
                upload=form.cleaned_data["image"],
                caption=form.cleaned_data.get("caption") or "",
            ),
        )
        if photo is not None:
            messages.success(request, _("已上传照片"))
            return redirect(_community_url(premises))
    return render(
        request,
        "facilities/photo_form.html",
        {
            "form": form,
            "upload_error": upload_error,
            "premises": premises,
            "area": premises.community,
            "cancel_url": _community_url(premises),
        },
        status=422 if upload_error else form_status(form),
    )


@login_required
def photo_delete(request: HttpRequest, pk: int) -> HttpResponse:
    photo = selectors.photo_get(viewer=request.user, pk=pk)
    require_change(request.user, photo.area_code)
    premises = selectors.premises_get(viewer=request.user, pk=photo.premises_id)
    if request.method == "POST":
        services.photo_delete(actor=request.user, photo=photo)
        messages.success(request, _("已删除照片"))
        return redirect(_community_url(premises))
    return render(
        request,
        "facilities/confirm_delete.html",
        {
            "title": _("删除照片"),
            "what": photo.caption or premises.address,
            "photo": photo,
            "area": premises.community,
            "cancel_url": _community_url(premises),
        },
    )
