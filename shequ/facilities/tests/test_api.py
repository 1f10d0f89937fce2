"""/api/v1/facilities: premises CRUD with rooms, photos (multipart upload, scoped download), communities list;
filters, scope by role, one error shape, never a 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from shequ.core.models import AuditLog
from shequ.facilities import services
from shequ.facilities.common import current_year
from shequ.facilities.models import FacilityPhoto, Premises
from shequ.facilities.tests.helpers import PLAQUES, image_bytes, premises_fields, upload

BASE = "/api/v1/facilities"


class Api:
    def __init__(self, user):
        self.client = Client()
        self.client.force_login(user)

    def get(self, path, **params):
        return self.client.get(BASE + path, params)

    def send(self, method, path, body=None):
        return self.client.generic(method, BASE + path, json.dumps(body or {}), content_type="application/json")


def error(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    return body


@pytest.fixture
def premises(world):
    return services.premises_create(actor=world.worker, community=world.community, **premises_fields())


NEW = {
    "community_code": "431302001001",
    "address": "新华路2号",
    "floor_area_m2": "450.5",
    "year_from": 2017,
    "service_centre_m2": 60,
    "unifications": ["社区标识"],
    "plaques": [*PLAQUES, "其他：某某协会"],
    "rooms": {"党群活动室": "50", "警务室": None},
}


def test_named_operations():
    assert reverse("api:facilities_premises") == BASE + "/premises"
    assert reverse("api:facilities_premises_detail", kwargs={"premises_id": 3}) == BASE + "/premises/3"
    assert reverse("api:facilities_photo_file", kwargs={"photo_id": 3}) == BASE + "/photos/3/file"


def test_create_get_patch_delete(world):
    api = Api(world.worker)
    response = api.send("POST", "/premises", NEW)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["floor_area_m2"] == "450.50" and body["service_centre_m2"] == "60.00"
    assert body["community_code"] == world.community.code and body["area_code"] == world.community.code
    assert {r["name"]: r["floor_area_m2"] for r in body["rooms"]} == {"党群活动室": "50.00", "警务室": None}
    pk = body["id"]
    assert api.get(f"/premises/{pk}").json() == body

    patched = api.send("PATCH", f"/premises/{pk}", {"year_to": 2020, "rooms": {"调解室": 15}}).json()
    assert patched["year_to"] == 2020 and [r["name"] for r in patched["rooms"]] == ["调解室"]
    assert patched["address"] == "新华路2号"  # untouched
    cleared = api.send("PATCH", f"/premises/{pk}", {"year_to": None, "service_centre_m2": None}).json()
    assert cleared["year_to"] is None and cleared["service_centre_m2"] is None

    assert api.send("DELETE", f"/premises/{pk}").status_code == 204
    assert not Premises.objects.exists()
    assert AuditLog.objects.filter(entity_type="premises", entity_id=str(pk)).count() == 4


def test_list_filters(world, premises):
    services.premises_create(
        actor=world.admin, community=world.community2, **premises_fields(year_from=2019, year_to=2020)
    )
    admin = Api(world.admin)
    assert admin.get("/premises").json()["count"] == 2
    assert [p["id"] for p in admin.get("/premises", community=world.community.code).json()["results"]] == [
        premises.pk
    ]
    assert admin.get("/premises", year=2021).json()["count"] == 1
    assert admin.get("/premises", year=2019).json()["count"] == 2
    assert admin.get("/premises", year=2015).json()["count"] == 0
    assert admin.get("/premises", community="nonsense").json()["count"] == 0
    # scope: the worker sees only its own community
    assert Api(world.worker).get("/premises").json()["count"] == 1
    assert Api(world.outsider).get("/premises", community=world.community.code).json()["count"] == 0


def test_communities_summary(world, premises):
    body = Api(world.subdistrict_officer).get("/communities").json()
    assert body["year"] == current_year()
    rows = {r["code"]: r for r in body["results"]}
    assert set(rows) == {world.community.code, world.community_b.code}
    assert rows[world.community.code]["premises_m2"] == "620.00"
    assert rows[world.community.code]["service_centre_m2"] == "80.00"
    assert rows[world.community_b.code]["premises_m2"] is None
    assert Api(world.admin).get("/communities", subdistrict=world.subdistrict2.code).json()["count"] == 1
    assert error(Api(world.grid_worker).get("/communities"), 403)["code"] == "permission_denied"


def test_validation_errors_in_the_one_shape(world):
    api = Api(world.worker)
    body = error(api.send("POST", "/premises", {**NEW, "floor_area_m2": "-5", "year_from": 1900}), 422)
    assert body["code"] == "validation_failed"
    assert set(body["details"]) == {"floor_area_m2", "year_from"}
    body = error(api.send("POST", "/premises", {**NEW, "rooms": {"健身房": 10}}), 422)
    assert "健身房" in body["details"]["rooms"][0]
    error(api.send("POST", "/premises", {**NEW, "floor_area_m2": "lots"}), 422)  # schema-level
    error(api.send("POST", "/premises", {**NEW, "floor_area_m2": "1e999"}), 422)
    assert "community" in error(
        Api(world.admin).send("POST", "/premises", {**NEW, "community_code": world.subdistrict.code}), 422
    )["details"]
    error(api.send("POST", "/premises", {**NEW, "community_code": world.subdistrict.code}), 404)  # not its own
    error(api.send("POST", "/premises", {**NEW, "year_from": 99999999999}), 422)
    assert not Premises.objects.exists()


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("analyst", 200, 403),
        ("outsider", 404, 404),
        ("grid_worker", 404, 404),
        ("resident_user", 404, 404),
        ("auditor", 404, 404),
        ("subdistrict_officer", 200, 200),
    ],
)
def test_scope_by_role(world, premises, role, read, write):
    api = Api(getattr(world, role))
    assert api.get(f"/premises/{premises.pk}").status_code == read
    patch = api.send("PATCH", f"/premises/{premises.pk}", {"address": "改过路1号"})
    assert patch.status_code == write
    if write != 200:
        assert error(api.send("DELETE", f"/premises/{premises.pk}"), write)
        assert error(api.send("POST", "/premises", NEW), write)
        premises.refresh_from_db()
        assert premises.address == "长青路8号"
    assert api.get("/premises/999999").status_code == 404


def test_photo_upload_list_download_delete(world, premises):
    api = Api(world.worker)
    url = f"{BASE}/premises/{premises.pk}/photos"
    response = api.client.post(url, {"image": upload(image_bytes("WEBP"), "a.webp"), "caption": "活动室"})
    assert response.status_code == 201, response.content
    photo = response.json()
    assert photo["caption"] == "活动室" and photo["file_url"] == f"{BASE}/photos/{photo['id']}/file"
    assert [p["id"] for p in api.get(f"/premises/{premises.pk}/photos").json()] == [photo["id"]]
    assert api.get(f"/premises/{premises.pk}").json()["photos"][0]["id"] == photo["id"]
    download = api.client.get(photo["file_url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/webp"
    assert Api(world.outsider).client.get(photo["file_url"]).status_code == 404
    assert Api(world.analyst).client.get(photo["file_url"]).status_code == 200
    assert error(Api(world.analyst).send("DELETE", f"/photos/{photo['id']}"), 403)
    assert api.send("DELETE", f"/photos/{photo['id']}").status_code == 204
    assert not FacilityPhoto.objects.exists()


def test_photo_upload_refusals(world, premises, settings):
    api = Api(world.worker)
    url = f"{BASE}/premises/{premises.pk}/photos"
    body = error(api.client.post(url, {"image": upload(b"MZ\x90\x00 executable", "a.png")}), 422)
    assert "image" in body["details"]
    body = error(api.client.post(url, {"caption": "无文件"}), 422)
    assert "image" in body["details"]
    settings.SHEQU_PHOTO_MAX_BYTES = 2048
    big = upload(image_bytes("PNG") + b"\x00" * 100_000)
    assert "image" in error(api.client.post(url, {"image": big}), 422)["details"]
    assert error(Api(world.outsider).client.post(url, {"image": upload(image_bytes())}), 404)
    assert not FacilityPhoto.objects.exists()
