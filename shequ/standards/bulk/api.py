"""Bulk entry of premises, staff (with evaluations) and funds from .xlsx/.csv: upload (dry run or commit), job
status and result, the .xlsx error report, commit of a dry run, templates."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.responses import Status

from shequ.core.models import BackgroundJob
from shequ.registry.importing.services import check_request_size
from shequ.standards.bulk import services
from shequ.standards.bulk.engine import bulk_scope
from shequ.standards.bulk.views import XLSX, template_response

router = Router(tags=["standards-bulk"])
_TRUE = ("1", "true", "yes", "on")
BASE = "/api/v1/standards/bulk/jobs/"


class BulkJobOut(Schema):
    id: uuid.UUID
    bulk_kind: str
    filename: str
    dry_run: bool
    all_or_nothing: bool
    background: bool
    status: str
    progress_done: int
    progress_total: int
    percent: int
    result: dict[str, Any]
    error: str
    status_url: str
    report_url: str
    commit_url: str

    @staticmethod
    def build(job: BackgroundJob) -> BulkJobOut:
        base = BASE + str(job.pk)
        done, total = services.job_progress_now(job)
        return BulkJobOut(
            id=job.pk,
            bulk_kind=job.params.get("kind", ""),
            filename=job.params.get("filename", ""),
            dry_run=bool(job.params.get("dry_run")),
            all_or_nothing=bool(job.params.get("all_or_nothing")),
            background=bool(job.params.get("background")),
            status=job.status,
            progress_done=done,
            progress_total=total,
            percent=min(100, done * 100 // total) if total else job.percent,
            result=job.result or {},
            error=job.error,
            status_url=base,
            report_url=base + "/report",
            commit_url=base + "/commit" if job.params.get("dry_run") else "",
        )


class CommitIn(Schema):
    all_or_nothing: bool | None = None


_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": ".xlsx or .csv"},
                        "dry_run": {"type": "boolean", "default": True,
                                    "description": "false: check and write in one go"},
                        "all_or_nothing": {"type": "boolean", "default": False,
                                           "description": "write nothing if any row is refused"},
                    },
                }
            }
        },
    }
}


@router.get("/templates/{kind}", summary="Download the template of a kind (.xlsx, or ?format=csv)")
def download_template(request: HttpRequest, kind: str, format: str = "xlsx") -> HttpResponse:
    bulk_scope(request.user)
    return template_response(kind, format, request.user)


@router.get("/jobs/{job_id}", response=BulkJobOut, summary="Status, progress and result of a bulk job")
def job_status(request: HttpRequest, job_id: str) -> BulkJobOut:
    return BulkJobOut.build(services.bulk_job_get(viewer=request.user, job_id=job_id))


@router.get("/jobs/{job_id}/report", summary="The per-row error report (.xlsx)")
def report(request: HttpRequest, job_id: str) -> FileResponse:
    job = services.bulk_job_get(viewer=request.user, job_id=job_id)
    path = services.bulk_report(job=job)
    return FileResponse(open(path, "rb"), as_attachment=True, filename=f"bulk-report-{job.pk}.xlsx",
                        content_type=XLSX)


@router.post("/jobs/{job_id}/commit", response={202: BulkJobOut}, summary="Write the file of a dry run")
def commit(request: HttpRequest, job_id: str, payload: CommitIn | None = None) -> Status[BulkJobOut]:
    job = services.bulk_job_get(viewer=request.user, job_id=job_id)
    new = services.bulk_commit(actor=request.user, job=job,
                               all_or_nothing=payload.all_or_nothing if payload else None)
    new.refresh_from_db()
    return Status(202, BulkJobOut.build(new))


@router.post(
    "/{kind}",
    response={202: BulkJobOut},
    summary="Upload a file (multipart): a dry run, or with dry_run=false the import itself. Small files are "
    "done when the answer comes; big ones run in the background (poll status_url).",
    openapi_extra=_UPLOAD_BODY,
)
def upload(request: HttpRequest, kind: str) -> Status[BulkJobOut]:
    bulk_scope(request.user)
    services.check_kind(kind)
    check_request_size(request)  # before request.FILES reads the body
    stored = services.upload_save(actor=request.user, uploaded=request.FILES.get("file"))
    job = services.bulk_start(
        actor=request.user, kind=kind, upload=stored,
        dry_run=str(request.POST.get("dry_run", "true")).lower() in _TRUE,
        all_or_nothing=str(request.POST.get("all_or_nothing", "false")).lower() in _TRUE,
    )
    job.refresh_from_db()
    return Status(202, BulkJobOut.build(job))
