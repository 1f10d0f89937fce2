"""API shapes of residents (masked by default) and the shared page envelope.

Households, buildings, units and tags are in schemas_places.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from shequ.registry.models import HouseholdMembership, Resident, ResidentTag
from shequ.registry.privacy import masked_identity

SearchKind = Literal["auto", "name", "pinyin", "id", "phone", "address"]


class TagBrief(Schema):
    code: str
    name: str


class ResidentOut(Schema):
    id: int
    name: str
    id_number: str = Field(description="Masked: 4313**********1234 (unmask with a reason)")
    phone: str = Field(description="Masked: 138****5678")
    sex: str
    birth_date: dt.date
    household_id: int | None
    household_number: str | None
    relation: str
    status: str
    community_code: str
    community_name: str
    grid_code: str | None
    area_code: str
    tags: list[TagBrief] | None = Field(None, description="Only tags the viewer's work lines may see")

    @staticmethod
    def build(resident: Resident, tags: list[ResidentTag] | None = None) -> ResidentOut:
        masked = masked_identity(resident)
        if tags is None:
            tags = getattr(resident, "visible_tags", None)
        return ResidentOut(
            id=resident.pk,
            name=resident.name,
            id_number=masked["id_number"],
            phone=masked["phone"],
            sex=resident.sex,
            birth_date=resident.birth_date,
            household_id=resident.household_id,
            household_number=resident.household.number if resident.household else None,
            relation=resident.relation,
            status=resident.status,
            community_code=resident.community.code,
            community_name=resident.community.name,
            grid_code=resident.grid.code if resident.grid else None,
            area_code=resident.area_code,
            tags=[TagBrief(code=t.tag.code, name=t.tag.name) for t in tags] if tags is not None else None,
        )

    @staticmethod
    def from_row(row: dict[str, Any]) -> ResidentOut:
        """From a `selectors.resident_rows` row (already masked and typed by the database): no validation,
        which for a 50-row page would cost more than the queries."""
        return ResidentOut.model_construct(
            id=row["id"],
            name=row["name"],
            id_number=row["id_number"],
            phone=row["phone"],
            sex=row["sex"],
            birth_date=row["birth_date"],
            household_id=row["household_id"],
            household_number=row["household__number"],
            relation=row["relation"],
            status=row["status"],
            community_code=row["community__code"],
            community_name=row["community__name"],
            grid_code=row["grid__code"],
            area_code=row["area_code"],
            tags=[TagBrief.model_construct(code=t["code"], name=t["name"]) for t in row["tags"]],
        )


class PageMeta(Schema):
    count: int = Field(description="Exact up to the cap; see count_exact")
    count_exact: bool = Field(description="False when there are more rows than `count` (the count is capped)")
    page: int
    page_size: int
    num_pages: int
    reordered: bool = Field(
        False, description="True when there are too many rows to sort by name: they come by area code, then id"
    )

    @staticmethod
    def of(page: Any) -> dict[str, Any]:
        return {
            "count": page.paginator.count,
            "count_exact": page.paginator.count_exact,
            "page": page.number,
            "page_size": page.paginator.per_page,
            "num_pages": page.paginator.num_pages,
            "reordered": getattr(page.paginator, "reordered", False),
        }


class ResidentPage(PageMeta):
    results: list[ResidentOut]


class ResidentFilters(Schema):
    q: str = Field("", max_length=100, description="Name, pinyin or initials, ID (full or last 4+), phone, address")
    kind: SearchKind = "auto"
    area: str = Field("", max_length=15, description="Area code: only residents inside this area")
    tag: str = ""
    status: Literal["", "active", "moved_out", "deceased"] = ""
    household_kind: Literal["", "permanent", "floating"] = ""
    household_id: int | None = None
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


class ResidentIn(Schema):
    name: str = Field(max_length=64)
    id_number: str = Field(max_length=20)
    phone: str = Field("", max_length=20)
    household_id: int | None = None
    community_code: str | None = Field(None, description="A community or grid code (when no household)")
    relation: str = ""
    tags: list[str] = []


class ResidentPatch(Schema):
    name: str | None = Field(None, max_length=64)
    id_number: str | None = Field(None, max_length=20)
    phone: str | None = Field(None, max_length=20)
    relation: str | None = None
    status: Literal["active", "moved_out", "deceased"] | None = None


class MoveIn(Schema):
    household_id: int
    relation: str = "other"
    reason: str = Field(min_length=2, max_length=200)


class MembershipOut(Schema):
    household_id: int
    household_number: str
    community_code: str
    relation: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    reason: str

    @staticmethod
    def build(m: HouseholdMembership) -> MembershipOut:
        return MembershipOut(
            household_id=m.household_id,
            household_number=m.household.number,
            community_code=m.community_code,
            relation=m.relation,
            started_at=m.started_at,
            ended_at=m.ended_at,
            reason=m.reason,
        )


class TagIn(Schema):
    tag: str = Field(description="Tag code (or name)")
    note: str = Field("", max_length=200)


class UnmaskIn(Schema):
    reason: str


class UnmaskOut(Schema):
    id_number: str
    phone: str
