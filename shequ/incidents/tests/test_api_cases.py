"""/api/v1/incidents for a case's handler: the departments a dispatch may choose (in the detail's actions and at
/{id}/departments), transitions as a multipart form with photos (处置后照片), and the dashboard's map markers —
scoped, refusals in the one error shape."""

from __future__ import annotations

from typing import Any

from django.test import Client

from shequ.incidents.models import Department, Incident, Photo, Status
from shequ.incidents.tests.helpers import (
    client_for,
    department,
    fields,
    local,
    refused,
    report,
    set_clock,
    upload,
    walk,
)

BASE = "/api/v1/incidents"


def _serving(world: Any) -> tuple[set[int], list[Department]]:
    """Departments that serve the world's grid (the city's and a district one) and some that do not."""
    ours = Department.objects.create(name="娄星区城管局", area_code=world.district.code)
    others = [
        Department.objects.create(name="冷水江市城管局", area_code=world.district2.code),
        Department.objects.create(name="已撤销部门", area_code="4313", active=False),
    ]
    city = set(Department.objects.filter(area_code="4313", active=True).values_list("pk", flat=True))
    return city | {ours.pk}, others


# Dispatch choices


def test_dispatch_action_lists_its_department_choices(world):
    serving, others = _serving(world)
    case = report(world)
    worker = client_for(world.worker)
    url = f"{BASE}/{case.pk}"
    assert all(a["choices"] == {} for a in worker.get(url).json()["actions"])  # open / reject take no department
    walk(case, world.worker, "open")
    actions = {a["action"]: a for a in worker.get(url).json()["actions"]}
    choices = actions["dispatch"]["choices"]["department"]
    assert {c["id"] for c in choices} == serving and not {d.pk for d in others} & serving
    assert choices[0]["area_code"] == world.district.code  # the nearest level first
    assert actions["escalate"]["choices"] == {}
    # A client dispatches with a choice it was given.
    chosen = next(c for c in choices if c["name"] == "娄星区城管局")
    done = worker.post(f"{url}/transition", {"action": "dispatch", "department_id": chosen["id"]},
                       content_type="application/json")
    assert done.status_code == 200, done.content
    assert (done.json()["status"], done.json()["department"]) == ("dispatched", "娄星区城管局")
    # One not offered is refused.
    again = walk(Incident.objects.get(pk=case.pk), world.worker, "handle")
    bad = worker.post(f"{BASE}/{again.pk}/transition",
                      {"action": "dispatch", "note": "未清理干净", "department_id": others[0].pk},
                      content_type="application/json")
    assert "department" in fields(refused(bad, 422))
    assert Incident.objects.get(pk=case.pk).status == Status.HANDLED


def test_departments_of_a_case(world):
    serving, _others = _serving(world)
    case = walk(report(world), world.worker, "open")
    url = f"{BASE}/{case.pk}/departments"
    listed = client_for(world.worker).get(url)
    assert listed.status_code == 200, listed.content
    assert {d["id"] for d in listed.json()} == serving
    assert {d["id"] for d in client_for(world.subdistrict_officer).get(url).json()} == serving
    refused(client_for(world.outsider).get(url), 404)  # not its case
    refused(client_for(world.grid_worker).get(url), 403)  # sees the case, does not handle it
    refused(client_for(world.worker).get(f"{BASE}/999999/departments"), 404)
    refused(Client().get(url), 401)


# Transitions as a form, with photos


def _dispatched(world: Any) -> Incident:
    return walk(report(world), world.worker, "open", "dispatch", department=department())


def test_handle_with_photos_as_multipart(world):
    case = _dispatched(world)
    worker = client_for(world.worker)
    response = worker.post(f"{BASE}/{case.pk}/transition",
                           {"action": "handle", "note": "已清运", "photos": [upload(), upload()]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "handled"
    after = [p for p in body["photos"] if p["stage"] == "handled"]
    assert len(after) == 2
    handle = body["events"][-1]
    assert (handle["action"], handle["note"]) == ("handle", "已清运")
    assert sorted(handle["data"]["photos"]) == sorted(p["id"] for p in after)
    image = worker.get(after[0]["file_url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    refused(client_for(world.outsider).get(after[0]["file_url"]), 404)


def test_form_transitions_without_photos(world):
    case = report(world)
    worker = client_for(world.worker)
    url = f"{BASE}/{case.pk}/transition"
    form = "application/x-www-form-urlencoded"
    opened = worker.post(url, "action=open&department_id=&rating=", content_type=form)
    assert opened.status_code == 200, opened.content
    assert opened.json()["status"] == "opened"
    dispatched = worker.post(url, {"action": "dispatch", "department_id": str(department().pk)})
    assert dispatched.json()["department"] == department().name and not Photo.objects.exists()


def test_form_transition_refusals(world, settings):
    case = _dispatched(world)
    url = f"{BASE}/{case.pk}/transition"
    worker = client_for(world.worker)
    not_image = refused(worker.post(url, {"action": "handle", "photos": [upload(b"hello", name="x.png")]}), 422)
    assert "photos" in fields(not_image)
    assert "department_id" in fields(refused(worker.post(url, {"action": "dispatch", "department_id": "abc"}), 422))
    assert "action" in fields(refused(worker.post(url, {"note": "x", "photos": [upload()]}), 422))
    assert "action" in fields(refused(worker.post(url, {"action": "teleport"}), 422))
    refused(client_for(world.outsider).post(url, {"action": "handle", "photos": [upload()]}), 404)
    refused(client_for(world.grid_worker).post(url, {"action": "handle", "photos": [upload()]}), 403)
    illegal = refused(worker.post(url, {"action": "close", "photos": [upload()]}), 409)
    assert illegal["details"]["status"] == "dispatched"
    settings.SHEQU_INCIDENT_MAX_PHOTOS = 1
    assert "photos" in fields(refused(worker.post(url, {"action": "handle", "photos": [upload(), upload()]}), 422))
    settings.SHEQU_PHOTO_MAX_BYTES = 100
    assert "photos" in fields(refused(worker.post(url, {"action": "handle", "photos": [upload(b"0" * 400_000)]}),
                                      422))
    # Refused by its length before the body is read: a read body would have its over-long note refused instead.
    assert fields(refused(worker.post(url, {"action": "handle", "note": "x" * 400_000}), 422)) == {"photos"}
    assert Incident.objects.get(pk=case.pk).status == Status.DISPATCHED
    assert not Photo.objects.exists()


def test_json_transitions_unchanged(world):
    case = report(world)
    worker = client_for(world.worker)
    url = f"{BASE}/{case.pk}/transition"
    refused(worker.post(url, "not json", content_type="application/json"), 400)
    assert "rating" in fields(refused(worker.post(url, {"action": "open", "rating": "many"},
                                                  content_type="application/json"), 422))
    assert "action" in fields(refused(worker.post(url, {}, content_type="application/json"), 422))
    refused(worker.post(url, [1], content_type="application/json"), 422)
    assert worker.post(url, {"action": "open"}, content_type="application/json").json()["status"] == "opened"


# Dashboard markers


def test_dashboard_markers(placed, monkeypatch):
    w = placed
    set_clock(monkeypatch, local(2026, 3, 2, 9, 0))  # Monday; garbage's two working days end 4 March
    late = walk(report(w), w.worker, "open")
    set_clock(monkeypatch, local(2026, 11, 30, 9, 0))
    fresh = report(w, building=None, latitude=27.7302, longitude=112.0003)
    walk(report(w), w.worker, "open", "dispatch", "handle", "check", "close")  # closed: off the map
    report(w, actor=w.worker, building=None, community=w.community, source="staff")  # no position: off the map
    away = report(w, actor=w.outsider, building=w.building2, source="staff")

    dash = client_for(w.subdistrict_officer).get(f"{BASE}/dashboard")
    assert dash.status_code == 200, dash.content
    markers = {m["number"]: m for m in dash.json()["markers"]}
    assert set(markers) == {late.number, fresh.number}
    assert [m["number"] for m in dash.json()["markers"]] == [fresh.number, late.number]  # newest first
    marker = markers[late.number]
    assert (marker["latitude"], marker["longitude"]) == (w.building.latitude, w.building.longitude)
    assert (marker["status"], marker["overdue"], marker["category_name"]) == ("opened", True, "垃圾堆放")
    assert marker["category_name_en"] == "Dumped rubbish" and markers[fresh.number]["overdue"] is False
    followed = client_for(w.subdistrict_officer).get(marker["url"])
    assert followed.status_code == 200 and followed.json()["number"] == late.number

    # Each viewer's markers are its own area's.
    assert [m["number"] for m in client_for(w.outsider).get(f"{BASE}/dashboard").json()["markers"]] == [away.number]
    in_grid = client_for(w.grid_worker).get(f"{BASE}/dashboard").json()
    assert in_grid["area_code"] == w.grid.code and late.number in {m["number"] for m in in_grid["markers"]}
    assert away.number not in {m["number"] for m in in_grid["markers"]}
    refused(client_for(w.outsider).get(f"{BASE}/dashboard", {"area": w.subdistrict.code}), 404)
    refused(client_for(w.resident_user).get(f"{BASE}/dashboard"), 403)
