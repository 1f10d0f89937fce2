from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from stdnum.cn import uscc

from shequ.areas.models import Area
from shequ.areas.stats import stats_apply
from shequ.core.audit import audit_record, diff, snapshot
from shequ.core.errors import ValidationFailed
from shequ.core.validation import clean_and_save
from shequ.registry.models import ResidentUnit
from shequ.registry.phones import PhoneError, normalise_phone
from shequ.registry.services.common import place, require_change, resolve_community

_EDITABLE = ("name", "credit_code", "kind", "address", "contact_name", "phone")


def _normalise(fields: dict[str, Any]) -> dict[str, Any]:
    out = dict(fields)
    if out.get("credit_code"):
        code = uscc.compact(str(out["credit_code"]))
        if not uscc.is_valid(code):
            raise ValidationFailed(_("统一社会信用代码无效"), details={"credit_code": [_("统一社会信用代码无效")]})
        out["credit_code"] = code
    if "phone" in out:
        try:
            out["phone"] = normalise_phone(out["phone"])
        except PhoneError as exc:
            raise ValidationFailed(str(exc), details={"phone": [str(exc)]}) from None
    return out


@transaction.atomic
def unit_create(*, actor: Any, community: Area | int | str, name: str, **fields: Any) -> ResidentUnit:
    area = resolve_community(community)
    unit = ResidentUnit(name=name, **_normalise(fields))
    place(unit, area, None)
    require_change(actor, unit.area_code)
    clean_and_save(unit)
    stats_apply(unit.area_code, units=1)
    audit_record(
        actor=actor,
        action="unit.create",
        entity_type="resident_unit",
        entity_id=unit.pk,
        area_code=unit.area_code,
        changes=diff({}, snapshot(unit, list(_EDITABLE))),
        summary=name,
    )
    return unit


@transaction.atomic
def unit_update(*, actor: Any, unit: ResidentUnit, **fields: Any) -> ResidentUnit:
    require_change(actor, unit.area_code)
    before = snapshot(unit, list(_EDITABLE))
    for name, value in _normalise(fields).items():
        if name not in _EDITABLE:
            raise TypeError(name)
        setattr(unit, name, value)
    clean_and_save(unit)
    changes = diff(before, snapshot(unit, list(_EDITABLE)))
    if changes:
        audit_record(
            actor=actor,
            action="unit.update",
            entity_type="resident_unit",
            entity_id=unit.pk,
            area_code=unit.area_code,
            changes=changes,
            summary=unit.name,
        )
    return unit
