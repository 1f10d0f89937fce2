"""/api/v1/standards: the compliance figures of the dashboards as JSON, and the exports.

Scoped like the pages (Perm.STANDARDS_VIEW on the result's area code): an area or community outside the
viewer's subtree answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.responses import Status

from shequ.areas.models import Area
from shequ.core.errors import NotFound
from shequ.core.models import BackgroundJob
from shequ.registry.paging import paginate
from shequ.standards import exports, problems, selectors
from shequ.standards.models import ComplianceResult
from shequ.standards.schemas import (
    AreaBrief,
    ChildOut,
    EvidenceOut,
    GapsOut,
    HeadlineOut,
    PolicyOut,
    ProblemLineOut,
    ProblemParagraphOut,
    ProblemsOut,
    RecomputeIn,
    RecomputeJobOut,
    RecomputeSummaryOut,
    ResultOut,
    ResultPage,
    RuleFigureOut,
    RuleFilters,
    SummaryFilters,
    SummaryOut,
    TallyOut,
    TrendPoint,
)
from shequ.standards.selectors import RULE_BY_CODE, STATUS_NAME
from shequ.standards.tasks import compliance_recompute_job_get, compliance_recompute_start

router = Router(tags=["standards"])
RECOMPUTE_BASE = "/api/v1/standards/recompute/"


def _brief(area: Area) -> AreaBrief:
    return AreaBrief(code=area.code, name=area.name, level=area.level)


def _result(r: ComplianceResult, community: Area | None = None) -> ResultOut:
    community = community or r.community
    info = RULE_BY_CODE.get(r.rule)
    version = r.policy_version
    parent = getattr(community, "parent", None) if community.parent_id else None
    return ResultOut(
        community=_brief(community),
        subdistrict=parent.name if parent else None,
        community_kind=r.community_kind,
        year=r.year,
        rule=r.rule,
        status=STATUS_NAME.get(r.status, "no_data"),  # type: ignore[arg-type]
        measured=r.measured,
        threshold=r.threshold,
        gap=r.gap,
        unit=info.unit if info else "",
        gap_unit=info.gap_unit if info else "",
        policy=(
            PolicyOut(
                policy_set=version.policy_set.name,
                number=version.number,
                citation=version.citation,
                effective_from=version.effective_from.isoformat(),
                effective_to=version.effective_to.isoformat() if version.effective_to else None,
            )
            if version
            else None
        ),
        detail=r.detail if isinstance(r.detail, dict) else {},
    )


@router.get("/summary", response=SummaryOut, url_name="standards_summary", summary="Compliance figures of an area")
def summary(request: HttpRequest, filters: Query[SummaryFilters]) -> SummaryOut:
    """Per rule: communities meeting / short / without data, the rate and the summed gap; the same per
    child area; the trend over the years; the headline sentences. Default area: the viewer's home area;
    default year: the latest with results."""
    area = selectors.standards_area(viewer=request.user, code=filters.area)
    s = selectors.compliance_summary(viewer=request.user, area=area, year=filters.year, kind=filters.kind)
    return SummaryOut(
        area=_brief(area),
        year=s.year,
        years=s.years,
        kind=s.kind,
        communities=s.communities,
        overall=TallyOut.of(s.total),
        rules=[
            RuleFigureOut(rule=r.code, label=str(r.label), unit=r.unit, gap_unit=r.gap_unit, figures=TallyOut.of(t))
            for r, t in s.rules
        ],
        gaps=GapsOut(
            operating_funds_yuan=s.tally("operating_funds").gap,
            project_funds_yuan=s.tally("project_funds").gap,
            staff_people=s.tally("staffing").gap,
            base_pay_yuan=s.tally("base_pay").gap,
        ),
        headlines=[HeadlineOut(text=h.text, rule=h.rule, kind=h.kind) for h in problems.headlines(s)],
        children=[
            ChildOut(
                area=_brief(c.area), overall=TallyOut.of(c.total), rules={k: TallyOut.of(t) for k, t in c.rules.items()}
            )
            for c in s.children
        ],
        trend=[
            TrendPoint(year=y, overall=TallyOut.of(t), rules={k: TallyOut.of(v) for k, v in by_rule.items()})
            for y, t, by_rule in s.trend
        ],
    )


@router.get(
    "/rules/{rule}/communities",
    response=ResultPage,
    url_name="standards_rule_communities",
    summary="The communities behind a figure",
)
def rule_communities(request: HttpRequest, rule: str, filters: Query[RuleFilters]) -> ResultPage:
    if rule not in RULE_BY_CODE:
        raise NotFound()
    area = selectors.standards_area(viewer=request.user, code=filters.area)
    year = filters.year
    if year is None:
        years = selectors.year_bounds(viewer=request.user, area_code=area.code, kind=filters.kind, rule=rule)
        year = years[-1] if years else None
    qs: Any = (
        selectors.rule_communities(
            viewer=request.user,
            area=area,
            rule=rule,
            year=year,
            status=filters.status,
            kind=filters.kind,
            sort=filters.sort,
        )
        if year is not None
        else ComplianceResult.objects.none()
    )
    page = paginate(qs, filters.page, filters.page_size, big_ordering=None)
    return ResultPage(
        count=page.paginator.count,
        count_exact=page.paginator.count_exact,  # type: ignore[attr-defined]
        page=page.number,
        pages=page.paginator.num_pages,
        year=year,
        results=[_result(r) for r in page.object_list],
    )


@router.get(
    "/communities/{code}",
    response=EvidenceOut,
    url_name="standards_community",
    summary="One community's results with evidence",
)
def community(request: HttpRequest, code: str, year: int | None = None) -> EvidenceOut:
    e = selectors.community_evidence(viewer=request.user, code=code, year=year)
    return EvidenceOut(
        community=_brief(e.community),
        year=e.year,
        years=e.years,
        results=[_result(r, e.community) for r in e.results],
        trend={
            y: {rule: STATUS_NAME.get(r.status, "no_data") for rule, r in by_rule.items()}  # type: ignore[misc]
            for y, by_rule in e.trend
        },
    )


@router.get("/problems", response=ProblemsOut, url_name="standards_problems", summary="The problems report")
def problems_report(request: HttpRequest, filters: Query[SummaryFilters]) -> ProblemsOut:
    area = selectors.standards_area(viewer=request.user, code=filters.area)
    report = problems.problems_report(viewer=request.user, area=area, year=filters.year, kind=filters.kind)
    return ProblemsOut(
        area=_brief(area),
        year=report.year,
        title=report.title,
        intro=report.intro,
        paragraphs=[
            ProblemParagraphOut(
                number=p.number,
                rule=p.rule,
                heading=p.heading,
                text=p.text,
                lines=[
                    ProblemLineOut(
                        area=_brief(ln.area) if ln.area else None, count=ln.count, names=ln.names, more=ln.more
                    )
                    for ln in p.lines
                ],
            )
            for p in report.paragraphs
        ],
        closing=report.closing,
    )


def _download(file: exports.ExportFile) -> HttpResponse:
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return response


@router.get("/export.xlsx", url_name="standards_export_xlsx", summary="Export as .xlsx (logged)")
def export_xlsx(request: HttpRequest, filters: Query[SummaryFilters]) -> HttpResponse:
    area = selectors.standards_area(viewer=request.user, code=filters.area)
    return _download(
        exports.compliance_export_xlsx(actor=request.user, area=area, year=filters.year, kind=filters.kind)
    )


@router.get("/export.pdf", url_name="standards_export_pdf", summary="The problems report as PDF (logged)")
def export_pdf(request: HttpRequest, filters: Query[SummaryFilters]) -> HttpResponse:
    area = selectors.standards_area(viewer=request.user, code=filters.area)
    return _download(exports.compliance_export_pdf(actor=request.user, area=area, year=filters.year, kind=filters.kind))


def _recompute_job(job: BackgroundJob) -> RecomputeJobOut:
    params = job.params or {}
    result = job.result or {}
    done, total = job.progress_done, job.progress_total
    succeeded = job.status == BackgroundJob.Status.SUCCEEDED
    return RecomputeJobOut(
        id=job.pk,
        area=params.get("area_code", job.area_code),
        years=params.get("years") or [],
        status=job.status,  # type: ignore[arg-type]
        progress_done=done,
        progress_total=total,
        percent=100 if succeeded else (min(100, done * 100 // total) if total else 0),
        summary=RecomputeSummaryOut.model_validate(result) if succeeded and result else None,
        error=job.error,
        created_at=job.created_at.isoformat(),
        finished_at=job.finished_at.isoformat() if job.finished_at else None,
        status_url=f"{RECOMPUTE_BASE}{job.pk}",
    )


@router.post(
    "/recompute",
    response={202: RecomputeJobOut},
    url_name="standards_recompute",
    summary="Recompute the compliance results of an area in the background",
)
def recompute(request: HttpRequest, payload: RecomputeIn | None = None) -> Status[RecomputeJobOut]:
    """Needs standards.change over the area (or standards.policy for the whole city). Answers 202 with the job;
    poll status_url for progress and, when done, the summary. An area outside the viewer's scope answers 404."""
    area = selectors.standards_area(viewer=request.user, code=payload.area if payload else "")
    job = compliance_recompute_start(actor=request.user, area_code=area.code, years=payload.years if payload else None)
    job.refresh_from_db()
    return Status(202, _recompute_job(job))


@router.get(
    "/recompute/{job_id}",
    response=RecomputeJobOut,
    url_name="standards_recompute_job",
    summary="Status, progress and summary of a recompute job",
)
def recompute_job(request: HttpRequest, job_id: str) -> RecomputeJobOut:
    """Only the user who started the job sees it; any other id answers 404."""
    return _recompute_job(compliance_recompute_job_get(viewer=request.user, job_id=job_id))
