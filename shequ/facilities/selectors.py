"""Reads of premises and photos, cut to the viewer's subtree (Perm.STANDARDS_VIEW); a row outside it answers
exactly like a missing one."""

from __future__ import annotations

from typing import Any

from django.db.models import DecimalField, Max, OuterRef, Q, QuerySet, Subquery, Sum

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area, Level
from shequ.core.errors import NotFound
from shequ.core.roles import Perm
from shequ.facilities.models import FacilityPhoto, Premises


def _scope(viewer: Any, field: str = "area_code") -> Q:
    return viewer_scope(viewer).q(Perm.STANDARDS_VIEW, field)


def _pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


def in_use_q(year: int, prefix: str = "") -> Q:
    """Premises counted in `year`: from year_from to year_to inclusive, open-ended when year_to is empty."""
    return Q(**{f"{prefix}year_from__lte": year}) & (
        Q(**{f"{prefix}year_to__isnull": True}) | Q(**{f"{prefix}year_to__gte": year})
    )


def premises_list(*, viewer: Any, community_code: str = "", year: int | None = None) -> QuerySet[Premises]:
    qs = Premises.objects.filter(_scope(viewer))
    code = (community_code or "").strip()
    if code:
        qs = qs.filter(area_code=code) if code.isdigit() else qs.none()
    if year is not None:
        qs = qs.filter(in_use_q(year))
    return (
        qs.select_related("community")
        .prefetch_related("rooms", "photos")
        .order_by("area_code", "-year_from", "-pk")
    )


def premises_get(*, viewer: Any, pk: Any) -> Premises:
    premises = (
        Premises.objects.filter(_scope(viewer), pk=_pk(pk))
        .select_related("community", "community__parent")
        .prefetch_related("rooms", "photos")
        .first()
    )
    if premises is None:
        raise NotFound()
    return premises


def photo_list(*, viewer: Any, premises: Premises) -> QuerySet[FacilityPhoto]:
    return FacilityPhoto.objects.filter(_scope(viewer), premises=premises).order_by("-uploaded_at", "-pk")


def photo_get(*, viewer: Any, pk: Any) -> FacilityPhoto:
    photo = FacilityPhoto.objects.filter(_scope(viewer), pk=_pk(pk)).select_related("premises").first()
    if photo is None:
        raise NotFound()
    return photo


def community_summaries(*, viewer: Any, year: int, subdistrict: str = "", q: str = "") -> QuerySet[Area]:
    """Communities in the viewer's subtree with `premises_m2` (premises in use in `year`, summed) and
    `centre_m2` (the largest service centre among them); None where nothing is recorded."""
    in_use = Premises.objects.filter(in_use_q(year), community=OuterRef("pk")).order_by().values("community")
    money = DecimalField(max_digits=14, decimal_places=2)
    qs = Area.objects.filter(_scope(viewer, "code"), level=Level.COMMUNITY)
    subdistrict = (subdistrict or "").strip()
    if subdistrict:
        qs = qs.filter(code__startswith=subdistrict) if subdistrict.isdigit() else qs.none()
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q))
    return (
        qs.annotate(
            premises_m2=Subquery(in_use.annotate(v=Sum("floor_area_m2")).values("v")[:1], output_field=money),
            centre_m2=Subquery(in_use.annotate(v=Max("service_centre_m2")).values("v")[:1], output_field=money),
        )
        .select_related("parent")
        .order_by("code")
    )


def subdistrict_choices(*, viewer: Any) -> list[Area]:
    """Sub-districts with at least part of their subtree visible, for the list filter."""
    scope = viewer_scope(viewer)
    codes = scope.codes_for(Perm.STANDARDS_VIEW)
    if not codes:
        return []
    query = Q()
    if "" not in codes:
        query = Q(pk__in=[])
        for code in codes:
            # a sub-district inside the scope, or the one a community-level scope sits in
            query |= Q(code__startswith=code) | Q(code=code[:9])
    return list(Area.objects.filter(query, level=Level.SUBDISTRICT).order_by("code"))
