"""/api/v1/incidents: report with photos, list, detail with history, transitions, merge, duplicates, categories and
dashboard figures — scoped, in the one error shape, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from shequ.incidents.models import Department, Incident, Status
from shequ.incidents.tests.helpers import category, report, upload, walk

BASE = "/api/v1/incidents"


def client_for(user):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def _error_shape(response, status):  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "details"} and body["message"]
    return body


def test_report_multipart_with_photos(world):
    client = client_for(world.grid_worker)
    response = client.post(BASE, {"category": "garbage", "description": "楼道堆放杂物",
                                  "building_id": world.building.pk, "photos": [upload(), upload()]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("SJ") and body["status"] == "reported" and body["grid_code"] == world.grid.code
    assert len(body["photos"]) == 2 and body["events"][0]["action"] == "report"
    photo = client.get(body["photos"][0]["file_url"])
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    assert client_for(world.outsider).get(body["photos"][0]["file_url"]).status_code == 404


def test_report_refusals(world, settings):
    client = client_for(world.grid_worker)
    bad = _error_shape(client.post(BASE, {"category": "nope", "description": "", "building_id": world.building.pk}),
                       422)
    assert {"category", "description"} <= set(bad["details"])
    assert "photos" in _error_shape(client.post(BASE, {"category": "garbage", "description": "x",
                                                       "building_id": world.building.pk,
                                                       "photos": [upload(b"hello", name="x.png")]}), 422)["details"]
    assert "building_id" in _error_shape(client.post(BASE, {"category": "garbage", "description": "x",
                                                            "building_id": world.building2.pk}), 422)["details"]
    _error_shape(client.post(BASE, {"category": "garbage", "description": "x", "latitude": "north"}), 422)
    _error_shape(client.post(BASE, {"category": "garbage", "description": "x", "building_id": "abc"}), 422)
    _error_shape(client.post(BASE, {"category": "garbage", "description": "x", "community": "4313"}), 422)
    _error_shape(client.post(BASE, {"category": "garbage", "description": "x",
                                    "community": world.community.code}), 403)  # no grid: not its place
    _error_shape(client_for(world.analyst).post(BASE, {"category": "garbage", "description": "x"}), 403)
    settings.SHEQU_PHOTO_MAX_BYTES = 100
    settings.SHEQU_INCIDENT_MAX_PHOTOS = 1
    _error_shape(client.post(BASE, {"category": "garbage", "description": "x", "building_id": world.building.pk,
                                    "photos": [upload(b"0" * 400_000)]}), 422)
    assert not Incident.objects.exists()
    assert _error_shape(Client().get(BASE), 401)["code"] == "unauthenticated"


def test_list_filters_and_scope(world):
    a = report(world)
    b = walk(report(world, category=category("noise")), world.worker, "open")
    own = report(world, actor=world.resident_user, source="resident")
    worker = client_for(world.worker)
    numbers = {r["number"] for r in worker.get(BASE).json()["results"]}
    assert numbers == {a.number, b.number, own.number}
    assert [r["number"] for r in worker.get(BASE, {"category": "noise"}).json()["results"]] == [b.number]
    assert [r["number"] for r in worker.get(BASE, {"status": "opened"}).json()["results"]] == [b.number]
    assert worker.get(BASE, {"overdue": "true"}).json()["results"] == []
    assert [r["number"] for r in client_for(world.resident_user).get(BASE).json()["results"]] == [own.number]
    assert client_for(world.outsider).get(BASE).json()["count"] == 0
    assert [r["number"] for r in worker.get(BASE, {"handling": "mine", "category": "noise"}).json()["results"]] == [
        b.number
    ]
    _error_shape(worker.get(BASE, {"page_size": "lots"}), 422)
    _error_shape(client_for(world.auditor).get(BASE), 403)


def test_detail_transition_merge(world):
    case = report(world)
    worker = client_for(world.worker)
    url = f"{BASE}/{case.pk}"
    body = worker.get(url).json()
    assert [a["action"] for a in body["actions"]] == ["open", "reject"] and body["reporter_phone"] == ""
    _error_shape(client_for(world.outsider).get(url), 404)
    _error_shape(worker.get(f"{BASE}/999999"), 404)
    go = f"{url}/transition"
    illegal = _error_shape(worker.post(go, {"action": "close"}, content_type="application/json"), 409)
    assert illegal["code"] == "conflict" and illegal["details"]["status"] == "reported"
    _error_shape(client_for(world.grid_worker).post(go, {"action": "open"}, content_type="application/json"), 403)
    _error_shape(worker.post(go, {"action": "teleport"}, content_type="application/json"), 422)
    _error_shape(worker.post(go, "not json", content_type="application/json"), 400)
    assert worker.post(go, {"action": "open"}, content_type="application/json").json()["status"] == "opened"
    _error_shape(worker.post(go, {"action": "dispatch", "department_id": 999999}, content_type="application/json"),
                 422)
    dept = Department.objects.get(name="市城市管理和综合执法局")
    done = worker.post(go, {"action": "dispatch", "department_id": dept.pk}, content_type="application/json").json()
    assert done["status"] == "dispatched" and done["department"] == dept.name
    escalated = worker.post(go, {"action": "escalate", "note": "需街道协调"}, content_type="application/json").json()
    assert escalated["handling_code"] == world.subdistrict.code and escalated["actions"] == []
    assert [e["action"] for e in escalated["events"]] == ["report", "open", "dispatch", "escalate"]

    dup = report(world)
    merged = client_for(world.subdistrict_officer).post(f"{BASE}/{dup.pk}/merge", {"into_number": case.number},
                                                       content_type="application/json")
    assert merged.status_code == 200 and merged.json()["status"] == "merged" and merged.json()["merged_into"] == case.pk
    _error_shape(worker.post(f"{BASE}/{dup.pk}/merge", {"into_id": 999999}, content_type="application/json"), 422)
    assert worker.get(url).json()["merged_from"] == [dup.pk]


def test_duplicates_endpoints(placed):
    a = report(placed, building=None, latitude=27.7301, longitude=112.0001)
    b = report(placed, building=None, latitude=27.7302, longitude=112.0001)
    worker = client_for(placed.worker)
    assert [r["number"] for r in worker.get(f"{BASE}/{a.pk}/duplicates").json()] == [b.number]
    near = worker.get(f"{BASE}/duplicates", {"category": "garbage", "latitude": 27.7301, "longitude": 112.0001})
    assert {r["number"] for r in near.json()} == {a.number, b.number}
    assert near.json()[0]["distance_m"] is not None
    _error_shape(worker.get(f"{BASE}/duplicates", {"category": "nope"}), 422)
    _error_shape(worker.get(f"{BASE}/{a.pk}/duplicates", {"radius_m": 99999}), 422)


def test_categories_and_dashboard(world):
    cats = client_for(world.grid_worker).get(f"{BASE}/categories").json()
    codes = {c["code"] for c in cats}
    assert {"garbage", "street_vending", "streetlight", "manhole_cover", "safety_hazard", "neighbour_dispute",
            "noise", "illegal_construction", "other"} <= codes
    garbage = next(c for c in cats if c["code"] == "garbage")
    assert garbage["time_limit_days"] == 2 and garbage["department"] == "市城市管理和综合执法局"
    walk(report(world), world.worker, "open")
    dash = client_for(world.subdistrict_officer).get(f"{BASE}/dashboard").json()
    assert dash["area_code"] == world.subdistrict.code and dash["open"] == 1 and dash["overdue"] == 0
    assert {c["code"] for c in dash["children"]} == {world.community.code, world.community_b.code}
    assert dash["categories"][0]["code"] == "garbage"
    _error_shape(client_for(world.worker).get(f"{BASE}/dashboard", {"area": world.subdistrict.code}), 404)
    _error_shape(client_for(world.resident_user).get(f"{BASE}/dashboard"), 403)


@pytest.mark.parametrize("path", ["/abc", "/1/transition", "/0/merge"])
def test_malformed_requests_never_500(world, path):
    worker = client_for(world.worker)
    response = worker.post(BASE + path, "{", content_type="application/json")
    assert response.status_code in (400, 404, 405, 422)
    assert Incident.objects.filter(status=Status.MERGED).count() == 0


def test_openapi_lists_the_endpoints(world):
    schema = client_for(world.admin).get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/v1/incidents", "/api/v1/incidents/{incident_id}/transition", "/api/v1/incidents/dashboard"} <= set(
        paths
    )
