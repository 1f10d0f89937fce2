"""A change of the holiday calendar moves the time limits (due_at) of the open cases it reaches: only 2026 is
seeded, so a case opened at the end of 2026 and due in 2027 gets its due date right once the 2027 holidays are
entered, and back again if one is removed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from shequ.core.errors import PermissionDenied
from shequ.core.models import AuditLog
from shequ.incidents import calendar, selectors, services
from shequ.incidents.models import CalendarDay, Category, Event, Incident, Status
from shequ.incidents.services.config import DUE_EVENT
from shequ.incidents.tests.helpers import local, report, set_clock, walk

NEW_YEAR = dt.date(2027, 1, 1)  # a Friday; no 2027 day is seeded


@pytest.fixture
def three_days(db):  # type: ignore[no-untyped-def]
    return Category.objects.create(code="three", name="三日类", time_limit_days=3)


def _opened(world, monkeypatch, category, at, *more: str) -> Incident:  # type: ignore[no-untyped-def]
    set_clock(monkeypatch, at)
    return walk(report(world, category=category), world.worker, "open", *more)


def _due(case: Incident) -> dt.datetime | None:
    return Incident.objects.get(pk=case.pk).due_at


def _due_events(case: Incident) -> list[Event]:
    return list(Event.objects.filter(incident=case, action=DUE_EVENT).order_by("id"))


def test_a_holiday_inside_the_window_moves_the_due_date_and_back(world, monkeypatch, three_days):
    # Wednesday 30 December 2026: three working days are 31 December, 1 January (no 2027 holiday known yet), 4 January.
    case = _opened(world, monkeypatch, three_days, local(2026, 12, 30, 10, 0), "dispatch", "escalate")
    assert case.due_at == local(2027, 1, 4, 10, 0)
    assert case.status == Status.DISPATCHED and case.handling_code != world.community.code  # escalation keeps due_at
    closed = _opened(world, monkeypatch, three_days, local(2026, 12, 30, 10, 0), "dispatch", "handle", "check",
                     "close")
    before_window = _opened(world, monkeypatch, three_days, local(2026, 12, 21, 9, 0))  # due 24 December
    after_window = _opened(world, monkeypatch, three_days, local(2027, 1, 4, 9, 0))  # opened after the date
    untouched = {c.pk: _due(c) for c in (closed, before_window, after_window)}
    late = local(2027, 1, 4, 12, 0)
    assert selectors.is_overdue(Incident.objects.get(pk=case.pk), late)

    services.calendar_day_set(actor=world.admin, date=NEW_YEAR, is_workday=False, name="元旦")

    assert _due(case) == local(2027, 1, 5, 10, 0)  # one working day later, same time of day
    moved = _due_events(case)
    assert len(moved) == 1
    event = moved[0]
    assert event.actor == world.admin and event.from_status == event.to_status == Status.DISPATCHED
    assert event.data == {"from": "2027-01-04T10:00:00+08:00", "to": "2027-01-05T10:00:00+08:00",
                          "date": "2027-01-01", "is_workday": False, "time_limit_days": 3}
    assert {c.pk: _due(c) for c in (closed, before_window, after_window)} == untouched
    assert not any(_due_events(c) for c in (closed, before_window, after_window))
    assert Incident.objects.get(pk=closed.pk).status == Status.CLOSED
    # the overdue flag follows the new date
    assert not selectors.is_overdue(Incident.objects.get(pk=case.pk), late)
    assert case.pk not in set(
        selectors.incident_list(viewer=world.admin, overdue=True, at=late).values_list("pk", flat=True)
    )
    audit = AuditLog.objects.filter(action="calendar_day.set").latest("id")
    assert audit.changes["incidents_due_moved"] == [0, 1]
    assert AuditLog.objects.filter(action=f"incident.{DUE_EVENT}", entity_id=str(case.pk)).count() == 1

    services.calendar_day_delete(actor=world.admin, day=CalendarDay.objects.get(date=NEW_YEAR))

    assert _due(case) == local(2027, 1, 4, 10, 0)
    back = _due_events(case)[-1]
    assert len(_due_events(case)) == 2
    assert back.data["from"] == "2027-01-05T10:00:00+08:00" and back.data["to"] == "2027-01-04T10:00:00+08:00"
    assert back.data["is_workday"] is True
    assert selectors.is_overdue(Incident.objects.get(pk=case.pk), late)
    assert case.pk in set(
        selectors.incident_list(viewer=world.admin, overdue=True, at=late).values_list("pk", flat=True)
    )
    assert AuditLog.objects.filter(action="calendar_day.delete").latest("id").changes["incidents_due_moved"] == [0, 1]
    assert {c.pk: _due(c) for c in (closed, before_window, after_window)} == untouched


@pytest.mark.parametrize("recorded", [True, False], ids=["limit-recorded", "opened-before-it-was-recorded"])
def test_the_limit_counted_is_the_one_the_case_was_opened_with(world, monkeypatch, three_days, recorded):
    case = _opened(world, monkeypatch, three_days, local(2026, 12, 30, 10, 0))
    opening = Event.objects.get(incident=case, action="open")
    assert opening.data["time_limit_days"] == 3
    if not recorded:  # a case opened before the limit was written into the open event
        opening.data.pop("time_limit_days")
        opening.save(update_fields=["data"])
    three_days.time_limit_days = 10  # a later change of the category reaches new cases only
    three_days.save(update_fields=["time_limit_days"])
    services.calendar_day_set(actor=world.admin, date=NEW_YEAR, is_workday=False, name="元旦")
    assert _due(case) == local(2027, 1, 5, 10, 0)
    assert _due_events(case)[0].data["time_limit_days"] == 3


def test_a_make_up_working_day_on_the_opening_day_starts_the_clock_then(world, monkeypatch, three_days):
    # Opened on Saturday 2 January 2027 the clock starts on Monday 4 January at 00:00: due Thursday 7 at 00:00.
    case = _opened(world, monkeypatch, three_days, local(2027, 1, 2, 15, 0))
    assert case.due_at == local(2027, 1, 7, 0, 0)
    services.calendar_day_set(actor=world.admin, date=dt.date(2027, 1, 2), is_workday=True, name="调休")
    assert _due(case) == local(2027, 1, 6, 15, 0)  # Saturday counts from 15:00: 4, 5 and 6 January
    assert len(_due_events(case)) == 1


def test_changes_that_move_nothing_record_nothing(world, monkeypatch, three_days):
    case = _opened(world, monkeypatch, three_days, local(2026, 12, 30, 10, 0))
    services.calendar_day_set(actor=world.admin, date=dt.date(2027, 1, 2), is_workday=False, name="周六")  # a rest day
    services.calendar_day_set(actor=world.admin, date=dt.date(2027, 1, 20), is_workday=False, name="以后")  # after due
    services.calendar_day_set(actor=world.admin, date=NEW_YEAR, is_workday=False, name="元旦")
    services.calendar_day_set(actor=world.admin, date=NEW_YEAR, is_workday=False, name="元旦假期")  # the name only
    assert _due(case) == local(2027, 1, 5, 10, 0)
    assert len(_due_events(case)) == 1
    assert [a.changes.get("incidents_due_moved") for a in
            AuditLog.objects.filter(action="calendar_day.set").order_by("id")] == [[0, 0], [0, 0], [0, 1], [0, 0]]


def test_a_refused_change_moves_nothing(world, monkeypatch, three_days):
    case = _opened(world, monkeypatch, three_days, local(2026, 12, 30, 10, 0))
    with pytest.raises(PermissionDenied):
        services.calendar_day_set(actor=world.worker, date=NEW_YEAR, is_workday=False, name="元旦")
    assert _due(case) == local(2027, 1, 4, 10, 0) and not _due_events(case)


def test_the_history_shows_the_move(world, monkeypatch, three_days):
    case = _opened(world, monkeypatch, three_days, local(2026, 12, 30, 10, 0))
    services.calendar_day_set(actor=world.admin, date=NEW_YEAR, is_workday=False, name="元旦")
    client = Client()
    client.force_login(world.worker)
    page = client.get(reverse("incidents:detail", args=[case.pk])).content.decode()
    assert "办结时限调整" in page and DUE_EVENT not in page
    assert "办结时限由 2027-01-04 10:00 改为 2027-01-05 10:00" in page
    assert "2027-01-05 10:00" in page


def test_a_due_date_computed_on_an_outdated_calendar_copy_is_put_right(world, monkeypatch, three_days):
    # Another process entered 1 January before this one's cached copy of the calendar expired: the case was opened
    # on the old copy (due 4 January). The next change in its window recomputes it with the three days it was opened
    # with, on the calendar as stored: 31 December and 1 January off, so 4, 5 and 6 January.
    calendar.exceptions()  # the process's copy, without 1 January
    CalendarDay.objects.create(date=NEW_YEAR, is_workday=False, name="元旦")  # behind the copy's back
    case = _opened(world, monkeypatch, three_days, local(2026, 12, 30, 10, 0))
    assert case.due_at == local(2027, 1, 4, 10, 0)
    services.calendar_day_set(actor=world.admin, date=dt.date(2026, 12, 31), is_workday=False, name="测试假日")
    assert _due(case) == local(2027, 1, 6, 10, 0)
