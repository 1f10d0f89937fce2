"""API shapes of premises, functional rooms and photos. Areas and amounts travel as decimal strings ("620.00")
so nothing is lost to floating point; inputs accept numbers or strings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from ninja import Schema
from pydantic import Field

from shequ.areas.models import Area
from shequ.facilities.models import FacilityPhoto, Premises
from shequ.registry.schemas import PageMeta


def two_places(value: Decimal | None) -> Decimal | None:
    """Sums from the database come back as 620 on SQLite and 620.00 on PostgreSQL: always two places."""
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


class RoomOut(Schema):
    name: str
    floor_area_m2: Decimal | None


class PhotoOut(Schema):
    id: int
    premises_id: int
    caption: str
    uploaded_at: dt.datetime
    file_url: str = Field(description="The image itself, for viewers who may see the premises")

    @staticmethod
    def build(photo: FacilityPhoto) -> PhotoOut:
        return PhotoOut(
            id=photo.pk,
            premises_id=photo.premises_id,
            caption=photo.caption,
            uploaded_at=photo.uploaded_at,
            file_url=reverse("api:facilities_photo_file", kwargs={"photo_id": photo.pk}),
        )


class PremisesOut(Schema):
    id: int
    community_code: str
    community_name: str
    area_code: str
    name: str
    address: str
    floor_area_m2: Decimal
    year_from: int
    year_to: int | None = Field(description="Last year in use (inclusive); null: still in use")
    newly_built: bool
    tenure: str
    service_centre_m2: Decimal | None = Field(description="null: no service centre in these premises")
    unifications: list[str]
    plaques: list[str]
    rooms: list[RoomOut]
    photos: list[PhotoOut]
    note: str

    @staticmethod
    def build(p: Premises) -> PremisesOut:
        return PremisesOut(
            id=p.pk,
            community_code=p.community.code,
            community_name=p.community.name,
            area_code=p.area_code,
            name=p.name,
            address=p.address,
            floor_area_m2=p.floor_area_m2,
            year_from=p.year_from,
            year_to=p.year_to,
            newly_built=p.newly_built,
            tenure=p.tenure,
            service_centre_m2=p.service_centre_m2,
            unifications=list(p.unifications or []),
            plaques=list(p.plaques or []),
            rooms=[RoomOut(name=r.name, floor_area_m2=r.floor_area_m2) for r in p.rooms.all()],
            photos=[PhotoOut.build(ph) for ph in p.photos.all()],
            note=p.note,
        )


class PremisesPage(PageMeta):
    results: list[PremisesOut]


class PremisesFilters(Schema):
    community: str = Field("", max_length=15, description="Community code")
    year: int | None = Field(None, ge=1, le=9999, description="Only premises in use in this year")
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


_NAMES = "Names from the community standards in force in year_from"


class PremisesIn(Schema):
    community_code: str = Field(max_length=15)
    address: str
    floor_area_m2: Decimal
    year_from: int
    year_to: int | None = None
    newly_built: bool = False
    tenure: str = Field("owned", description="owned | rented | lent")
    service_centre_m2: Decimal | None = None
    unifications: list[str] = Field([], description=_NAMES)
    plaques: list[str] = Field([], description=_NAMES + ', or "其他：<organisation>" for any other plaque')
    rooms: dict[str, Decimal | None] = Field({}, description="Functional room name → area in m² (or null)")
    name: str = ""
    note: str = ""


class PremisesPatch(Schema):
    address: str | None = None
    floor_area_m2: Decimal | None = None
    year_from: int | None = None
    year_to: int | None = Field(None, description="null clears (still in use)")
    newly_built: bool | None = None
    tenure: str | None = None
    service_centre_m2: Decimal | None = Field(None, description="null clears (no service centre)")
    unifications: list[str] | None = None
    plaques: list[str] | None = None
    rooms: dict[str, Decimal | None] | None = Field(None, description="Replaces the whole set of rooms")
    name: str | None = None
    note: str | None = None


class CommunityFacilitiesOut(Schema):
    code: str
    name: str
    subdistrict_code: str | None
    subdistrict_name: str | None
    premises_m2: Decimal | None = Field(description="Sum of the premises in use in the year; null: none")
    service_centre_m2: Decimal | None = Field(description="Largest service centre among them")

    @staticmethod
    def build(area: Area) -> CommunityFacilitiesOut:
        parent = area.parent
        return CommunityFacilitiesOut(
            code=area.code,
            name=area.name,
            subdistrict_code=parent.code if parent else None,
            subdistrict_name=parent.name if parent else None,
            premises_m2=two_places(getattr(area, "premises_m2", None)),
            service_centre_m2=two_places(getattr(area, "centre_m2", None)),
        )


class CommunityFacilitiesPage(PageMeta):
    year: int
    results: list[CommunityFacilitiesOut]


class CommunityFilters(Schema):
    year: int | None = Field(None, ge=1, le=9999, description="Default: this year")
    subdistrict: str = Field("", max_length=15)
    q: str = Field("", max_length=50, description="Community name or code prefix")
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)
