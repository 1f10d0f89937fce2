"""Auditors read the audit and access logs of their subtree; personal values stay masked.

Rows carry the area code of what they are about, so the subtree cut is a prefix match on `area_code`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from shequ.accounts.scope import viewer_scope
from shequ.core.errors import PermissionDenied
from shequ.core.masking import mask_field
from shequ.core.models import AccessLog, AuditLog
from shequ.core.roles import Perm

# Fields whose values are personal data; `*_rev` are the reversed search copies of the same values.
SENSITIVE_FIELDS = ("id_number", "phone")
# Names of people: shown to viewers who may see the person in the registry, masked for the others.
NAME_FIELDS = ("name", "display_name", "head_name")
PERSON_ENTITIES = ("resident",)
_DIGITS = re.compile(r"\d{7,}")


@dataclass
class LogFilters:
    """Filters shared by the pages and the API. `action` is the action (writes) or the kind (access)."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    actor: str = ""
    action: str = ""
    entity_type: str = ""
    entity_id: str = ""
    area: str = ""


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_current_timezone())


def _filtered(qs: QuerySet, filters: LogFilters, action_field: str) -> QuerySet:
    if filters.date_from:
        qs = qs.filter(at__gte=_start_of(filters.date_from))
    if filters.date_to:
        qs = qs.filter(at__lt=_start_of(filters.date_to + dt.timedelta(days=1)))
    actor = filters.actor.strip()
    if actor:
        qs = qs.filter(Q(actor__username=actor) | Q(actor__display_name=actor))
    if filters.action:
        qs = qs.filter(**{action_field: filters.action})
    if filters.entity_type:
        qs = qs.filter(entity_type=filters.entity_type)
    if filters.entity_id:
        qs = qs.filter(entity_id=filters.entity_id)
    if filters.area:
        qs = qs.filter(area_code__startswith=filters.area.strip())
    return qs


def _require(viewer: Any) -> Q:
    scope = viewer_scope(viewer)
    if not scope.has(Perm.AUDIT_VIEW):
        raise PermissionDenied()
    return scope.q(Perm.AUDIT_VIEW)


def audit_list(*, viewer: Any, filters: LogFilters | None = None, **kwargs: Any) -> QuerySet[AuditLog]:
    """Writes inside the viewer's audit subtree, newest first."""
    filters = filters or LogFilters(**kwargs)
    qs = AuditLog.objects.filter(_require(viewer)).select_related("actor")
    return _filtered(qs, filters, "action").order_by("-at", "-id")


def access_list(*, viewer: Any, filters: LogFilters | None = None, **kwargs: Any) -> QuerySet[AccessLog]:
    """Unmask and export events inside the viewer's audit subtree, newest first."""
    filters = filters or LogFilters(**kwargs)
    qs = AccessLog.objects.filter(_require(viewer)).select_related("actor")
    return _filtered(qs, filters, "kind").order_by("-at", "-id")


def own_access_list(*, viewer: Any, filters: LogFilters | None = None, **kwargs: Any) -> QuerySet[AccessLog]:
    """我的查看记录: the viewer's own unmask and export events, newest first. Any signed-in user may read
    these (whatever their roles), so everyone can check what has been logged in their name."""
    if not getattr(viewer, "is_authenticated", False):
        raise PermissionDenied()
    filters = filters or LogFilters(**kwargs)
    qs = AccessLog.objects.filter(actor_id=viewer.pk).select_related("actor")
    return _filtered(qs, filters, "kind").order_by("-at", "-id")


def audit_actions(*, viewer: Any) -> list[str]:
    """The distinct actions present in the viewer's subtree (for the filter menu)."""
    return list(
        AuditLog.objects.filter(_require(viewer)).order_by("action").values_list("action", flat=True).distinct()
    )


# --- masking --------------------------------------------------------------------------------------


def mask_name(value: Any) -> Any:
    """王小明 → 王*明, 李娜 → 李*: enough to recognise a record, not to identify a person."""
    if not isinstance(value, str) or not value:
        return value
    if len(value) == 1:
        return "*"
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def _sensitive_base(field: str) -> str | None:
    for base in SENSITIVE_FIELDS:
        if base in field:
            return base
    return None


def _mask_value(base: str, field: str, value: Any) -> Any:
    if isinstance(value, list):
        return [_mask_value(base, field, v) for v in value]
    if isinstance(value, dict):
        return {k: _mask_value(base, field, v) for k, v in value.items()}
    if not isinstance(value, str) or not value:
        return value
    if field.endswith("_rev"):
        return mask_field(base, value[::-1])
    return mask_field(base, value)


def mask_free_text(value: Any) -> Any:
    """Any run of 7+ digits inside free text (a search query, say) is masked like an ID number."""
    if not isinstance(value, str):
        return value
    return _DIGITS.sub(lambda m: mask_field("id_number" if len(m.group()) > 11 else "phone", m.group()), value)


def masked_changes(changes: Any, *, names_visible: bool = True) -> Any:
    """{field: [old, new]} with ID numbers and phones masked (and names too, unless visible)."""
    if not isinstance(changes, dict):
        return changes
    out: dict[str, Any] = {}
    for field, value in changes.items():
        base = _sensitive_base(field)
        if base is not None:
            out[field] = _mask_value(base, field, value)
        elif field in NAME_FIELDS and not names_visible:
            out[field] = [mask_name(v) for v in value] if isinstance(value, list) else mask_name(value)
        elif isinstance(value, dict):
            out[field] = masked_changes(value, names_visible=names_visible)
        else:
            out[field] = value
    return out


def names_visible(viewer: Any, row: AuditLog | AccessLog) -> bool:
    """People's names are shown to whoever may see that part of the registry; masked for the others."""
    if row.entity_type not in PERSON_ENTITIES:
        return True
    return viewer_scope(viewer).has(Perm.REGISTRY_VIEW, row.area_code)


def present_write(viewer: Any, row: AuditLog) -> dict[str, Any]:
    """An audit row ready to show: personal values masked."""
    visible = names_visible(viewer, row)
    return {
        "changes": masked_changes(row.changes, names_visible=visible),
        "summary": row.summary if visible else mask_name(row.summary),
    }


def present_query(query: Any) -> Any:
    if isinstance(query, dict):
        return {k: present_query(v) for k, v in query.items()}
    if isinstance(query, list):
        return [present_query(v) for v in query]
    return mask_free_text(query)


def change_rows(changes: Any) -> list[tuple[str, Any, Any]]:
    """(field, old, new) for display; a value that is not an [old, new] pair is shown as the new value."""
    if not isinstance(changes, dict):
        return []
    rows = []
    for field, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            rows.append((field, value[0], value[1]))
        else:
            rows.append((field, None, value))
    return rows
