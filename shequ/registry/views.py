"""Resident pages: list and search, detail (masked, unmask with reason), create, edit, move, tags.

Households, buildings and units are in views_households.py and views_places.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import ApplicationError, NotFound
from shequ.registry import policies, selectors, services
from shequ.registry.forms import ResidentCreateForm, ResidentEditForm, ResidentMoveForm, TagForm
from shequ.registry.models import HouseholdKind, ResidentStatus
from shequ.registry.paging import paginate
from shequ.registry.privacy import masked_identity, resident_unmask
from shequ.registry.search import KINDS, normalise_kind
from shequ.registry.viewutils import area_or_none, base_query, render_form, run_service


@login_required
def resident_list(request: HttpRequest) -> HttpResponse:
    get = request.GET
    q, kind = get.get("q", "").strip(), normalise_kind(get.get("kind"))
    filters = {
        "area": get.get("area", "").strip(),
        "tag": get.get("tag", ""),
        "status": get.get("status", ""),
        "hkind": get.get("hkind", ""),
    }
    qs = selectors.resident_list(
        viewer=request.user,
        q=q,
        kind=kind,
        area_code=filters["area"],
        tag=filters["tag"],
        status=filters["status"],
        household_kind=filters["hkind"],
        with_tags=True,
    )
    page = paginate(qs, get.get("page"))
    context = {
        "page": page,
        "rows": [(r, masked_identity(r)) for r in page.object_list],
        "q": q,
        "kind": kind,
        "kinds": KINDS,
        "filters": filters,
        "area": area_or_none(request, filters["area"]),
        "tags": selectors.tag_list(viewer=request.user),
        "statuses": ResidentStatus.choices,
        "household_kinds": HouseholdKind.choices,
        "base_query": base_query(request),
        "can_change": policies.can_change(request.user),
        "can_export": policies.can_export(request.user),
    }
    if getattr(request, "htmx", False) and request.htmx.target == "results":
        return render(request, "registry/_resident_results.html", context)
    return render(request, "registry/resident_list.html", context)


def _detail_context(request: HttpRequest, resident, **extra):  # type: ignore[no-untyped-def]
    tags = list(selectors.resident_tags(viewer=request.user, resident=resident))
    can_change = policies.can_change(request.user, resident.area_code)
    return {
        "resident": resident,
        "masked": masked_identity(resident),
        "tags": tags,
        "tag_form": TagForm(viewer=request.user, exclude={t.tag.code for t in tags}) if can_change else None,
        "can_change": can_change,
        "can_unmask": policies.can_unmask(request.user, resident.area_code),
        **extra,
    }


@login_required
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get(viewer=request.user, pk=pk)
    context = _detail_context(
        request, resident, history=selectors.membership_history(viewer=request.user, resident=resident)
    )
    return render(request, "registry/resident_detail.html", context)


@login_required
@require_POST
def resident_unmask_view(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get(viewer=request.user, pk=pk)
    state: dict = {}
    status = 200
    try:
        state["clear"] = resident_unmask(actor=request.user, resident=resident, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        state["error"] = exc
        # HTMX swaps only 2xx answers: the form comes back with the message; plain posts get the status.
        status = 200 if getattr(request, "htmx", False) else exc.status
    if getattr(request, "htmx", False):
        context = {"resident": resident, "masked": masked_identity(resident), "can_unmask": True, **state}
        return render(request, "registry/_unmask.html", context, status=status)
    context = _detail_context(
        request, resident, history=selectors.membership_history(viewer=request.user, resident=resident), **state
    )
    return render(request, "registry/resident_detail.html", context, status=status)


@login_required
def resident_create(request: HttpRequest) -> HttpResponse:
    policies.require_change(request.user)
    within = request.GET.get("area", "")
    initial = {}
    if request.GET.get("household"):
        household = selectors.household_get(viewer=request.user, pk=request.GET["household"])
        initial = {"household_number": household.number}
    form = ResidentCreateForm(request.POST or None, viewer=request.user, within=within, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        household = None
        if data["household_number"]:
            try:
                household = selectors.household_by_number(viewer=request.user, number=data["household_number"])
            except NotFound:
                form.add_error("household_number", _("未找到该户号"))
        if not form.errors:
            resident = run_service(
                form,
                lambda: services.resident_create(
                    actor=request.user,
                    name=data["name"],
                    id_number=data["id_number"],
                    phone=data["phone"],
                    household=household,
                    relation=data["relation"],
                    community=None if household else data["area"],
                    tags=data["tags"],
                ),
            )
            if resident is not None:
                messages.success(request, _("已登记居民 %(name)s") % {"name": resident.name})
                return redirect("registry:resident_detail", pk=resident.pk)
    return render_form(
        request,
        form,
        title=_("登记居民"),
        cancel_url=reverse("registry:resident_list"),
        crumbs=[(reverse("registry:resident_list"), _("居民"))],
        hint=_("可选范围过多，仅列出部分；请从区域页面进入以缩小范围") if form.place_truncated else "",
    )


@login_required
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get(viewer=request.user, pk=pk)
    policies.require_change(request.user, resident.area_code)
    form = ResidentEditForm(request.POST or None, resident=resident)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if run_service(form, lambda: services.resident_update(actor=request.user, resident=resident, **changes)):
            messages.success(request, _("已保存"))
            return redirect("registry:resident_detail", pk=resident.pk)
        resident.refresh_from_db()
    detail_url = reverse("registry:resident_detail", args=[resident.pk])
    return render_form(
        request,
        form,
        title=_("编辑居民 %(name)s") % {"name": resident.name},
        cancel_url=detail_url,
        crumbs=[(reverse("registry:resident_list"), _("居民")), (detail_url, resident.name)],
    )


@login_required
def resident_move(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get(viewer=request.user, pk=pk)
    policies.require_change(request.user, resident.area_code)
    form = ResidentMoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            target = selectors.household_by_number(viewer=request.user, number=data["household_number"])
        except NotFound:
            form.add_error("household_number", _("未找到该户号"))
        else:
            moved = run_service(
                form,
                lambda: services.resident_move(
                    actor=request.user,
                    resident=resident,
                    household=target,
                    relation=data["relation"],
                    reason=data["reason"],
                ),
            )
            if moved is not None:
                messages.success(request, _("已迁入户 %(n)s") % {"n": target.number})
                return redirect("registry:resident_detail", pk=resident.pk)
    detail_url = reverse("registry:resident_detail", args=[resident.pk])
    return render_form(
        request,
        form,
        title=_("迁移居民 %(name)s") % {"name": resident.name},
        cancel_url=detail_url,
        crumbs=[(reverse("registry:resident_list"), _("居民")), (detail_url, resident.name)],
        submit_label=_("确认迁移"),
        hint=_("当前所在户：%(n)s") % {"n": resident.household.number if resident.household_id else "—"},
    )


def _tags_response(request: HttpRequest, resident, error: ApplicationError | None = None) -> HttpResponse:  # type: ignore[no-untyped-def]
    if getattr(request, "htmx", False):
        context = _detail_context(request, resident, tag_error=error)
        return render(request, "registry/_resident_tags.html", context)
    if error is not None:
        messages.error(request, str(error.message))
    return redirect("registry:resident_detail", pk=resident.pk)


@login_required
@require_POST
def resident_tag_add(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get(viewer=request.user, pk=pk)
    policies.require_change(request.user, resident.area_code)
    try:
        services.resident_tag_add(actor=request.user, resident=resident, tag=request.POST.get("tag", ""))
    except (NotFound, policies.PermissionDenied):
        raise
    except ApplicationError as exc:
        return _tags_response(request, resident, exc)
    return _tags_response(request, resident)


@login_required
@require_POST
def resident_tag_remove(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get(viewer=request.user, pk=pk)
    policies.require_change(request.user, resident.area_code)
    try:
        services.resident_tag_remove(actor=request.user, resident=resident, tag=request.POST.get("tag", ""))
    except (NotFound, policies.PermissionDenied):
        raise
    except ApplicationError as exc:
        return _tags_response(request, resident, exc)
    return _tags_response(request, resident)
