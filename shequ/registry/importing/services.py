"""Uploads, import jobs and their reports: what the pages and the API call.

An upload is stored under SHEQU_IMPORT_DIR (default var/imports) and checked as a dry run in a background
job (shequ.core.jobs). Its result (counts, warnings, the first errors) is the job's result; the full
report is an .xlsx next to it. Committing starts a second job on the same stored file. Jobs are visible to
the user who started them only; anyone else gets "not found".
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext as _

from shequ.core.errors import ApplicationError, NotFound, ValidationFailed
from shequ.core.jobs import as_job_creator, job_get_own, job_progress, job_start, register_job
from shequ.core.models import BackgroundJob
from shequ.registry.importing.columns import KINDS
from shequ.registry.importing.engine import _common_prefix, import_scope, run_import
from shequ.registry.importing.readers import CSV_EXTENSIONS, XLSX_EXTENSIONS
from shequ.registry.importing.report import write_report

JOB_KIND = "registry.import"
# Room for the multipart envelope around the file when judging a request by its Content-Length.
MULTIPART_OVERHEAD = 64 * 1024


class FileTooLarge(ApplicationError):
    status = 413
    code = "file_too_large"


def import_dir() -> Path:
    return Path(getattr(settings, "SHEQU_IMPORT_DIR", settings.VAR_DIR / "imports"))


def max_bytes() -> int:
    return int(settings.SHEQU_IMPORT_MAX_BYTES)


def too_large(size: int) -> FileTooLarge:
    limit = max_bytes()
    return FileTooLarge(
        _(
            "文件大小 %(size)s 超过上传上限 %(limit)s。"
            "请拆分成多个文件，或请管理员用命令行导入（import_registry 命令不限大小）"
        )
        % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
        details={"size": size, "limit": limit},
    )


def check_request_size(request: Any) -> None:
    """Refuse by Content-Length before the body is read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_bytes() + MULTIPART_OVERHEAD:
        raise too_large(length)


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound(_("未知的导入类型：%(kind)s") % {"kind": kind})
    return kind


def upload_save(*, actor: Any, uploaded: UploadedFile | None) -> dict[str, Any]:
    """Store an uploaded file after checking who uploads, its size and its extension."""
    import_scope(actor)
    return upload_store(uploaded, import_dir())


def upload_store(uploaded: UploadedFile | None, base: Path) -> dict[str, Any]:
    """Check an uploaded table's size and extension and store it under `base`/uploads (shared with the
    standards bulk entry, which keeps its files in a directory of its own)."""
    if uploaded is None:
        raise ValidationFailed(_("请选择要导入的 .xlsx 或 .csv 文件"), details={"file": [_("请选择文件")]})
    if uploaded.size is not None and uploaded.size > max_bytes():
        raise too_large(uploaded.size)
    filename = Path(uploaded.name or "upload").name
    ext = Path(filename).suffix.lower()
    if ext == ".xls":
        raise ValidationFailed(_("不支持旧版 .xls 格式，请在 Excel 中“另存为” .xlsx 后再导入"),
                               code="unsupported_file", details={"file": [ext]})
    if ext not in CSV_EXTENSIONS + XLSX_EXTENSIONS:
        raise ValidationFailed(_("不支持的文件类型“%(ext)s”：请上传 .xlsx 或 .csv 文件") % {"ext": ext or filename},
                               code="unsupported_file", details={"file": [ext or filename]})
    upload_id = uuid.uuid4().hex
    target = base / "uploads" / upload_id / f"upload{ext}"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as fh:
        for chunk in uploaded.chunks():
            fh.write(chunk)
    return {"upload_id": upload_id, "filename": filename, "size": target.stat().st_size, "ext": ext}


def upload_path(params: dict[str, Any], base: Path | None = None) -> Path:
    upload_id = str(params.get("upload_id", ""))
    if not upload_id.isalnum():
        raise NotFound()
    return (base or import_dir()) / "uploads" / upload_id / f"upload{params.get('ext', '')}"


def report_path(job: BackgroundJob) -> Path:
    return import_dir() / "reports" / f"{job.pk}.xlsx"


def import_start(*, actor: Any, kind: str, upload: dict[str, Any], dry_run: bool = True,
                 all_or_nothing: bool = False, source_job: BackgroundJob | None = None) -> BackgroundJob:
    check_kind(kind)
    scope = import_scope(actor)
    params = {
        "kind": kind,
        **{k: upload[k] for k in ("upload_id", "filename", "size", "ext")},
        "dry_run": dry_run,
        "all_or_nothing": all_or_nothing,
        "language": translation.get_language() or settings.LANGUAGE_CODE,
        "source_job": str(source_job.pk) if source_job else "",
    }
    return job_start(kind=JOB_KIND, actor=actor, params=params, area_code=_common_prefix(scope))


def import_job_get(*, viewer: Any, job_id: Any) -> BackgroundJob:
    return job_get_own(viewer=viewer, job_id=job_id, kind=JOB_KIND)


def import_jobs_recent(*, viewer: Any, limit: int = 10) -> list[BackgroundJob]:
    if getattr(viewer, "pk", None) is None:
        return []
    return list(BackgroundJob.objects.filter(kind=JOB_KIND, created_by_id=viewer.pk).order_by("-created_at")[:limit])


def import_commit(*, actor: Any, job: BackgroundJob, all_or_nothing: bool | None = None) -> BackgroundJob:
    """Write the file of a finished dry run (job must have been fetched with import_job_get)."""
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
    return import_start(actor=actor, kind=params["kind"], upload=params, dry_run=False, all_or_nothing=aon,
                        source_job=job)


def import_report(*, job: BackgroundJob) -> Path:
    path = report_path(job)
    if job.status != BackgroundJob.Status.SUCCEEDED or not path.exists():
        raise NotFound(_("报告尚未生成"))
    return path


@register_job(JOB_KIND)
def import_job_run(job: BackgroundJob) -> dict[str, Any]:
    params = job.params
    with as_job_creator(job) as actor:
        result = run_import(
            kind=params["kind"],
            path=upload_path(params),
            filename=params["filename"],
            actor=actor,
            dry_run=bool(params.get("dry_run", True)),
            all_or_nothing=bool(params.get("all_or_nothing", False)),
            batch_id=str(job.pk),
            progress=lambda done, total: job_progress(job, done=done, total=total),
        )
        try:
            write_report(result, report_path(job))
        finally:
            result.discard_spool()
    if result.committed:
        shutil.rmtree(upload_path(params).parent, ignore_errors=True)
    return result.as_json()
