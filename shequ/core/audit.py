"""Writing the audit and access logs. Services call these inside their transaction."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from django.db import models

from shequ.core.models import AccessLog, AuditLog


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (dt.date, dt.datetime, decimal.Decimal)):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of a model instance (foreign keys as ids)."""
    names = fields or [f.attname for f in instance._meta.concrete_fields]
    return {name: _plain(getattr(instance, name)) for name in names}


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields that changed."""
    return {k: [old.get(k), new.get(k)] for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)}


def audit_record(
    *,
    actor: Any,
    action: str,
    entity_type: str,
    entity_id: Any,
    area_code: str = "",
    changes: dict[str, Any] | None = None,
    summary: str = "",
) -> AuditLog:
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        area_code=area_code or "",
        changes=changes or {},
        summary=summary[:255],
    )


def access_record(
    *,
    actor: Any,
    kind: str,
    entity_type: str,
    reason: str,
    entity_id: Any = "",
    fields: str = "",
    area_code: str = "",
    row_count: int = 0,
    query: dict[str, Any] | None = None,
) -> AccessLog:
    return AccessLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        kind=kind,
        entity_type=entity_type,
        entity_id=str(entity_id or ""),
        fields=fields,
        area_code=area_code or "",
        reason=reason[:500],
        row_count=row_count,
        query=query or {},
    )
