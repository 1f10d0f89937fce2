"""Reads of the registry: always cut to the viewer's subtree (or own household for residents)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from shequ.accounts.scope import viewer_scope
from shequ.core.errors import NotFound
from shequ.core.roles import Perm
from shequ.registry.models import Building, Household, Resident, ResidentUnit, Tag
from shequ.registry.search import search_q


def _scoped(viewer: Any, model: type, household_field: str | None) -> Q:
    scope = viewer_scope(viewer)
    query = scope.q(Perm.REGISTRY_VIEW)
    if scope.resident_household_id and scope.has(Perm.OWN_HOUSEHOLD) and household_field:
        query |= Q(**{household_field: scope.resident_household_id})
    return query


def resident_list(
    *,
    viewer: Any,
    q: str = "",
    kind: str = "auto",
    area_code: str = "",
    tag: str = "",
    status: str = "",
    household_id: int | None = None,
) -> QuerySet[Resident]:
    qs = Resident.objects.filter(_scoped(viewer, Resident, "household_id"))
    if q:
        qs = qs.filter(search_q(q, kind))
    if area_code:
        qs = qs.filter(area_code__startswith=area_code)
    if tag:
        visible = tag_list(viewer=viewer).filter(code=tag)
        qs = qs.filter(resident_tags__tag__in=visible)
    if status:
        qs = qs.filter(status=status)
    if household_id is not None:
        qs = qs.filter(household_id=household_id)
    return qs.select_related("community", "grid", "household").order_by("name_pinyin", "id")


def resident_get(*, viewer: Any, pk: int) -> Resident:
    resident = (
        Resident.objects.filter(_scoped(viewer, Resident, "household_id"), pk=pk)
        .select_related("community", "grid", "household", "household__building")
        .first()
    )
    if resident is None:
        raise NotFound()
    return resident


def household_list(*, viewer: Any, area_code: str = "", q: str = "") -> QuerySet[Household]:
    qs = Household.objects.filter(_scoped(viewer, Household, "pk"))
    if area_code:
        qs = qs.filter(area_code__startswith=area_code)
    if q:
        qs = qs.filter(Q(number__startswith=q) | Q(building__address__contains=q))
    return qs.select_related("community", "building", "head").order_by("number")


def household_get(*, viewer: Any, pk: int) -> Household:
    household = (
        Household.objects.filter(_scoped(viewer, Household, "pk"), pk=pk)
        .select_related("community", "grid", "building", "head")
        .first()
    )
    if household is None:
        raise NotFound()
    return household


def building_list(*, viewer: Any, area_code: str = "", q: str = "") -> QuerySet[Building]:
    qs = Building.objects.filter(viewer_scope(viewer).q(Perm.REGISTRY_VIEW))
    if area_code:
        qs = qs.filter(area_code__startswith=area_code)
    if q:
        qs = qs.filter(Q(address__contains=q) | Q(compound__contains=q))
    return qs.select_related("community").order_by("address")


def building_get(*, viewer: Any, pk: int) -> Building:
    building = Building.objects.filter(viewer_scope(viewer).q(Perm.REGISTRY_VIEW), pk=pk).first()
    if building is None:
        raise NotFound()
    return building


def unit_list(*, viewer: Any, area_code: str = "", q: str = "") -> QuerySet[ResidentUnit]:
    qs = ResidentUnit.objects.filter(viewer_scope(viewer).q(Perm.REGISTRY_VIEW))
    if area_code:
        qs = qs.filter(area_code__startswith=area_code)
    if q:
        qs = qs.filter(name__contains=q)
    return qs.select_related("community").order_by("name")


def unit_get(*, viewer: Any, pk: int) -> ResidentUnit:
    unit = ResidentUnit.objects.filter(viewer_scope(viewer).q(Perm.REGISTRY_VIEW), pk=pk).first()
    if unit is None:
        raise NotFound()
    return unit


def tag_list(*, viewer: Any) -> QuerySet[Tag]:
    """Tags the viewer's work lines may see; generalists see all."""
    scope = viewer_scope(viewer)
    qs = Tag.objects.all()
    if scope.sees_all_lines:
        return qs
    visible = [
        t.pk
        for t in qs
        if not t.visible_lines or set(t.visible_lines) & set(scope.work_lines) or t.owner_line in scope.work_lines
    ]
    return qs.filter(pk__in=visible)
