"""Recording what was done about an action item (sub-district officer and above)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.audit import audit_record, diff, snapshot
from shequ.core.errors import Conflict, ValidationFailed
from shequ.governance.models import ActionItem, ActionOutcome, ActionStatus
from shequ.governance.policies import require_resolve

_AUDITED = ["status", "outcome", "outcome_note", "closed_at", "closed_by_id"]


@transaction.atomic
def action_item_resolve(*, actor: Any, item: ActionItem, outcome: str, note: str) -> ActionItem:
    require_resolve(actor, item.area_code)
    item = ActionItem.objects.select_for_update(of=("self",)).select_related("worker").get(pk=item.pk)
    if item.status != ActionStatus.OPEN:
        raise Conflict(_("该事项已处理或已撤销，不能再次处理"))
    outcome = str(outcome or "").strip()
    note = str(note or "").strip()
    problems: dict[str, list[str]] = {}
    if outcome not in ActionOutcome.values:
        problems["outcome"] = [_("请选择处理结果：责令辞职、依法罢免、解聘或其他处理")]
    if not note:
        problems["note"] = [_("请填写处理情况说明")]
    elif len(note) > 2000:
        problems["note"] = [_("说明不能超过 %(n)s 个字") % {"n": 2000}]
    if problems:
        raise ValidationFailed(next(iter(problems.values()))[0], details=problems)
    before = snapshot(item, _AUDITED)
    item.status = ActionStatus.DONE
    item.outcome = outcome
    item.outcome_note = note
    item.closed_at = timezone.now()
    item.closed_by = actor if getattr(actor, "pk", None) else None
    item.save(update_fields=["status", "outcome", "outcome_note", "closed_at", "closed_by"])
    audit_record(
        actor=actor,
        action="action_item.resolve",
        entity_type="action_item",
        entity_id=item.pk,
        area_code=item.area_code,
        changes=diff(before, snapshot(item, _AUDITED)),
        summary=f"{item.worker.name} {item.first_year}–{item.second_year}",
    )
    return item
