"""/api/v1/areas: the hierarchy as the viewer may see it, with subtree counts (AreaStats, AreaTagCount)."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from shequ.accounts.scope import viewer_scope
from shequ.areas import selectors, services
from shequ.areas.models import Area
from shequ.core.errors import PermissionDenied, ValidationFailed
from shequ.core.roles import Perm

router = Router(tags=["areas"])


class AreaOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None
    community_kind: str
    community_kind_manual: bool
    urban_rural_class: str
    buildings: int
    households: int
    residents: int
    units: int


class TagCountOut(Schema):
    tag: str
    name: str
    display_name: str = Field(description="The tag's name in the request's language (Accept-Language)")
    residents: int


class AreaRef(Schema):
    code: str
    name: str


class AreaDetailOut(AreaOut):
    breadcrumbs: list[AreaRef]
    children: list[AreaOut]
    tag_counts: list[TagCountOut] = Field(description="Residents per tag, only tags the viewer's lines may see")


class AreaChildIn(Schema):
    name: str = Field(max_length=100)
    code: str = Field("", max_length=15, description="Empty: next free code under the parent")
    urban_rural_class: str = Field("", max_length=3, description="NBS 城乡分类代码 (communities only)")
    central_city: bool = False


class CommunityKindIn(Schema):
    community_kind: Literal["central_urban", "urban", "township", "village"]


def _out(area: Area) -> AreaOut:
    stats = getattr(area, "stats", None)
    return AreaOut(
        code=area.code,
        name=area.name,
        level=area.level,
        parent_code=area.code[: {6: 4, 9: 6, 12: 9, 15: 12}.get(len(area.code), 0)] or None,
        community_kind=area.community_kind,
        community_kind_manual=area.community_kind_manual,
        urban_rural_class=area.urban_rural_class,
        buildings=stats.buildings if stats else 0,
        households=stats.households if stats else 0,
        residents=stats.residents if stats else 0,
        units=stats.units if stats else 0,
    )


def _require_areas_change(request: HttpRequest, area: Area) -> None:
    if not viewer_scope(request.user).has(Perm.AREAS_CHANGE, area.code):
        raise PermissionDenied()


@router.get("/", response=list[AreaOut], url_name="areas_roots", summary="The viewer's top areas (or children)")
def list_areas(request: HttpRequest, parent: str | None = None) -> list[AreaOut]:
    if parent:
        parent_area = selectors.area_get(viewer=request.user, code=parent)
        return [_out(a) for a in selectors.area_list(viewer=request.user, parent=parent_area)]
    return [_out(a) for a in selectors.area_roots(viewer=request.user)]


@router.get("/{code}", response=AreaDetailOut, url_name="areas_area", summary="An area with counts and children")
def get_area(request: HttpRequest, code: str) -> AreaDetailOut:
    area = selectors.area_get(viewer=request.user, code=code)
    return AreaDetailOut(
        **_out(area).dict(),
        breadcrumbs=[AreaRef(code=a.code, name=a.name) for a in selectors.area_breadcrumbs(area)],
        children=[_out(c) for c in selectors.area_list(viewer=request.user, parent=area)],
        tag_counts=[
            TagCountOut(tag=tc.tag.code, name=tc.tag.name, display_name=tc.tag.display_name, residents=tc.residents)
            for tc in selectors.area_tag_counts(viewer=request.user, area=area)
        ],
    )


@router.get("/{code}/children", response=list[AreaOut], url_name="areas_children")
def list_children(request: HttpRequest, code: str) -> list[AreaOut]:
    area = selectors.area_get(viewer=request.user, code=code)
    return [_out(c) for c in selectors.area_list(viewer=request.user, parent=area)]


@router.post(
    "/{code}/children",
    response={201: AreaOut},
    url_name="areas_children",
    summary="Add a community under a sub-district, or a grid under a community",
)
def create_child(request: HttpRequest, code: str, payload: AreaChildIn) -> tuple[int, AreaOut]:
    parent = selectors.area_get(viewer=request.user, code=code)
    _require_areas_change(request, parent)
    if selectors.area_child_level(parent) is None:
        message = _("只能在街道（乡镇）下新增社区（村），或在社区（村）下新增网格")
        raise ValidationFailed(message, details={"code": [message]})
    child = services.area_create(
        actor=request.user,
        parent=parent,
        name=payload.name,
        code=payload.code.strip(),
        urban_rural_class=payload.urban_rural_class,
        central_city=payload.central_city,
    )
    return 201, _out(selectors.area_get(viewer=request.user, code=child.code))


@router.put("/{code}/community-kind", response=AreaOut, url_name="areas_community_kind")
def set_community_kind(request: HttpRequest, code: str, payload: CommunityKindIn) -> AreaOut:
    area = selectors.area_get(viewer=request.user, code=code)
    _require_areas_change(request, area)
    services.area_set_kind(actor=request.user, area=area, community_kind=payload.community_kind)
    return _out(selectors.area_get(viewer=request.user, code=code))
