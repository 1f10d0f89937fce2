"""Import pages: upload → dry run with progress → report → commit. The export download is in export_views.py."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shequ.core.errors import ApplicationError
from shequ.core.models import BackgroundJob
from shequ.registry.importing import services
from shequ.registry.importing.columns import COLUMNS, KIND_LABELS, KINDS
from shequ.registry.importing.engine import import_scope
from shequ.registry.importing.report import count_rows, template_csv, template_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _index_context(request: HttpRequest, selected_kind: str = "residents", **extra: object) -> dict[str, object]:
    return {
        "kinds": [(k, KIND_LABELS[k], COLUMNS[k]) for k in KINDS],
        "jobs": services.import_jobs_recent(viewer=request.user),
        "max_size": filesizeformat(services.max_bytes()),
        "selected_kind": selected_kind if selected_kind in KINDS else "residents",
        **extra,
    }


@login_required
def index(request: HttpRequest) -> HttpResponse:
    import_scope(request.user)
    return render(request, "registry/import/index.html", _index_context(request))


def _csrf_probe(request: HttpRequest) -> HttpResponse:  # a callback without csrf_exempt for the manual check
    return HttpResponse()


@csrf_exempt  # checked below, after the size check, so an oversized body is refused before it is read
@login_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    try:
        import_scope(request.user)
        services.check_request_size(request)
        refused = CsrfViewMiddleware(_csrf_probe).process_view(request, _csrf_probe, (), {})
        if refused is not None:
            return refused
        kind = services.check_kind(request.POST.get("kind", ""))
        stored = services.upload_save(actor=request.user, uploaded=request.FILES.get("file"))
        job = services.import_start(
            actor=request.user, kind=kind, upload=stored, dry_run=True,
            all_or_nothing=bool(request.POST.get("all_or_nothing")),
        )
    except ApplicationError as exc:
        if exc.status in (401, 403):
            raise
        # never touch request.POST after a size refusal: that would read the oversized body
        kind = "residents" if isinstance(exc, services.FileTooLarge) else request.POST.get("kind", "residents")
        return render(request, "registry/import/index.html", _index_context(request, kind, error=exc),
                      status=exc.status)
    return redirect("imports:job", job_id=job.pk)


def _job_context(job: BackgroundJob) -> dict[str, object]:
    result = job.result or {}
    params = job.params or {}
    return {
        "job": job,
        "params": params,
        "result": result,
        "kind_label": KIND_LABELS.get(params.get("kind", ""), ""),
        "counts": count_rows(result.get("counts", {})),
        "running": job.status in (BackgroundJob.Status.PENDING, BackgroundJob.Status.RUNNING),
        "can_commit": (
            job.status == BackgroundJob.Status.SUCCEEDED and params.get("dry_run") and not result.get("file_error")
            and result.get("counts", {}).get("valid", 0) > 0
        ),
    }


@login_required
def job_detail(request: HttpRequest, job_id: str) -> HttpResponse:
    job = services.import_job_get(viewer=request.user, job_id=job_id)
    return render(request, "registry/import/job.html", _job_context(job))


@login_required
def job_status(request: HttpRequest, job_id: str) -> HttpResponse:
    job = services.import_job_get(viewer=request.user, job_id=job_id)
    return render(request, "registry/import/_status.html", _job_context(job))


@login_required
@require_POST
def commit(request: HttpRequest, job_id: str) -> HttpResponse:
    job = services.import_job_get(viewer=request.user, job_id=job_id)
    try:
        new = services.import_commit(
            actor=request.user, job=job, all_or_nothing=bool(request.POST.get("all_or_nothing"))
        )
    except ApplicationError as exc:
        if exc.status in (401, 403, 404):
            raise
        return render(request, "registry/import/job.html", {**_job_context(job), "error": exc}, status=exc.status)
    return redirect("imports:job", job_id=new.pk)


@login_required
def report(request: HttpRequest, job_id: str) -> FileResponse:
    job = services.import_job_get(viewer=request.user, job_id=job_id)
    path = services.import_report(job=job)
    name = f"导入报告-{job.params.get('filename', 'import')}-{job.created_at:%Y%m%d%H%M}.xlsx"
    return FileResponse(open(path, "rb"), as_attachment=True, filename=name, content_type=XLSX)


@login_required
def template(request: HttpRequest, kind: str) -> HttpResponse:
    services.check_kind(kind)
    label = str(KIND_LABELS[kind])
    if request.GET.get("format") == "csv":
        response = HttpResponse(template_csv(kind), content_type="text/csv; charset=utf-8")
        filename = f"{label}导入模板.csv"
    else:
        response = HttpResponse(template_xlsx(kind), content_type=XLSX)
        filename = f"{label}导入模板.xlsx"
    from django.utils.http import content_disposition_header

    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
