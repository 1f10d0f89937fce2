"""GET /api/v1/registry/households/{id}/history: who joined and left, scoped like the household page."""

from __future__ import annotations

from django.urls import reverse

from shequ.core.testing.clients import ApiClient
from shequ.core.testing.clients import assert_error as error
from shequ.registry import services

BASE = "/api/v1/registry"


class Api(ApiClient):
    base = BASE


def test_named_operation():
    assert reverse("api:registry_household_history", kwargs={"household_id": 7}) == BASE + "/households/7/history"


def test_history_newest_first_and_people_outside_scope_unnamed(world):
    services.resident_move(actor=world.admin, resident=world.li, household=world.household2, relation="other",
                           reason="投靠亲属")
    body = Api(world.worker).get(f"/households/{world.household.pk}/history").json()
    assert len(body) == 2
    by_name = {row["resident_name"]: row for row in body}
    wang = by_name["王小明"]
    assert wang["resident_id"] == world.wang.pk and wang["relation"] == "head" and wang["ended_at"] is None
    assert wang["community_code"] == world.community.code and wang["reason"] == "create"
    # 李娜 now lives in another district: the worker sees that someone left, never who
    gone = by_name[None]
    assert gone["resident_id"] is None and gone["ended_at"] is not None and gone["relation"] == "spouse"
    assert "李娜" not in str(body) and str(world.li.id_number) not in str(body)
    assert [row["started_at"] for row in body] == sorted((row["started_at"] for row in body), reverse=True)
    # the receiving community's worker sees 李娜 arrive in its household
    arrived = Api(world.outsider).get(f"/households/{world.household2.pk}/history").json()
    assert {(r["resident_name"], r["reason"], r["ended_at"]) for r in arrived} == {
        ("赵强", "create", None), ("李娜", "投靠亲属", None)
    }


def test_history_of_a_household_not_yours_answers_like_a_missing_one(world):
    for user, hidden in ((world.worker, world.household2), (world.outsider, world.household),
                         (world.grid_worker, world.household2), (world.resident_user, world.household2)):
        api = Api(user)
        assert error(api.get(f"/households/{hidden.pk}/history"), 404) == error(
            api.get("/households/999999/history"), 404
        )
    error(Api(world.auditor).get(f"/households/{world.household.pk}/history"), 404)
    # a resident reads its own household's history
    own = Api(world.resident_user).get(f"/households/{world.household.pk}/history")
    assert own.status_code == 200 and {r["resident_name"] for r in own.json()} == {"王小明", "李娜"}
