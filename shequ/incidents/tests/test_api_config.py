"""/api/v1/incidents configuration: categories (time limit in working days, responsible department), departments
(by area) and the holiday calendar — the pages' services and rights, refusals in the one error shape."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client

from shequ.core.models import AuditLog
from shequ.incidents import calendar
from shequ.incidents.models import CalendarDay, Category, Department
from shequ.incidents.tests.helpers import client_for, department, fields, refused

BASE = "/api/v1/incidents"


def send(client: Client, method: str, path: str, data: Any) -> Any:
    return getattr(client, method)(f"{BASE}{path}", data, content_type="application/json")


# Categories


def test_city_admin_creates_a_category(world):
    admin = client_for(world.admin)
    cg = department()
    response = send(admin, "post", "/categories", {
        "code": "parking", "name": "违规停车", "name_en": "Illegal parking", "group": "市容环境",
        "time_limit_days": 3, "department_id": cg.pk, "keywords": "停车 占道",
    })
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == "parking" and body["time_limit_days"] == 3
    assert (body["department_id"], body["department"]) == (cg.pk, cg.name) and body["active"] is True
    saved = Category.objects.get(code="parking")
    assert (saved.name, saved.time_limit_days, saved.department_id) == ("违规停车", 3, cg.pk)
    assert AuditLog.objects.filter(action="incident_category.create", entity_id=str(saved.pk)).exists()
    listed = client_for(world.grid_worker).get(f"{BASE}/categories").json()
    assert "parking" in {c["code"] for c in listed}


def test_category_refusals(world):
    admin = client_for(world.admin)
    before = Category.objects.count()
    valid = {"code": "parking", "name": "违规停车", "time_limit_days": 3}
    assert "code" in fields(refused(send(admin, "post", "/categories", {**valid, "code": "garbage"}), 422))
    assert "code" in fields(refused(send(admin, "post", "/categories", {**valid, "code": "Bad Code!"}), 422))
    both = refused(send(admin, "post", "/categories", {**valid, "name": " ", "time_limit_days": 0}), 422)
    assert {"name", "time_limit_days"} <= fields(both)
    assert "time_limit_days" in fields(refused(send(admin, "post", "/categories", {**valid, "time_limit_days": 366}),
                                               422))
    assert "time_limit_days" in fields(refused(send(admin, "post", "/categories",
                                                    {**valid, "time_limit_days": "soon"}), 422))
    assert "name" in fields(refused(send(admin, "post", "/categories", {"code": "x1", "time_limit_days": 1}), 422))
    assert "department" in fields(refused(send(admin, "post", "/categories", {**valid, "department_id": 999999}),
                                          422))
    retired = Department.objects.create(name="已撤销部门", area_code="4313", active=False)
    assert "department" in fields(refused(send(admin, "post", "/categories", {**valid, "department_id": retired.pk}),
                                          422))
    # Categories are city-wide: a district's configuration rights do not reach them, nor a worker's.
    for user in (world.district_officer, world.worker):
        assert refused(send(client_for(user), "post", "/categories", valid), 403)["code"] == "permission_denied"
        # Rights first: a refusal for rights does not wait for the department to be looked up.
        refused(send(client_for(user), "post", "/categories", {**valid, "department_id": 999999}), 403)
    assert Category.objects.count() == before
    assert refused(Client().post(f"{BASE}/categories", valid, content_type="application/json"), 401)


def test_city_admin_changes_a_category(world):
    admin = client_for(world.admin)
    url = f"{BASE}/categories/garbage"
    done = send(admin, "patch", url[len(BASE):], {"time_limit_days": 5, "department_id": None})
    assert done.status_code == 200, done.content
    body = done.json()
    assert (body["time_limit_days"], body["department_id"], body["department"]) == (5, None, None)
    garbage = Category.objects.get(code="garbage")
    assert (garbage.time_limit_days, garbage.department_id, garbage.name) == (5, None, "垃圾堆放")
    zj = department("市住房和城乡建设局")
    assert send(admin, "patch", "/categories/garbage", {"department_id": zj.pk}).json()["department"] == zj.name
    # A field not sent keeps its value; the code stays what Open311 clients know.
    renamed = send(admin, "patch", "/categories/garbage", {"name": "垃圾乱堆", "code": "trash"}).json()
    assert (renamed["code"], renamed["name"], renamed["time_limit_days"]) == ("garbage", "垃圾乱堆", 5)
    assert AuditLog.objects.filter(action="incident_category.update", entity_id=str(garbage.pk)).count() == 3

    bad = refused(send(admin, "patch", "/categories/garbage", {"time_limit_days": 400}), 422)
    assert "time_limit_days" in fields(bad)
    assert "department" in fields(refused(send(admin, "patch", "/categories/garbage", {"department_id": 999999}),
                                          422))
    assert Category.objects.get(code="garbage").time_limit_days == 5
    refused(send(admin, "patch", "/categories/no-such", {"name": "x"}), 404)
    refused(send(client_for(world.district_officer), "patch", "/categories/garbage", {"name": "x"}), 403)
    refused(send(client_for(world.worker), "patch", "/categories/garbage", {"name": "x"}), 403)
    assert Category.objects.get(code="garbage").name == "垃圾乱堆"


def test_disabled_categories_listed_for_configurers_only(world):
    admin = client_for(world.admin)
    assert send(admin, "patch", "/categories/noise", {"active": False}).json()["active"] is False
    worker = client_for(world.worker)
    assert "noise" not in {c["code"] for c in worker.get(f"{BASE}/categories").json()}
    everything = admin.get(f"{BASE}/categories", {"include_inactive": "true"}).json()
    assert {c["code"]: c["active"] for c in everything if c["code"] == "noise"} == {"noise": False}
    district = client_for(world.district_officer).get(f"{BASE}/categories", {"include_inactive": "true"})
    assert "noise" in {c["code"] for c in district.json()}
    refused(worker.get(f"{BASE}/categories", {"include_inactive": "true"}), 403)


# Departments


def test_departments_by_area(world):
    district = client_for(world.district_officer)
    made = send(district, "post", "/departments", {"name": "娄星区城管局", "area_code": world.district.code,
                                                   "phone": "0738-8888888"})
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["name"], body["area_code"], body["phone"], body["active"]) == (
        "娄星区城管局", world.district.code, "0738-8888888", True)
    own = Department.objects.get(pk=body["id"])
    assert AuditLog.objects.filter(action="incident_department.create", entity_id=str(own.pk)).exists()
    other = Department.objects.create(name="冷水江市城管局", area_code=world.district2.code)
    # The district sees and keeps its own; the city admin all of them.
    assert [d["id"] for d in district.get(f"{BASE}/departments").json()] == [own.pk]
    everything = {d["id"] for d in client_for(world.admin).get(f"{BASE}/departments").json()}
    assert {own.pk, other.pk, department().pk} <= everything
    assert district.get(f"{BASE}/departments/{own.pk}").json()["name"] == "娄星区城管局"
    refused(district.get(f"{BASE}/departments/{other.pk}"), 404)
    refused(district.get(f"{BASE}/departments/{department().pk}"), 404)

    changed = send(district, "patch", f"/departments/{own.pk}", {"phone": "0738-1234567", "active": False})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["phone"], changed.json()["name"], changed.json()["active"]) == (
        "0738-1234567", "娄星区城管局", False)
    own.refresh_from_db()
    assert (own.phone, own.active) == ("0738-1234567", False)
    moved = send(district, "patch", f"/departments/{own.pk}", {"area_code": world.subdistrict.code}).json()
    assert moved["area_code"] == world.subdistrict.code


def test_department_refusals(world):
    district = client_for(world.district_officer)
    own = Department.objects.create(name="娄星区住建局", area_code=world.district.code)
    count = Department.objects.count()
    # Another district's area answers like a missing one; a code that is no area is a bad field.
    refused(send(district, "post", "/departments", {"name": "x", "area_code": world.district2.code}), 404)
    assert "area_code" in fields(refused(send(district, "post", "/departments", {"name": "x", "area_code": "nope"}),
                                         422))
    both = refused(send(district, "post", "/departments", {"name": " ", "area_code": "999999"}), 422)
    assert {"name", "area_code"} <= fields(both)
    assert "area_code" in fields(refused(send(district, "post", "/departments", {"name": "x"}), 422))
    for user in (world.worker, world.subdistrict_officer):
        refused(send(client_for(user), "post", "/departments", {"name": "x", "area_code": world.district.code}), 403)
        refused(client_for(user).get(f"{BASE}/departments"), 403)
        refused(send(client_for(user), "patch", f"/departments/{own.pk}", {"name": "y"}), 403)
    assert Department.objects.count() == count

    assert "name" in fields(refused(send(district, "patch", f"/departments/{own.pk}", {"name": "名" * 101}), 422))
    refused(send(district, "patch", f"/departments/{own.pk}", {"area_code": world.district2.code}), 404)
    refused(send(district, "patch", f"/departments/{department().pk}", {"name": "y"}), 404)
    refused(send(district, "patch", "/departments/999999", {"name": "y"}), 404)
    own.refresh_from_db()
    assert (own.name, own.area_code) == ("娄星区住建局", world.district.code)


# The holiday calendar


def test_calendar_days(world):
    admin = client_for(world.admin)
    year = admin.get(f"{BASE}/calendar", {"year": 2026}).json()
    national = [d for d in year if d["name"] == "国庆节"]
    assert national and all(d["seeded"] and not d["is_workday"] for d in national)
    assert client_for(world.district_officer).get(f"{BASE}/calendar", {"year": 2026}).json() == year

    new_year = dt.date(2027, 1, 1)  # a Friday
    assert calendar.is_working_day(new_year)
    put = send(admin, "put", "/calendar/2027-01-01", {"is_workday": False, "name": "元旦"})
    assert put.status_code == 200, put.content
    assert put.json() == {"date": "2027-01-01", "is_workday": False, "name": "元旦", "seeded": False}
    assert not calendar.is_working_day(new_year)
    makeup = send(admin, "put", "/calendar/2027-01-02", {"is_workday": True, "name": "元旦调休"}).json()
    assert makeup["is_workday"] is True and calendar.is_working_day(dt.date(2027, 1, 2))  # a Saturday
    # Putting the same date again corrects it.
    corrected = send(admin, "put", "/calendar/2027-01-01", {"is_workday": False, "name": "元旦节"})
    assert corrected.json()["name"] == "元旦节"
    assert [(d["date"], d["name"]) for d in admin.get(f"{BASE}/calendar", {"year": 2027}).json()] == [
        ("2027-01-01", "元旦节"), ("2027-01-02", "元旦调休")]
    assert AuditLog.objects.filter(action="calendar_day.set").count() == 3

    assert admin.delete(f"{BASE}/calendar/2027-01-02").status_code == 204
    assert not calendar.is_working_day(dt.date(2027, 1, 2))
    assert list(CalendarDay.objects.filter(date__year=2027).values_list("name", flat=True)) == ["元旦节"]
    refused(admin.delete(f"{BASE}/calendar/2027-01-02"), 404)


def test_calendar_refusals(world):
    admin = client_for(world.admin)
    assert "day" in fields(refused(send(admin, "put", "/calendar/2027-02-30", {"is_workday": False}), 422))
    assert "day" in fields(refused(admin.delete(f"{BASE}/calendar/someday"), 422))
    assert "is_workday" in fields(refused(send(admin, "put", "/calendar/2027-01-01", {"name": "元旦"}), 422))
    assert "name" in fields(refused(send(admin, "put", "/calendar/2027-01-01",
                                         {"is_workday": False, "name": "节" * 51}), 422))
    assert "year" in fields(refused(admin.get(f"{BASE}/calendar", {"year": 1999}), 422))
    assert "year" in fields(refused(admin.get(f"{BASE}/calendar", {"year": "next"}), 422))
    assert not CalendarDay.objects.filter(date__year=2027).exists()

    day = CalendarDay.objects.create(date=dt.date(2027, 10, 1), is_workday=False, name="国庆节")
    district = client_for(world.district_officer)  # reads the calendar, the city keeps it
    refused(send(district, "put", "/calendar/2027-01-01", {"is_workday": False, "name": "元旦"}), 403)
    refused(district.delete(f"{BASE}/calendar/2027-10-01"), 403)
    refused(district.delete(f"{BASE}/calendar/2027-10-02"), 403)  # no such day: still a refusal for rights
    worker = client_for(world.worker)
    refused(worker.get(f"{BASE}/calendar"), 403)
    refused(send(worker, "put", "/calendar/2027-01-01", {"is_workday": False}), 403)
    assert list(CalendarDay.objects.filter(date__year=2027)) == [day]
