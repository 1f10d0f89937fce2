"""Celery tasks. They only call into shequ.core.jobs, which holds the logic and records every outcome."""

from __future__ import annotations

from config.celery import app
from shequ.core.jobs import run_job


@app.task(name="shequ.run_job", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_job_task(job_id: str) -> str:
    """Run one BackgroundJob; its status, result or error end up on the job row, never lost."""
    return str(run_job(job_id).status)
