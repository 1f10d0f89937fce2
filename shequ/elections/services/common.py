"""What every elections service shares: today's date (injectable), the locked election, stage guards, audit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.audit import audit_record
from shequ.core.errors import Conflict, ValidationFailed
from shequ.elections import policies
from shequ.elections.models import Election, Stage


def today(on: dt.date | None = None) -> dt.date:
    """Services take `on=` so tests can stand on any day of the timetable; pages and the API pass nothing."""
    return on or timezone.localdate()


def invalid(field: str, message: str, code: str = "validation_failed") -> ValidationFailed:
    return ValidationFailed(message, code=code, details={field: [message]})


def locked(election: Election, actor: Any, *, manage: bool = False) -> Election:
    """The election re-read under a row lock (inside the caller's transaction), after checking that `actor`
    may run it (or manage it). Serialises concurrent writes to one election's procedure."""
    if manage:
        policies.require_manage(actor, election.area_code)
    else:
        policies.require_run(actor, election.area_code)
    return lock(election)


def lock(election: Election) -> Election:
    """The election re-read under a row lock, for a caller that has checked its actor itself."""
    return (
        Election.objects.select_for_update(of=("self",))
        .select_related("policy_version", "community")
        .get(pk=election.pk)
    )


def require_stage(election: Election, stages: Iterable[str]) -> None:
    allowed = list(stages)
    if election.stage not in allowed:
        labels = "、".join(str(Stage(s).label) for s in allowed)
        raise Conflict(
            _("选举当前处于“%(stage)s”阶段，此操作只能在“%(allowed)s”阶段进行。")
            % {"stage": Stage(election.stage).label, "allowed": labels},
            code="wrong_stage",
            details={"stage": election.stage, "allowed": allowed},
        )


def set_stage(election: Election, stage: str, *extra_fields: str) -> None:
    election.stage = stage
    election.save(update_fields=["stage", "updated_at", *extra_fields])


def record(
    *, actor: Any, election: Election, action: str, entity: str, entity_id: Any = None,
    changes: dict[str, Any] | None = None, summary: str = "",
) -> None:
    """An audit row for an election write; `entity` is e.g. "elections.Voter"."""
    audit_record(
        actor=actor, action=action, entity_type=entity, entity_id=entity_id if entity_id is not None else election.pk,
        area_code=election.area_code, changes=changes, summary=summary,
    )
