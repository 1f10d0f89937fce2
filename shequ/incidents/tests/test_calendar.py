"""Working days: Monday–Friday minus the recorded holidays plus the make-up days (seeded for 2026)."""

from __future__ import annotations

import datetime as dt

import pytest

from shequ.incidents import calendar, services
from shequ.incidents.calendar import add_working_days, is_working_day, working_days_between
from shequ.incidents.models import CalendarDay
from shequ.incidents.tests.helpers import local


def test_plain_week():
    monday = local(2026, 3, 9, 9, 30)
    assert add_working_days(monday, 0) == monday
    assert add_working_days(monday, 1) == local(2026, 3, 10, 9, 30)
    assert add_working_days(monday, 5) == local(2026, 3, 16, 9, 30)  # over the weekend
    assert working_days_between(monday, local(2026, 3, 16, 9, 30)) == 5
    assert working_days_between(monday, local(2026, 3, 16, 9, 29)) == 4


def test_national_day_holiday_and_make_up_days():
    # Wednesday 30 September, the day before the National Day holiday (1–7 October; Saturday 10 October is a
    # make-up working day): three working days are 8, 9 and 10 October.
    opened = local(2026, 9, 30, 10, 0)
    assert add_working_days(opened, 3) == local(2026, 10, 10, 10, 0)
    assert working_days_between(opened, local(2026, 10, 10, 10, 0)) == 3
    assert working_days_between(opened, local(2026, 10, 9, 23, 0)) == 2
    assert not is_working_day(dt.date(2026, 10, 5))  # a Monday inside the holiday
    assert is_working_day(dt.date(2026, 9, 20))  # a Sunday make-up day
    assert is_working_day(dt.date(2026, 10, 10))


def test_spring_festival():
    # Friday 13 February: Saturday 14 is a make-up working day, then 15–23 February are off.
    friday = local(2026, 2, 13, 16, 0)
    assert add_working_days(friday, 1) == local(2026, 2, 14, 16, 0)
    assert add_working_days(friday, 2) == local(2026, 2, 24, 16, 0)


def test_a_case_arriving_on_a_rest_day_starts_at_the_next_working_day():
    sunday = local(2026, 3, 8, 15, 0)
    assert add_working_days(sunday, 1) == local(2026, 3, 10, 0, 0)  # the whole of Monday
    assert working_days_between(sunday, local(2026, 3, 9, 23, 59)) == 0
    assert working_days_between(sunday, local(2026, 3, 10, 0, 0)) == 1


def test_dates_and_negative_spans():
    assert working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 10)) == 3  # 8, 9 and 10 October
    assert working_days_between(dt.date(2026, 10, 10), dt.date(2026, 9, 30)) == -3
    assert working_days_between(dt.date(2026, 3, 9), dt.date(2026, 3, 9)) == 0
    with pytest.raises(ValueError):
        add_working_days(local(2026, 3, 9, 9, 0), -1)


def test_calendar_changes_through_the_service_are_seen_at_once(world):
    friday = local(2026, 3, 13, 9, 0)
    assert add_working_days(friday, 1) == local(2026, 3, 16, 9, 0)
    services.calendar_day_set(actor=world.admin, date=dt.date(2026, 3, 16), is_workday=False, name="测试假日")
    assert add_working_days(friday, 1) == local(2026, 3, 17, 9, 0)
    day = CalendarDay.objects.get(date=dt.date(2026, 3, 16))
    services.calendar_day_delete(actor=world.admin, day=day)
    assert add_working_days(friday, 1) == local(2026, 3, 16, 9, 0)


def test_the_process_cache_holds_until_invalidated(world, django_assert_num_queries):
    calendar.invalidate()
    with django_assert_num_queries(1):
        for _ in range(3):
            add_working_days(local(2026, 3, 9, 9, 0), 10)
    CalendarDay.objects.create(date=dt.date(2026, 3, 10), is_workday=False)  # behind the cache's back
    assert add_working_days(local(2026, 3, 9, 9, 0), 1) == local(2026, 3, 10, 9, 0)
    calendar.invalidate()
    assert add_working_days(local(2026, 3, 9, 9, 0), 1) == local(2026, 3, 11, 9, 0)
