"""Reads of the disclosure record. The record is public (DESIGN.md §2: the public reads disclosure pages), so
these take no viewer; what an entry shows is only what was published in it."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, Max, OuterRef, QuerySet, Subquery

from shequ.areas.models import Area, Level
from shequ.core.errors import NotFound
from shequ.disclosure.models import Category, Disclosure


def community_get(*, code: str) -> Area:
    """A community (or village) by code: the public record exists for every one of them, even when empty."""
    code = str(code or "").strip()
    area = (
        Area.objects.filter(code=code, level=Level.COMMUNITY).select_related("parent__parent").first()
        if code.isdigit() else None
    )
    if area is None:
        raise NotFound()
    return area


def disclosure_list(*, community: Area, category: str = "") -> QuerySet[Disclosure]:
    """Newest first, each with `n_corrections` (an entry corrected later is shown as 已更正)."""
    qs = Disclosure.objects.filter(community=community)
    if category in Category.values:
        qs = qs.filter(category=category)
    return qs.select_related("corrects").annotate(n_corrections=Count("corrections")).order_by("-sequence")


def disclosure_get(*, pk: Any) -> Disclosure:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    entry = Disclosure.objects.filter(pk=pk).select_related("community__parent", "corrects").first()
    if entry is None:
        raise NotFound()
    return entry


def disclosure_corrections(entry: Disclosure) -> list[Disclosure]:
    return list(entry.corrections.order_by("sequence"))


def community_search(*, q: str = "", within: str = "") -> QuerySet[Area]:
    """Communities that have published at least one entry, by name (or code), each with `entries` and
    `last_published_at`; `within` narrows to an area code prefix (a district or sub-district)."""
    mine = Disclosure.objects.filter(community=OuterRef("pk")).order_by().values("community")
    qs = (
        Area.objects.filter(level=Level.COMMUNITY, pk__in=Disclosure.objects.values("community_id"))
        .annotate(
            entries=Subquery(mine.annotate(n=Count("pk")).values("n"), output_field=IntegerField()),
            last_published_at=Subquery(mine.annotate(at=Max("published_at")).values("at")),
        )
        .select_related("parent__parent")
    )
    q = (q or "").strip()
    if q:
        qs = qs.filter(code=q) if q.isdigit() else qs.filter(name__icontains=q)
    within = (within or "").strip()
    if within.isdigit():
        qs = qs.filter(code__startswith=within)
    return qs.order_by("code")
