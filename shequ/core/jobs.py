"""Background jobs: a handler registry, and two ways to run them.

"thread" (embedded demo): a daemon thread in the web process, so no extra server is needed.
"celery" (production): a Celery worker on Redis runs shequ.core.tasks.run_job.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shequ.core.errors import NotFound, PermissionDenied
from shequ.core.models import BackgroundJob

log = logging.getLogger(__name__)

JobHandler = Callable[[BackgroundJob], dict[str, Any]]
_HANDLERS: dict[str, JobHandler] = {}


def register_job(kind: str) -> Callable[[JobHandler], JobHandler]:
    def decorator(func: JobHandler) -> JobHandler:
        _HANDLERS[kind] = func
        return func

    return decorator


def job_start(*, kind: str, actor: Any, params: dict[str, Any], area_code: str = "") -> BackgroundJob:
    if kind not in _HANDLERS:
        raise KeyError(kind)
    job = BackgroundJob.objects.create(
        kind=kind,
        created_by=actor if getattr(actor, "pk", None) else None,
        params=params,
        area_code=area_code,
    )
    transaction.on_commit(lambda: _dispatch(job.pk))
    return job


def _dispatch(job_id: Any) -> None:
    backend = settings.SHEQU_TASK_BACKEND
    if backend == "celery":
        from shequ.core.tasks import run_job_task

        try:
            run_job_task.delay(str(job_id))
        except Exception as exc:  # broker unreachable: the job must not sit "pending" for ever
            log.exception("job %s could not be queued", job_id)
            _mark_failed(job_id, _("无法提交到后台任务队列：%(error)s") % {"error": exc})
    elif backend == "sync":
        run_job(job_id)
    else:
        threading.Thread(target=_run_in_thread, args=(job_id,), daemon=True).start()


def _run_in_thread(job_id: Any) -> None:
    try:
        run_job(job_id)
    finally:
        close_old_connections()


def _mark_failed(job_id: Any, error: str) -> None:
    BackgroundJob.objects.filter(pk=job_id).update(
        status=BackgroundJob.Status.FAILED, error=str(error)[:2000], finished_at=timezone.now()
    )


def _handler_for(kind: str) -> JobHandler:
    """A worker process may not have imported the module that registers `kind` yet: look for it once."""
    if kind not in _HANDLERS:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("tasks", "jobs")
    if kind not in _HANDLERS:
        raise LookupError(_("未知的后台任务类型：%(kind)s") % {"kind": kind})
    return _HANDLERS[kind]


def run_job(job_id: Any) -> BackgroundJob:
    job = BackgroundJob.objects.get(pk=job_id)
    if job.status in (BackgroundJob.Status.SUCCEEDED, BackgroundJob.Status.FAILED):
        return job  # delivered twice: it already ran to the end
    job.status = BackgroundJob.Status.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at"])
    try:
        handler = _handler_for(job.kind)
        result = handler(job)
    except Exception as exc:  # a job must end in a recorded state, whatever went wrong
        log.exception("job %s failed", job_id)
        job.status = BackgroundJob.Status.FAILED
        job.error = str(exc)[:2000]
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        return job
    job.status = BackgroundJob.Status.SUCCEEDED
    job.result = result
    job.finished_at = timezone.now()
    if job.progress_total and job.progress_done < job.progress_total:
        job.progress_done = job.progress_total
    try:
        job.save(update_fields=["status", "result", "finished_at", "progress_done"])
    except Exception as exc:  # e.g. a result that cannot be stored: recorded as a failure, not lost
        log.exception("job %s result could not be saved", job_id)
        _mark_failed(job_id, _("任务结果无法保存：%(error)s") % {"error": exc})
        job.refresh_from_db()
    return job


def job_progress(job: BackgroundJob, *, done: int, total: int | None = None) -> None:
    job.progress_done = done
    fields = ["progress_done"]
    if total is not None:
        job.progress_total = total
        fields.append("progress_total")
    BackgroundJob.objects.filter(pk=job.pk).update(**{f: getattr(job, f) for f in fields})


def job_get_own(*, viewer: Any, job_id: Any, kind: str) -> BackgroundJob:
    """A job of `kind` that `viewer` started; any other (or a malformed id) answers "not found"."""
    try:
        pk = uuid.UUID(str(job_id))
    except ValueError:
        raise NotFound() from None
    if getattr(viewer, "pk", None) is None:
        raise NotFound()
    job = BackgroundJob.objects.filter(pk=pk, kind=kind, created_by_id=viewer.pk).first()
    if job is None:
        raise NotFound()
    return job


@contextmanager
def as_job_creator(job: BackgroundJob) -> Iterator[Any]:
    """Work done for a job runs as the user who started it (their scope, checked again now), in the language
    of the request that started it (params["language"])."""
    if job.created_by is None:
        raise PermissionDenied()
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        yield job.created_by
