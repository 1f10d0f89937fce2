"""Import of residents, households and buildings from .xlsx/.csv (dry run, report, commit)."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from ninja import Router, Schema
from ninja.responses import Status

from shequ.core.job_schemas import JobOut
from shequ.core.models import BackgroundJob
from shequ.registry.importing import services
from shequ.registry.importing.columns import KIND_LABELS
from shequ.registry.importing.report import template_csv, template_xlsx

router = Router(tags=["registry-import"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_TRUE = ("1", "true", "yes", "on")


class ImportJobOut(JobOut):
    import_kind: str
    filename: str
    dry_run: bool
    all_or_nothing: bool
    result: dict[str, Any]
    report_url: str
    commit_url: str

    @staticmethod
    def build(job: BackgroundJob) -> ImportJobOut:
        base = "/api/v1/registry/imports/jobs/" + str(job.pk)
        return ImportJobOut(
            **JobOut.common(job, base),
            import_kind=job.params.get("kind", ""),
            filename=job.params.get("filename", ""),
            dry_run=bool(job.params.get("dry_run")),
            all_or_nothing=bool(job.params.get("all_or_nothing")),
            result=job.result or {},
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


@router.get("/templates/{kind}", summary="Download the import template (.xlsx, or ?format=csv)")
def download_template(request: HttpRequest, kind: str, format: str = "xlsx") -> HttpResponse:
    services.check_kind(kind)
    label = str(KIND_LABELS[kind])
    if format == "csv":
        response = HttpResponse(template_csv(kind), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, f"{label}导入模板.csv")
    else:
        response = HttpResponse(template_xlsx(kind), content_type=XLSX)
        response["Content-Disposition"] = content_disposition_header(True, f"{label}导入模板.xlsx")
    return response


@router.post(
    "/{kind}",
    response={202: ImportJobOut},
    summary="Upload a file (multipart) and start a dry run (or, with dry_run=false, the import itself)",
    openapi_extra=_UPLOAD_BODY,
)
def upload(request: HttpRequest, kind: str) -> Status[ImportJobOut]:
    services.check_kind(kind)
    services.check_request_size(request)  # before request.FILES reads the body
    stored = services.upload_save(actor=request.user, uploaded=request.FILES.get("file"))
    dry_run = str(request.POST.get("dry_run", "true")).lower() in _TRUE
    all_or_nothing = str(request.POST.get("all_or_nothing", "false")).lower() in _TRUE
    job = services.import_start(
        actor=request.user, kind=kind, upload=stored, dry_run=dry_run, all_or_nothing=all_or_nothing
    )
    job.refresh_from_db()
    return Status(202, ImportJobOut.build(job))


@router.get("/jobs/{job_id}", response=ImportJobOut, summary="Status, progress and result of an import job")
def job_status(request: HttpRequest, job_id: str) -> ImportJobOut:
    return ImportJobOut.build(services.import_job_get(viewer=request.user, job_id=job_id))


@router.post("/jobs/{job_id}/commit", response={202: ImportJobOut}, summary="Write the valid rows of a dry run")
def commit(request: HttpRequest, job_id: str, payload: CommitIn | None = None) -> Status[ImportJobOut]:
    job = services.import_job_get(viewer=request.user, job_id=job_id)
    new = services.import_commit(
        actor=request.user, job=job, all_or_nothing=payload.all_or_nothing if payload else None
    )
    new.refresh_from_db()
    return Status(202, ImportJobOut.build(new))


@router.get("/jobs/{job_id}/report", summary="The per-row error report (.xlsx)")
def report(request: HttpRequest, job_id: str) -> FileResponse:
    job = services.import_job_get(viewer=request.user, job_id=job_id)
    path = services.import_report(job=job)
    return FileResponse(
        open(path, "rb"),
        as_attachment=True,
        filename=f"import-report-{job.pk}.xlsx",
        content_type=XLSX,
    )
