"""/api/v1/areas: roots, children, an area with counts and tag counts, adding children, community kind."""

from __future__ import annotations

from django.urls import reverse

from shequ.areas.models import Area
from shequ.core.roles import Role
from shequ.core.testing.clients import ApiClient
from shequ.core.testing.clients import assert_error as error
from shequ.core.testing.factories import make_user
from shequ.registry import services

BASE = "/api/v1/areas"


class Api(ApiClient):
    base = BASE


def test_named_operations():
    assert reverse("api:areas_roots") == BASE + "/"
    assert reverse("api:areas_area", kwargs={"code": "4313"}) == BASE + "/4313"
    assert reverse("api:areas_children", kwargs={"code": "4313"}) == BASE + "/4313/children"


def test_roots_and_children(world):
    assert [a["code"] for a in Api(world.subdistrict_officer).get("/").json()] == [world.subdistrict.code]
    assert [a["code"] for a in Api(world.grid_worker).get("/").json()] == [world.grid.code]
    children = Api(world.subdistrict_officer).get(f"/{world.subdistrict.code}/children").json()
    assert [c["code"] for c in children] == [world.community.code, world.community_b.code]
    assert children[0]["residents"] == 2 and children[0]["community_kind"] == "central_urban"
    legacy = Api(world.subdistrict_officer).get("/", parent=world.subdistrict.code).json()
    assert legacy == children


def test_area_detail_with_counts(world):
    services.resident_tag_add(actor=world.admin, resident=world.wang, tag="dibao")
    body = Api(world.admin).get(f"/{world.city.code}").json()
    assert (body["buildings"], body["households"], body["residents"], body["units"]) == (2, 2, 3, 0)
    assert {t["tag"]: t["residents"] for t in body["tag_counts"]} == {"dibao": 2, "party_member": 1}
    assert [c["code"] for c in body["children"]] == [world.district.code, world.district2.code]
    party = make_user("party_worker", Role.COMMUNITY_WORKER, world.community, work_lines=["party"])
    community = Api(party).get(f"/{world.community.code}").json()
    assert [t["tag"] for t in community["tag_counts"]] == ["party_member"]
    assert [b["code"] for b in community["breadcrumbs"]] == ["4313", "431302", "431302001", "431302001001"]


def test_not_yours_is_404(world):
    api = Api(world.worker)
    hidden = error(api.get(f"/{world.community2.code}"), 404, "not_found")
    assert hidden == error(api.get("/999999999999"), 404, "not_found")
    error(api.get(f"/{world.district.code}/children"), 404)


def test_create_children(world):
    api = Api(world.subdistrict_officer)
    response = api.send("POST", f"/{world.subdistrict.code}/children", {"name": "新村", "urban_rural_class": "220"})
    assert response.status_code == 201, response.content
    village = response.json()
    assert village["level"] == "community" and village["community_kind"] == "village" and village["residents"] == 0
    grid = api.send("POST", f"/{village['code']}/children", {"name": "新村一组", "code": village["code"] + "007"})
    assert grid.status_code == 201 and grid.json()["code"] == village["code"] + "007"
    error(api.send("POST", f"/{village['code']}/children", {"name": "重复", "code": village["code"] + "007"}), 422)
    error(api.send("POST", f"/{grid.json()['code']}/children", {"name": "网格下级"}), 422)
    error(Api(world.district_officer).send("POST", f"/{world.district.code}/children", {"name": "新街道"}), 422)
    error(Api(world.worker).send("POST", f"/{world.community.code}/children", {"name": "越权"}), 403)
    error(Api(world.outsider).send("POST", f"/{world.community.code}/children", {"name": "越权"}), 404)
    assert not Area.objects.filter(name__in=["网格下级", "新街道", "越权"]).exists()


def test_set_community_kind(world):
    api = Api(world.subdistrict_officer)
    body = api.send("PUT", f"/{world.community.code}/community-kind", {"community_kind": "township"}).json()
    assert body["community_kind"] == "township" and body["community_kind_manual"] is True
    error(api.send("PUT", f"/{world.community.code}/community-kind", {"community_kind": "x"}), 422)
    error(api.send("PUT", f"/{world.grid.code}/community-kind", {"community_kind": "urban"}), 422)
    error(Api(world.worker).send("PUT", f"/{world.community.code}/community-kind", {"community_kind": "urban"}), 403)
    error(Api(world.outsider).send("PUT", f"/{world.community.code}/community-kind", {"community_kind": "urban"}), 404)
    world.community.refresh_from_db()
    assert world.community.community_kind == "township"
