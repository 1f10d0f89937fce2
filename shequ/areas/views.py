"""Area pages: from the viewer's home areas down to grids, with subtree counts read from AreaStats and
AreaTagCount (no recursive queries), the community kind, children with their counts, and links to the
registry lists inside the area."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.accounts.scope import viewer_scope
from shequ.areas import selectors, services
from shequ.areas.forms import AreaChildForm, AreaKindForm
from shequ.areas.models import Area, CommunityKind, Level
from shequ.core.errors import PermissionDenied, ValidationFailed
from shequ.core.roles import Perm
from shequ.registry.policies import can_change
from shequ.registry.viewutils import render_form, run_service


def _can_change_areas(request: HttpRequest, area: Area) -> bool:
    return viewer_scope(request.user).has(Perm.AREAS_CHANGE, area.code)


@login_required
def area_index(request: HttpRequest) -> HttpResponse:
    return render(request, "areas/index.html", {"roots": selectors.area_roots(viewer=request.user)})


def _detail_context(request: HttpRequest, area: Area, **extra: Any) -> dict[str, Any]:
    change_areas = _can_change_areas(request, area)
    child_level = selectors.area_child_level(area) if change_areas else None
    return {
        "area": area,
        "breadcrumbs": selectors.area_breadcrumbs(area, viewer=request.user),
        "children": selectors.area_list(viewer=request.user, parent=area),
        "tag_counts": selectors.area_tag_counts(viewer=request.user, area=area),
        "kind_form": extra.pop("kind_form", None)
        or (
            AreaKindForm(initial={"community_kind": area.community_kind})
            if change_areas and area.level == Level.COMMUNITY
            else None
        ),
        "child_level": child_level,
        "child_level_label": Level(child_level).label if child_level else "",
        "can_change": can_change(request.user, area.code),
        "registry_view": viewer_scope(request.user).has(Perm.REGISTRY_VIEW, area.code),
        **extra,
    }


@login_required
def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    area = selectors.area_get(viewer=request.user, code=code)
    return render(request, "areas/detail.html", _detail_context(request, area))


@login_required
@require_POST
def area_set_kind_view(request: HttpRequest, code: str) -> HttpResponse:
    area = selectors.area_get(viewer=request.user, code=code)
    if not _can_change_areas(request, area):
        raise PermissionDenied()
    form = AreaKindForm(request.POST)
    if form.is_valid() and run_service(
        form,
        lambda: services.area_set_kind(
            actor=request.user, area=area, community_kind=form.cleaned_data["community_kind"]
        ),
    ) is not None:
        messages.success(
            request, _("社区类别已改为 %(kind)s") % {"kind": CommunityKind(area.community_kind).label}
        )
        return redirect("areas:detail", code=area.code)
    area.refresh_from_db()
    return render(request, "areas/detail.html", _detail_context(request, area, kind_form=form), status=422)


@login_required
def area_create_child(request: HttpRequest, code: str) -> HttpResponse:
    parent = selectors.area_get(viewer=request.user, code=code)
    if not _can_change_areas(request, parent):
        raise PermissionDenied()
    level = selectors.area_child_level(parent)
    if level is None:
        raise ValidationFailed(_("只能在街道（乡镇）下新增社区（村），或在社区（村）下新增网格"))
    siblings_central = parent.children.filter(community_kind=CommunityKind.CENTRAL_URBAN).exists()
    form = AreaChildForm(request.POST or None, level=level, initial={"central_city": siblings_central})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        child = run_service(
            form,
            lambda: services.area_create(
                actor=request.user,
                parent=parent,
                name=data["name"],
                code=data["code"].strip(),
                urban_rural_class=data.get("urban_rural_class", ""),
                central_city=data.get("central_city", False),
            ),
        )
        if child is not None:
            messages.success(request, _("已新增 %(name)s") % {"name": child.name})
            return redirect("areas:detail", code=child.code)
    parent_url = reverse("areas:detail", args=[parent.code])
    title = _("在 %(parent)s 下新增%(level)s") % {"parent": parent.name, "level": Level(level).label}
    return render_form(request, form, title=title, cancel_url=parent_url, crumbs=[(parent_url, parent.name)])
