"""/api/v1/audit: the audit log (writes) and the access log (unmask, export), scoped and masked."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Query, Router, Schema

from shequ.core import audit_selectors
from shequ.core.audit_selectors import LogFilters, mask_free_text

router = Router(tags=["audit"])
MAX_PAGE_SIZE = 500


class LogQuery(Schema):
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    actor: str = ""
    action: str = ""
    kind: str = ""
    entity_type: str = ""
    entity_id: str = ""
    area: str = ""
    page: int = 1
    page_size: int = 100

    def filters(self, action: str) -> LogFilters:
        return LogFilters(
            date_from=self.date_from,
            date_to=self.date_to,
            actor=self.actor,
            action=action,
            entity_type=self.entity_type,
            entity_id=self.entity_id,
            area=self.area,
        )


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
    query: dict


class AuditPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[AuditOut]


class AccessPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[AccessOut]


def _page(qs, params: LogQuery):  # type: ignore[no-untyped-def]
    size = max(1, min(params.page_size, MAX_PAGE_SIZE))
    return size, Paginator(qs, size).get_page(params.page)


def _actor(row) -> str | None:  # type: ignore[no-untyped-def]
    return row.actor.get_username() if row.actor else None


@router.get("/writes", response=AuditPage, summary="The audit log of writes in my subtree (personal values masked)")
def writes(request: HttpRequest, params: Query[LogQuery]) -> AuditPage:
    qs = audit_selectors.audit_list(viewer=request.user, filters=params.filters(params.action))
    size, page = _page(qs, params)
    results = []
    for r in page.object_list:
        shown = audit_selectors.present_write(request.user, r)
        results.append(
            AuditOut(
                id=r.pk,
                at=r.at,
                actor=_actor(r),
                action=r.action,
                entity_type=r.entity_type,
                entity_id=r.entity_id,
                area_code=r.area_code,
                summary=shown["summary"],
                changes=shown["changes"],
            )
        )
    return AuditPage(count=page.paginator.count, page=page.number, page_size=size, results=results)


@router.get("/access", response=AccessPage, summary="The access log (unmask and export events) in my subtree")
def access(request: HttpRequest, params: Query[LogQuery]) -> AccessPage:
    qs = audit_selectors.access_list(viewer=request.user, filters=params.filters(params.kind or params.action))
    size, page = _page(qs, params)
    results = [
        AccessOut(
            id=r.pk,
            at=r.at,
            actor=_actor(r),
            kind=r.kind,
            entity_type=r.entity_type,
            entity_id=r.entity_id,
            fields=r.fields,
            area_code=r.area_code,
            reason=mask_free_text(r.reason),
            row_count=r.row_count,
            query=audit_selectors.present_query(r.query or {}),
        )
        for r in page.object_list
    ]
    return AccessPage(count=page.paginator.count, page=page.number, page_size=size, results=results)
