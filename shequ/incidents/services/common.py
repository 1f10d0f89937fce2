"""What the incident services share: the clock, per-field problems, saving with the model's own checks, and the
history row plus audit row every change writes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from shequ.core.audit import audit_record
from shequ.incidents.models import Event, Incident

MAX_DESCRIPTION = 2000
MAX_NOTE = 2000


def now() -> dt.datetime:
    """The services' clock (tests move it to a chosen day)."""
    return timezone.now()


def record(
    *,
    actor: Any,
    incident: Incident,
    action: str,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
) -> Event:
    """A step of the case's history and the matching audit row."""
    event = Event.objects.create(
        incident=incident,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
    )
    audit_record(
        actor=actor,
        action=f"incident.{action}",
        entity_type="incident",
        entity_id=incident.pk,
        area_code=incident.area_code,
        changes=changes or {},
        summary=f"{incident.number} {note}".strip(),
    )
    return event
