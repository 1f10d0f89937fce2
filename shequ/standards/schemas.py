"""API shapes of the compliance dashboards (/api/v1/standards)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from shequ.standards.selectors import Tally

Kind = Literal["", "central_urban", "urban", "township", "village"]
StatusParam = Literal["short", "meets", "no_data", "all"]
SortParam = Literal["-gap", "gap", "-measured", "measured", "code"]


class AreaBrief(Schema):
    code: str
    name: str
    level: str


class TallyOut(Schema):
    meets: int
    short: int
    no_data: int
    rate: float | None = Field(description="Per cent meeting the rule among those assessed (no data excluded)")
    gap: Decimal = Field(description="Summed shortfall of the short communities, in gap_unit")

    @staticmethod
    def of(t: Tally | None) -> TallyOut:
        t = t or Tally()
        return TallyOut(meets=t.meets, short=t.short, no_data=t.no_data, rate=t.rate, gap=t.gap)


class RuleFigureOut(Schema):
    rule: str
    label: str
    unit: str
    gap_unit: str
    figures: TallyOut


class ChildOut(Schema):
    area: AreaBrief
    overall: TallyOut
    rules: dict[str, TallyOut]


class TrendPoint(Schema):
    year: int
    overall: TallyOut
    rules: dict[str, TallyOut]


class HeadlineOut(Schema):
    text: str
    rule: str
    kind: str


class GapsOut(Schema):
    operating_funds_yuan: Decimal
    project_funds_yuan: Decimal
    staff_people: Decimal
    base_pay_yuan: Decimal


class SummaryOut(Schema):
    area: AreaBrief
    year: int | None
    years: list[int]
    kind: str
    communities: int
    overall: TallyOut
    rules: list[RuleFigureOut]
    gaps: GapsOut
    headlines: list[HeadlineOut]
    children: list[ChildOut]
    trend: list[TrendPoint]


class SummaryFilters(Schema):
    area: str = ""
    year: int | None = Field(None, ge=1949, le=2100)
    kind: Kind = ""


class RuleFilters(SummaryFilters):
    status: StatusParam = "short"
    sort: SortParam = "-gap"
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


class PolicyOut(Schema):
    policy_set: str
    number: int
    citation: str
    effective_from: str
    effective_to: str | None


class ResultOut(Schema):
    community: AreaBrief
    subdistrict: str | None
    community_kind: str
    year: int
    rule: str
    status: Literal["meets", "short", "no_data"]
    measured: Decimal | None
    threshold: Decimal | None
    gap: Decimal | None
    unit: str
    gap_unit: str
    policy: PolicyOut | None
    detail: dict[str, Any]


class ResultPage(Schema):
    count: int
    count_exact: bool
    page: int
    pages: int
    year: int | None
    results: list[ResultOut]


class EvidenceOut(Schema):
    community: AreaBrief
    year: int | None
    years: list[int]
    results: list[ResultOut]
    trend: dict[int, dict[str, Literal["meets", "short", "no_data"]]]


class ProblemLineOut(Schema):
    area: AreaBrief | None
    count: int
    names: list[str]
    more: int


class ProblemParagraphOut(Schema):
    number: str
    rule: str
    heading: str
    text: str
    lines: list[ProblemLineOut]


class ProblemsOut(Schema):
    area: AreaBrief
    year: int | None
    title: str
    intro: str
    paragraphs: list[ProblemParagraphOut]
    closing: str


class RecomputeIn(Schema):
    area: str = Field(
        "", description="Area code (city, district, sub-district or community); default the viewer's home area"
    )
    years: list[int] | None = Field(
        None, description="Years to recompute; default from the first policy year to this year"
    )


class RecomputeSummaryOut(Schema):
    communities: int
    rows: int
    inserted: int
    deleted: int
    unchanged: int
    meets: int
    short: int
    no_data: int
    years: list[int]
    seconds: float


class RecomputeJobOut(Schema):
    id: uuid.UUID
    area: str
    years: list[int] = Field(description="As asked (empty: the default range)")
    status: Literal["pending", "running", "succeeded", "failed"]
    progress_done: int = Field(description="Communities evaluated so far")
    progress_total: int
    percent: int
    summary: RecomputeSummaryOut | None = Field(description="When the job has succeeded")
    error: str
    created_at: str
    finished_at: str | None
    status_url: str
