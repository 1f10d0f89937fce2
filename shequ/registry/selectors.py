"""Reads of the registry: always cut to the viewer's subtree (or own household for residents).

Every `*_get` answers NotFound both for a missing row and for a row outside the viewer's scope.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area
from shequ.core.errors import NotFound
from shequ.core.masking import mask_id_number, mask_phone
from shequ.core.roles import Perm
from shequ.registry.models import (
    Building,
    Household,
    HouseholdKind,
    HouseholdMembership,
    Resident,
    ResidentStatus,
    ResidentTag,
    ResidentUnit,
    Tag,
)
from shequ.registry.search import search_q


def _scoped(viewer: Any, household_field: str | None) -> Q:
    scope = viewer_scope(viewer)
    query = scope.q(Perm.REGISTRY_VIEW)
    if scope.resident_household_id and scope.has(Perm.OWN_HOUSEHOLD) and household_field:
        query |= Q(**{household_field: scope.resident_household_id})
    return query


def _building_scope(viewer: Any) -> Q | None:
    """Narrows the address pre-search to the viewer's buildings (staff only; residents are few)."""
    scope = viewer_scope(viewer)
    return scope.q(Perm.REGISTRY_VIEW) if scope.has(Perm.REGISTRY_VIEW) else None


def _area_prefix(code: str) -> str:
    code = (code or "").strip()
    return code if code.isdigit() else ""


# -- residents ---------------------------------------------------------------------------------------


def visible_tags_prefetch(viewer: Any) -> Prefetch:
    """Each resident's tags, only those the viewer's work lines may see (one query for a whole page)."""
    return Prefetch(
        "resident_tags",
        queryset=ResidentTag.objects.filter(tag__in=tag_list(viewer=viewer)).select_related("tag").order_by("tag__code"),
        to_attr="visible_tags",
    )


def resident_list(
    *,
    viewer: Any,
    q: str = "",
    kind: str = "auto",
    area_code: str = "",
    tag: str = "",
    status: str = "",
    household_id: int | None = None,
    household_kind: str = "",
    with_tags: bool = False,
) -> QuerySet[Resident]:
    qs = Resident.objects.filter(_scoped(viewer, "household_id"))
    if q:
        qs = qs.filter(search_q(q, kind, building_scope=_building_scope(viewer)))
    area_code = _area_prefix(area_code)
    if area_code:
        qs = qs.filter(area_code__startswith=area_code)
    if tag:
        qs = qs.filter(resident_tags__tag__in=tag_list(viewer=viewer).filter(code=tag))
    if status in ResidentStatus.values:
        qs = qs.filter(status=status)
    if household_id is not None:
        qs = qs.filter(household_id=household_id)
    if household_kind in HouseholdKind.values:
        qs = qs.filter(household__kind=household_kind)
    qs = qs.select_related("community", "grid", "household")
    if with_tags:
        qs = qs.prefetch_related(visible_tags_prefetch(viewer))
    return qs.order_by("name_pinyin", "id")


# The columns of one list row (page and API): plain values, no model instances.
RESIDENT_ROW_FIELDS = (
    "id",
    "name",
    "id_number",
    "phone",
    "sex",
    "birth_date",
    "household_id",
    "household__number",
    "relation",
    "status",
    "community__code",
    "community__name",
    "grid_id",
    "grid__code",
    "grid__name",
    "area_code",
)


def resident_rows(
    *,
    viewer: Any,
    ids: QuerySet | list[int],
    order_by: Sequence[Any] = ("name_pinyin", "id"),
    visible_tags: list[Tag] | None = None,
) -> list[dict[str, Any]]:
    """The list rows of these residents (`ids`: a page of `resident_list`, as a sliced values("pk") sub-query or
    a list), in `order_by`: masked ID number and phone, community, grid, household and the tags the viewer may
    see (`tags`: [{code, name, name_en}], by code).

    Two queries whatever the page size. Rows are plain dicts: building 50 model instances with three joined
    ones each costs more than the SQL. `visible_tags`: the viewer's `tag_list`, if the caller has it already.
    """
    rows = list(
        Resident.objects.filter(_scoped(viewer, "household_id"), pk__in=ids)
        .order_by(*order_by)
        .values(*RESIDENT_ROW_FIELDS)
    )
    if not rows:
        return rows
    by_id: dict[int, dict[str, Any]] = {}
    for row in rows:
        row["id_number"] = mask_id_number(row["id_number"])
        row["phone"] = mask_phone(row["phone"])
        row["tags"] = []
        by_id[row["id"]] = row
    links = ResidentTag.objects.filter(resident_id__in=list(by_id)).order_by("tag__code")
    found: Iterable[tuple[int, str, str, str]]
    if visible_tags is None:
        found = links.filter(tag__in=tag_list(viewer=viewer)).values_list(
            "resident_id", "tag__code", "tag__name", "tag__name_en"
        )
    else:
        known = {t.pk: (t.code, t.name, t.name_en) for t in visible_tags}
        found = (
            (resident_id, *known[tag_id])
            for resident_id, tag_id in links.filter(tag_id__in=list(known)).values_list("resident_id", "tag_id")
        )
    for resident_id, code, name, name_en in found:
        by_id[resident_id]["tags"].append({"code": code, "name": name, "name_en": name_en})
    return rows


def resident_get(*, viewer: Any, pk: Any) -> Resident:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    resident = (
        Resident.objects.filter(_scoped(viewer, "household_id"), pk=pk)
        .select_related("community", "grid", "household", "household__building", "household__head")
        .first()
    )
    if resident is None:
        raise NotFound()
    return resident


def resident_tags(*, viewer: Any, resident: Resident) -> QuerySet[ResidentTag]:
    return (
        resident.resident_tags.filter(tag__in=tag_list(viewer=viewer)).select_related("tag").order_by("tag__code")
    )


def membership_history(*, viewer: Any, resident: Resident) -> list[HouseholdMembership]:
    """Where the resident lived, newest first; households outside the viewer's scope are not linked."""
    rows = list(resident.memberships.select_related("household").order_by("-started_at", "-pk"))
    visible = set(
        Household.objects.filter(_scoped(viewer, "pk"), pk__in={m.household_id for m in rows}).values_list(
            "pk", flat=True
        )
    )
    names = dict(Area.objects.filter(code__in={m.community_code for m in rows}).values_list("code", "name"))
    for m in rows:
        # annotations for the template, set on the fetched rows
        m.household_visible = m.household_id in visible  # type: ignore[attr-defined]
        m.community_name = names.get(m.community_code, m.community_code)  # type: ignore[attr-defined]
    return rows


def household_history(*, viewer: Any, household: Household) -> list[HouseholdMembership]:
    """Who joined and left the household, newest first; people now outside the viewer's scope stay unnamed."""
    rows = list(household.memberships.select_related("resident").order_by("-started_at", "-pk"))
    visible = set(
        Resident.objects.filter(_scoped(viewer, "household_id"), pk__in={m.resident_id for m in rows}).values_list(
            "pk", flat=True
        )
    )
    for m in rows:
        m.resident_visible = m.resident_id in visible  # type: ignore[attr-defined]
    return rows


# -- households --------------------------------------------------------------------------------------


def household_list(
    *,
    viewer: Any,
    area_code: str = "",
    q: str = "",
    kind: str = "",
    building_id: int | None = None,
    include_dissolved: bool = False,
) -> QuerySet[Household]:
    qs = Household.objects.filter(_scoped(viewer, "pk"))
    area_code = _area_prefix(area_code)
    if area_code:
        qs = qs.filter(area_code__startswith=area_code)
    if kind in HouseholdKind.values:
        qs = qs.filter(kind=kind)
    if building_id is not None:
        qs = qs.filter(building_id=building_id)
    if not include_dissolved:
        qs = qs.filter(dissolved_at__isnull=True)
    q = (q or "").strip()
    if q:
        # number prefix, or an address matched on the small building table
        buildings = Building.objects.filter(Q(address__contains=q) | Q(compound__contains=q)).values("pk")
        qs = qs.filter(Q(number__startswith=q) | Q(building__in=buildings))
    return qs.select_related("community", "grid", "building", "head").order_by("number")


def household_get(*, viewer: Any, pk: Any) -> Household:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    household = (
        Household.objects.filter(_scoped(viewer, "pk"), pk=pk)
        .select_related("community", "grid", "building", "head")
        .first()
    )
    if household is None:
        raise NotFound()
    return household


def household_by_number(*, viewer: Any, number: str) -> Household:
    household = (
        Household.objects.filter(_scoped(viewer, "pk"), number=(number or "").strip())
        .select_related("community", "grid", "building")
        .first()
    )
    if household is None:
        raise NotFound()
    return household


def household_members(*, viewer: Any, household: Household) -> QuerySet[Resident]:
    """Members, the head first."""
    head_first = Case(When(pk=household.head_id or 0, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        resident_list(viewer=viewer, household_id=household.pk, with_tags=False)
        .annotate(head_first=head_first)
        .order_by("head_first", "name_pinyin", "id")
    )


# -- buildings and units -----------------------------------------------------------------------------


def building_list(*, viewer: Any, area_code: str = "", q: str = "") -> QuerySet[Building]:
    qs = Building.objects.filter(viewer_scope(viewer).q(Perm.REGISTRY_VIEW))
    area_code = _area_prefix(area_code)
    if area_code:
        qs = qs.filter(area_code__startswith=area_code)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(address__contains=q) | Q(compound__contains=q) | Q(number__startswith=q))
    return qs.select_related("community", "grid").order_by("address")


def building_get(*, viewer: Any, pk: Any) -> Building:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    building = (
        Building.objects.filter(viewer_scope(viewer).q(Perm.REGISTRY_VIEW), pk=pk)
        .select_related("community", "grid")
        .first()
    )
    if building is None:
        raise NotFound()
    return building


def unit_list(*, viewer: Any, area_code: str = "", q: str = "") -> QuerySet[ResidentUnit]:
    qs = ResidentUnit.objects.filter(viewer_scope(viewer).q(Perm.REGISTRY_VIEW))
    area_code = _area_prefix(area_code)
    if area_code:
        qs = qs.filter(area_code__startswith=area_code)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(credit_code__startswith=q.upper()))
    return qs.select_related("community").order_by("name")


def unit_get(*, viewer: Any, pk: Any) -> ResidentUnit:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    unit = (
        ResidentUnit.objects.filter(viewer_scope(viewer).q(Perm.REGISTRY_VIEW), pk=pk)
        .select_related("community", "grid")
        .first()
    )
    if unit is None:
        raise NotFound()
    return unit


# -- tags --------------------------------------------------------------------------------------------


def tag_list(*, viewer: Any) -> QuerySet[Tag]:
    """Tags the viewer's work lines may see.

    Generalist staff (no work lines, or the city administrator) see every tag; staff bound to lines see
    the tags open to every line, those their lines own, and those shared with their lines. Viewers
    without registry access (residents, auditors) see only tags open to all lines and not sensitive.
    """
    scope = viewer_scope(viewer)
    qs = Tag.objects.all()
    if scope.is_superuser:
        return qs
    staff = scope.has(Perm.REGISTRY_VIEW)
    if staff and scope.sees_all_lines:
        return qs
    lines = set(scope.work_lines) if staff else set()
    visible = [
        pk
        for pk, owner, visible_lines, sensitive in qs.values_list("pk", "owner_line", "visible_lines", "sensitive")
        if (not visible_lines and (staff or not sensitive)) or set(visible_lines or []) & lines or owner in lines
    ]
    return qs.filter(pk__in=visible)
