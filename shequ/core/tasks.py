from celery import shared_task

from shequ.core.jobs import run_job


@shared_task(name="shequ.run_job")
def run_job_task(job_id: str) -> str:
    return str(run_job(job_id).status)
