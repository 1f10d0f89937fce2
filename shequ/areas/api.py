from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from shequ.areas import selectors

router = Router(tags=["areas"])


class AreaOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None
    community_kind: str
    urban_rural_class: str
    buildings: int
    households: int
    residents: int
    units: int


def _out(area) -> AreaOut:  # type: ignore[no-untyped-def]
    stats = getattr(area, "stats", None)
    return AreaOut(
        code=area.code,
        name=area.name,
        level=area.level,
        parent_code=area.code[: {6: 4, 9: 6, 12: 9, 15: 12}.get(len(area.code), 0)] or None,
        community_kind=area.community_kind,
        urban_rural_class=area.urban_rural_class,
        buildings=stats.buildings if stats else 0,
        households=stats.households if stats else 0,
        residents=stats.residents if stats else 0,
        units=stats.units if stats else 0,
    )


@router.get("/", response=list[AreaOut], summary="Areas the viewer may see (top level, or children of parent)")
def list_areas(request: HttpRequest, parent: str | None = None) -> list[AreaOut]:
    if parent:
        parent_area = selectors.area_get(viewer=request.user, code=parent)
        areas = selectors.area_list(viewer=request.user, parent=parent_area)
    else:
        areas = selectors.area_roots(viewer=request.user)
    return [_out(a) for a in areas]


@router.get("/{code}", response=AreaOut)
def get_area(request: HttpRequest, code: str) -> AreaOut:
    return _out(selectors.area_get(viewer=request.user, code=code))
