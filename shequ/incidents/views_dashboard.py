"""The incident dashboard of an area (`?area=` a grid, community, sub-district, district or the city): figures,
cases by category (ECharts), by child area, and the open cases on a Leaflet map."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area
from shequ.core.roles import Perm
from shequ.incidents.dashboard import Figures, dashboard_area, dashboard_figures
from shequ.incidents.templatetags.incidents_tags import cat_name, english


def map_settings() -> dict[str, str]:
    """An empty tile URL (the default: an intranet may have no tile server) draws the markers on a blank map."""
    return {
        "tile_url": str(getattr(settings, "SHEQU_MAP_TILE_URL", "") or ""),
        "attribution": str(getattr(settings, "SHEQU_MAP_TILE_ATTRIBUTION", "") or ""),
    }


def chart_data(figures: Figures) -> dict[str, Any]:
    cats = figures.categories
    return {
        "names": [cat_name(c) for c in cats],
        "open": [c["open"] - c["overdue"] for c in cats],
        "overdue": [c["overdue"] for c in cats],
        "closed_month": [c["closed_month"] for c in cats],
        "labels": {"open": _("在办（未超期）"), "overdue": _("超期"), "closed_month": _("本月办结")},
    }


def map_data(figures: Figures) -> dict[str, Any]:
    area = figures.area
    center = [area.latitude, area.longitude] if area.latitude is not None and area.longitude is not None else None
    use_en = english()
    markers = [
        {
            "lat": m["lat"],
            "lon": m["lon"],
            "number": m["number"],
            "overdue": m["overdue"],
            "label": (m["category_en"] if use_en and m["category_en"] else m["category"]),
            "url": reverse("incidents:detail", args=[m["id"]]),
        }
        for m in figures.markers
    ]
    return {"markers": markers, "center": center, **map_settings()}


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    area = dashboard_area(viewer=request.user, code=request.GET.get("area", ""))
    figures = dashboard_figures(viewer=request.user, area=area)
    scope = viewer_scope(request.user)
    crumbs = []
    for crumb in Area.objects.filter(code__in=area.ancestor_codes[:-1]).order_by("code"):
        crumbs.append((crumb, scope.has(Perm.INCIDENT_VIEW, crumb.code)))
    return render(
        request,
        "incidents/dashboard.html",
        {
            "area": area,
            "figures": figures,
            "crumbs": crumbs,
            "chart_data": chart_data(figures),
            "map_data": map_data(figures),
        },
    )
