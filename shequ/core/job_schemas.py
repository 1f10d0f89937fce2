"""The API shape every background job shares (status and progress); each kind adds its own fields."""

from __future__ import annotations

import uuid
from typing import Any

from ninja import Schema

from shequ.core.models import BackgroundJob


class JobOut(Schema):
    id: uuid.UUID
    status: str
    progress_done: int
    progress_total: int
    percent: int
    error: str
    status_url: str

    @staticmethod
    def common(job: BackgroundJob, status_url: str) -> dict[str, Any]:
        """The shared fields of `job`, to build a subclass with: Sub(**JobOut.common(job, url), ...)."""
        return {
            "id": job.pk,
            "status": job.status,
            "progress_done": job.progress_done,
            "progress_total": job.progress_total,
            "percent": job.percent,
            "error": job.error,
            "status_url": status_url,
        }
