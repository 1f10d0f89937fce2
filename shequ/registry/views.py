"""Resident pages: list and search, detail (masked, unmask with reason), create, edit, move, tags.

Households, buildings and units are in views_households.py and views_places.py.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shequ.core.errors import ApplicationError, NotFound, ValidationFailed
from shequ.registry import policies, selectors, services
from shequ.registry.exporting import export_links
from shequ.registry.forms import ResidentCreateForm, ResidentEditForm, ResidentMoveForm, TagForm
from shequ.registry.models import Household, HouseholdKind, Relation, Resident, ResidentStatus, Sex, tag_label
from shequ.registry.paging import paginate
from shequ.registry.privacy import masked_identity, resident_unmask
from shequ.registry.search import KINDS, normalise_kind
from shequ.registry.viewutils import (
    RecordPages,
    area_or_none,
    base_query,
    create_page,
    edit_page,
    render_form,
    run_service,
)

RESIDENTS = RecordPages("registry:resident_list", "registry:resident_detail", gettext_lazy("居民"))


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
    )
    tags = list(selectors.tag_list(viewer=request.user))  # the filter's options, and which tags rows may show
    page = paginate(
        qs,
        get.get("page"),
        rows=lambda ids, order: selectors.resident_rows(
            viewer=request.user, ids=ids, order_by=order, visible_tags=tags
        ),
    )
    context = {
        "page": page,
        "rows_html": _result_rows_html(list(page.object_list)),
        "q": q,
        "kind": kind,
        "kinds": KINDS,
        "filters": filters,
        "area": area_or_none(request, filters["area"]),
        "tags": tags,
        "statuses": ResidentStatus.choices,
        "household_kinds": HouseholdKind.choices,
        "base_query": base_query(request),
        "can_change": policies.can_change(request.user),
        **export_links(request.user, "residents", filters["area"]),  # can_export, can_unmask_export
    }
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.target == "results":
        return render(request, "registry/_resident_results.html", context)
    return render(request, "registry/resident_list.html", context)


def _url_for_pk(name: str) -> Callable[[int], str]:
    """One reverse() per page instead of one per row: the URL with a placeholder pk, filled in by formatting."""
    placeholder = 9_876_543_210
    pattern = reverse(name, args=[placeholder]).replace(str(placeholder), "{}")
    return pattern.format


# One table row of the resident list; every value is escaped before it is put in (see _result_rows_html).
_ROW = (
    '<tr><td data-label="{l_name}"><a href="{url}">{name}</a>{status}</td><td data-label="{l_sex}">{sex}</td>'
    '<td data-label="{l_birth}">{birth}</td><td data-label="{l_id}">{id_number}</td>'
    '<td data-label="{l_phone}">{phone}</td><td data-label="{l_community}">{community}</td>'
    '<td data-label="{l_household}">{household}</td><td data-label="{l_tags}">{tags}</td></tr>\n'
)
_LABELS = {
    "l_name": gettext_lazy("姓名"),
    "l_sex": gettext_lazy("性别"),
    "l_birth": gettext_lazy("出生日期"),
    "l_id": gettext_lazy("公民身份号码"),
    "l_phone": gettext_lazy("联系电话"),
    "l_community": gettext_lazy("社区"),
    "l_household": gettext_lazy("户"),
    "l_tags": gettext_lazy("标签"),
}


def _result_rows_html(rows: list[dict[str, Any]]) -> SafeString:
    """The <tr> rows of _resident_results.html, written out here rather than by the template language: for 50
    rows the template spent ~900 variable renders per request, most of the page's time (docs/benchmarks.md,
    "list RPS"). Labels are translated, links reversed and choices looked up once per page; every value goes
    through html.escape (what autoescaping does)."""
    if not rows:
        return mark_safe("")
    labels = {key: escape(str(label)) for key, label in _LABELS.items()}
    resident_url = _url_for_pk("registry:resident_detail")
    household_url = _url_for_pk("registry:household_detail")
    sexes = {value: escape(str(label)) for value, label in Sex.choices}
    statuses = {value: escape(str(label)) for value, label in ResidentStatus.choices}
    relations = {value: escape(str(label)) for value, label in Relation.choices}
    out = []
    for r in rows:
        community = escape(r["community__name"])
        if r["grid_id"]:
            community = f"{community} · {escape(r['grid__name'])}"
        if r["household_id"]:
            relation = relations.get(r["relation"], escape(r["relation"]))
            number = escape(r["household__number"])
            household = f'<a href="{household_url(r["household_id"])}">{number}</a> {relation}'
        else:
            household = "—"
        status = ""
        if r["status"] != ResidentStatus.ACTIVE:
            status = f' <span class="muted">{statuses.get(r["status"], escape(r["status"]))}</span>'
        tags = "".join(f'<span class="tag">{escape(tag_label(t["name"], t["name_en"]))}</span> ' for t in r["tags"])
        out.append(
            _ROW.format(
                **labels,
                url=resident_url(r["id"]),
                name=escape(r["name"]),
                status=status,
                sex=sexes.get(r["sex"], escape(r["sex"])),
                birth=r["birth_date"].isoformat() if r["birth_date"] else "",
                id_number=escape(r["id_number"]),
                phone=escape(r["phone"]) if r["phone"] else "—",
                community=community,
                household=household,
                tags=tags or "—",
            )
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


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
    initial = {}
    if request.GET.get("household"):
        household = selectors.household_get(viewer=request.user, pk=request.GET["household"])
        initial = {"household_number": household.number}
    form = ResidentCreateForm(
        request.POST or None, viewer=request.user, within=request.GET.get("area", ""), initial=initial
    )

    def create() -> Resident:
        data = form.cleaned_data
        household = _household_by_number(request, data["household_number"]) if data["household_number"] else None
        return services.resident_create(
            actor=request.user,
            name=data["name"],
            id_number=data["id_number"],
            phone=data["phone"],
            household=household,
            relation=data["relation"],
            community=None if household else data["area"],
            tags=data["tags"],
        )

    return create_page(
        request,
        form,
        RESIDENTS,
        create=create,
        title=_("登记居民"),
        done=lambda resident: _("已登记居民 %(name)s") % {"name": resident.name},
    )


def _household_by_number(request: HttpRequest, number: str) -> Household:
    """The household a form names by its number; an unknown (or invisible) one is an error on that field."""
    try:
        return selectors.household_by_number(viewer=request.user, number=number)
    except NotFound:
        message = _("未找到该户号")
        raise ValidationFailed(message, details={"household_number": [message]}) from None


@login_required
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get(viewer=request.user, pk=pk)
    policies.require_change(request.user, resident.area_code)
    form = ResidentEditForm(request.POST or None, resident=resident)
    return edit_page(
        request,
        form,
        RESIDENTS,
        resident,
        update=lambda changes: services.resident_update(actor=request.user, resident=resident, **changes),
        title=_("编辑居民 %(name)s") % {"name": resident.name},
    )


@login_required
def resident_move(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get(viewer=request.user, pk=pk)
    policies.require_change(request.user, resident.area_code)
    form = ResidentMoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        moved = run_service(
            form,
            lambda: services.resident_move(
                actor=request.user,
                resident=resident,
                household=_household_by_number(request, data["household_number"]),
                relation=data["relation"],
                reason=data["reason"],
            ),
        )
        if moved is not None:
            messages.success(request, _("已迁入户 %(n)s") % {"n": data["household_number"].strip()})
            return redirect("registry:resident_detail", pk=resident.pk)
    return render_form(
        request,
        form,
        title=_("迁移居民 %(name)s") % {"name": resident.name},
        cancel_url=RESIDENTS.detail_url(resident),
        crumbs=RESIDENTS.crumbs(resident),
        submit_label=_("确认迁移"),
        hint=_("当前所在户：%(n)s") % {"n": resident.household.number if resident.household else "—"},
    )


def _tags_response(request: HttpRequest, resident, error: ApplicationError | None = None) -> HttpResponse:  # type: ignore[no-untyped-def]
    if getattr(request, "htmx", False):
        context = _detail_context(request, resident, tag_error=error)
        return render(request, "registry/_resident_tags.html", context)
    if error is not None:
        messages.error(request, str(error.message))
    return redirect("registry:resident_detail", pk=resident.pk)


def _tag_change(request: HttpRequest, pk: int, change: Callable[..., object]) -> HttpResponse:
    """Add or remove a tag; a refused tag comes back in the tag box (HTMX) or as a message."""
    resident = selectors.resident_get(viewer=request.user, pk=pk)
    policies.require_change(request.user, resident.area_code)
    try:
        change(actor=request.user, resident=resident, tag=request.POST.get("tag", ""))
    except (NotFound, policies.PermissionDenied):
        raise
    except ApplicationError as exc:
        return _tags_response(request, resident, exc)
    return _tags_response(request, resident)


@login_required
@require_POST
def resident_tag_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _tag_change(request, pk, services.resident_tag_add)


@login_required
@require_POST
def resident_tag_remove(request: HttpRequest, pk: int) -> HttpResponse:
    return _tag_change(request, pk, services.resident_tag_remove)
