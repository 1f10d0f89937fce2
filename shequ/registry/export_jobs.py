"""Large list exports as background jobs (shequ.core.jobs).

An export of more than SHEQU_EXPORT_SYNC_MAX_ROWS rows is not written while the request waits: a job writes it
to SHEQU_EXPORT_DIR/<job id>.xlsx with progress, and the page (or API client) polls, then downloads it. The
checks (permission, unmask reason) run when the job is asked for and again, with the same user, when it runs;
the access log gets its row when the file is written. Only the user who asked may see the job or download
the file; anyone else gets "not found". `manage.py purge_imports` deletes old files. Every list's export is
one job kind; params["list"] says which list (a job without it is a resident export).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shequ.accounts.scope import viewer_scope
from shequ.core.errors import NotFound
from shequ.core.jobs import as_job_creator, job_get_own, job_progress, job_start, register_job
from shequ.core.models import BackgroundJob
from shequ.registry.exporting import (
    ExportFile,
    ListExport,
    ListFilters,
    export_area_code,
    export_size,
    export_spec,
    list_export,
    sync_max_rows,
)

JOB_KIND = "registry.export"
DEFAULT_LIST = "residents"


def export_dir() -> Path:
    return Path(settings.SHEQU_EXPORT_DIR)


def export_path(job: BackgroundJob) -> Path:
    return export_dir() / f"{job.pk}.xlsx"


def export_filename(list_name: str = DEFAULT_LIST) -> str:
    return f"{export_spec(list_name).label}导出-{timezone.localtime():%Y%m%d-%H%M}.xlsx"


def job_list(job: BackgroundJob) -> type[ListExport]:
    """The list a job exports."""
    return export_spec((job.params or {}).get("list") or DEFAULT_LIST)


def export_start(
    *, list_name: str, viewer: Any, filters: ListFilters, unmask: bool = False, reason: str = ""
) -> ExportFile | BackgroundJob:
    """A small export is written now; a large one becomes a job (poll it, then download its file)."""
    total = export_size(list_name=list_name, viewer=viewer, filters=filters, unmask=unmask, reason=reason)
    if total <= sync_max_rows():
        return list_export(list_name=list_name, viewer=viewer, filters=filters, unmask=unmask, reason=reason)
    params = {
        "list": list_name,
        "filters": filters.as_dict(),
        "unmask": unmask,
        "reason": reason.strip(),
        "language": translation.get_language() or settings.LANGUAGE_CODE,
        "filename": export_filename(list_name),
        "total": total,
    }
    area_code = export_area_code(viewer_scope(viewer), filters)
    return job_start(kind=JOB_KIND, actor=viewer, params=params, area_code=area_code)


def export_job_get(*, viewer: Any, job_id: Any) -> BackgroundJob:
    return job_get_own(viewer=viewer, job_id=job_id, kind=JOB_KIND)


def export_job_file(*, job: BackgroundJob) -> Path:
    """The finished file of a job fetched with export_job_get."""
    path = export_path(job)
    if job.status != BackgroundJob.Status.SUCCEEDED:
        raise NotFound(_("导出文件尚未生成"))
    if not path.exists():
        raise NotFound(_("导出文件已被清理，请重新导出"))
    return path


@register_job(JOB_KIND)
def export_job_run(job: BackgroundJob) -> dict[str, Any]:
    params = job.params
    spec = job_list(job)
    path = export_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    try:
        with as_job_creator(job) as actor, open(partial, "wb") as fh:
            exported = list_export(
                list_name=spec.name,
                viewer=actor,
                filters=spec.filters(**params.get("filters", {})),
                unmask=bool(params.get("unmask")),
                reason=params.get("reason", ""),
                handle=fh,
                progress=lambda done, total: job_progress(job, done=done, total=total),
                log_query={"job": str(job.pk)},
            )
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return {"row_count": exported.row_count, "unmasked": exported.unmasked}
