"""Auditors read the audit and access logs of their subtree; personal values stay masked.

Rows carry the area code of what they are about, so the subtree cut is a prefix match on `area_code`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.scope import viewer_scope
from shequ.core import audit_labels as labels
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


# --- the pages: labels and readable values ------------------------------------------------------------


@dataclass
class Label:
    """A readable name and the raw code it stands for (shown beside it, so auditors can still search)."""

    text: str
    code: str

    @property
    def known(self) -> bool:
        return self.text != self.code


@dataclass
class ChangeRow:
    field: Label
    old: str | None
    new: str | None


_AREA_CODE = re.compile(r"\d{4}(?:\d{2}(?:\d{3}(?:\d{3}(?:\d{3})?)?)?)?")
# Records a foreign key may point to that get more than "#id": shown by number or address to whoever may see
# them in the registry, else by kind and id.
_REF_LABELS = {
    "registry.Household": (lambda pk: _("户 #%(id)s") % {"id": pk}),
    "registry.Building": (lambda pk: _("楼栋 #%(id)s") % {"id": pk}),
    "registry.Resident": (lambda pk: _("居民 #%(id)s") % {"id": pk}),
}


@dataclass
class _Refs:
    """What a page's values point to, read with one query per kind (areas, households, buildings)."""

    area_codes: set[str] = dc_field(default_factory=set)
    area_pks: set[int] = dc_field(default_factory=set)
    pks: dict[str, set[int]] = dc_field(default_factory=dict)
    areas: dict[str, str] = dc_field(default_factory=dict)  # code → name
    area_by_pk: dict[int, tuple[str, str]] = dc_field(default_factory=dict)  # pk → (code, name)
    households: dict[int, tuple[str, str]] = dc_field(default_factory=dict)  # pk → (number, area code)
    buildings: dict[int, tuple[str, str]] = dc_field(default_factory=dict)  # pk → (address, area code)

    @staticmethod
    def target(entity_type: str, name: str, value: Any) -> tuple[str, Any] | None:
        """("area_code", code) for an area code, (model label, pk) for a foreign key's id, else None."""
        if isinstance(value, bool):
            return None
        if isinstance(value, str) and name in labels.AREA_CODE_FIELDS and _AREA_CODE.fullmatch(value):
            return "area_code", value
        fk = labels.model_field(entity_type, name)
        if isinstance(value, int) and fk is not None and fk.many_to_one and fk.related_model is not None:
            return fk.related_model._meta.label, value
        return None

    def add(self, entity_type: str, name: str, value: Any) -> None:
        if isinstance(value, list):
            for v in value:
                self.add(entity_type, name, v)
            return
        ref = self.target(entity_type, name, value)
        if ref is None:
            return
        kind, key = ref
        if kind == "area_code":
            self.area_codes.add(key)
        elif kind == "areas.Area":
            self.area_pks.add(key)
        else:
            self.pks.setdefault(kind, set()).add(key)

    def load(self) -> None:
        from shequ.areas.models import Area
        from shequ.registry.models import Building, Household

        if self.area_codes or self.area_pks:
            areas = Area.objects.filter(Q(code__in=self.area_codes) | Q(pk__in=self.area_pks))
            for pk, code, name in areas.values_list("pk", "code", "name"):
                self.areas[code] = name
                self.area_by_pk[pk] = (code, name)
        if self.pks.get("registry.Household"):
            households = Household.objects.filter(pk__in=self.pks["registry.Household"])
            self.households = {pk: (n, c) for pk, n, c in households.values_list("pk", "number", "area_code")}
        if self.pks.get("registry.Building"):
            buildings = Building.objects.filter(pk__in=self.pks["registry.Building"])
            self.buildings = {pk: (a, c) for pk, a, c in buildings.values_list("pk", "address", "area_code")}

    def area(self, code: str) -> str:
        name = self.areas.get(code)
        return f"{name}（{code}）" if name else code

    def text(self, viewer: Any, entity_type: str, name: str, value: Any) -> str | None:
        """A value as the page shows it: choices by their label, areas by name, records by what the viewer may
        see of them, yes/no, lists and objects spelled out."""
        if value is None or value == "":
            return None if value is None else ""
        if isinstance(value, bool):
            return _("是") if value else _("否")
        if isinstance(value, list):
            return ", ".join(self.text(viewer, entity_type, name, v) or "—" for v in value)
        if isinstance(value, dict):
            return "; ".join(f"{k}: {self.text(viewer, entity_type, str(k), v) or '—'}" for k, v in value.items())
        ref = self.target(entity_type, name, value)
        if ref is not None:
            return self._ref_text(viewer, *ref)
        choice = labels.choice_label(entity_type, name, value)
        return choice if choice is not None else str(value)

    def _ref_text(self, viewer: Any, kind: str, key: Any) -> str:
        if kind == "area_code":
            return self.area(key)
        if kind == "areas.Area":
            code, name = self.area_by_pk.get(key, ("", ""))
            return f"{name}（{code}）" if code else _("区域 #%(id)s") % {"id": key}
        scope = viewer_scope(viewer)
        if kind == "registry.Household" and key in self.households:
            number, code = self.households[key]
            if scope.has(Perm.REGISTRY_VIEW, code):
                return _("户号 %(number)s") % {"number": number}
        if kind == "registry.Building" and key in self.buildings:
            address, code = self.buildings[key]
            if scope.has(Perm.REGISTRY_VIEW, code):
                return address
        if kind in _REF_LABELS:
            return _REF_LABELS[kind](key)
        from django.apps import apps

        model: type[models.Model] = apps.get_model(kind)
        return f"{model._meta.verbose_name} #{key}"


def _label(text: str, code: str) -> Label:
    return Label(text=text, code=code)


def present_writes(viewer: Any, rows: list[AuditLog]) -> list[dict[str, Any]]:
    """The audit page's rows: personal values masked, actions, objects and fields by name, foreign keys and
    area codes by what they are (one query per kind for the whole page)."""
    refs = _Refs()
    shown = []
    for row in rows:
        masked = present_write(viewer, row)
        pairs = change_rows(masked["changes"])
        refs.area_codes.add(row.area_code)
        for name, old, new in pairs:
            refs.add(row.entity_type, name, old)
            refs.add(row.entity_type, name, new)
        shown.append((row, masked["summary"], pairs))
    refs.load()
    return [
        {
            "action": _label(labels.action_label(row.action), row.action),
            "entity": _label(labels.entity_label(row.entity_type), row.entity_type),
            "area": _label(refs.area(row.area_code), row.area_code),
            "summary": summary,
            "changes": [
                ChangeRow(
                    field=_label(labels.field_label(row.entity_type, name), name),
                    old=refs.text(viewer, row.entity_type, name, old),
                    new=refs.text(viewer, row.entity_type, name, new),
                )
                for name, old, new in pairs
            ],
        }
        for row, summary, pairs in shown
    ]


# Keys of an export's filters that are checked against another entity's field choices.
_QUERY_CHOICES = {"hkind": ("household", "kind")}


def present_filters(viewer: Any, row: AccessLog, refs: _Refs) -> list[tuple[Label, str]]:
    """An export's recorded filters, the empty ones left out: [(key label, value), ...]. Values are masked like
    the API's (digit runs in a search may be ID numbers or phones), except area codes, shown with their names."""
    if not isinstance(row.query, dict):
        return []
    out = []
    for key, raw in row.query.items():
        if raw in (None, "", [], {}):
            continue
        is_area = key in labels.AREA_CODE_FIELDS and isinstance(raw, str) and _AREA_CODE.fullmatch(raw)
        value = raw if is_area else present_query(raw)
        entity, name = _QUERY_CHOICES.get(key, (row.entity_type, key))
        out.append(
            (_label(labels.query_label(row.entity_type, key), key), refs.text(viewer, entity, name, value) or "")
        )
    return out


def present_accesses(viewer: Any, rows: list[AccessLog]) -> list[dict[str, Any]]:
    """The access page's rows: objects and fields by name, an export's filters, areas by name."""
    refs = _Refs()
    for row in rows:
        refs.area_codes.add(row.area_code)
        query = row.query if isinstance(row.query, dict) else {}
        for key, value in query.items():
            refs.add(row.entity_type, key, value)
    refs.load()
    return [
        {
            "entity": _label(labels.entity_label(row.entity_type), row.entity_type),
            "fields": [_label(labels.field_label(row.entity_type, f), f) for f in (row.fields or "").split(",") if f],
            "area": _label(refs.area(row.area_code), row.area_code),
            "filters": present_filters(viewer, row, refs),
            "reason": mask_free_text(row.reason),
        }
        for row in rows
    ]


def action_choices(*, viewer: Any) -> list[Label]:
    """The filter menu's actions, by name."""
    return [_label(labels.action_label(code), code) for code in audit_actions(viewer=viewer)]
