"""Configuration: categories (with their working-day time limits and departments), departments, and the holiday
calendar. Categories and the calendar are city-wide; departments belong to an area's subtree."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.areas.models import Area
from shequ.core.audit import audit_record, diff, snapshot
from shequ.core.errors import NotFound, PermissionDenied
from shequ.core.models import AuditLog
from shequ.core.validation import Problems, check_text, clean_and_save
from shequ.incidents import access, calendar
from shequ.incidents.models import CalendarDay, Category, Department, Event, Incident
from shequ.incidents.states import ACTIVE

CATEGORY_FIELDS = ["code", "name", "name_en", "description", "group", "time_limit_days", "department_id",
                   "keywords", "active"]
DEPARTMENT_FIELDS = ["name", "area_code", "phone", "active"]
DAY_FIELDS = ["date", "is_workday", "name"]
# The history event of a time limit moved by a change of the holiday calendar.
DUE_EVENT = "due_recomputed"
MAX_TIME_LIMIT = 365
CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


def _require_city(actor: Any) -> None:
    if not access.can_configure_city(actor):
        raise PermissionDenied()


def _time_limit(problems: Problems, value: Any) -> int | None:
    try:
        days = int(value)
    except (TypeError, ValueError):
        problems.add("time_limit_days", _("办理时限必须是整数（工作日）"))
        return None
    if not 1 <= days <= MAX_TIME_LIMIT:
        problems.add("time_limit_days", _("办理时限必须在 1 至 %(max)s 个工作日之间") % {"max": MAX_TIME_LIMIT})
        return None
    return days


def _category_state(problems: Problems, fields: dict[str, Any]) -> dict[str, Any]:
    state: dict[str, Any] = {
        "name": check_text(problems, "name", fields.get("name"), max_length=100, required=True),
        "name_en": check_text(problems, "name_en", fields.get("name_en"), max_length=100),
        "description": check_text(problems, "description", fields.get("description"), max_length=2000),
        "group": check_text(problems, "group", fields.get("group"), max_length=50),
        "keywords": check_text(problems, "keywords", fields.get("keywords"), max_length=200),
        "time_limit_days": _time_limit(problems, fields.get("time_limit_days")),
        "active": bool(fields.get("active", True)),
    }
    state["department"] = _responsible(problems, fields.get("department"))
    return state


def _responsible(problems: Problems, department: Any) -> Department | None:
    """The category's responsible department: a Department, or the id of an active one (an API client's)."""
    if department is None or isinstance(department, Department):
        return department
    found = None
    if isinstance(department, int) and not isinstance(department, bool):
        found = Department.objects.filter(pk=department, active=True).first()
    if found is None:
        problems.add("department", _("请选择有效的部门"))
    return found


@transaction.atomic
def category_create(*, actor: Any, code: str, **fields: Any) -> Category:
    _require_city(actor)
    problems = Problems()
    code = str(code or "").strip().lower()
    if not CODE.match(code):
        problems.add("code", _("代码只能由小写字母、数字、- 和 _ 组成，最长 32 个字符"))
    elif Category.objects.filter(code=code).exists():
        problems.add("code", _("代码“%(code)s”已被使用") % {"code": code})
    state = _category_state(problems, fields)
    problems.raise_if_any()
    category = Category(code=code, **state)
    clean_and_save(category)
    audit_record(
        actor=actor, action="incident_category.create", entity_type="incident_category", entity_id=category.pk,
        changes=diff({}, snapshot(category, CATEGORY_FIELDS)), summary=f"{code} {category.name}",
    )
    return category


@transaction.atomic
def category_update(*, actor: Any, category: Category, **fields: Any) -> Category:
    """Every field but the code: Open311 clients know a category by it."""
    _require_city(actor)
    category = Category.objects.select_for_update().get(pk=category.pk)
    before = snapshot(category, CATEGORY_FIELDS)
    merged = {**{k: getattr(category, k) for k in ("name", "name_en", "description", "group", "keywords",
                                                   "time_limit_days", "active", "department")}, **fields}
    problems = Problems()
    state = _category_state(problems, merged)
    problems.raise_if_any()
    for key, value in state.items():
        setattr(category, key, value)
    clean_and_save(category)
    changes = diff(before, snapshot(category, CATEGORY_FIELDS))
    if changes:
        audit_record(
            actor=actor, action="incident_category.update", entity_type="incident_category", entity_id=category.pk,
            changes=changes, summary=f"{category.code} {category.name}",
        )
    return category


def _department_state(actor: Any, problems: Problems, fields: dict[str, Any]) -> dict[str, Any]:
    code = str(fields.get("area_code") or "").strip()
    if not code.isdigit() or not Area.objects.filter(code=code).exists():
        problems.add("area_code", _("请选择有效的服务区域"))
    elif not access.can_configure_area(actor, code):
        raise NotFound()
    return {
        "name": check_text(problems, "name", fields.get("name"), max_length=100, required=True),
        "area_code": code,
        "phone": check_text(problems, "phone", fields.get("phone"), max_length=20),
        "active": bool(fields.get("active", True)),
    }


@transaction.atomic
def department_create(*, actor: Any, name: str, area_code: str, phone: str = "", active: bool = True) -> Department:
    if not access.can_configure(actor):
        raise PermissionDenied()
    problems = Problems()
    state = _department_state(actor, problems, {"name": name, "area_code": area_code, "phone": phone,
                                                "active": active})
    problems.raise_if_any()
    department = Department(**state)
    clean_and_save(department)
    audit_record(
        actor=actor, action="incident_department.create", entity_type="incident_department",
        entity_id=department.pk, area_code=department.area_code,
        changes=diff({}, snapshot(department, DEPARTMENT_FIELDS)), summary=department.name,
    )
    return department


@transaction.atomic
def department_update(*, actor: Any, department: Department, **fields: Any) -> Department:
    department = Department.objects.select_for_update().get(pk=department.pk)
    if not access.can_configure_area(actor, department.area_code):
        raise NotFound()
    before = snapshot(department, DEPARTMENT_FIELDS)
    problems = Problems()
    state = _department_state(actor, problems, {**before, **fields})
    problems.raise_if_any()
    for key, value in state.items():
        setattr(department, key, value)
    clean_and_save(department)
    changes = diff(before, snapshot(department, DEPARTMENT_FIELDS))
    if changes:
        audit_record(
            actor=actor, action="incident_department.update", entity_type="incident_department",
            entity_id=department.pk, area_code=department.area_code, changes=changes, summary=department.name,
        )
    return department


@transaction.atomic
def calendar_day_set(*, actor: Any, date: dt.date, is_workday: bool, name: str = "") -> CalendarDay:
    """Record (or correct) an exception to the Monday–Friday week on `date`; the time limits of the open cases
    whose window holds `date` follow (see _DueRecompute)."""
    _require_city(actor)
    problems = Problems()
    if not isinstance(date, dt.date):
        problems.add("date", _("请填写有效的日期"))
    name = check_text(problems, "name", name, max_length=50)
    problems.raise_if_any()
    day = CalendarDay.objects.select_for_update().filter(date=date).first()
    before = snapshot(day, DAY_FIELDS) if day else {}
    pending = _DueRecompute(date, working=bool(is_workday))
    if day is None:
        day = CalendarDay(date=date)
    day.is_workday = bool(is_workday)
    day.name = name
    clean_and_save(day)
    changes = diff(before, snapshot(day, DAY_FIELDS))
    if changes:
        moved = pending.apply(actor=actor, reason=f"{date} {name}".strip())
        audit_record(
            actor=actor, action="calendar_day.set", entity_type="calendar_day", entity_id=day.pk,
            changes={**changes, **_moved_change(moved)}, summary=f"{date} {name}",
        )
    transaction.on_commit(calendar.invalidate)
    calendar.invalidate()
    return day


@transaction.atomic
def calendar_day_delete(*, actor: Any, day: CalendarDay) -> int:
    """Remove an exception (the date is an ordinary weekday or weekend day again); returns how many open cases'
    time limits moved with it."""
    _require_city(actor)
    locked = CalendarDay.objects.select_for_update().filter(pk=day.pk).first()
    if locked is None:
        raise NotFound()
    pk, before = locked.pk, snapshot(locked, DAY_FIELDS)
    pending = _DueRecompute(locked.date, working=locked.date.weekday() < 5)
    locked.delete()
    summary = f"{locked.date} {locked.name}"
    moved = pending.apply(actor=actor, reason=summary.strip())
    audit_record(
        actor=actor, action="calendar_day.delete", entity_type="calendar_day", entity_id=pk,
        changes={**diff(before, {}), **_moved_change(moved)}, summary=summary,
    )
    transaction.on_commit(calendar.invalidate)
    calendar.invalidate()
    return moved


def _moved_change(moved: int) -> dict[str, list[int]]:
    """The audit row's note of how many cases' time limits the change moved."""
    return {"incidents_due_moved": [0, moved]}


class _DueRecompute:
    """The time limits (due_at) of the cases still being worked on whose window — opened_at to due_at — holds the
    changed date, recomputed after the change exactly as opening the case computed them:
    add_working_days(opened_at, the time limit in working days). Nothing pauses, extends or restarts a time limit
    (escalation and re-dispatch keep due_at), so opened_at stays the start. The limit is the one recorded when the
    case was opened (its open event), or for a case opened before that was recorded, the working days from opened_at
    to due_at counted on the calendar as it was before the change (a category's later change of its limit does not
    reach cases already open).

    Built before the change (it counts on the old calendar and locks the cases); `apply` after it. A date after a
    case's due date or before its opening cannot move it, whichever way the date changes, so the window of the old
    due date is the whole set."""

    def __init__(self, date: dt.date, *, working: bool) -> None:
        """`working`: whether `date` is a working day after the change."""
        self.date = date
        self.working = working
        calendar.invalidate()  # count on the calendar as stored, not on a copy another process may have outdated
        # (case, opened_at, due_at, time limit in working days)
        self.cases: list[tuple[Incident, dt.datetime, dt.datetime, int]] = []
        if calendar.is_working_day(date) == working:
            return  # the change does not make the day a working day or a rest day: no time limit can move
        start = timezone.make_aware(dt.datetime.combine(date, dt.time.min))
        window = Incident.objects.filter(status__in=ACTIVE, opened_at__isnull=False, due_at__isnull=False,
                                         opened_at__lt=start + dt.timedelta(days=1), due_at__gte=start)
        rows = list(
            window.select_for_update().only("pk", "number", "area_code", "status", "opened_at", "due_at").order_by("pk")
        )
        recorded = _recorded_limits(window) if rows else {}
        for case in rows:
            opened, due = case.opened_at, case.due_at
            if opened is None or due is None:  # excluded by the window's filter; for the type checker
                continue
            limit = recorded[case.pk] if case.pk in recorded else calendar.working_days_between(opened, due)
            self.cases.append((case, opened, due, limit))

    def apply(self, *, actor: Any, reason: str) -> int:
        """Recompute after the change; returns how many time limits moved."""
        if not self.cases:
            return 0
        calendar.invalidate()
        try:
            recomputed = [(case, due, calendar.add_working_days(opened, limit), limit)
                          for case, opened, due, limit in self.cases]
        finally:
            calendar.invalidate()  # the copy just read holds this transaction's uncommitted change
        moved = [row for row in recomputed if row[2] != row[1]]
        if not moved:
            return 0
        at = timezone.now()
        for case, _old, new, _limit in moved:
            case.due_at, case.updated_at = new, at
        Incident.objects.bulk_update([c for c, _o, _n, _l in moved], ["due_at", "updated_at"], batch_size=500)
        actor_id = actor.pk if getattr(actor, "pk", None) else None
        Event.objects.bulk_create(
            [Event(incident=case, actor_id=actor_id, action=DUE_EVENT, from_status=case.status, to_status=case.status,
                   data={"from": _iso(old), "to": _iso(new), "date": self.date.isoformat(),
                         "is_workday": self.working, "time_limit_days": limit})
             for case, old, new, limit in moved],
            batch_size=500,
        )
        AuditLog.objects.bulk_create(
            [AuditLog(actor_id=actor_id, action=f"incident.{DUE_EVENT}", entity_type="incident",
                      entity_id=str(case.pk), area_code=case.area_code,
                      changes={"due_at": [str(old), str(new)]}, summary=f"{case.number} {reason}"[:255])
             for case, old, new, _limit in moved],
            batch_size=500,
        )
        return len(moved)


def _recorded_limits(cases: QuerySet[Incident]) -> dict[int, int]:
    """incident id → the time limit its open event recorded (cases opened since the limit is recorded there)."""
    limits: dict[int, int] = {}
    opens = Event.objects.filter(incident__in=cases.values("pk"), action="open").values_list("incident_id", "data")
    for incident_id, data in opens:
        value = data.get("time_limit_days") if isinstance(data, dict) else None
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            limits[incident_id] = value
    return limits


def _iso(value: dt.datetime) -> str:
    return timezone.localtime(value).isoformat()
