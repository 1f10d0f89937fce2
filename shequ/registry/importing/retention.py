"""Uploaded import files, their reports and finished resident exports hold ID numbers: they are deleted once
older than SHEQU_IMPORT_RETENTION_DAYS (`manage.py purge_imports`), except those of jobs still running."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from shequ.core.audit import audit_record
from shequ.core.models import BackgroundJob
from shequ.registry.export_jobs import JOB_KIND as EXPORT_JOB
from shequ.registry.export_jobs import export_dir
from shequ.registry.importing.services import JOB_KIND as IMPORT_JOB
from shequ.registry.importing.services import import_dir


def import_retention_days(requested: int | None = None) -> int:
    days = requested if requested is not None else settings.SHEQU_IMPORT_RETENTION_DAYS
    return max(0, int(days))


@dataclass
class ImportPurgeResult:
    days: int
    cutoff: dt.datetime
    uploads: int
    reports: int
    exports: int
    dry_run: bool

    @property
    def count(self) -> int:
        return self.uploads + self.reports + self.exports


def _modified(path: Path) -> dt.datetime:
    """The newest modification time of a file, or of anything inside a directory."""
    times = [path.stat().st_mtime] + ([p.stat().st_mtime for p in path.rglob("*")] if path.is_dir() else [])
    return dt.datetime.fromtimestamp(max(times), tz=dt.UTC)


def _old(entries: Iterable[Path], cutoff: dt.datetime, busy: set[str]) -> list[Path]:
    return sorted(p for p in entries if p.stem not in busy and p.name not in busy and _modified(p) < cutoff)


def _children(folder: Path, pattern: str = "*") -> list[Path]:
    return list(folder.glob(pattern)) if folder.is_dir() else []


def imports_purge(
    *, actor: Any = None, days: int | None = None, dry_run: bool = False, now: dt.datetime | None = None
) -> ImportPurgeResult:
    kept = import_retention_days(days)
    cutoff = (now or timezone.now()) - dt.timedelta(days=kept)
    running = BackgroundJob.objects.filter(
        kind__in=[IMPORT_JOB, EXPORT_JOB], status__in=[BackgroundJob.Status.PENDING, BackgroundJob.Status.RUNNING]
    ).values_list("pk", "params")
    busy = {str(pk) for pk, _params in running} | {str(params.get("upload_id", "")) for _pk, params in running}
    uploads = _old(_children(import_dir() / "uploads"), cutoff, busy)
    reports = _old(_children(import_dir() / "reports", "*.xlsx"), cutoff, busy)
    exports = _old(_children(export_dir(), "*.xlsx") + _children(export_dir(), "*.part"), cutoff, busy)
    result = ImportPurgeResult(kept, cutoff, len(uploads), len(reports), len(exports), dry_run)
    if dry_run or not result.count:
        return result
    for path in uploads:
        shutil.rmtree(path, ignore_errors=True)
    for path in reports + exports:
        path.unlink(missing_ok=True)
    audit_record(
        actor=actor,
        action="imports.purge",
        entity_type="import_file",
        entity_id="",
        changes={
            "uploads": [None, result.uploads],
            "reports": [None, result.reports],
            "exports": [None, result.exports],
            "before": [None, cutoff.isoformat()],
            "days": [None, kept],
        },
        summary=str(result.count),
    )
    return result
