"""Export of a filtered resident list to .xlsx (masked unless unmask=true with a reason; access-logged).

Up to SHEQU_EXPORT_SYNC_MAX_ROWS rows the answer is the file; above, 202 with a job to poll and download.
"""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponseBase
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status

from shequ.core.job_schemas import JobOut
from shequ.core.models import BackgroundJob
from shequ.registry.export_jobs import export_filename, export_job_file, export_job_get, resident_export_start
from shequ.registry.exporting import ExportFilters

router = Router(tags=["registry-export"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportQuery(Schema):
    q: str = ""
    kind: str = "auto"
    area: str = ""
    tag: str = ""
    status: str = ""
    hkind: str = ""
    unmask: bool = False
    reason: str = ""


class ExportJobOut(JobOut):
    row_count: int | None
    unmasked: bool
    download_url: str

    @staticmethod
    def build(job: BackgroundJob) -> ExportJobOut:
        base = "/api/v1/registry/exports/jobs/" + str(job.pk)
        return ExportJobOut(
            **JobOut.common(job, base),
            row_count=(job.result or {}).get("row_count"),
            unmasked=bool(job.params.get("unmask")),
            download_url=base + "/download" if job.status == BackgroundJob.Status.SUCCEEDED else "",
        )


@router.get(
    "/residents",
    response={202: ExportJobOut},
    summary="Export residents to .xlsx with the resident list's filters; unmask=true needs registry.unmask "
    "and a reason. A large export answers 202 with a job: poll status_url, then fetch download_url",
)
def export_residents(request: HttpRequest, params: Query[ExportQuery]) -> HttpResponseBase | Status[ExportJobOut]:
    filters = ExportFilters(
        q=params.q, kind=params.kind, area=params.area, tag=params.tag, status=params.status, hkind=params.hkind
    )
    exported = resident_export_start(viewer=request.user, filters=filters, unmask=params.unmask, reason=params.reason)
    if isinstance(exported, BackgroundJob):
        exported.refresh_from_db()
        return Status(202, ExportJobOut.build(exported))
    return FileResponse(
        exported.open(),
        as_attachment=True,
        filename=f"residents-{timezone.localtime():%Y%m%d-%H%M}.xlsx",
        content_type=XLSX,
    )


@router.get("/jobs/{job_id}", response=ExportJobOut, summary="Status and progress of a large export")
def export_job_status(request: HttpRequest, job_id: str) -> ExportJobOut:
    return ExportJobOut.build(export_job_get(viewer=request.user, job_id=job_id))


@router.get("/jobs/{job_id}/download", summary="The finished export (.xlsx)")
def export_job_download(request: HttpRequest, job_id: str) -> FileResponse:
    job = export_job_get(viewer=request.user, job_id=job_id)
    path = export_job_file(job=job)
    name = job.params.get("filename") or export_filename()
    return FileResponse(open(path, "rb"), as_attachment=True, filename=name, content_type=XLSX)
