from __future__ import annotations

import datetime as dt

from ninja import Schema

from shequ.registry.models import Resident
from shequ.registry.privacy import masked_identity


class ResidentOut(Schema):
    id: int
    name: str
    id_number: str
    phone: str
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

    @staticmethod
    def build(resident: Resident) -> ResidentOut:
        masked = masked_identity(resident)
        return ResidentOut(
            id=resident.pk,
            name=resident.name,
            id_number=masked["id_number"],
            phone=masked["phone"],
            sex=resident.sex,
            birth_date=resident.birth_date,
            household_id=resident.household_id,
            household_number=resident.household.number if resident.household_id else None,
            relation=resident.relation,
            status=resident.status,
            community_code=resident.community.code,
            community_name=resident.community.name,
            grid_code=resident.grid.code if resident.grid_id else None,
            area_code=resident.area_code,
        )


class ResidentPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ResidentOut]


class ResidentIn(Schema):
    name: str
    id_number: str
    phone: str = ""
    household_id: int | None = None
    community_code: str | None = None
    relation: str = ""
    tags: list[str] = []


class ResidentPatch(Schema):
    name: str | None = None
    id_number: str | None = None
    phone: str | None = None
    relation: str | None = None
    status: str | None = None


class UnmaskIn(Schema):
    reason: str


class UnmaskOut(Schema):
    id_number: str
    phone: str
