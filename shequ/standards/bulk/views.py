"""Bulk entry pages: choose a kind, download its template, upload → dry run or commit (progress polled with
HTMX for big files) → counts, first errors and the .xlsx report → commit the dry run."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.http import content_disposition_header
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shequ.core.errors import ApplicationError, NotFound
from shequ.core.models import BackgroundJob
from shequ.registry.importing.services import FileTooLarge, check_request_size, max_bytes
from shequ.standards.bulk import services
from shequ.standards.bulk.columns import COLUMNS, KIND_LABELS, KINDS, PREMISES
from shequ.standards.bulk.engine import bulk_scope
from shequ.standards.bulk.report import count_rows, template_csv, template_headers, template_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("xlsx", "csv")


def _index_context(request: HttpRequest, selected: str = PREMISES, **extra: Any) -> dict[str, Any]:
    return {
        "kinds": [(k, KIND_LABELS[k], COLUMNS[k], template_headers(k)) for k in KINDS],
        "jobs": services.bulk_jobs_recent(viewer=request.user),
        "max_size": filesizeformat(max_bytes()),
        "inline_rows": services.INLINE_MAX_ROWS,
        "selected_kind": selected if selected in KINDS else PREMISES,
        **extra,
    }


@login_required
def index(request: HttpRequest) -> HttpResponse:
    bulk_scope(request.user)
    return render(request, "standards/bulk/index.html", _index_context(request, request.GET.get("kind", PREMISES)))


def _csrf_probe(request: HttpRequest) -> HttpResponse:  # a callback without csrf_exempt for the manual check
    return HttpResponse()


@csrf_exempt  # checked below, after the size check, so an oversized body is refused before it is read
@login_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    try:
        bulk_scope(request.user)
        check_request_size(request)
        refused = CsrfViewMiddleware(_csrf_probe).process_view(request, _csrf_probe, (), {})
        if refused is not None:
            return refused
        kind = services.check_kind(request.POST.get("kind", ""))
        stored = services.upload_save(actor=request.user, uploaded=request.FILES.get("file"))
        job = services.bulk_start(
            actor=request.user, kind=kind, upload=stored, dry_run=request.POST.get("mode") != "commit",
            all_or_nothing=bool(request.POST.get("all_or_nothing")),
        )
    except ApplicationError as exc:
        if exc.status in (401, 403):
            raise
        # never touch request.POST after a size refusal: that would read the oversized body
        kind = PREMISES if isinstance(exc, FileTooLarge) else request.POST.get("kind", PREMISES)
        return render(request, "standards/bulk/index.html", _index_context(request, kind, error=exc),
                      status=exc.status)
    return redirect("bulk:job", job_id=job.pk)


def _job_context(job: BackgroundJob) -> dict[str, Any]:
    result = job.result or {}
    params = job.params or {}
    running = job.status in (BackgroundJob.Status.PENDING, BackgroundJob.Status.RUNNING)
    done, total = services.job_progress_now(job) if running else (job.progress_done, job.progress_total)
    return {
        "job": job,
        "params": params,
        "result": result,
        "kind_label": KIND_LABELS.get(params.get("kind", ""), ""),
        "counts": count_rows(result.get("counts", {})),
        "running": running,
        "done": done,
        "total": total,
        "percent": min(100, done * 100 // total) if total else 0,
        "can_commit": (
            job.status == BackgroundJob.Status.SUCCEEDED and params.get("dry_run") and not result.get("file_error")
            and result.get("counts", {}).get("valid", 0) > 0
        ),
    }


@login_required
def job_detail(request: HttpRequest, job_id: str) -> HttpResponse:
    job = services.bulk_job_get(viewer=request.user, job_id=job_id)
    return render(request, "standards/bulk/job.html", _job_context(job))


@login_required
def job_status(request: HttpRequest, job_id: str) -> HttpResponse:
    job = services.bulk_job_get(viewer=request.user, job_id=job_id)
    return render(request, "standards/bulk/_status.html", _job_context(job))


@login_required
@require_POST
def commit(request: HttpRequest, job_id: str) -> HttpResponse:
    job = services.bulk_job_get(viewer=request.user, job_id=job_id)
    try:
        new = services.bulk_commit(actor=request.user, job=job,
                                   all_or_nothing=bool(request.POST.get("all_or_nothing")))
    except ApplicationError as exc:
        if exc.status in (401, 403, 404):
            raise
        return render(request, "standards/bulk/job.html", {**_job_context(job), "error": exc}, status=exc.status)
    return redirect("bulk:job", job_id=new.pk)


@login_required
def report(request: HttpRequest, job_id: str) -> FileResponse:
    job = services.bulk_job_get(viewer=request.user, job_id=job_id)
    path = services.bulk_report(job=job)
    name = f"导入报告-{job.params.get('filename', 'import')}-{job.created_at:%Y%m%d%H%M}.xlsx"
    return FileResponse(open(path, "rb"), as_attachment=True, filename=name, content_type=XLSX)


def template_response(kind: str, fmt: str, actor: Any) -> HttpResponse:
    services.check_kind(kind)
    if fmt not in FORMATS:
        raise NotFound()
    label = str(KIND_LABELS[kind])
    if fmt == "csv":
        response = HttpResponse(template_csv(kind), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(template_xlsx(kind, services.policy_names(actor)), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, f"{label}导入模板.{fmt}")
    return response


@login_required
def template(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    bulk_scope(request.user)
    return template_response(kind, fmt, request.user)
