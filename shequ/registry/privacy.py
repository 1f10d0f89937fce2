"""Unmasking personal data: needs the permission and a stated reason, and is logged."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.accounts.scope import viewer_scope
from shequ.core.audit import access_record
from shequ.core.errors import PermissionDenied, ValidationFailed
from shequ.core.masking import mask_id_number, mask_phone
from shequ.core.models import AccessLog
from shequ.core.roles import Perm
from shequ.registry.models import Resident

MIN_REASON_LENGTH = 4


def masked_identity(resident: Resident) -> dict[str, str]:
    return {"id_number": mask_id_number(resident.id_number), "phone": mask_phone(resident.phone)}


@transaction.atomic
def resident_unmask(*, actor: Any, resident: Resident, reason: str) -> dict[str, str]:
    """The resident must already have been fetched through a scoped selector."""
    if not viewer_scope(actor).has(Perm.REGISTRY_UNMASK, resident.area_code):
        raise PermissionDenied(_("您没有查看完整身份号码和电话的权限。"))
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationFailed(
            _("请说明查看原因（至少 %(n)d 个字）") % {"n": MIN_REASON_LENGTH},
            details={"reason": [_("请说明查看原因（至少 %(n)d 个字）") % {"n": MIN_REASON_LENGTH}]},
        )
    access_record(
        actor=actor,
        kind=AccessLog.Kind.UNMASK,
        entity_type="resident",
        entity_id=resident.pk,
        fields="id_number,phone",
        area_code=resident.area_code,
        reason=reason,
    )
    return {"id_number": resident.id_number, "phone": resident.phone}
