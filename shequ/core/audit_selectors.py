"""Auditors read the audit and access logs of their subtree; personal values stay masked."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from shequ.accounts.scope import viewer_scope
from shequ.core.masking import mask_field
from shequ.core.models import AccessLog, AuditLog
from shequ.core.roles import Perm


def audit_list(*, viewer: Any, entity_type: str = "", entity_id: str = "") -> QuerySet[AuditLog]:
    qs = AuditLog.objects.filter(viewer_scope(viewer).q(Perm.AUDIT_VIEW)).select_related("actor")
    if entity_type:
        qs = qs.filter(entity_type=entity_type)
    if entity_id:
        qs = qs.filter(entity_id=entity_id)
    return qs


def access_list(*, viewer: Any, entity_type: str = "", entity_id: str = "") -> QuerySet[AccessLog]:
    qs = AccessLog.objects.filter(viewer_scope(viewer).q(Perm.AUDIT_VIEW)).select_related("actor")
    if entity_type:
        qs = qs.filter(entity_type=entity_type)
    if entity_id:
        qs = qs.filter(entity_id=entity_id)
    return qs


def masked_changes(changes: dict[str, Any]) -> dict[str, Any]:
    return {
        field: [mask_field(field, v) if isinstance(v, str) else v for v in pair]
        if field in ("id_number", "phone")
        else pair
        for field, pair in changes.items()
    }
