"""Background job "grids.partition": regrid every community of a sub-district or district, with progress."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area, Level
from shequ.core.errors import NotFound, PermissionDenied, ValidationFailed
from shequ.core.jobs import job_progress, job_start, register_job
from shequ.core.models import BackgroundJob
from shequ.core.roles import Perm
from shequ.grids.regrid import write_many

JOB_KIND = "grids.partition"
BATCH = 250  # communities per transaction: a few seconds of work each, progress between them


def area_for_bulk(actor: Any, code: str) -> Area:
    """A district or sub-district (or a community) the actor may regrid as a whole."""
    area = Area.objects.filter(code=str(code or "").strip()).first()
    scope = viewer_scope(actor)
    if area is None or not (scope.has(Perm.GRIDS_VIEW, area.code) or scope.has(Perm.GRIDS_CHANGE, area.code)):
        raise NotFound()
    if not scope.has(Perm.GRIDS_CHANGE, area.code):
        raise PermissionDenied()
    if area.level not in (Level.CITY, Level.DISTRICT, Level.SUBDISTRICT, Level.COMMUNITY):
        message = _("只能为市、区县、街道（乡镇）或社区批量划分网格")
        raise ValidationFailed(message, details={"area": [message]})
    return area


def grids_partition_start(*, actor: Any, area: Area) -> BackgroundJob:
    """Queue the regridding of every community under `area`; refuses at once when the actor may not."""
    area = area_for_bulk(actor, area.code)
    return job_start(kind=JOB_KIND, actor=actor, params={"area_code": area.code}, area_code=area.code)


@register_job(JOB_KIND)
def grids_partition_job(job: BackgroundJob) -> dict[str, Any]:
    """Regrid the area's communities in batches of consecutive codes, each batch one transaction written
    set-based (shequ.grids.regrid), with progress after each."""
    code = (job.params or {}).get("area_code", "")
    area_for_bulk(job.created_by, code)  # the actor's roles may have changed since it was queued
    communities = list(Area.objects.filter(code__startswith=code, level=Level.COMMUNITY).order_by("code"))
    job_progress(job, done=0, total=len(communities))
    summary: dict[str, Any] = {"communities": 0, "grids": 0, "within_tolerance": 0, "failed": {}}
    for start in range(0, len(communities), BATCH):
        batch = communities[start : start + BATCH]
        with transaction.atomic():
            runs, failed = write_many(job.created_by, batch)
        summary["failed"].update({code: str(error.message) for code, error in failed.items()})
        summary["communities"] += len(runs)
        summary["grids"] += sum(run.grids for run in runs)
        summary["within_tolerance"] += sum(run.within_tolerance for run in runs)
        job_progress(job, done=start + len(batch))
    return summary
