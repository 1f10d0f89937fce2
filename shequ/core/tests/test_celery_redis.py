"""Celery on the real Redis: a job goes pending → succeeded (or failed, with its error) through a worker.

The worker runs in a thread of this process (celery.contrib.testing), so it needs a database that
other connections can see: PostgreSQL with committed data (transactional test). Skipped on SQLite
and when Redis is not reachable.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from typing import Any

import pytest
from django.db import connection, transaction

from shequ.core.jobs import job_start, register_job
from shequ.core.models import BackgroundJob
from shequ.core.tests.celery_helpers import celery_conf

REDIS_URL = os.environ.get("SHEQU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
WAIT_SECONDS = 60

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the embedded Celery worker needs a database its thread can see (PostgreSQL)",
    ),
]


@register_job("test.celery_double")
def _double(job: BackgroundJob) -> dict[str, Any]:
    return {"doubled": job.params["n"] * 2, "thread": threading.get_ident()}


@register_job("test.celery_boom")
def _boom(job: BackgroundJob) -> dict[str, Any]:
    raise ValueError("第 7 行：身份号码校验位不正确")


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def celery_worker(settings):  # type: ignore[no-untyped-def]
    if not _redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    from celery.contrib.testing.worker import start_worker

    settings.SHEQU_TASK_BACKEND = "celery"
    queue = f"shequ-test-{uuid.uuid4().hex}"  # a queue of our own: parallel runs never steal each other's tasks
    with (
        celery_conf(
            broker_url=REDIS_URL,
            result_backend=REDIS_URL,
            task_default_queue=queue,
            task_always_eager=False,
            worker_hijack_root_logger=False,
        ) as app,
        start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30) as worker,
    ):
        yield worker
    _forget_queue(queue)


def _forget_queue(queue: str) -> None:
    """Leave Redis as we found it: the queue and kombu's bookkeeping for it."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


def _wait_until_finished(job_id: Any) -> BackgroundJob:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        job = BackgroundJob.objects.get(pk=job_id)
        if job.status in (BackgroundJob.Status.SUCCEEDED, BackgroundJob.Status.FAILED):
            return job
        if time.monotonic() > deadline:
            pytest.fail(f"job still {job.status} after {WAIT_SECONDS} s")
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_job_goes_pending_to_succeeded_through_redis(celery_worker):
    with transaction.atomic():
        job = job_start(kind="test.celery_double", actor=None, params={"n": 21})
        # not dispatched before the transaction commits: the row is pending
        assert BackgroundJob.objects.get(pk=job.pk).status == BackgroundJob.Status.PENDING
    done = _wait_until_finished(job.pk)
    assert done.status == BackgroundJob.Status.SUCCEEDED
    assert done.result["doubled"] == 42
    assert done.result["thread"] != threading.get_ident()  # run by the worker, not in this request
    assert done.started_at is not None and done.finished_at >= done.started_at
    assert done.error == ""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_failure_in_the_worker_is_recorded(celery_worker):
    job = job_start(kind="test.celery_boom", actor=None, params={})
    done = _wait_until_finished(job.pk)
    assert done.status == BackgroundJob.Status.FAILED
    assert "身份号码校验位不正确" in done.error
    assert done.finished_at is not None
