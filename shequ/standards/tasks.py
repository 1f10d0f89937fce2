"""Background job "standards.recompute": recompute compliance results for a subtree, with progress."""

from __future__ import annotations

from typing import Any

from shequ.core.jobs import job_progress, job_start, register_job
from shequ.core.models import BackgroundJob
from shequ.standards.compliance import check_recompute_allowed, compliance_recompute

JOB_KIND = "standards.recompute"


def compliance_recompute_start(*, actor: Any, area_code: str = "", years: list[int] | None = None) -> BackgroundJob:
    """Queue a recompute (after commit); refuses at once when `actor` may not run it."""
    check_recompute_allowed(actor, area_code)
    params: dict[str, Any] = {"area_code": area_code, "years": sorted(set(years)) if years else []}
    return job_start(kind=JOB_KIND, actor=actor, params=params, area_code=area_code)


@register_job(JOB_KIND)
def compliance_recompute_job(job: BackgroundJob) -> dict[str, Any]:
    params = job.params or {}
    summary = compliance_recompute(
        actor=job.created_by,
        area_code=params.get("area_code", ""),
        years=params.get("years") or None,
        progress=lambda done, total: job_progress(job, done=done, total=total),
    )
    return summary.as_dict()
