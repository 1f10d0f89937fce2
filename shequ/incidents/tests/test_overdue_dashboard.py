"""Overdue in working days across a holiday, overdue counts per area, and the dashboard figures."""

from __future__ import annotations

import datetime as dt

import pytest

from shequ.core.errors import NotFound, PermissionDenied
from shequ.incidents import selectors
from shequ.incidents.dashboard import dashboard_area, dashboard_figures, median_close
from shequ.incidents.models import Category, Incident
from shequ.incidents.tests.helpers import local, report, set_clock, walk


@pytest.fixture
def three_days(db):  # type: ignore[no-untyped-def]
    return Category.objects.create(code="three", name="三日类", time_limit_days=3)


def test_overdue_across_the_national_day_holiday(world, monkeypatch, three_days):
    set_clock(monkeypatch, local(2026, 9, 30, 10, 0))  # the day before the holiday
    case = walk(report(world, category=three_days), world.worker, "open")
    assert case.due_at == local(2026, 10, 10, 10, 0)  # 8, 9 and the make-up Saturday 10 October
    # a calendar-day count would have made it overdue on 3 October, a weekday count on 6 October
    for at in (local(2026, 10, 3, 11, 0), local(2026, 10, 6, 11, 0), local(2026, 10, 10, 9, 59)):
        assert not selectors.is_overdue(case, at)
        assert not selectors.incident_list(viewer=world.worker, overdue=True, at=at).exists()
    late = local(2026, 10, 10, 10, 1)
    assert selectors.is_overdue(case, late)
    assert list(selectors.incident_list(viewer=world.worker, overdue=True, at=late)) == [case]
    closed = walk(case, world.worker, "dispatch", "handle", "check", "close")
    assert not selectors.is_overdue(closed, late)


def _case(world, *actions, **kw):  # type: ignore[no-untyped-def]
    return walk(report(world, **kw), world.subdistrict_officer, *actions)


def test_dashboard_figures(world, monkeypatch):
    from shequ.registry import services as registry

    b_building = registry.building_create(actor=world.admin, community=world.community_b, address="花园路1号")
    set_clock(monkeypatch, local(2026, 3, 2, 9, 0))  # Monday
    overdue = _case(world, "open")  # garbage: 2 working days → due Wed 4 March
    set_clock(monkeypatch, local(2026, 3, 9, 9, 0))
    fresh = _case(world, "open", category=Category.objects.get(code="noise"))
    in_b = _case(world, actor=world.subdistrict_officer, building=b_building, source="staff")
    done_fast = _case(world, "open", "dispatch", "handle", "check")
    set_clock(monkeypatch, local(2026, 3, 9, 13, 0))
    done_fast = walk(done_fast, world.subdistrict_officer, "close")  # 4 hours
    done_slow = _case(world, "open", "dispatch", "handle", "check")
    Incident.objects.filter(pk=done_slow.pk).update(reported_at=local(2026, 3, 1, 13, 0))
    done_slow = walk(done_slow, world.subdistrict_officer, "close")  # 8 days
    last_month = _case(world, "open", "dispatch", "handle", "check", "close")
    Incident.objects.filter(pk=last_month.pk).update(closed_at=local(2026, 2, 20, 9, 0),
                                                     reported_at=local(2026, 2, 19, 9, 0))
    now = local(2026, 3, 10, 9, 0)

    figures = dashboard_figures(viewer=world.subdistrict_officer, area=world.subdistrict, at=now)
    assert (figures.open, figures.overdue, figures.closed_month) == (3, 1, 2)
    assert figures.median_close == (dt.timedelta(hours=4) + dt.timedelta(days=8)) / 2
    by_code = {c["code"]: c for c in figures.categories}
    assert by_code["garbage"]["open"] == 2 and by_code["garbage"]["overdue"] == 1
    assert by_code["garbage"]["closed_month"] == 2 and by_code["noise"]["open"] == 1
    children = {row["area"].code: row for row in figures.children if row["area"]}
    assert children[world.community.code]["open"] == 2 and children[world.community.code]["overdue"] == 1
    assert children[world.community_b.code]["open"] == 1

    community = dashboard_figures(viewer=world.worker, area=world.community, at=now)
    assert community.open == 2 and community.overdue == 1
    grids = {row["area"].code if row["area"] else None: row for row in community.children}
    assert grids[world.grid.code]["open"] == 2 and grids[world.grid2.code]["open"] == 0

    grid = dashboard_figures(viewer=world.grid_worker, area=world.grid, at=now)
    assert grid.open == 2 and grid.children == []
    assert {overdue.pk, fresh.pk, in_b.pk, done_fast.pk, done_slow.pk}  # made


def test_median_of_an_even_and_an_empty_set(world):
    assert median_close(Incident.objects.none()) is None


def test_dashboard_area_scope(world):
    assert dashboard_area(viewer=world.worker).code == world.community.code
    assert dashboard_area(viewer=world.grid_worker).code == world.grid.code
    assert dashboard_area(viewer=world.admin).code == world.city.code
    assert dashboard_area(viewer=world.worker, code=world.grid.code) == world.grid
    for code in (world.subdistrict.code, world.community2.code, "x", "999"):
        with pytest.raises(NotFound):
            dashboard_area(viewer=world.worker, code=code)
    for viewer in (world.resident_user, world.auditor):
        with pytest.raises(PermissionDenied):
            dashboard_area(viewer=viewer)
