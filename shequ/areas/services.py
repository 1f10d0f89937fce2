from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import CODE_LENGTH, Area, AreaStats, CommunityKind, Level, UrbanRuralClass
from shequ.core.audit import audit_record
from shequ.core.errors import NotFound, ValidationFailed
from shequ.core.roles import Perm

DIVISIONS_DIR = Path(__file__).resolve().parent / "data"
_CHILD_LEVEL = {
    Level.CITY: Level.DISTRICT,
    Level.DISTRICT: Level.SUBDISTRICT,
    Level.SUBDISTRICT: Level.COMMUNITY,
    Level.COMMUNITY: Level.GRID,
}


def kind_for_class(urban_rural_class: str, *, central_city: bool) -> str:
    """社区类别 from the NBS urban-rural class; central-city communities are urban ones in the centre."""
    if urban_rural_class in (UrbanRuralClass.MAIN_URBAN, UrbanRuralClass.URBAN_RURAL_FRINGE):
        return CommunityKind.CENTRAL_URBAN if central_city else CommunityKind.URBAN
    if urban_rural_class in (UrbanRuralClass.TOWN_CENTRE, UrbanRuralClass.TOWN_RURAL_FRINGE, UrbanRuralClass.SPECIAL):
        return CommunityKind.TOWNSHIP
    if urban_rural_class in (UrbanRuralClass.TOWNSHIP_CENTRE, UrbanRuralClass.VILLAGE):
        return CommunityKind.VILLAGE
    return ""


def _create(code: str, name: str, level: str, parent: Area | None, **extra: Any) -> Area:
    area = Area.objects.create(code=code, name=name, level=level, parent=parent, **extra)
    AreaStats.objects.create(area=area)
    return area


@transaction.atomic
def area_create(
    *,
    actor: Any,
    parent: Area,
    name: str,
    code: str = "",
    urban_rural_class: str = "",
    central_city: bool = False,
) -> Area:
    """Add a community under a sub-district, or a grid under a community."""
    if not viewer_scope(actor).has(Perm.AREAS_CHANGE, parent.code):
        raise NotFound()
    level = _CHILD_LEVEL.get(Level(parent.level))
    if level is None:
        raise ValidationFailed(_("网格下不能再设下级区域"))
    if not code:
        width = CODE_LENGTH[level] - len(parent.code)
        siblings = Area.objects.filter(parent=parent).values_list("code", flat=True)
        seq = max((int(c[len(parent.code) :]) for c in siblings if c[len(parent.code) :].isdigit()), default=0) + 1
        code = f"{parent.code}{seq:0{width}d}"
    errors: dict[str, list[str]] = {}
    if len(code) != CODE_LENGTH[level] or not code.startswith(parent.code) or not code.isdigit():
        errors["code"] = [_("区划代码应为以上级代码开头的 %(n)d 位数字") % {"n": CODE_LENGTH[level]}]
    elif Area.objects.filter(code=code).exists():
        errors["code"] = [_("区划代码 %(code)s 已存在") % {"code": code}]
    if not name.strip():
        errors["name"] = [_("名称不能为空")]
    if urban_rural_class and urban_rural_class not in UrbanRuralClass.values:
        errors["urban_rural_class"] = [_("未知的城乡分类代码")]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], details=errors)
    kind = kind_for_class(urban_rural_class, central_city=central_city) if level == Level.COMMUNITY else ""
    area = _create(code, name.strip(), level, parent, urban_rural_class=urban_rural_class, community_kind=kind)
    audit_record(
        actor=actor,
        action="area.create",
        entity_type="area",
        entity_id=area.pk,
        area_code=area.code,
        changes={"name": [None, area.name], "code": [None, code]},
        summary=area.name,
    )
    return area


@transaction.atomic
def area_set_kind(*, actor: Any, area: Area, community_kind: str) -> Area:
    if not viewer_scope(actor).has(Perm.AREAS_CHANGE, area.code):
        raise NotFound()
    if area.level != Level.COMMUNITY or community_kind not in CommunityKind.values:
        raise ValidationFailed(_("只能为社区（村）设置社区类别"), details={"community_kind": [_("无效的社区类别")]})
    old = area.community_kind
    area.community_kind = community_kind
    area.community_kind_manual = True
    area.save(update_fields=["community_kind", "community_kind_manual"])
    audit_record(
        actor=actor,
        action="area.set_kind",
        entity_type="area",
        entity_id=area.pk,
        area_code=area.code,
        changes={"community_kind": [old, community_kind]},
        summary=area.name,
    )
    return area


@transaction.atomic
def divisions_load(*, city_code: str, directory: Path = DIVISIONS_DIR) -> Area:
    """The real NBS hierarchy of one city: city, county-level areas, sub-districts and townships."""

    def rows(name: str) -> list[dict[str, str]]:
        with open(directory / name, encoding="utf-8") as fh:
            return list(csv.DictReader(fh))

    city_row = next((r for r in rows("cities.csv") if r["code"] == city_code), None)
    if city_row is None:
        raise ValidationFailed(_("未知的城市代码 %(code)s") % {"code": city_code})
    city = Area.objects.filter(code=city_code).first() or _create(city_code, city_row["name"], Level.CITY, None)
    existing = set(Area.objects.filter(code__startswith=city_code).values_list("code", flat=True))
    districts: dict[str, Area] = {a.code: a for a in Area.objects.filter(level=Level.DISTRICT, parent=city)}
    for row in rows("areas.csv"):
        if row["cityCode"] == city_code and row["code"] not in existing:
            districts[row["code"]] = _create(row["code"], row["name"], Level.DISTRICT, city)
    for row in rows("streets.csv"):
        if row["cityCode"] == city_code and row["code"] not in existing and row["areaCode"] in districts:
            _create(row["code"], row["name"], Level.SUBDISTRICT, districts[row["areaCode"]])
    return city
