"""Configuration: categories (with their working-day time limits and departments), departments, and the holiday
calendar. Categories and the calendar are city-wide; departments belong to an area's subtree."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.areas.models import Area
from shequ.core.audit import audit_record, diff, snapshot
from shequ.core.errors import NotFound, PermissionDenied
from shequ.incidents import access, calendar
from shequ.incidents.models import CalendarDay, Category, Department
from shequ.incidents.services.common import Problems, check_text, clean_and_save

CATEGORY_FIELDS = ["code", "name", "name_en", "description", "group", "time_limit_days", "department_id",
                   "keywords", "active"]
DEPARTMENT_FIELDS = ["name", "area_code", "phone", "active"]
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
    department = fields.get("department")
    if department is not None and not isinstance(department, Department):
        problems.add("department", _("请选择有效的部门"))
        department = None
    state["department"] = department
    return state


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
    """Record (or correct) an exception to the Monday–Friday week on `date`."""
    _require_city(actor)
    problems = Problems()
    if not isinstance(date, dt.date):
        problems.add("date", _("请填写有效的日期"))
    name = check_text(problems, "name", name, max_length=50)
    problems.raise_if_any()
    day = CalendarDay.objects.select_for_update().filter(date=date).first()
    before = snapshot(day, ["date", "is_workday", "name"]) if day else {}
    if day is None:
        day = CalendarDay(date=date)
    day.is_workday = bool(is_workday)
    day.name = name
    clean_and_save(day)
    changes = diff(before, snapshot(day, ["date", "is_workday", "name"]))
    if changes:
        audit_record(
            actor=actor, action="calendar_day.set", entity_type="calendar_day", entity_id=day.pk,
            changes=changes, summary=f"{date} {name}",
        )
    transaction.on_commit(calendar.invalidate)
    calendar.invalidate()
    return day


@transaction.atomic
def calendar_day_delete(*, actor: Any, day: CalendarDay) -> None:
    _require_city(actor)
    audit_record(
        actor=actor, action="calendar_day.delete", entity_type="calendar_day", entity_id=day.pk,
        changes=diff(snapshot(day, ["date", "is_workday", "name"]), {}), summary=f"{day.date} {day.name}",
    )
    day.delete()
    transaction.on_commit(calendar.invalidate)
    calendar.invalidate()
