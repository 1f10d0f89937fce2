"""Grid pages: communities in scope, one community's map and grids (generate, move a building), a grid's card
(the public one needs no login; the signed-in one adds the sizes and editing) and its editing, and the progress
of a bulk partition. Thin: parse → selector/service → render."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area, Level
from shequ.core.errors import ApplicationError, NotFound, PermissionDenied
from shequ.core.models import BackgroundJob
from shequ.core.roles import Perm
from shequ.grids import selectors, services, tasks
from shequ.grids.forms import ProfileForm
from shequ.grids.notes import note_text
from shequ.grids.partition import TOLERANCE
from shequ.registry.paging import paginate
from shequ.registry.viewutils import base_query, form_status, run_service

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
           "#393b79", "#637939", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354"]


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def tile_url() -> str:
    """SHEQU_MAP_TILE_URL: an intranet tile server ({z}/{x}/{y}); empty draws the map without a base layer."""
    return str(getattr(settings, "SHEQU_MAP_TILE_URL", "") or "")


@login_required
def index(request: HttpRequest) -> HttpResponse:
    scope = viewer_scope(request.user)
    mine = selectors.my_grids(request.user)
    if not scope.has(Perm.GRIDS_VIEW) and not mine:
        raise PermissionDenied()
    q = request.GET.get("q", "").strip()
    page = paginate(selectors.communities(request.user, q), request.GET.get("page"), big_ordering=None)
    within = selectors.within_counts(list(page.object_list))
    rows = [(c, within.get(c.code, 0)) for c in page.object_list]
    bulk_areas = Area.objects.filter(
        scope.q(Perm.GRIDS_CHANGE, "code"), level__in=[Level.DISTRICT, Level.SUBDISTRICT]
    ).order_by("code")[:300]
    return render(request, "grids/index.html", {
        "page": page, "rows": rows, "q": q, "mine": mine, "base_query": base_query(request),
        "bulk_areas": bulk_areas, "tolerance": f"{TOLERANCE * 100:.0f}%",
    })


def _community_context(request: HttpRequest, area: Area) -> dict[str, Any]:
    targets = selectors.targets_map([area.code])[area.code]
    rows = selectors.grid_rows(area, targets)
    colours = {row["area"].code: PALETTE[i % len(PALETTE)] for i, row in enumerate(rows)}
    for row in rows:
        row["colour"] = colours[row["area"].code]
    run = selectors.last_run(area)
    tolerance = run.summary.get("tolerance", TOLERANCE) if run else TOLERANCE
    buildings = selectors.buildings_geojson(area)
    features: list[dict[str, Any]] = buildings["features"]
    map_data: dict[str, Any] = {
        "tiles": tile_url(),
        "buildings": buildings,
        "grids": [{"code": r["area"].code, "name": r["area"].name, "colour": r["colour"], "outline": r["outline"]}
                  for r in rows],
        "centre": [area.latitude, area.longitude] if area.latitude is not None else None,
        "moveUrl": reverse("grids:move_building", args=[0]),
    }
    return {
        "area": area,
        "rows": rows,
        "targets": targets,
        "tolerance": f"{TOLERANCE * 100:.0f}%",
        "can_change": selectors.can_change(request.user, area.code),
        "last_run": run,
        "run_notes": [note_text(n, tolerance) for n in (run.summary.get("notes", []) if run else [])],
        "run_placed": selectors.placed_buildings(run) if run else [],
        "map_data": map_data,
        "unplaced": sum(1 for f in features if f["geometry"] is None),
        "buildings": [(f["id"], f["properties"]["address"], f["properties"]["grid"]) for f in features],
    }


@login_required
def community(request: HttpRequest, code: str) -> HttpResponse:
    area = selectors.community_for_view(request.user, code)
    return render(request, "grids/community.html", _community_context(request, area))


@login_required
@require_POST
def generate(request: HttpRequest, code: str) -> HttpResponse:
    area = services.community_for_change(request.user, code)
    dry_run = request.POST.get("apply") != "1"
    try:
        run = services.grids_generate(actor=request.user, community=area, dry_run=dry_run)
    except (NotFound, PermissionDenied):
        raise
    except ApplicationError as exc:
        if _is_htmx(request):
            return render(request, "grids/_preview.html", {"error": exc.message, "area": area}, status=200)
        messages.error(request, str(exc.message))
        return redirect("grids:community", code=area.code)
    tolerance = run.summary.get("tolerance", TOLERANCE)
    if dry_run:
        context = {
            "area": area, "run": run, "preview": run.summary["grids"], "tolerance": f"{tolerance * 100:.0f}%",
            "notes": [note_text(n, tolerance) for n in run.summary.get("notes", [])],
            "assignment": run.summary.get("assignment", {}),
            "placed": selectors.placed_buildings(run),
        }
        if _is_htmx(request):
            return render(request, "grids/_preview.html", context)
        return render(request, "grids/community.html", {**_community_context(request, area), **context})
    messages.success(request, _("已重新划分网格：%(grids)s 个网格，%(within)s 个在标准规模 ±%(band)s 以内") % {
        "grids": run.grids, "within": run.within_tolerance, "band": f"{tolerance * 100:.0f}%"})
    for item in run.summary.get("kept_empty", []):
        messages.warning(request, _("网格 %(code)s 已不再需要，但仍被其他记录引用（%(what)s），暂时保留为空网格") % {
            "code": item["code"], "what": "、".join(item["references"])})
    return redirect("grids:community", code=area.code)


@login_required
def move_building(request: HttpRequest, pk: int) -> HttpResponse:
    building = selectors.building_for_change(request.user, pk)
    area = building.community
    grids = list(Area.objects.filter(parent=area, level=Level.GRID).order_by("code"))
    error = ""
    if request.method == "POST":
        grid = next((g for g in grids if g.code == request.POST.get("grid", "").strip()), None)
        if grid is None:
            error = _("请选择本社区的一个网格")
        else:
            try:
                sizes = services.building_move(actor=request.user, building=building, grid=grid)
            except (NotFound, PermissionDenied):
                raise
            except ApplicationError as exc:
                error = str(exc.message)
            else:
                if _is_htmx(request):
                    context = _community_context(request, area)
                    response = render(request, "grids/_grid_table.html", context)
                    colour = next((r["colour"] for r in context["rows"] if r["area"].code == grid.code), "")
                    response["HX-Trigger"] = json.dumps({"grids:moved": {
                        "building": building.pk, "grid": grid.code, "colour": colour, "sizes": sizes}})
                    return response
                messages.success(request, _("已将 %(address)s 调整到 %(grid)s") % {
                    "address": building.address, "grid": grid.name})
                return redirect("grids:community", code=area.code)
        if _is_htmx(request):  # shown next to the form; the grid table stays as it is
            response = HttpResponse(f'<p class="error" role="alert">{escape(error)}</p>')
            response["HX-Retarget"] = "#grids-move-result"
            response["HX-Reswap"] = "innerHTML"
            return response
    return render(request, "grids/move.html", {"building": building, "area": area, "grids": grids, "error": error},
                  status=422 if error else 200)


def _card_map(card: selectors.PublicCard) -> dict[str, Any]:
    return {"tiles": tile_url(), "grids": [{"code": card.code, "name": card.name, "colour": PALETTE[0],
                                            "outline": card.outline}],
            "buildings": None, "centre": card.centre}


def public_card(request: HttpRequest, code: str) -> HttpResponse:
    """The grid's public card: no login (a resident, or anyone, finds the worker and the complaint number)."""
    card = selectors.grid_public_card(code)
    return render(request, "grids/public_card.html", {"card": card, "map_data": _card_map(card)})


@login_required
def card(request: HttpRequest, code: str) -> HttpResponse:
    grid = selectors.grid_for_card(request.user, code)
    public = selectors.public_card_of(grid)
    return render(request, "grids/card.html", {
        "grid": grid, "card": public, "profile": getattr(grid, "grid_profile", None),
        "stats": getattr(grid, "stats", None),
        "can_change": selectors.can_change(request.user, grid.code),
        "can_view_community": viewer_scope(request.user).has(Perm.GRIDS_VIEW, grid.parent.code if grid.parent else ""),
        "map_data": _card_map(public),
    })


@login_required
def profile_edit(request: HttpRequest, code: str) -> HttpResponse:
    grid = selectors.grid_for_card(request.user, code)
    if grid.parent is None:
        raise NotFound()
    services.community_for_change(request.user, grid.parent)  # 403/404 before showing the form
    profile = getattr(grid, "grid_profile", None)
    initial = {"worker": profile.worker_id, "worker_phone": profile.worker_phone,
               "complaint_phone": profile.complaint_phone} if profile else {}
    form = ProfileForm(request.POST or None, initial=initial, grid=grid)
    if request.method == "POST" and form.is_valid():
        saved = run_service(form, lambda: services.grid_profile_update(actor=request.user, grid=grid,
                                                                       **form.cleaned_data))
        if saved is not None:
            messages.success(request, _("已保存"))
            return redirect("grids:card", code=grid.code)
    return render(request, "grids/profile_form.html", {"form": form, "grid": grid}, status=form_status(form))


@login_required
@require_POST
def generate_area(request: HttpRequest) -> HttpResponse:
    area = tasks.area_for_bulk(request.user, request.POST.get("area", ""))
    job = tasks.grids_partition_start(actor=request.user, area=area)
    return redirect("grids:job", pk=job.pk)


@login_required
def job(request: HttpRequest, pk: str) -> HttpResponse:
    found = None
    if _uuid_like(pk):
        found = BackgroundJob.objects.filter(pk=pk, kind=tasks.JOB_KIND, created_by_id=request.user.pk).first()
    if found is None:
        raise NotFound()
    template = "grids/_job.html" if _is_htmx(request) else "grids/job.html"
    return render(request, template, {"job": found})


def _uuid_like(value: str) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
