"""List exports to .xlsx (residents, households, buildings, resident units): small exports at once, large ones
through a job with a progress page. Each takes its list page's filters (the page links with its own query);
unmask=1 asks for a reason first."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render

from shequ.core.errors import ApplicationError
from shequ.core.models import BackgroundJob
from shequ.registry.export_jobs import export_filename, export_job_file, export_job_get, export_start, job_list
from shequ.registry.exporting import ListExport, export_spec, unmask_allowed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _reason_page(
    request: HttpRequest, spec: type[ListExport], error: ApplicationError | None = None, status: int = 200
) -> HttpResponse:
    context = {"spec": spec, "export_url": request.path, "query": request.GET, "error": error}
    return render(request, "registry/import/export_reason.html", context, status=status)


def _export_view(list_name: str) -> Callable[[HttpRequest], HttpResponseBase]:
    spec = export_spec(list_name)

    @login_required
    def view(request: HttpRequest) -> HttpResponseBase:
        filters = spec.filters.from_mapping(request.GET)
        unmask = request.GET.get("unmask") in ("1", "true", "on")
        reason = request.GET.get("reason", "")
        if unmask and not reason.strip():
            unmask_allowed(list_name=list_name, viewer=request.user)  # refused before the form is shown
            return _reason_page(request, spec)
        try:
            exported = export_start(
                list_name=list_name, viewer=request.user, filters=filters, unmask=unmask, reason=reason
            )
        except ApplicationError as exc:
            if exc.status == 422 and unmask and isinstance(exc.details, dict) and "reason" in exc.details:
                return _reason_page(request, spec, exc, status=422)
            raise
        if isinstance(exported, BackgroundJob):
            return redirect("imports:export_job", job_id=exported.pk)
        return FileResponse(
            exported.open(), as_attachment=True, filename=export_filename(list_name), content_type=XLSX
        )

    view.__name__ = view.__qualname__ = f"export_{list_name}"
    view.__doc__ = f"GET with the {list_name} list's filters ({', '.join(spec.filters.__dataclass_fields__)})."
    return view


export_residents = _export_view("residents")
export_households = _export_view("households")
export_buildings = _export_view("buildings")
export_units = _export_view("units")


def _context(job: BackgroundJob) -> dict[str, object]:
    return {
        "job": job,
        "spec": job_list(job),
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
    name = job.params.get("filename") or export_filename(job_list(job).name)
    return FileResponse(open(path, "rb"), as_attachment=True, filename=name, content_type=XLSX)
