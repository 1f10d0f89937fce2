"""/api/v1/registry: households, buildings, units — CRUD, scope, status codes."""

from __future__ import annotations

import json

from django.urls import reverse

from shequ.areas.models import AreaStats
from shequ.core.testing.clients import ApiClient
from shequ.core.testing.clients import assert_error as error
from shequ.registry import services
from shequ.registry.models import Building, Household, ResidentUnit

BASE = "/api/v1/registry"
VALID_USCC = "91430100MA4L16JQ9D"


class Api(ApiClient):
    base = BASE


def test_named_operations():
    assert reverse("api:registry_households") == BASE + "/households"
    assert reverse("api:registry_building", kwargs={"building_id": 3}) == BASE + "/buildings/3"
    assert reverse("api:registry_unit", kwargs={"unit_id": 3}) == BASE + "/units/3"


def test_households_list_get_with_members(world):
    api = Api(world.worker)
    body = api.get("/households").json()
    assert [h["number"] for h in body["results"]] == [world.household.number]
    assert body["results"][0]["head_name"] == "王小明"
    detail = api.get(f"/households/{world.household.pk}").json()
    assert [m["name"] for m in detail["members"]] == ["王小明", "李娜"]
    assert detail["members"][0]["phone"] == "138****5678"
    assert world.wang.id_number not in json.dumps(detail)
    assert error(api.get(f"/households/{world.household2.pk}"), 404) == error(api.get("/households/999999"), 404)
    assert api.get("/households", kind="floating").json()["count"] == 0
    assert api.get("/households", q="长青路").json()["count"] == 1


def test_household_create_and_patch(world):
    api = Api(world.worker)
    response = api.send("POST", "/households", {"building_id": world.building.pk, "room": "301", "kind": "floating"})
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["kind"] == "floating" and created["grid_code"] == world.grid.code and created["members"] == []
    assert AreaStats.objects.get(area=world.grid).households == 2
    duplicate = api.send("POST", "/households", {"community_code": world.community.code, "number": created["number"]})
    error(duplicate, 422)
    error(api.send("POST", "/households", {"community_code": world.community2.code}), 404)
    error(api.send("POST", "/households", {"building_id": world.building2.pk}), 404)
    error(api.send("POST", "/households", {"community_code": world.subdistrict.code}), 404)  # above the worker
    error(Api(world.admin).send("POST", "/households", {"community_code": world.subdistrict.code}), 422)
    error(api.send("POST", "/households", {"kind": "nomad", "community_code": world.community.code}), 422)
    patched = api.send("PATCH", f"/households/{world.household.pk}", {"head_id": world.li.pk, "room": "101A"}).json()
    assert patched["head_id"] == world.li.pk and patched["room"] == "101A"
    error(api.send("PATCH", f"/households/{world.household.pk}", {"head_id": world.zhao.pk}), 422)
    cleared = api.send("PATCH", f"/households/{world.household.pk}", {"building_id": None}).json()
    assert cleared["building_id"] is None
    error(api.send("PATCH", f"/households/{world.household2.pk}", {"room": "x"}), 404)
    error(Api(world.analyst).send("PATCH", f"/households/{world.household.pk}", {"room": "x"}), 403)


def test_buildings_crud(world):
    api = Api(world.grid_worker)
    assert [b["address"] for b in api.get("/buildings").json()["results"]] == [world.building.address]
    response = api.send(
        "POST", "/buildings", {"community_code": world.grid.code, "address": "长青路3号", "latitude": 27.7}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["grid_code"] == world.grid.code and body["latitude"] == 27.7
    error(api.send("POST", "/buildings", {"community_code": world.grid.code, "address": "长青路3号"}), 422)
    error(api.send("POST", "/buildings", {"community_code": world.grid.code, "address": "x", "latitude": 100}), 422)
    # a grid worker may not place a building at community level or in another grid
    error(api.send("POST", "/buildings", {"community_code": world.grid2.code, "address": "长青路4号"}), 404)
    patched = api.send("PATCH", f"/buildings/{body['id']}", {"number": "3栋", "latitude": None}).json()
    assert patched["number"] == "3栋" and patched["latitude"] is None
    error(api.get(f"/buildings/{world.building2.pk}"), 404)
    error(api.send("PATCH", f"/buildings/{world.building2.pk}", {"number": "x"}), 404)
    assert Building.objects.get(pk=world.building2.pk).number == ""


def test_units_crud_with_credit_code(world):
    api = Api(world.worker)
    bad = error(api.send("POST", "/units", {"community_code": world.community.code, "name": "甲",
                                            "credit_code": "91430100MA4L16JQ9A"}), 422)
    assert "credit_code" in bad["details"]
    response = api.send("POST", "/units", {"community_code": world.community.code, "name": "长青小学",
                                           "credit_code": VALID_USCC})
    assert response.status_code == 201, response.content
    unit = response.json()
    assert unit["credit_code"] == VALID_USCC
    assert api.get("/units", q="长青").json()["count"] == 1
    patched = api.send("PATCH", f"/units/{unit['id']}", {"contact_name": "刘老师", "phone": "0738-8123456"}).json()
    assert patched["contact_name"] == "刘老师"
    hidden = services.unit_create(actor=world.admin, community=world.community2, name="矿山医院")
    error(api.get(f"/units/{hidden.pk}"), 404)
    error(api.send("PATCH", f"/units/{hidden.pk}", {"name": "改"}), 404)
    error(api.send("POST", "/units", {"community_code": world.community2.code, "name": "越权"}), 404)
    assert not ResidentUnit.objects.filter(name="越权").exists()
    assert not Household.objects.filter(room="x").exists()
