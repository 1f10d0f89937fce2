"""Moving a case along the declared table of shequ.incidents.states; an action the table does not allow from the
current status is refused (Conflict naming both) and nothing changes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.areas.models import Area
from shequ.core.audit import diff, snapshot
from shequ.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shequ.core.validation import Problems, check_text, clean_and_save
from shequ.incidents import access
from shequ.incidents.calendar import add_working_days
from shequ.incidents.models import Department, Incident, Status
from shequ.incidents.services import common
from shequ.incidents.services.common import MAX_NOTE, record
from shequ.incidents.services.photos import check_photos, remove_files, store_photos
from shequ.incidents.states import ACTIONS, EVALUATOR, EVENT_LABELS, Transition, transition_for, transitions_from

FIELDS = ["status", "handling_code", "department_id", "opened_at", "due_at", "closed_at", "rating"]
SAVED_FIELDS = ["status", "handling_code", "department", "opened_at", "due_at", "closed_at", "rating"]
# Escalation climbs the code: community (12 digits) → sub-district (9) → district (6) → city (4).
LEVEL_LENGTHS = (15, 12, 9, 6, 4)


def status_label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else status


def action_label(action: str) -> str:
    return str(EVENT_LABELS.get(action, action))


def parent_code(code: str) -> str | None:
    shorter = [n for n in LEVEL_LENGTHS if n < len(code)]
    return code[: shorter[0]] if shorter else None


def department_choices(incident: Incident) -> list[Department]:
    """Active departments serving the case's place: their area is the case's area or an ancestor of it."""
    codes = [incident.area_code[:n] for n in LEVEL_LENGTHS if n <= len(incident.area_code)]
    return list(Department.objects.filter(active=True, area_code__in=codes).order_by("-area_code", "name"))


def allowed_actions(viewer: Any, incident: Incident) -> list[Transition]:
    """What this viewer may do to the case now (for pages and the API)."""
    if not access.can_view(viewer, incident):
        return []
    handler = access.can_handle(viewer, incident)
    result = []
    for t in transitions_from(incident.status):
        permitted = access.can_evaluate(viewer, incident) if t.who == EVALUATOR else handler
        if t.action == "escalate" and parent_code(incident.handling_code) is None:
            permitted = False
        if permitted:
            result.append(t)
    return result


def _refuse(incident: Incident, action: str, transition: Transition | None = None) -> Conflict:
    allowed = [t.action for t in transitions_from(incident.status)]
    message = _("事件当前状态为“%(status)s”，不能执行“%(action)s”") % {
        "status": status_label(incident.status),
        "action": action_label(action),
    }
    return Conflict(message, details={"status": incident.status, "action": action, "allowed": allowed})


def category_department(incident: Incident, choices: list[Department] | None = None) -> Department | None:
    """The case's category's responsible department, when it may take the case (one of department_choices)."""
    wanted = incident.category.department_id
    if wanted is None:
        return None
    return next((d for d in (department_choices(incident) if choices is None else choices) if d.pk == wanted), None)


def _department(problems: Problems, incident: Incident, department: Any, required: bool) -> Department | None:
    """The department chosen; when the first dispatch names none, the category's responsible department if it may
    take the case. (A re-dispatch naming none keeps the case's department.)"""
    if department is None:
        fallback = category_department(incident) if required else None
        if required and fallback is None:
            problems.add("department", _("请选择处置部门"))
        return fallback
    if not isinstance(department, Department) or department.pk not in {d.pk for d in department_choices(incident)}:
        problems.add("department", _("该部门不负责此事件所在区域，或已停用"))
        return None
    return department


def _rating(problems: Problems, rating: Any) -> int | None:
    if rating in (None, ""):
        problems.add("rating", _("请给出 1 至 5 的评价"))
        return None
    try:
        value = int(rating)
    except (TypeError, ValueError):
        value = 0
    if isinstance(rating, bool) or str(value) != str(rating).strip() or not 1 <= value <= 5:
        problems.add("rating", _("评价必须是 1 至 5 的整数"))
        return None
    return value


@transaction.atomic
def incident_transition(
    *,
    actor: Any,
    incident: Incident,
    action: str,
    note: str = "",
    department: Department | None = None,
    rating: int | None = None,
    photos: Sequence[Any] = (),
) -> Incident:
    locked = Incident.objects.select_for_update().filter(pk=incident.pk).select_related("category").first()
    if locked is None or not access.can_view(actor, locked):
        raise NotFound()
    incident = locked
    if action not in ACTIONS:
        message = _("未知的操作：%(action)s") % {"action": action}
        raise ValidationFailed(message, details={"action": [message]})
    transition = transition_for(incident.status, action)
    who_ok = access.can_evaluate(actor, incident) if action == "evaluate" else access.can_handle(actor, incident)
    if not who_ok:
        raise PermissionDenied()
    if transition is None:
        raise _refuse(incident, action)
    problems = Problems()
    note = check_text(problems, "note", note, max_length=MAX_NOTE, required="note" in transition.needs)
    chosen = None
    if action == "dispatch":
        chosen = _department(problems, incident, department, required="department" in transition.needs)
    by_category = department is None and chosen is not None
    score = _rating(problems, rating) if "rating" in transition.needs else None
    target_code = parent_code(incident.handling_code) if action == "escalate" else None
    if action == "escalate" and target_code is None:
        problems.add("action", _("事件已由市级处理，无法再上报"))
    images = check_photos(problems, photos)
    problems.raise_if_any()

    before = snapshot(incident, FIELDS)
    at = common.now()
    incident.status = transition.target
    data: dict[str, Any] = {}
    if action == "open":
        incident.opened_at = at
        incident.due_at = add_working_days(at, incident.category.time_limit_days)
        # The limit counted, so a change of the holiday calendar recomputes due_at from the same start and days.
        data.update({"due_at": incident.due_at.isoformat(), "time_limit_days": incident.category.time_limit_days})
    elif action == "dispatch" and chosen is not None:
        incident.department = chosen
        data["department"] = chosen.name
        if by_category:
            data["by_category"] = True
    elif action == "escalate" and target_code is not None:
        area = Area.objects.filter(code=target_code).first()
        data.update({"from": incident.handling_code, "to": target_code, "to_name": area.name if area else ""})
        incident.handling_code = target_code
    elif action == "close":
        incident.closed_at = at
    elif action == "evaluate":
        incident.rating = score
        data["rating"] = score
    clean_and_save(incident, update_fields=[*SAVED_FIELDS, "updated_at"])
    saved: list[str] = []
    try:
        stored = store_photos(incident, images, transition.target, saved)
        if stored:
            data["photos"] = [p.pk for p in stored]
        record(
            actor=actor,
            incident=incident,
            action=action,
            from_status=before["status"],
            to_status=incident.status,
            note=note,
            data=data,
            changes=diff(before, snapshot(incident, FIELDS)),
        )
    except BaseException:
        remove_files(saved)
        raise
    return incident
