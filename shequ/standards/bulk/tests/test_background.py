"""A big file in a real background thread: the status page sees the progress while the rows are written
inside the dry run's transaction (PostgreSQL: over a second connection; SQLite: the in-process note)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from shequ.core import jobs
from shequ.core.models import BackgroundJob
from shequ.standards.bulk import services
from shequ.standards.bulk.tests.helpers import fund_row, write


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_progress_is_visible_while_a_background_dry_run_writes(world, tmp_path, settings, monkeypatch):
    settings.SHEQU_IMPORT_DIR = tmp_path / "imports"
    settings.SHEQU_TASK_BACKEND = "thread"
    monkeypatch.setattr(services, "INLINE_MAX_ROWS", 5)
    monkeypatch.setattr(services, "PROGRESS_SECONDS", 0.0)
    publish = services._Publisher.__call__

    def publish_slowly(self, done, total):  # type: ignore[no-untyped-def]
        # 32 rows take a few milliseconds on a fast machine: hold each published figure long enough for the
        # status page, polled every 50 ms, to see the bar between empty and full.
        publish(self, done, total)
        if done < total:
            time.sleep(0.06)

    monkeypatch.setattr(services._Publisher, "__call__", publish_slowly)
    finished = threading.Event()

    def run_and_close(job_id):  # the job thread's connection must not outlive the test database
        try:
            jobs.run_job(job_id)
        finally:
            connections.close_all()
            finished.set()

    monkeypatch.setattr(jobs, "_run_in_thread", run_and_close)
    rows = [fund_row(year=str(2016 + i % 8), source=("区县财政", "市级财政", "其他来源", "街道（乡镇）")[i // 8])
            for i in range(32)]
    client = Client()
    client.force_login(world.worker)
    with open(write(tmp_path, "funds", rows), "rb") as fh:
        response = client.post(reverse("bulk:upload"), {"kind": "funds", "file": fh})
    job = BackgroundJob.objects.get(kind="standards.bulk")
    assert response.status_code == 302 and job.params["background"]
    seen = set()
    on_the_row = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job.refresh_from_db()
        body = client.get(reverse("bulk:job_status", args=[job.pk])).content.decode()
        if job.status in ("succeeded", "failed"):
            break
        if "/ 32" in body:
            seen.add(body.split("aria-valuenow=\"", 1)[1].split("\"", 1)[0])
        if job.status == "running" and job.progress_done:
            on_the_row.add(job.progress_done)
        time.sleep(0.05)
    assert finished.wait(30) and job.status == "succeeded", job.error
    assert job.result["counts"]["created"] == 32 and not job.result["committed"]
    assert any(0 < int(value) < 100 for value in seen), seen  # a bar that moved, not just 0 then done
    if connections["default"].vendor == "postgresql":  # the job row itself, written over a second connection
        assert any(0 < done < 32 for done in on_the_row), on_the_row
