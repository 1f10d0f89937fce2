"""API shapes of workers, evaluations and action items. A worker linked to the registry shows the link and a
masked phone, never the ID number or phone in clear."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from shequ.core.masking import mask_phone
from shequ.governance.models import ActionItem, Evaluation, Worker
from shequ.registry.schemas import PageMeta


class WorkerOut(Schema):
    id: int
    community_code: str
    community_name: str
    name: str
    position: str
    committee: str
    start_date: dt.date
    end_date: dt.date | None
    in_post: bool = Field(description="In post today")
    monthly_base_pay: Decimal = Field(description="Yuan per month")
    resident_id: int | None = Field(description="Linked registry record, if any")
    resident_phone: str | None = Field(description="Masked: 138****5678")

    @staticmethod
    def build(w: Worker, today: dt.date) -> WorkerOut:
        return WorkerOut(
            id=w.pk,
            community_code=w.community.code,
            community_name=w.community.name,
            name=w.name,
            position=w.position,
            committee=w.committee,
            start_date=w.start_date,
            end_date=w.end_date,
            in_post=w.start_date <= today and (w.end_date is None or w.end_date >= today),
            monthly_base_pay=w.monthly_base_pay,
            resident_id=w.resident_id,
            resident_phone=mask_phone(w.resident.phone) if w.resident_id and w.resident else None,
        )


class WorkerPage(PageMeta):
    results: list[WorkerOut]


class WorkerFilters(Schema):
    community: str = Field("", max_length=15, description="Community code (or any area code prefix)")
    status: str = Field("", description="current | past | (all)")
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


class WorkerIn(Schema):
    community_code: str = Field(max_length=15)
    name: str = Field("", max_length=100, description="Defaults to the linked resident's name")
    position: str = Field(description="director | deputy | member | worker")
    committee: str = Field(description="party | residents | none (only for position worker)")
    start_date: dt.date
    end_date: dt.date | None = None
    monthly_base_pay: Decimal = Field(description="Yuan per month, > 0 and < 100000")
    resident_id: int | None = None


class WorkerPatch(Schema):
    name: str | None = Field(None, max_length=100)
    position: str | None = None
    committee: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = Field(None, description="null reopens the term")
    monthly_base_pay: Decimal | None = None
    resident_id: int | None = Field(None, description="null unlinks the registry record")


class EndIn(Schema):
    end_date: dt.date


class EvaluationOut(Schema):
    id: int
    worker_id: int
    worker_name: str
    year: int
    rating: str
    note: str
    recorded_at: dt.datetime

    @staticmethod
    def build(e: Evaluation) -> EvaluationOut:
        return EvaluationOut(
            id=e.pk, worker_id=e.worker_id, worker_name=e.worker.name, year=e.year, rating=e.rating, note=e.note,
            recorded_at=e.recorded_at,
        )


class EvaluationPage(PageMeta):
    results: list[EvaluationOut]


class EvaluationFilters(Schema):
    community: str = Field("", max_length=15)
    year: int | None = Field(None, ge=1949, le=9999)
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


class EvaluationIn(Schema):
    year: int = Field(ge=1949, le=9999)
    rating: str = Field(description="excellent | competent | basic | incompetent")
    note: str = Field("", max_length=1000)


class ActionItemOut(Schema):
    id: int
    kind: str
    worker_id: int
    worker_name: str
    position: str
    community_code: str
    community_name: str
    first_year: int
    second_year: int
    status: str
    age_days: int = Field(description="Days open (until closed, for items dealt with)")
    outcome: str
    outcome_note: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    closed_by: str | None

    @staticmethod
    def build(item: ActionItem, age_days: int) -> ActionItemOut:
        return ActionItemOut(
            id=item.pk,
            kind=item.kind,
            worker_id=item.worker_id,
            worker_name=item.worker.name,
            position=item.worker.position,
            community_code=item.worker.community.code,
            community_name=item.worker.community.name,
            first_year=item.first_year,
            second_year=item.second_year,
            status=item.status,
            age_days=age_days,
            outcome=item.outcome,
            outcome_note=item.outcome_note,
            opened_at=item.opened_at,
            closed_at=item.closed_at,
            closed_by=item.closed_by.get_username() if item.closed_by_id and item.closed_by else None,
        )


class ActionItemPage(PageMeta):
    results: list[ActionItemOut]


class ActionItemFilters(Schema):
    status: str = Field("", description="open | done | withdrawn | (all, open first)")
    area: str = Field("", max_length=15)
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


class ResolveIn(Schema):
    outcome: str = Field(description="resigned | recalled | dismissed | other")
    note: str = Field(max_length=2000)
