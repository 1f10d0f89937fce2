"""/api/v1/registry/residents: list/search, get, create, patch, move, tags, unmask — scope, masking, codes."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse

from shequ.accounts.models import ApiToken
from shequ.core.models import AccessLog
from shequ.core.roles import Role
from shequ.core.testing.clients import ApiClient, assert_error
from shequ.core.testing.factories import make_id_number, make_residents, make_user
from shequ.registry import services
from shequ.registry.models import HouseholdMembership, Resident

BASE = "/api/v1/registry"


class Api(ApiClient):
    base = BASE


def test_operations_are_reachable_by_name():
    assert reverse("api:registry_residents") == BASE + "/residents"
    assert reverse("api:registry_resident", kwargs={"resident_id": 1}) == BASE + "/residents/1"
    assert reverse("api:registry_resident_move", kwargs={"resident_id": 1}).endswith("/move")
    assert reverse("api:registry_tags") == BASE + "/tags"


def test_list_is_scoped_masked_and_paginated(world):
    body = Api(world.worker).get("/residents").json()
    assert body["count"] == 2 and body["count_exact"] is True and body["page_size"] == 50
    names = {r["name"] for r in body["results"]}
    assert names == {"王小明", "李娜"}
    wang = next(r for r in body["results"] if r["name"] == "王小明")
    assert wang["id_number"] == world.wang.id_number[:4] + "*" * 10 + world.wang.id_number[-4:]
    assert wang["phone"] == "138****5678"
    assert [t["code"] for t in wang["tags"]] == ["party_member"]
    assert world.zhao.name not in json.dumps(body, ensure_ascii=False)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "wxm"}, ["王小明"]),
        ({"q": "wangxiao", "kind": "pinyin"}, ["王小明"]),
        ({"q": "王小明", "kind": "name"}, ["王小明"]),
        ({"q": "13812345678", "kind": "phone"}, ["王小明"]),
        ({"q": "1111"}, ["李娜"]),
        ({"q": "长青路", "kind": "address"}, ["李娜", "王小明"]),
        ({"tag": "party_member"}, ["王小明"]),
        ({"status": "active", "household_kind": "permanent"}, ["李娜", "王小明"]),
        ({"q": "zq"}, []),
    ],
)
def test_search_kinds(world, params, expected):
    body = Api(world.worker).get("/residents", **params).json()
    assert sorted(r["name"] for r in body["results"]) == sorted(expected)


def test_search_by_id_full_and_last_four(world):
    api = Api(world.worker)
    assert [r["id"] for r in api.get("/residents", q=world.wang.id_number).json()["results"]] == [world.wang.pk]
    ids = [r["id"] for r in api.get("/residents", q=world.wang.id_number[-4:], kind="id").json()["results"]]
    assert world.wang.pk in ids
    assert api.get("/residents", q=world.zhao.id_number).json()["count"] == 0


def test_bad_filters_are_422_in_the_one_shape(world):
    api = Api(world.worker)
    assert_error(api.get("/residents", kind="bogus"), 422, "validation_failed")
    assert_error(api.get("/residents", page_size=500), 422, "validation_failed")
    assert_error(api.get("/residents", page=0), 422, "validation_failed")


def test_list_api_has_no_n_plus_one(world, django_assert_max_num_queries):
    api = Api(world.worker)
    api.get("/residents")
    make_residents(60, actor=world.admin, prefix="批量", born=dt.date(1991, 1, 1), household=world.household,
                   tags=["elderly"])
    with django_assert_max_num_queries(10):
        response = api.get("/residents", page_size=100)
    assert len(response.json()["results"]) == 62


def test_get_not_yours_is_404_like_missing(world):
    api = Api(world.worker)
    assert api.get(f"/residents/{world.wang.pk}").json()["name"] == "王小明"
    hidden = assert_error(api.get(f"/residents/{world.zhao.pk}"), 404, "not_found")
    missing = assert_error(api.get("/residents/999999"), 404, "not_found")
    assert hidden == missing
    assert_error(api.get(f"/residents/{world.zhao.pk}/history"), 404)


def test_tags_in_get_follow_work_lines(world):
    services.resident_tag_add(actor=world.admin, resident=world.wang, tag="dibao")
    party = make_user("party_worker", Role.COMMUNITY_WORKER, world.community, work_lines=["party"])
    tags = [t["code"] for t in Api(party).get(f"/residents/{world.wang.pk}").json()["tags"]]
    assert tags == ["party_member"]
    visible = {t["code"] for t in Api(party).get("/tags").json()}
    assert "party_member" in visible and "dibao" not in visible and "elderly" in visible
    assert len(Api(world.worker).get("/tags").json()) >= 14


def test_create_201_then_duplicate_409(world):
    api = Api(world.worker)
    number = make_id_number(dt.date(2001, 2, 3))
    response = api.send(
        "POST",
        "/residents",
        {"name": "张三", "id_number": number, "phone": "13600001234", "household_id": world.household.pk,
         "relation": "child", "tags": ["left_behind"]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "张三" and body["phone"] == "136****1234" and body["id_number"] != number
    assert body["household_id"] == world.household.pk and [t["code"] for t in body["tags"]] == ["left_behind"]
    duplicate = assert_error(api.send("POST", "/residents", {"name": "张三", "id_number": number,
                                                             "community_code": world.community.code}), 409)
    assert "张三" in duplicate["message"] and duplicate["details"]["existing_id"] == body["id"]
    hidden = assert_error(api.send("POST", "/residents", {"name": "某", "id_number": world.zhao.id_number,
                                                          "community_code": world.community.code}), 409)
    assert "赵强" not in json.dumps(hidden, ensure_ascii=False) and "existing_id" not in hidden["details"]


def test_create_validation_and_scope(world):
    api = Api(world.worker)
    bad = assert_error(
        api.send("POST", "/residents", {"name": "坏", "id_number": "431302198502301234",
                                        "community_code": world.community.code}),
        422,
        "validation_failed",
    )
    assert "id_number" in bad["details"]
    assert_error(api.send("POST", "/residents", {"name": "缺"}), 422)
    outside = api.send("POST", "/residents", {"name": "越权", "id_number": make_id_number(),
                                              "community_code": world.community2.code})
    assert_error(outside, 404)
    assert_error(api.send("POST", "/residents", {"name": "越权", "id_number": make_id_number(),
                                                 "household_id": world.household2.pk}), 404)
    analyst = Api(world.analyst).send("POST", "/residents", {"name": "只读", "id_number": make_id_number(),
                                                             "community_code": world.community.code})
    assert_error(analyst, 403, "permission_denied")
    assert not Resident.objects.filter(name__in=["越权", "只读"]).exists()


def test_patch(world):
    api = Api(world.worker)
    body = api.send("PATCH", f"/residents/{world.li.pk}", {"phone": "13700009999", "status": "moved_out"}).json()
    assert body["phone"] == "137****9999" and body["status"] == "moved_out" and body["name"] == "李娜"
    assert_error(api.send("PATCH", f"/residents/{world.li.pk}", {"status": "gone"}), 422)
    assert_error(api.send("PATCH", f"/residents/{world.li.pk}", {"id_number": world.wang.id_number}), 409)
    assert_error(api.send("PATCH", f"/residents/{world.zhao.pk}", {"name": "改"}), 404)
    assert_error(Api(world.analyst).send("PATCH", f"/residents/{world.li.pk}", {"name": "改"}), 403)
    world.zhao.refresh_from_db()
    assert world.zhao.name == "赵强"


def test_move_and_history(world):
    target = services.household_create(actor=world.admin, community=world.community_b)
    api = Api(world.subdistrict_officer)
    assert_error(api.send("POST", f"/residents/{world.li.pk}/move", {"household_id": target.pk}), 422)
    body = api.send(
        "POST", f"/residents/{world.li.pk}/move", {"household_id": target.pk, "relation": "head", "reason": "分户"}
    ).json()
    assert body["household_id"] == target.pk and body["community_code"] == world.community_b.code
    history = api.get(f"/residents/{world.li.pk}/history").json()
    assert [h["household_id"] for h in history] == [target.pk, world.household.pk]
    assert history[0]["ended_at"] is None and history[0]["reason"] == "分户" and history[1]["ended_at"]
    assert HouseholdMembership.objects.filter(resident=world.li, ended_at__isnull=True).count() == 1
    # into a household outside the worker's scope: 404, nothing changes
    assert_error(
        Api(world.worker).send("POST", f"/residents/{world.wang.pk}/move",
                               {"household_id": world.household2.pk, "reason": "越权迁移"}),
        404,
    )
    world.wang.refresh_from_db()
    assert world.wang.household == world.household


def test_tags_add_remove(world):
    api = Api(world.worker)
    response = api.send("POST", f"/residents/{world.li.pk}/tags", {"tag": "elderly"})
    assert response.status_code == 201 and [t["code"] for t in response.json()] == ["elderly"]
    assert api.send("DELETE", f"/residents/{world.li.pk}/tags/elderly").status_code == 204
    assert not world.li.resident_tags.exists()
    assert_error(api.send("POST", f"/residents/{world.li.pk}/tags", {"tag": "nope"}), 422)
    party = make_user("party_worker", Role.COMMUNITY_WORKER, world.community, work_lines=["party"])
    assert_error(Api(party).send("POST", f"/residents/{world.li.pk}/tags", {"tag": "dibao"}), 422)
    assert_error(api.send("POST", f"/residents/{world.zhao.pk}/tags", {"tag": "elderly"}), 404)


def test_unmask_with_reason(world):
    api = Api(world.worker)
    assert_error(api.send("POST", f"/residents/{world.wang.pk}/unmask", {"reason": "看"}), 422)
    body = api.send("POST", f"/residents/{world.wang.pk}/unmask", {"reason": "核对身份信息"}).json()
    assert body == {"id_number": world.wang.id_number, "phone": world.wang.phone}
    assert AccessLog.objects.filter(entity_id=str(world.wang.pk), reason="核对身份信息").count() == 1
    assert_error(Api(world.grid_worker).send("POST", f"/residents/{world.wang.pk}/unmask", {"reason": "核对身份"}), 403)
    assert_error(api.send("POST", f"/residents/{world.zhao.pk}/unmask", {"reason": "核对身份信息"}), 404)


def test_token_client_is_scoped_like_a_user(world):
    client_user = make_user("machine", Role.MACHINE_CLIENT, world.district2)
    key = "test-token-key-123456"
    ApiToken.objects.create(user=client_user, name="t", key_hash=ApiToken.hash_key(key), prefix=key[:8])
    client = Client()
    response = client.get(BASE + "/residents", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert [r["name"] for r in response.json()["results"]] == ["赵强"]
    assert client.get(BASE + "/residents").status_code == 401
