"""API shapes of households, buildings, resident units and tags.

Output shapes are read from the model instance (ninja resolvers for the derived fields); the fields shared
by a create payload and its patch are typed once below, so both check the same limits.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, TypeVar

from ninja import Schema
from pydantic import ConfigDict, Field

from shequ.core.masking import mask_phone
from shequ.registry.models import HouseholdMembership, Tag
from shequ.registry.schemas import PageMeta, ResidentOut

HouseholdKindIn = Literal["permanent", "floating"]
PlacedT = TypeVar("PlacedT", bound="_Placed")

Address = Annotated[str, Field(max_length=200)]
Compound = Annotated[str, Field(max_length=100)]
Short = Annotated[str, Field(max_length=50)]
Room = Annotated[str, Field(max_length=50)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
UnitName = Annotated[str, Field(max_length=200)]
CreditCode = Annotated[str, Field(max_length=20, description="统一社会信用代码 (GB 32100), checked")]
PersonName = Annotated[str, Field(max_length=64)]
Phone = Annotated[str, Field(max_length=20)]


class _Placed(Schema):
    """A registry row's place: its community and area code (grid-level rows add grid_code).

    `build` copies the fields named like the model's attributes and adds the derived ones (`derived`).
    """

    community_code: str
    community_name: str
    area_code: str

    @classmethod
    def derived(cls, obj: Any) -> dict[str, Any]:
        return {"community_code": obj.community.code, "community_name": obj.community.name}

    @classmethod
    def build(cls: type[PlacedT], obj: Any) -> PlacedT:
        values = {name: getattr(obj, name, None) for name in cls.model_fields}
        return cls(**{**values, **cls.derived(obj)})


class _InGrid(_Placed):
    grid_code: str | None

    @classmethod
    def derived(cls, obj: Any) -> dict[str, Any]:
        return {**super().derived(obj), "grid_code": obj.grid.code if obj.grid_id else None}


class HouseholdOut(_InGrid):
    id: int
    number: str
    kind: str
    building_id: int | None
    building_address: str | None
    room: str
    head_id: int | None
    head_name: str | None
    dissolved_at: dt.datetime | None

    @classmethod
    def derived(cls, obj: Any) -> dict[str, Any]:
        return {
            **super().derived(obj),
            "building_address": obj.building.address if obj.building_id else None,
            "head_name": obj.head.name if obj.head_id else None,
        }


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
    room: Room = ""
    number: str = Field("", max_length=32, description="Empty: numbered automatically")


class HouseholdPatch(Schema):
    kind: HouseholdKindIn | None = None
    building_id: int | None = Field(None, description="Another building of the community; members follow its grid")
    room: Room | None = None
    head_id: int | None = Field(None, description="Must be a current member")


class BuildingOut(_InGrid):
    id: int
    address: str
    compound: str
    number: str
    latitude: float | None
    longitude: float | None


class BuildingPage(PageMeta):
    results: list[BuildingOut]


class PlaceFilters(Schema):
    q: str = Field("", max_length=100)
    area: str = Field("", max_length=15)
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


class BuildingIn(Schema):
    community_code: str = Field(description="Community or grid code")
    address: Address
    compound: Compound = ""
    number: Short = ""
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class BuildingPatch(Schema):
    address: Address | None = None
    compound: Compound | None = None
    number: Short | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class UnitOut(_Placed):
    id: int
    name: str
    credit_code: str
    kind: str
    address: str
    contact_name: str
    phone: str = Field(description="Masked: 138****5678")

    @classmethod
    def derived(cls, obj: Any) -> dict[str, Any]:
        return {**super().derived(obj), "phone": mask_phone(obj.phone)}


class UnitPage(PageMeta):
    results: list[UnitOut]


class UnitIn(Schema):
    community_code: str
    name: UnitName
    credit_code: CreditCode = ""
    kind: Short = ""
    address: Address = ""
    contact_name: PersonName = ""
    phone: Phone = ""


class UnitPatch(Schema):
    name: UnitName | None = None
    credit_code: CreditCode | None = None
    kind: Short | None = None
    address: Address | None = None
    contact_name: PersonName | None = None
    phone: Phone | None = None


class TagOut(Schema):
    code: str
    name: str
    name_en: str
    display_name: str = Field(description="The name in the request's language (Accept-Language): name_en in English")
    owner_line: str
    visible_lines: list[str] = Field(description="Work lines that may see the tag besides its owner; empty: every line")
    sensitive: bool

    @staticmethod
    def build(t: Tag) -> TagOut:
        return TagOut(
            code=t.code, name=t.name, name_en=t.name_en, display_name=t.display_name, owner_line=t.owner_line,
            visible_lines=list(t.visible_lines or []), sensitive=t.sensitive,
        )


TagName = Annotated[str, Field(max_length=32)]
TagNameEn = Annotated[str, Field(max_length=64)]
WorkLineCode = Annotated[str, Field(max_length=32, description="A work line: party, labour, assistance, ...")]
WorkLines = Annotated[
    list[WorkLineCode],
    Field(max_length=16, description="Work lines that may see the tag besides its owner; empty: every line"),
]


class TagIn(Schema):
    code: str = Field(max_length=32, description="Lower-case letters, digits and _; the tag's key, never changed")
    name: TagName
    name_en: TagNameEn = ""
    owner_line: WorkLineCode
    visible_lines: WorkLines = []
    sensitive: bool = Field(False, description="Specific identity data (PIPL): hidden from non-staff viewers")


class TagPatch(Schema):
    """Every field but the code (clients, imports and exports know a tag by it): sending one is refused."""

    model_config = ConfigDict(extra="forbid")

    name: TagName | None = None
    name_en: TagNameEn | None = None
    owner_line: WorkLineCode | None = None
    visible_lines: WorkLines | None = None
    sensitive: bool | None = None


# -- household history -------------------------------------------------------------------------------


class HouseholdHistoryOut(Schema):
    """Who joined and left a household (the household-side counterpart of the resident's MembershipOut)."""

    resident_id: int | None = Field(description="None when the person is now outside the viewer's scope")
    resident_name: str | None = Field(description="None when the person is now outside the viewer's scope")
    relation: str
    community_code: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    reason: str

    @staticmethod
    def build(m: HouseholdMembership) -> HouseholdHistoryOut:
        visible = bool(getattr(m, "resident_visible", False))
        return HouseholdHistoryOut(
            resident_id=m.resident_id if visible else None,
            resident_name=m.resident.name if visible else None,
            relation=m.relation,
            community_code=m.community_code,
            started_at=m.started_at,
            ended_at=m.ended_at,
            reason=m.reason,
        )
