"""API shapes of operating and project funds. Amounts travel as decimal strings ("250000.00")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from shequ.areas.models import Area
from shequ.facilities.schemas import two_places
from shequ.funding.models import OperatingFund, ProjectFund
from shequ.registry.schemas import PageMeta


class OperatingFundOut(Schema):
    id: int
    community_code: str
    community_name: str
    area_code: str
    year: int
    source: str
    amount: Decimal
    received_on: dt.date | None
    note: str

    @staticmethod
    def build(f: OperatingFund) -> OperatingFundOut:
        return OperatingFundOut(
            id=f.pk, community_code=f.community.code, community_name=f.community.name, area_code=f.area_code,
            year=f.year, source=f.source, amount=f.amount, received_on=f.received_on, note=f.note,
        )


class ProjectFundOut(Schema):
    id: int
    community_code: str
    community_name: str
    area_code: str
    year: int
    name: str
    amount: Decimal
    note: str

    @staticmethod
    def build(f: ProjectFund) -> ProjectFundOut:
        return ProjectFundOut(
            id=f.pk, community_code=f.community.code, community_name=f.community.name, area_code=f.area_code,
            year=f.year, name=f.name, amount=f.amount, note=f.note,
        )


class OperatingFundPage(PageMeta):
    results: list[OperatingFundOut]


class ProjectFundPage(PageMeta):
    results: list[ProjectFundOut]


class FundFilters(Schema):
    community: str = Field("", max_length=15, description="Community code")
    year: int | None = Field(None, ge=1, le=9999)
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


class OperatingFundIn(Schema):
    community_code: str = Field(max_length=15)
    year: int
    source: str = Field(description="city | district | subdistrict | other")
    amount: Decimal = Field(description="Yuan, > 0, two decimals at most")
    received_on: dt.date | None = None
    note: str = ""


class OperatingFundPatch(Schema):
    year: int | None = None
    source: str | None = None
    amount: Decimal | None = None
    received_on: dt.date | None = Field(None, description="null clears")
    note: str | None = None


class ProjectFundIn(Schema):
    community_code: str = Field(max_length=15)
    year: int
    name: str
    amount: Decimal = Field(description="Yuan, > 0, two decimals at most")
    note: str = ""


class ProjectFundPatch(Schema):
    year: int | None = None
    name: str | None = None
    amount: Decimal | None = None
    note: str | None = None


class CommunityFundsOut(Schema):
    code: str
    name: str
    subdistrict_code: str | None
    subdistrict_name: str | None
    operating_total: Decimal | None = Field(description="null: nothing recorded that year")
    project_total: Decimal | None

    @staticmethod
    def build(area: Area) -> CommunityFundsOut:
        parent = area.parent
        return CommunityFundsOut(
            code=area.code,
            name=area.name,
            subdistrict_code=parent.code if parent else None,
            subdistrict_name=parent.name if parent else None,
            operating_total=two_places(getattr(area, "operating_total", None)),
            project_total=two_places(getattr(area, "project_total", None)),
        )


class CommunityFundsPage(PageMeta):
    year: int
    operating_total: Decimal | None = Field(description="Over every community matching the filters")
    project_total: Decimal | None
    results: list[CommunityFundsOut]


class CommunityFundsFilters(Schema):
    year: int | None = Field(None, ge=1, le=9999, description="Default: the latest year with a fund recorded")
    subdistrict: str = Field("", max_length=15)
    q: str = Field("", max_length=50)
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)
