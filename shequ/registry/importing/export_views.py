"""The resident export download: small exports at once, large ones through a job with a progress page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render

from shequ.core.errors import ApplicationError
from shequ.core.models import BackgroundJob
from shequ.registry.export_jobs import export_filename, export_job_file, export_job_get, resident_export_start
from shequ.registry.exporting import ExportFilters

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def export_residents(request: HttpRequest) -> HttpResponseBase:
    """GET with the resident list's filters (q, kind, area, tag, status, hkind). unmask=1 asks for a reason first."""
    filters = ExportFilters.from_mapping(request.GET)
    unmask = request.GET.get("unmask") in ("1", "true", "on")
    reason = request.GET.get("reason", "")
    if unmask and not reason.strip():
        return render(request, "registry/import/export_reason.html", {"filters": filters, "query": request.GET})
    try:
        exported = resident_export_start(viewer=request.user, filters=filters, unmask=unmask, reason=reason)
    except ApplicationError as exc:
        if exc.status == 422 and unmask:
            return render(request, "registry/import/export_reason.html",
                          {"filters": filters, "query": request.GET, "error": exc}, status=422)
        raise
    if isinstance(exported, BackgroundJob):
        return redirect("imports:export_job", job_id=exported.pk)
    return FileResponse(exported.open(), as_attachment=True, filename=export_filename(), content_type=XLSX)


def _context(job: BackgroundJob) -> dict[str, object]:
    return {
        "job": job,
        "params": job.params or {},
        "result": job.result or {},
        "running": job.status in (BackgroundJob.Status.PENDING, BackgroundJob.Status.RUNNING),
    }


@login_required
def export_job(request: HttpRequest, job_id: str) -> HttpResponse:
    job = export_job_get(viewer=request.user, job_id=job_id)
    return render(request, "registry/import/export_job.html", _context(job))


@login_required
def export_job_status(request: HttpRequest, job_id: str) -> HttpResponse:
    job = export_job_get(viewer=request.user, job_id=job_id)
    return render(request, "registry/import/_export_status.html", _context(job))


@login_required
def export_download(request: HttpRequest, job_id: str) -> FileResponse:
    job = export_job_get(viewer=request.user, job_id=job_id)
    path = export_job_file(job=job)
    name = job.params.get("filename") or export_filename()
    return FileResponse(open(path, "rb"), as_attachment=True, filename=name, content_type=XLSX)
