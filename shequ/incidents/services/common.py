"""What the incident services share: the clock, per-field problems, saving with the model's own checks, and the
history row plus audit row every change writes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.audit import audit_record
from shequ.core.errors import ValidationFailed, validation_error_from_django
from shequ.incidents.models import Event, Incident

MAX_DESCRIPTION = 2000
MAX_NOTE = 2000


def now() -> dt.datetime:
    """The services' clock (tests move it to a chosen day)."""
    return timezone.now()


class Problems:
    """Per-field messages collected so one answer names every problem; nothing is written while any remain."""

    def __init__(self) -> None:
        self.details: dict[str, list[str]] = {}

    def add(self, field: str, message: Any) -> None:
        self.details.setdefault(field, []).append(str(message))

    def __bool__(self) -> bool:
        return bool(self.details)

    def raise_if_any(self) -> None:
        if self.details:
            first = next(iter(self.details.values()))[0]
            raise ValidationFailed(first, details=self.details)


def check_text(problems: Problems, field: str, value: Any, *, max_length: int, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        problems.add(field, _("此项必填"))
    elif len(text) > max_length:
        problems.add(field, _("不能超过 %(n)s 个字") % {"n": max_length})
    return text


def clean_and_save(instance: models.Model, **save_kwargs: Any) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise validation_error_from_django(exc) from None
    instance.save(**save_kwargs)


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
