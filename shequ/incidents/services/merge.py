"""Merging a duplicate into the primary case: the duplicate stops (status merged, pointing at the primary), and
both histories say so."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shequ.core.validation import Problems, check_text, clean_and_save
from shequ.incidents import access
from shequ.incidents.models import Incident, Status
from shequ.incidents.services.common import MAX_NOTE, record
from shequ.incidents.services.transition import status_label
from shequ.incidents.states import ACTIVE


@transaction.atomic
def incident_merge(*, actor: Any, incident: Incident, into: Incident, note: str = "") -> Incident:
    if incident.pk == into.pk:
        message = _("不能把事件合并到它自己")
        raise ValidationFailed(message, details={"into": [message]})
    # Both rows locked in id order, so two merges of the same pair cannot deadlock.
    rows = Incident.objects.select_for_update().filter(pk__in=[incident.pk, into.pk]).order_by("pk")
    locked = {c.pk: c for c in rows}
    duplicate, primary = locked.get(incident.pk), locked.get(into.pk)
    if duplicate is None or primary is None or not access.can_view(actor, duplicate):
        raise NotFound()
    if not access.can_view(actor, primary):
        raise NotFound()
    if not access.can_handle(actor, duplicate):
        raise PermissionDenied()
    if duplicate.status not in ACTIVE:
        message = _("事件当前状态为“%(status)s”，不能合并") % {"status": status_label(duplicate.status)}
        raise Conflict(message, details={"status": duplicate.status, "action": "merge"})
    if primary.status in (Status.MERGED, Status.REJECTED):
        message = _("目标事件当前状态为“%(status)s”，不能作为合并目标") % {"status": status_label(primary.status)}
        raise Conflict(message, details={"status": primary.status, "action": "merge"})
    problems = Problems()
    note = check_text(problems, "note", note, max_length=MAX_NOTE)
    problems.raise_if_any()
    before = duplicate.status
    duplicate.status = Status.MERGED
    duplicate.merged_into = primary
    clean_and_save(duplicate, update_fields=["status", "merged_into", "updated_at"])
    record(
        actor=actor, incident=duplicate, action="merge", from_status=before, to_status=Status.MERGED, note=note,
        data={"into": primary.pk, "into_number": primary.number},
        changes={"status": [before, Status.MERGED], "merged_into_id": [None, primary.pk]},
    )
    record(
        actor=actor, incident=primary, action="merged_in", from_status=primary.status, to_status=primary.status,
        note=note, data={"from": duplicate.pk, "from_number": duplicate.number},
        changes={"merged_from": [None, duplicate.pk]},
    )
    return duplicate
