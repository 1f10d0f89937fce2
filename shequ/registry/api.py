"""/api/v1/registry: residents here; households, buildings, units and tags in api_places.py.

Same scope and masking as the pages: reads go through the scoped selectors ("not yours" is 404), a
visible record the role may not change is 403, services raise 422 (validation) and 409 (duplicate ID).
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from shequ.areas.selectors import area_get
from shequ.registry import policies, selectors, services
from shequ.registry.api_places import router as places_router
from shequ.registry.paging import paginate
from shequ.registry.privacy import resident_unmask
from shequ.registry.schemas import (
    MembershipOut,
    MoveIn,
    PageMeta,
    ResidentFilters,
    ResidentIn,
    ResidentOut,
    ResidentPage,
    ResidentPatch,
    TagBrief,
    TagIn,
    UnmaskIn,
    UnmaskOut,
)

router = Router(tags=["registry"])
MAX_PAGE_SIZE = 200


def _out(request: HttpRequest, resident_id: int) -> ResidentOut:
    resident = selectors.resident_get(viewer=request.user, pk=resident_id)
    return ResidentOut.build(resident, list(selectors.resident_tags(viewer=request.user, resident=resident)))


@router.get(
    "/residents", response=ResidentPage, url_name="registry_residents", summary="Search and list residents"
)
def list_residents(request: HttpRequest, filters: Query[ResidentFilters]) -> ResidentPage:
    """Masked and scoped. `kind=auto` guesses from the text: 汉字 → name (or address), letters → pinyin or
    initials, digits → ID number (full or last 4+) or phone (full or last 4)."""
    qs = selectors.resident_list(
        viewer=request.user,
        q=filters.q,
        kind=filters.kind,
        area_code=filters.area,
        tag=filters.tag,
        status=filters.status,
        household_kind=filters.household_kind,
        household_id=filters.household_id,
    )
    page = paginate(
        qs,
        filters.page,
        filters.page_size,
        rows=lambda ids, order: selectors.resident_rows(viewer=request.user, ids=ids, order_by=order),
    )
    return ResidentPage.model_construct(
        **PageMeta.of(page), results=[ResidentOut.from_row(row) for row in page.object_list]
    )


@router.post("/residents", response={201: ResidentOut}, url_name="registry_residents", summary="Register a resident")
def create_resident(request: HttpRequest, payload: ResidentIn) -> tuple[int, ResidentOut]:
    household = selectors.household_get(viewer=request.user, pk=payload.household_id) if payload.household_id else None
    community = None
    if household is None and payload.community_code:
        community = area_get(viewer=request.user, code=payload.community_code)
    resident = services.resident_create(
        actor=request.user,
        name=payload.name,
        id_number=payload.id_number,
        phone=payload.phone,
        household=household,
        community=community,
        relation=payload.relation,
        tags=payload.tags,
    )
    return 201, _out(request, resident.pk)


@router.get("/residents/{resident_id}", response=ResidentOut, url_name="registry_resident")
def get_resident(request: HttpRequest, resident_id: int) -> ResidentOut:
    return _out(request, resident_id)


@router.patch("/residents/{resident_id}", response=ResidentOut, url_name="registry_resident")
def update_resident(request: HttpRequest, resident_id: int, payload: ResidentPatch) -> ResidentOut:
    resident = selectors.resident_get(viewer=request.user, pk=resident_id)
    policies.require_change(request.user, resident.area_code)
    fields = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    services.resident_update(actor=request.user, resident=resident, **fields)
    return _out(request, resident_id)


@router.post(
    "/residents/{resident_id}/move",
    response=ResidentOut,
    url_name="registry_resident_move",
    summary="Move to another household (history kept)",
)
def move_resident(request: HttpRequest, resident_id: int, payload: MoveIn) -> ResidentOut:
    resident = selectors.resident_get(viewer=request.user, pk=resident_id)
    policies.require_change(request.user, resident.area_code)
    household = selectors.household_get(viewer=request.user, pk=payload.household_id)
    services.resident_move(
        actor=request.user, resident=resident, household=household, relation=payload.relation, reason=payload.reason
    )
    return _out(request, resident_id)


@router.get(
    "/residents/{resident_id}/history", response=list[MembershipOut], url_name="registry_resident_history"
)
def resident_history(request: HttpRequest, resident_id: int) -> list[MembershipOut]:
    resident = selectors.resident_get(viewer=request.user, pk=resident_id)
    return [MembershipOut.build(m) for m in selectors.membership_history(viewer=request.user, resident=resident)]


@router.post(
    "/residents/{resident_id}/tags", response={201: list[TagBrief]}, url_name="registry_resident_tags"
)
def add_resident_tag(request: HttpRequest, resident_id: int, payload: TagIn) -> tuple[int, list[TagBrief]]:
    resident = selectors.resident_get(viewer=request.user, pk=resident_id)
    policies.require_change(request.user, resident.area_code)
    services.resident_tag_add(actor=request.user, resident=resident, tag=payload.tag, note=payload.note)
    tags = selectors.resident_tags(viewer=request.user, resident=resident)
    return 201, [TagBrief(code=t.tag.code, name=t.tag.name) for t in tags]


@router.delete(
    "/residents/{resident_id}/tags/{tag}", response={204: None}, url_name="registry_resident_tag"
)
def remove_resident_tag(request: HttpRequest, resident_id: int, tag: str) -> tuple[int, None]:
    resident = selectors.resident_get(viewer=request.user, pk=resident_id)
    policies.require_change(request.user, resident.area_code)
    services.resident_tag_remove(actor=request.user, resident=resident, tag=tag)
    return 204, None


@router.post(
    "/residents/{resident_id}/unmask",
    response=UnmaskOut,
    url_name="registry_resident_unmask",
    summary="Show the full ID number and phone (needs a reason; logged)",
)
def unmask_resident(request: HttpRequest, resident_id: int, payload: UnmaskIn) -> UnmaskOut:
    resident = selectors.resident_get(viewer=request.user, pk=resident_id)
    return UnmaskOut(**resident_unmask(actor=request.user, resident=resident, reason=payload.reason))


router.add_router("", places_router)
