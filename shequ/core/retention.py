"""How long logs are kept. Access logs: at least six months (PIPL; DESIGN.md §5), configurable above that."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shequ.core.audit import audit_record
from shequ.core.models import AccessLog

# The legal floor: access logs are kept at least six months (183 days). No setting goes below it.
ACCESS_LOG_RETENTION_FLOOR_DAYS = 183


def access_log_retention_days(requested: int | None = None) -> int:
    """The retention in force: the requested or configured number of days, never below the floor."""
    days = requested if requested is not None else getattr(settings, "SHEQU_ACCESS_LOG_RETENTION_DAYS", 0)
    return max(ACCESS_LOG_RETENTION_FLOOR_DAYS, int(days or 0))


@dataclass
class PurgeResult:
    days: int
    cutoff: dt.datetime
    count: int
    dry_run: bool


@transaction.atomic
def access_log_purge(
    *, actor: Any = None, days: int | None = None, dry_run: bool = False, now: dt.datetime | None = None
) -> PurgeResult:
    """Delete access-log rows older than the retention (or only count them on a dry run)."""
    kept = access_log_retention_days(days)
    cutoff = (now or timezone.now()) - dt.timedelta(days=kept)
    old = AccessLog.objects.filter(at__lt=cutoff)
    if dry_run:
        return PurgeResult(days=kept, cutoff=cutoff, count=old.count(), dry_run=True)
    count, _per_model = old.delete()
    if count:
        audit_record(
            actor=actor,
            action="access_log.purge",
            entity_type="access_log",
            entity_id="",
            changes={"deleted": [None, count], "before": [None, cutoff.isoformat()], "days": [None, kept]},
            summary=f"{count}",
        )
    return PurgeResult(days=kept, cutoff=cutoff, count=count, dry_run=False)
