from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from shequ.core import audit_selectors

router = Router(tags=["audit"])


class AuditOut(Schema):
    id: int
    at: dt.datetime
    actor: str | None
    action: str
    entity_type: str
    entity_id: str
    area_code: str
    summary: str
    changes: dict


class AccessOut(Schema):
    id: int
    at: dt.datetime
    actor: str | None
    kind: str
    entity_type: str
    entity_id: str
    fields: str
    area_code: str
    reason: str
    row_count: int


@router.get("/writes", response=list[AuditOut])
def writes(request: HttpRequest, entity_type: str = "", entity_id: str = "", limit: int = 100) -> list[AuditOut]:
    rows = audit_selectors.audit_list(viewer=request.user, entity_type=entity_type, entity_id=entity_id)
    return [
        AuditOut(
            id=r.pk,
            at=r.at,
            actor=str(r.actor) if r.actor else None,
            action=r.action,
            entity_type=r.entity_type,
            entity_id=r.entity_id,
            area_code=r.area_code,
            summary=r.summary,
            changes=audit_selectors.masked_changes(r.changes),
        )
        for r in rows[: max(1, min(limit, 500))]
    ]


@router.get("/access", response=list[AccessOut])
def access(request: HttpRequest, entity_type: str = "", entity_id: str = "", limit: int = 100) -> list[AccessOut]:
    rows = audit_selectors.access_list(viewer=request.user, entity_type=entity_type, entity_id=entity_id)
    return [
        AccessOut(
            id=r.pk,
            at=r.at,
            actor=str(r.actor) if r.actor else None,
            kind=r.kind,
            entity_type=r.entity_type,
            entity_id=r.entity_id,
            fields=r.fields,
            area_code=r.area_code,
            reason=r.reason,
            row_count=r.row_count,
        )
        for r in rows[: max(1, min(limit, 500))]
    ]
