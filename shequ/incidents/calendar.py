"""Working days (工作日): Monday to Friday, minus the public holidays and plus the weekend make-up working days
(调休) recorded as CalendarDay rows. Incident time limits are counted in these days.

The exceptions are a few dozen rows a year, so the whole table is read once and kept per process for
CACHE_SECONDS; the calendar services drop the copy when they change a row, and another process sees the change
within CACHE_SECONDS at the latest.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

from django.utils import timezone

CACHE_SECONDS = 300
# No time limit spans decades: a bound on the day-by-day walk keeps a bad input from looping for long.
MAX_SPAN_DAYS = 366 * 20

_lock = threading.Lock()
_cache: tuple[float, dict[dt.date, bool]] | None = None


def exceptions() -> dict[dt.date, bool]:
    """date → is_workday for every recorded exception to the Monday–Friday week."""
    global _cache
    cached = _cache
    if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    from shequ.incidents.models import CalendarDay

    rows = dict(CalendarDay.objects.values_list("date", "is_workday"))
    with _lock:
        _cache = (time.monotonic(), rows)
    return rows


def invalidate() -> None:
    global _cache
    with _lock:
        _cache = None


def is_working_day(day: dt.date, table: dict[dt.date, bool] | None = None) -> bool:
    table = exceptions() if table is None else table
    if day in table:
        return table[day]
    return day.weekday() < 5


def _local(value: dt.datetime) -> dt.datetime:
    if timezone.is_naive(value):
        return timezone.make_aware(value)
    return timezone.localtime(value)


def _next_working_day(day: dt.date, table: dict[dt.date, bool]) -> dt.date:
    for _ in range(MAX_SPAN_DAYS):
        day += dt.timedelta(days=1)
        if is_working_day(day, table):
            return day
    raise ValueError("no working day within the calendar's span")


def _clock_start(start: dt.datetime, table: dict[dt.date, bool]) -> dt.datetime:
    """A case that arrives on a rest day starts its clock at the start of the next working day."""
    local = _local(start)
    if is_working_day(local.date(), table):
        return local
    day = _next_working_day(local.date(), table)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The same time of day on the `days`-th working day after `start` (local time).

    Started on a rest day, the clock runs from 00:00 of the next working day, so one working day later is the
    end of that day (00:00 of the one after)."""
    if days < 0:
        raise ValueError("days must not be negative")
    table = exceptions()
    begin = _clock_start(start, table)
    day = begin.date()
    for _ in range(days):
        day = _next_working_day(day, table)
    return timezone.make_aware(dt.datetime.combine(day, begin.time().replace(tzinfo=None)))


def working_days_between(a: dt.datetime | dt.date, b: dt.datetime | dt.date) -> int:
    """Whole working days from `a` to `b`: n such that add_working_days(a, n) ≤ b < add_working_days(a, n + 1)
    for datetimes; for dates, the working days after `a` up to and including `b`. Negative when b < a."""
    table = exceptions()
    if not isinstance(a, dt.datetime) and not isinstance(b, dt.datetime):
        if b < a:
            return -working_days_between(b, a)
        return _count(a, b, table) + (1 if b > a and is_working_day(b, table) else 0)
    a_dt = a if isinstance(a, dt.datetime) else timezone.make_aware(dt.datetime.combine(a, dt.time.min))
    b_dt = b if isinstance(b, dt.datetime) else timezone.make_aware(dt.datetime.combine(b, dt.time.min))
    if b_dt < a_dt:
        return -working_days_between(b_dt, a_dt)
    begin = _clock_start(a_dt, table)
    end = _local(b_dt)
    if end <= begin or end.date() == begin.date():
        return 0
    whole = _count(begin.date(), end.date(), table)
    if is_working_day(end.date(), table) and end.time() >= begin.time():
        whole += 1
    return whole


def _count(a: dt.date, b: dt.date, table: dict[dt.date, bool]) -> int:
    """Working days strictly between a and b."""
    span = (b - a).days
    if span > MAX_SPAN_DAYS:
        raise ValueError("span too long")
    return sum(1 for n in range(1, span) if is_working_day(a + dt.timedelta(days=n), table))
