"""/api/v1/facilities: premises with their rooms, photos (multipart upload, scoped download), and the
communities list. Thin: parse → selector/service → serialise; errors in the one {code, message, details}."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.responses import Status

from shequ.accounts.scope import viewer_scope
from shequ.core.errors import PermissionDenied
from shequ.core.roles import Perm
from shequ.facilities import selectors, services
from shequ.facilities.common import community_for_write, current_year, require_change
from shequ.facilities.files import photo_response, refuse_oversized
from shequ.facilities.schemas import (
    CommunityFacilitiesOut,
    CommunityFacilitiesPage,
    CommunityFilters,
    PhotoOut,
    PremisesFilters,
    PremisesIn,
    PremisesOut,
    PremisesPage,
    PremisesPatch,
)
from shequ.registry.paging import paginate
from shequ.registry.schemas import PageMeta

router = Router(tags=["facilities"])

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["image"],
                    "properties": {
                        "image": {"type": "string", "format": "binary", "description": "PNG, JPEG or WebP"},
                        "caption": {"type": "string", "maxLength": 200},
                    },
                }
            }
        }
    }
}
NULLABLE = ("year_to", "service_centre_m2")


def _detail(request: HttpRequest, premises_id: int) -> PremisesOut:
    return PremisesOut.build(selectors.premises_get(viewer=request.user, pk=premises_id))


@router.get("/communities", response=CommunityFacilitiesPage, url_name="facilities_communities")
def list_communities(request: HttpRequest, filters: Query[CommunityFilters]) -> CommunityFacilitiesPage:
    """Communities in scope with the premises area and the largest service centre in use in the year."""
    if not viewer_scope(request.user).has(Perm.STANDARDS_VIEW):
        raise PermissionDenied()
    year = filters.year or current_year()
    qs = selectors.community_summaries(viewer=request.user, year=year, subdistrict=filters.subdistrict, q=filters.q)
    page = paginate(qs, filters.page, filters.page_size, big_ordering=None)
    return CommunityFacilitiesPage(
        **PageMeta.of(page), year=year, results=[CommunityFacilitiesOut.build(a) for a in page.object_list]
    )


@router.get("/premises", response=PremisesPage, url_name="facilities_premises")
def list_premises(request: HttpRequest, filters: Query[PremisesFilters]) -> PremisesPage:
    qs = selectors.premises_list(viewer=request.user, community_code=filters.community, year=filters.year)
    page = paginate(qs, filters.page, filters.page_size, big_ordering=None)
    return PremisesPage(**PageMeta.of(page), results=[PremisesOut.build(p) for p in page.object_list])


@router.post("/premises", response={201: PremisesOut}, url_name="facilities_premises")
def create_premises(request: HttpRequest, payload: PremisesIn) -> Status[PremisesOut]:
    area = community_for_write(request.user, payload.community_code)
    fields = payload.dict(exclude={"community_code"})
    premises = services.premises_create(actor=request.user, community=area, **fields)
    return Status(201, _detail(request, premises.pk))


@router.get("/premises/{premises_id}", response=PremisesOut, url_name="facilities_premises_detail")
def get_premises(request: HttpRequest, premises_id: int) -> PremisesOut:
    return _detail(request, premises_id)


@router.patch("/premises/{premises_id}", response=PremisesOut, url_name="facilities_premises_detail")
def update_premises(request: HttpRequest, premises_id: int, payload: PremisesPatch) -> PremisesOut:
    premises = selectors.premises_get(viewer=request.user, pk=premises_id)
    require_change(request.user, premises.area_code)
    data = payload.dict(exclude_unset=True)
    fields = {k: v for k, v in data.items() if v is not None or k in NULLABLE}
    services.premises_update(actor=request.user, premises=premises, **fields)
    return _detail(request, premises_id)


@router.delete("/premises/{premises_id}", response={204: None}, url_name="facilities_premises_detail")
def delete_premises(request: HttpRequest, premises_id: int) -> Status[None]:
    premises = selectors.premises_get(viewer=request.user, pk=premises_id)
    services.premises_delete(actor=request.user, premises=premises)
    return Status(204, None)


@router.get("/premises/{premises_id}/photos", response=list[PhotoOut], url_name="facilities_photos")
def list_photos(request: HttpRequest, premises_id: int) -> list[PhotoOut]:
    premises = selectors.premises_get(viewer=request.user, pk=premises_id)
    return [PhotoOut.build(p) for p in selectors.photo_list(viewer=request.user, premises=premises)]


@router.post(
    "/premises/{premises_id}/photos",
    response={201: PhotoOut},
    url_name="facilities_photos",
    summary="Upload a photo (multipart: image, caption)",
    openapi_extra=_UPLOAD_BODY,
)
def upload_photo(request: HttpRequest, premises_id: int) -> Status[PhotoOut]:
    premises = selectors.premises_get(viewer=request.user, pk=premises_id)
    require_change(request.user, premises.area_code)
    refuse_oversized(request)  # before request.FILES reads the body
    photo = services.photo_add(
        actor=request.user,
        premises=premises,
        upload=request.FILES.get("image"),
        caption=request.POST.get("caption", ""),
    )
    return Status(201, PhotoOut.build(photo))


@router.get("/photos/{photo_id}", response=PhotoOut, url_name="facilities_photo")
def get_photo(request: HttpRequest, photo_id: int) -> PhotoOut:
    return PhotoOut.build(selectors.photo_get(viewer=request.user, pk=photo_id))


@router.delete("/photos/{photo_id}", response={204: None}, url_name="facilities_photo")
def delete_photo(request: HttpRequest, photo_id: int) -> Status[None]:
    photo = selectors.photo_get(viewer=request.user, pk=photo_id)
    services.photo_delete(actor=request.user, photo=photo)
    return Status(204, None)


@router.get("/photos/{photo_id}/file", url_name="facilities_photo_file", summary="The image (PNG, JPEG or WebP)")
def download_photo(request: HttpRequest, photo_id: int) -> HttpResponse:
    return photo_response(selectors.photo_get(viewer=request.user, pk=photo_id))
