"""Background jobs end in a recorded state: succeeded with a result, or failed with the error text."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.core.jobs import job_start, register_job
from shequ.core.models import BackgroundJob
from shequ.core.tests.celery_helpers import celery_conf


@register_job("test.double")
def _double(job: BackgroundJob) -> dict[str, Any]:
    return {"doubled": job.params["n"] * 2}


@register_job("test.boom")
def _boom(job: BackgroundJob) -> dict[str, Any]:
    raise RuntimeError("处理第 3 行时出错")


@pytest.fixture(autouse=True)
def _sync_backend(settings):  # type: ignore[no-untyped-def]
    settings.SHEQU_TASK_BACKEND = "sync"


def test_sync_job_succeeds_with_result(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="test.double", actor=None, params={"n": 21})
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.SUCCEEDED
    assert job.result == {"doubled": 42}
    assert job.started_at and job.finished_at


def test_failure_is_recorded_with_its_error(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="test.boom", actor=None, params={})
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.FAILED
    assert "处理第 3 行时出错" in job.error
    assert job.finished_at is not None


def test_unknown_kind_in_the_worker_is_a_recorded_failure(db):
    from shequ.core.jobs import run_job

    job = BackgroundJob.objects.create(kind="test.not_registered_anywhere", params={})
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.FAILED
    assert "test.not_registered_anywhere" in job.error


def test_a_job_that_cannot_be_queued_is_failed_not_lost(db, settings, django_capture_on_commit_callbacks):
    settings.SHEQU_TASK_BACKEND = "celery"
    with (
        celery_conf(
            broker_url="redis://127.0.0.1:1/15",  # nothing listens on port 1
            broker_connection_retry=False,
            broker_connection_timeout=1,
            broker_transport_options={"max_retries": 0},
            task_publish_retry=False,
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        job = job_start(kind="test.double", actor=None, params={"n": 1})
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.FAILED
    assert job.error


@pytest.mark.parametrize("status", [BackgroundJob.Status.SUCCEEDED, BackgroundJob.Status.FAILED])
def test_a_finished_job_delivered_twice_does_not_run_again(db, status):
    from shequ.core.jobs import run_job

    job = BackgroundJob.objects.create(kind="test.double", params={"n": 5}, status=status, result={"kept": True})
    run_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.result) == (status, {"kept": True})
