"""API shapes of households, buildings, resident units and tags."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from shequ.registry.models import Building, Household, ResidentUnit, Tag
from shequ.registry.schemas import PageMeta, ResidentOut

HouseholdKindIn = Literal["permanent", "floating"]


class HouseholdOut(Schema):
    id: int
    number: str
    kind: str
    building_id: int | None
    building_address: str | None
    room: str
    head_id: int | None
    head_name: str | None
    community_code: str
    community_name: str
    grid_code: str | None
    area_code: str
    dissolved_at: dt.datetime | None

    @staticmethod
    def build(h: Household) -> HouseholdOut:
        return HouseholdOut(
            id=h.pk,
            number=h.number,
            kind=h.kind,
            building_id=h.building_id,
            building_address=h.building.address if h.building_id else None,
            room=h.room,
            head_id=h.head_id,
            head_name=h.head.name if h.head_id else None,
            community_code=h.community.code,
            community_name=h.community.name,
            grid_code=h.grid.code if h.grid_id else None,
            area_code=h.area_code,
            dissolved_at=h.dissolved_at,
        )


class HouseholdDetailOut(HouseholdOut):
    members: list[ResidentOut]


class HouseholdPage(PageMeta):
    results: list[HouseholdOut]


class HouseholdFilters(Schema):
    q: str = Field("", max_length=100, description="Household number prefix, or building address")
    area: str = Field("", max_length=15)
    kind: Literal["", "permanent", "floating"] = ""
    building_id: int | None = None
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


class HouseholdIn(Schema):
    community_code: str | None = Field(None, description="Community or grid code (when no building)")
    building_id: int | None = None
    kind: HouseholdKindIn = "permanent"
    room: str = Field("", max_length=50)
    number: str = Field("", max_length=32, description="Empty: numbered automatically")


class HouseholdPatch(Schema):
    kind: HouseholdKindIn | None = None
    building_id: int | None = None
    room: str | None = Field(None, max_length=50)
    head_id: int | None = Field(None, description="Must be a current member")


class BuildingOut(Schema):
    id: int
    address: str
    compound: str
    number: str
    latitude: float | None
    longitude: float | None
    community_code: str
    community_name: str
    grid_code: str | None
    area_code: str

    @staticmethod
    def build(b: Building) -> BuildingOut:
        return BuildingOut(
            id=b.pk,
            address=b.address,
            compound=b.compound,
            number=b.number,
            latitude=b.latitude,
            longitude=b.longitude,
            community_code=b.community.code,
            community_name=b.community.name,
            grid_code=b.grid.code if b.grid_id else None,
            area_code=b.area_code,
        )


class BuildingPage(PageMeta):
    results: list[BuildingOut]


class PlaceFilters(Schema):
    q: str = Field("", max_length=100)
    area: str = Field("", max_length=15)
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


class BuildingIn(Schema):
    community_code: str = Field(description="Community or grid code")
    address: str = Field(max_length=200)
    compound: str = Field("", max_length=100)
    number: str = Field("", max_length=50)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


class BuildingPatch(Schema):
    address: str | None = Field(None, max_length=200)
    compound: str | None = Field(None, max_length=100)
    number: str | None = Field(None, max_length=50)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


class UnitOut(Schema):
    id: int
    name: str
    credit_code: str
    kind: str
    address: str
    contact_name: str
    phone: str
    community_code: str
    community_name: str
    area_code: str

    @staticmethod
    def build(u: ResidentUnit) -> UnitOut:
        return UnitOut(
            id=u.pk,
            name=u.name,
            credit_code=u.credit_code,
            kind=u.kind,
            address=u.address,
            contact_name=u.contact_name,
            phone=u.phone,
            community_code=u.community.code,
            community_name=u.community.name,
            area_code=u.area_code,
        )


class UnitPage(PageMeta):
    results: list[UnitOut]


class UnitIn(Schema):
    community_code: str
    name: str = Field(max_length=200)
    credit_code: str = Field("", max_length=20, description="统一社会信用代码 (GB 32100), checked")
    kind: str = Field("", max_length=50)
    address: str = Field("", max_length=200)
    contact_name: str = Field("", max_length=64)
    phone: str = Field("", max_length=20)


class UnitPatch(Schema):
    name: str | None = Field(None, max_length=200)
    credit_code: str | None = Field(None, max_length=20)
    kind: str | None = Field(None, max_length=50)
    address: str | None = Field(None, max_length=200)
    contact_name: str | None = Field(None, max_length=64)
    phone: str | None = Field(None, max_length=20)


class TagOut(Schema):
    code: str
    name: str
    name_en: str
    owner_line: str
    sensitive: bool

    @staticmethod
    def build(t: Tag) -> TagOut:
        return TagOut(code=t.code, name=t.name, name_en=t.name_en, owner_line=t.owner_line, sensitive=t.sensitive)
