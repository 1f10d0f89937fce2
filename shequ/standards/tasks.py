"""Background job "standards.recompute": recompute compliance results for a subtree, with progress; and the
nightly Celery task that recomputes the whole city (households change in the registry, a new year begins)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from config.celery import app
from shequ.core.errors import ValidationFailed
from shequ.core.jobs import job_get_own, job_progress, job_start, register_job
from shequ.core.models import BackgroundJob
from shequ.standards.compliance import check_recompute_allowed, compliance_recompute

JOB_KIND = "standards.recompute"
NIGHTLY_TASK = "shequ.standards.recompute_nightly"
YEAR_MIN, YEAR_MAX = 1949, 2100


def _clean_years(years: list[int] | None) -> list[int]:
    wanted = sorted(set(years)) if years else []
    if any(not isinstance(y, int) or isinstance(y, bool) or not YEAR_MIN <= y <= YEAR_MAX for y in wanted):
        message = _("年份应为 %(first)d 至 %(last)d 之间的四位数字。") % {"first": YEAR_MIN, "last": YEAR_MAX}
        raise ValidationFailed(message, details={"years": message})
    return wanted


def compliance_recompute_start(*, actor: Any, area_code: str = "", years: list[int] | None = None) -> BackgroundJob:
    """Queue a recompute (after commit); refuses at once when `actor` may not run it."""
    check_recompute_allowed(actor, area_code)
    params: dict[str, Any] = {"area_code": area_code, "years": _clean_years(years)}
    return job_start(kind=JOB_KIND, actor=actor, params=params, area_code=area_code)


def compliance_recompute_job_get(*, viewer: Any, job_id: Any) -> BackgroundJob:
    """A recompute job `viewer` started; anyone else's (or a malformed id) answers "not found"."""
    return job_get_own(viewer=viewer, job_id=job_id, kind=JOB_KIND)


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


@app.task(name=NIGHTLY_TASK, ignore_result=True)
def compliance_recompute_nightly() -> dict[str, Any]:
    """Every community of the city, from the first policy year to the current one (see CELERY_BEAT_SCHEDULE)."""
    return compliance_recompute(actor=None, area_code="").as_dict()
