"""Reads of the hierarchy, always cut to the viewer's subtree."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area, AreaTagCount, Level
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
    code = str(code or "").strip()
    if not code.isdigit():
        raise NotFound()
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


def area_breadcrumbs(area: Area, viewer: Any = None) -> list[Area]:
    """The area and its ancestors, top first (names of public divisions, no counts).

    With a viewer, each crumb carries `.visible`: whether the viewer may open that area's page.
    """
    codes = area.ancestor_codes
    crumbs = list(Area.objects.filter(code__in=codes).order_by("code"))
    if viewer is not None:
        prefixes = _visible_codes(viewer)
        for crumb in crumbs:
            crumb.visible = any(crumb.code.startswith(p) for p in prefixes)  # type: ignore[attr-defined]
    return crumbs


def _visible_codes(viewer: Any) -> set[str]:
    scope = viewer_scope(viewer)
    codes: set[str] = set()
    for perm in _VISIBLE_PERMS:
        codes.update(scope.codes_for(perm))
    return codes


def area_tag_counts(*, viewer: Any, area: Area) -> QuerySet[AreaTagCount]:
    """Residents per tag in the area's subtree, for the tags the viewer's work lines may see."""
    from shequ.registry.selectors import tag_list

    return (
        AreaTagCount.objects.filter(area=area, tag__in=tag_list(viewer=viewer), residents__gt=0)
        .select_related("tag")
        .order_by("tag__code")
    )


def area_choices(
    *, viewer: Any, perm: str, levels: tuple[str, ...], within: str = "", limit: int = 300
) -> list[Area]:
    """Areas of the given levels where the viewer holds `perm` (for a form's select), at most `limit` + 1."""
    scope = viewer_scope(viewer)
    qs = Area.objects.filter(scope.q(perm, "code"), level__in=levels)
    if within and within.isdigit():
        qs = qs.filter(code__startswith=within)
    return list(qs.select_related("parent").order_by("code")[: limit + 1])


def area_child_level(area: Area) -> str | None:
    """Officers add communities under a sub-district and grids under a community; nothing else here."""
    return {Level.SUBDISTRICT: Level.COMMUNITY, Level.COMMUNITY: Level.GRID}.get(Level(area.level))
