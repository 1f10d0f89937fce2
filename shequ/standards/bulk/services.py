"""Uploads, bulk jobs and their reports: what the pages and the API call.

An upload is stored next to the registry import's (SHEQU_IMPORT_DIR, default var/imports, under "bulk/") with
the same size limit. Every run is a BackgroundJob (kind "standards.bulk") so that pages, API and reports work
the same way; a file of up to INLINE_MAX_ROWS rows runs inside the request, a bigger one in the background
with progress. Jobs are visible to the user who started them only (and only while that user may still enter
standards data); anyone else gets "not found".
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, connections
from django.utils import translation
from django.utils.translation import gettext as _

from shequ.core.errors import NotFound, ValidationFailed
from shequ.core.jobs import as_job_creator, job_get_own, job_progress, job_start, register_job, run_job
from shequ.core.models import BackgroundJob
from shequ.registry.importing.engine import _common_prefix
from shequ.registry.importing.readers import ImportFileError, open_table
from shequ.registry.importing.services import import_dir, upload_store
from shequ.registry.importing.services import upload_path as registry_upload_path
from shequ.standards.bulk.columns import KINDS
from shequ.standards.bulk.engine import bulk_scope, run_bulk
from shequ.standards.bulk.report import write_report

JOB_KIND = "standards.bulk"
# Bigger files run in the background with a progress bar. Measured on PostgreSQL, a written row costs about
# 0.1 s (funds, staff) to 0.25 s (premises: the facilities service recomputes compliance on every write), so
# 100 rows keep a request under half a minute; unchanged rows cost about 0.015 s.
INLINE_MAX_ROWS = 100
PROGRESS_SECONDS = 1.0


def bulk_dir() -> Path:
    return import_dir() / "bulk"


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound(_("未知的导入类型：%(kind)s") % {"kind": kind})
    return kind


def upload_save(*, actor: Any, uploaded: UploadedFile | None) -> dict[str, Any]:
    """Store an uploaded file after checking who uploads, its size and its extension."""
    bulk_scope(actor)
    return upload_store(uploaded, bulk_dir())


def upload_path(params: dict[str, Any]) -> Path:
    return registry_upload_path(params, bulk_dir())


def report_path(job: BackgroundJob) -> Path:
    return bulk_dir() / "reports" / f"{job.pk}.xlsx"


def estimated_rows(path: Path, filename: str) -> int:
    try:
        return open_table(path, filename).estimated_rows
    except ImportFileError:
        return 0  # the run itself reports why the file cannot be read


def bulk_start(*, actor: Any, kind: str, upload: dict[str, Any], dry_run: bool = True,
               all_or_nothing: bool = False, source_job: BackgroundJob | None = None) -> BackgroundJob:
    check_kind(kind)
    scope = bulk_scope(actor)
    params = {
        "kind": kind,
        **{k: upload[k] for k in ("upload_id", "filename", "size", "ext")},
        "dry_run": dry_run,
        "all_or_nothing": all_or_nothing,
        "language": translation.get_language() or settings.LANGUAGE_CODE,
        "source_job": str(source_job.pk) if source_job else "",
    }
    area_code = _common_prefix(scope)
    rows = estimated_rows(upload_path(params), params["filename"])
    if rows > INLINE_MAX_ROWS:
        params["background"] = True
        return job_start(kind=JOB_KIND, actor=actor, params=params, area_code=area_code)
    job = BackgroundJob.objects.create(kind=JOB_KIND, created_by=actor, params=params, area_code=area_code)
    return run_job(job.pk)


def bulk_job_get(*, viewer: Any, job_id: Any) -> BackgroundJob:
    bulk_scope(viewer)
    return job_get_own(viewer=viewer, job_id=job_id, kind=JOB_KIND)


def bulk_jobs_recent(*, viewer: Any, limit: int = 10) -> list[BackgroundJob]:
    if getattr(viewer, "pk", None) is None:
        return []
    return list(BackgroundJob.objects.filter(kind=JOB_KIND, created_by_id=viewer.pk).order_by("-created_at")[:limit])


def bulk_commit(*, actor: Any, job: BackgroundJob, all_or_nothing: bool | None = None) -> BackgroundJob:
    """Write the file of a finished dry run (job must have been fetched with bulk_job_get)."""
    params = job.params
    if not params.get("dry_run"):
        raise ValidationFailed(_("该导入已经写入，不能重复提交"), code="already_committed")
    if job.status != BackgroundJob.Status.SUCCEEDED:
        raise ValidationFailed(_("试运行尚未完成，请稍候再提交"), code="not_ready")
    if job.result.get("file_error"):
        raise ValidationFailed(_("文件无法导入，请修改后重新上传"), code="file_refused")
    earlier = BackgroundJob.objects.filter(kind=JOB_KIND, params__source_job=str(job.pk)).exclude(
        status=BackgroundJob.Status.FAILED
    )
    if any(j.status != BackgroundJob.Status.SUCCEEDED or j.result.get("committed") for j in earlier):
        raise ValidationFailed(_("该文件已经提交导入，不能重复提交"), code="already_committed")
    if not upload_path(params).exists():
        raise NotFound(_("上传的文件已被清理，请重新上传"))
    aon = params.get("all_or_nothing", False) if all_or_nothing is None else all_or_nothing
    return bulk_start(actor=actor, kind=params["kind"], upload=params, dry_run=False, all_or_nothing=aon,
                      source_job=job)


def bulk_report(*, job: BackgroundJob) -> Path:
    path = report_path(job)
    if job.status != BackgroundJob.Status.SUCCEEDED or not path.exists():
        raise NotFound(_("报告尚未生成"))
    return path


def policy_names(actor: Any) -> dict[str, list[str]]:
    """The names the policy in force this year accepts (rooms, unifications, plaques), for the template's
    instructions; empty where no policy covers the actor's area."""
    from django.utils import timezone

    from shequ.facilities.names import lists_for

    codes = bulk_scope(actor)
    lists = lists_for(codes[0], [timezone.localdate().year]) if codes[0] else None
    if lists is None or not lists.found:
        return {}
    return {"rooms": lists.rooms, "unifications": lists.unifications, "plaques": lists.plaques}


# -- progress ----------------------------------------------------------------------------------------


def _progress_key(job_id: Any) -> str:
    return f"standards.bulk.progress.{job_id}"


def job_progress_now(job: BackgroundJob) -> tuple[int, int]:
    """(done, total) for a running job: the row, or the in-process note when the row cannot be updated yet."""
    noted = cache.get(_progress_key(job.pk))
    if noted and noted[0] > job.progress_done:
        return int(noted[0]), int(noted[1])
    return job.progress_done, job.progress_total


def _update_elsewhere(job_id: Any, done: int, total: int) -> None:
    try:
        BackgroundJob.objects.filter(pk=job_id).update(progress_done=done, progress_total=total)
    finally:
        connections.close_all()


class _Publisher:
    """Progress of a run whose rows are written inside one transaction: an update made there would show only
    at the end. PostgreSQL: the row is updated over a second connection (a short-lived thread). SQLite allows
    one writer, so the progress is noted in the cache, which the status page of the same process reads."""

    def __init__(self, job: BackgroundJob):
        self.job = job
        self.last = 0.0
        self.latest = (0, 0)

    def __call__(self, done: int, total: int) -> None:
        self.latest = (done, total)
        now = time.monotonic()
        if done < total and now - self.last < PROGRESS_SECONDS:
            return
        self.last = now
        cache.set(_progress_key(self.job.pk), (done, total), timeout=3600)
        if not connection.in_atomic_block:
            job_progress(self.job, done=done, total=total)
        elif connection.vendor == "postgresql":
            side = threading.Thread(target=_update_elsewhere, args=(self.job.pk, done, total), daemon=True)
            side.start()
            side.join(timeout=5)

    def finish(self) -> None:
        """The last figures on the job row, once the write transaction is over."""
        cache.delete(_progress_key(self.job.pk))
        if self.latest[1]:
            job_progress(self.job, done=self.latest[0], total=self.latest[1])


@register_job(JOB_KIND)
def bulk_job_run(job: BackgroundJob) -> dict[str, Any]:
    params = job.params
    publisher = _Publisher(job) if params.get("background") else None
    with as_job_creator(job) as actor:
        result = run_bulk(
            kind=params["kind"],
            path=upload_path(params),
            filename=params["filename"],
            actor=actor,
            dry_run=bool(params.get("dry_run", True)),
            all_or_nothing=bool(params.get("all_or_nothing", False)),
            batch_id=str(job.pk),
            progress=publisher,
        )
        try:
            write_report(result, report_path(job))
        finally:
            result.discard_spool()
    if publisher is not None:
        publisher.finish()
    if result.committed:
        shutil.rmtree(upload_path(params).parent, ignore_errors=True)
    return result.as_json()
