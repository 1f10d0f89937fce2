from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Query, Router, Schema

from shequ.areas.selectors import area_get
from shequ.registry import selectors, services
from shequ.registry.privacy import resident_unmask
from shequ.registry.schemas import ResidentIn, ResidentOut, ResidentPage, ResidentPatch, UnmaskIn, UnmaskOut

router = Router(tags=["registry"])
MAX_PAGE_SIZE = 200


class ResidentFilters(Schema):
    q: str = ""
    kind: str = "auto"
    area: str = ""
    tag: str = ""
    status: str = ""
    page: int = 1
    page_size: int = 50


@router.get("/residents", response=ResidentPage, summary="Search and list residents (masked, scoped)")
def list_residents(request: HttpRequest, filters: Query[ResidentFilters]) -> ResidentPage:
    qs = selectors.resident_list(
        viewer=request.user,
        q=filters.q,
        kind=filters.kind,
        area_code=filters.area,
        tag=filters.tag,
        status=filters.status,
    )
    size = max(1, min(filters.page_size, MAX_PAGE_SIZE))
    page = Paginator(qs, size).get_page(filters.page)
    return ResidentPage(
        count=page.paginator.count,
        page=page.number,
        page_size=size,
        results=[ResidentOut.build(r) for r in page.object_list],
    )


@router.get("/residents/{resident_id}", response=ResidentOut)
def get_resident(request: HttpRequest, resident_id: int) -> ResidentOut:
    return ResidentOut.build(selectors.resident_get(viewer=request.user, pk=resident_id))


@router.post("/residents", response={201: ResidentOut})
def create_resident(request: HttpRequest, payload: ResidentIn) -> tuple[int, ResidentOut]:
    household = selectors.household_get(viewer=request.user, pk=payload.household_id) if payload.household_id else None
    community = area_get(viewer=request.user, code=payload.community_code) if payload.community_code else None
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
    return 201, ResidentOut.build(selectors.resident_get(viewer=request.user, pk=resident.pk))


@router.patch("/residents/{resident_id}", response=ResidentOut)
def update_resident(request: HttpRequest, resident_id: int, payload: ResidentPatch) -> ResidentOut:
    resident = selectors.resident_get(viewer=request.user, pk=resident_id)
    services.resident_update(actor=request.user, resident=resident, **payload.dict(exclude_none=True))
    return ResidentOut.build(selectors.resident_get(viewer=request.user, pk=resident_id))


@router.post("/residents/{resident_id}/unmask", response=UnmaskOut, summary="Show the full ID number and phone")
def unmask_resident(request: HttpRequest, resident_id: int, payload: UnmaskIn) -> UnmaskOut:
    resident = selectors.resident_get(viewer=request.user, pk=resident_id)
    return UnmaskOut(**resident_unmask(actor=request.user, resident=resident, reason=payload.reason))
