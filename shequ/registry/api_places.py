"""/api/v1/registry: households, buildings, resident units and tags (mounted by api.py).

Unit contact phones come masked (138****5678), like residents' and staff phones. Tags are listed for the lines
that may see them; only the city administrator creates and re-scopes them (services.tags).
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from shequ.areas.selectors import area_get
from shequ.registry import policies, selectors, services
from shequ.registry.paging import paginate
from shequ.registry.schemas import PageMeta, ResidentOut
from shequ.registry.schemas_places import (
    BuildingIn,
    BuildingOut,
    BuildingPage,
    BuildingPatch,
    HouseholdDetailOut,
    HouseholdFilters,
    HouseholdHistoryOut,
    HouseholdIn,
    HouseholdOut,
    HouseholdPage,
    HouseholdPatch,
    PlaceFilters,
    TagIn,
    TagOut,
    TagPatch,
    UnitIn,
    UnitOut,
    UnitPage,
    UnitPatch,
)
from shequ.registry.services.tags import tag_create, tag_for_change, tag_update

router = Router()


def _patch_fields(payload: object, nullable: tuple[str, ...] = ()) -> dict:
    """Fields the client sent; an explicit null clears only the fields named in `nullable`."""
    data = payload.dict(exclude_unset=True)  # type: ignore[attr-defined]
    return {k: v for k, v in data.items() if v is not None or k in nullable}


# -- households --------------------------------------------------------------------------------------


def _household_detail(request: HttpRequest, household_id: int) -> HouseholdDetailOut:
    household = selectors.household_get(viewer=request.user, pk=household_id)
    members = selectors.household_members(viewer=request.user, household=household).prefetch_related(
        selectors.visible_tags_prefetch(request.user)
    )
    return HouseholdDetailOut(
        **HouseholdOut.build(household).dict(), members=[ResidentOut.build(m) for m in members]
    )


@router.get("/households", response=HouseholdPage, url_name="registry_households", tags=["registry"])
def list_households(request: HttpRequest, filters: Query[HouseholdFilters]) -> HouseholdPage:
    qs = selectors.household_list(
        viewer=request.user,
        q=filters.q,
        area_code=filters.area,
        kind=filters.kind,
        building_id=filters.building_id,
    )
    page = paginate(qs, filters.page, filters.page_size, big_ordering=None)  # by number: indexed
    return HouseholdPage(**PageMeta.of(page), results=[HouseholdOut.build(h) for h in page.object_list])


@router.post("/households", response={201: HouseholdDetailOut}, url_name="registry_households", tags=["registry"])
def create_household(request: HttpRequest, payload: HouseholdIn) -> tuple[int, HouseholdDetailOut]:
    building = selectors.building_get(viewer=request.user, pk=payload.building_id) if payload.building_id else None
    community = None
    if building is None and payload.community_code:
        community = area_get(viewer=request.user, code=payload.community_code)
    household = services.household_create(
        actor=request.user,
        community=community,
        building=building,
        number=payload.number.strip(),
        kind=payload.kind,
        room=payload.room,
    )
    return 201, _household_detail(request, household.pk)


@router.get("/households/{household_id}", response=HouseholdDetailOut, url_name="registry_household", tags=["registry"])
def get_household(request: HttpRequest, household_id: int) -> HouseholdDetailOut:
    return _household_detail(request, household_id)


@router.patch(
    "/households/{household_id}", response=HouseholdDetailOut, url_name="registry_household", tags=["registry"]
)
def update_household(request: HttpRequest, household_id: int, payload: HouseholdPatch) -> HouseholdDetailOut:
    household = selectors.household_get(viewer=request.user, pk=household_id)
    policies.require_change(request.user, household.area_code)
    fields = _patch_fields(payload, nullable=("building_id", "head_id"))
    if fields.get("building_id") is not None:
        selectors.building_get(viewer=request.user, pk=fields["building_id"])
    services.household_update(actor=request.user, household=household, **fields)
    return _household_detail(request, household_id)


@router.get(
    "/households/{household_id}/history",
    response=list[HouseholdHistoryOut],
    url_name="registry_household_history",
    tags=["registry"],
    summary="Who joined and left the household, newest first",
)
def household_history(request: HttpRequest, household_id: int) -> list[HouseholdHistoryOut]:
    """People now outside the viewer's scope stay in the history unnamed (resident_id and resident_name null)."""
    household = selectors.household_get(viewer=request.user, pk=household_id)
    return [HouseholdHistoryOut.build(m) for m in selectors.household_history(viewer=request.user, household=household)]


# -- buildings ---------------------------------------------------------------------------------------


@router.get("/buildings", response=BuildingPage, url_name="registry_buildings", tags=["registry"])
def list_buildings(request: HttpRequest, filters: Query[PlaceFilters]) -> BuildingPage:
    qs = selectors.building_list(viewer=request.user, q=filters.q, area_code=filters.area)
    page = paginate(qs, filters.page, filters.page_size)
    return BuildingPage(**PageMeta.of(page), results=[BuildingOut.build(b) for b in page.object_list])


@router.post("/buildings", response={201: BuildingOut}, url_name="registry_buildings", tags=["registry"])
def create_building(request: HttpRequest, payload: BuildingIn) -> tuple[int, BuildingOut]:
    area = area_get(viewer=request.user, code=payload.community_code)
    fields = payload.dict(exclude={"community_code"})
    building = services.building_create(actor=request.user, community=area, **fields)
    return 201, BuildingOut.build(selectors.building_get(viewer=request.user, pk=building.pk))


@router.get("/buildings/{building_id}", response=BuildingOut, url_name="registry_building", tags=["registry"])
def get_building(request: HttpRequest, building_id: int) -> BuildingOut:
    return BuildingOut.build(selectors.building_get(viewer=request.user, pk=building_id))


@router.patch("/buildings/{building_id}", response=BuildingOut, url_name="registry_building", tags=["registry"])
def update_building(request: HttpRequest, building_id: int, payload: BuildingPatch) -> BuildingOut:
    building = selectors.building_get(viewer=request.user, pk=building_id)
    policies.require_change(request.user, building.area_code)
    fields = _patch_fields(payload, nullable=("latitude", "longitude"))
    services.building_update(actor=request.user, building=building, **fields)
    return BuildingOut.build(selectors.building_get(viewer=request.user, pk=building_id))


# -- resident units ----------------------------------------------------------------------------------


@router.get("/units", response=UnitPage, url_name="registry_units", tags=["registry"])
def list_units(request: HttpRequest, filters: Query[PlaceFilters]) -> UnitPage:
    qs = selectors.unit_list(viewer=request.user, q=filters.q, area_code=filters.area)
    page = paginate(qs, filters.page, filters.page_size)
    return UnitPage(**PageMeta.of(page), results=[UnitOut.build(u) for u in page.object_list])


@router.post("/units", response={201: UnitOut}, url_name="registry_units", tags=["registry"])
def create_unit(request: HttpRequest, payload: UnitIn) -> tuple[int, UnitOut]:
    area = area_get(viewer=request.user, code=payload.community_code)
    fields = payload.dict(exclude={"community_code", "name"})
    unit = services.unit_create(actor=request.user, community=area, name=payload.name, **fields)
    return 201, UnitOut.build(selectors.unit_get(viewer=request.user, pk=unit.pk))


@router.get("/units/{unit_id}", response=UnitOut, url_name="registry_unit", tags=["registry"])
def get_unit(request: HttpRequest, unit_id: int) -> UnitOut:
    return UnitOut.build(selectors.unit_get(viewer=request.user, pk=unit_id))


@router.patch("/units/{unit_id}", response=UnitOut, url_name="registry_unit", tags=["registry"])
def update_unit(request: HttpRequest, unit_id: int, payload: UnitPatch) -> UnitOut:
    unit = selectors.unit_get(viewer=request.user, pk=unit_id)
    policies.require_change(request.user, unit.area_code)
    services.unit_update(actor=request.user, unit=unit, **_patch_fields(payload))
    return UnitOut.build(selectors.unit_get(viewer=request.user, pk=unit_id))


# -- tags --------------------------------------------------------------------------------------------


@router.get("/tags", response=list[TagOut], url_name="registry_tags", tags=["registry"])
def list_tags(request: HttpRequest) -> list[TagOut]:
    """The tags the viewer's work lines may see (and so may filter by, add and remove)."""
    return [TagOut.build(t) for t in selectors.tag_list(viewer=request.user)]


@router.post(
    "/tags", response={201: TagOut}, url_name="registry_tags", tags=["registry"],
    summary="Create a tag (city administrator)",
)
def create_tag(request: HttpRequest, payload: TagIn) -> tuple[int, TagOut]:
    """403 for anyone but the city administrator; 422 with field details for a used code or name, or an
    unknown work line."""
    return 201, TagOut.build(tag_create(actor=request.user, **payload.dict()))


@router.patch(
    "/tags/{code}", response=TagOut, url_name="registry_tag", tags=["registry"],
    summary="Rename or re-scope a tag: owner line, visible lines, sensitivity (city administrator)",
)
def update_tag(request: HttpRequest, code: str, payload: TagPatch) -> TagOut:
    """A tag the viewer's lines cannot see is 404; a visible one the viewer may not change is 403. The change
    takes effect on the next request: a line that loses visibility no longer sees the tag on any resident."""
    tag = tag_for_change(actor=request.user, code=code)
    return TagOut.build(tag_update(actor=request.user, tag=tag, **_patch_fields(payload)))
