"""Reads of the hierarchy, always cut to the viewer's subtree."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area
from shequ.core.errors import NotFound
from shequ.core.roles import Perm

_VISIBLE_PERMS = (Perm.REGISTRY_VIEW, Perm.AUDIT_VIEW, Perm.OWN_HOUSEHOLD)


def _visible_q(viewer: Any) -> Q:
    """An area is visible if it lies in a granted subtree (ancestors are only named in breadcrumbs)."""
    scope = viewer_scope(viewer)
    codes: set[str] = set()
    for perm in _VISIBLE_PERMS:
        codes.update(scope.codes_for(perm))
    if "" in codes:
        return Q()
    if not codes:
        return Q(pk__in=[])
    query = Q(pk__in=[])
    for code in codes:
        query |= Q(code__startswith=code)
    return query


def area_list(*, viewer: Any, parent: Area | None = None, level: str | None = None) -> QuerySet[Area]:
    qs = Area.objects.filter(_visible_q(viewer)).select_related("stats")
    if parent is not None:
        qs = qs.filter(parent=parent)
    if level:
        qs = qs.filter(level=level)
    return qs.order_by("code")


def area_get(*, viewer: Any, code: str) -> Area:
    area = Area.objects.filter(_visible_q(viewer), code=code).select_related("stats", "parent").first()
    if area is None:
        raise NotFound()
    return area


def area_roots(*, viewer: Any) -> list[Area]:
    """The top-most areas the viewer is bound to (where the tree starts for them)."""
    scope = viewer_scope(viewer)
    codes = (
        scope.home_codes
        if not scope.is_superuser
        else list(Area.objects.filter(parent__isnull=True).values_list("code", flat=True))
    )
    return list(Area.objects.filter(code__in=codes).select_related("stats").order_by("code"))


def area_in_scope(*, viewer: Any, area: Area, perm: str) -> bool:
    return viewer_scope(viewer).has(perm, area.code)


def area_breadcrumbs(area: Area) -> list[Area]:
    """The area and its ancestors, top first (names of public divisions, no counts)."""
    codes = area.ancestor_codes
    return list(Area.objects.filter(code__in=codes).order_by("code"))
