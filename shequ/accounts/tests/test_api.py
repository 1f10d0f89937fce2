"""/api/v1/accounts: the same rules as the pages, answered in the one JSON error shape."""

from __future__ import annotations

import json

from django.test import Client

from shequ.accounts.models import RoleAssignment, User
from shequ.core.models import AuditLog
from shequ.core.roles import Role


def api(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, data: dict) -> object:
    return client.post(url, json.dumps(data), content_type="application/json")


def snapshot() -> tuple:
    return (
        sorted(User.objects.values_list("pk", "is_active", "display_name", "password")),
        sorted(RoleAssignment.objects.values_list("user_id", "role", "area_id")),
        AuditLog.objects.count(),
    )


def test_list_is_cut_to_the_subtree_and_masks_phones(world):
    world.worker.phone = "13688889999"
    world.worker.save(update_fields=["phone"])
    body = api(world.subdistrict_officer).get("/api/v1/accounts/users").json()
    assert {u["username"] for u in body["results"]} == {
        "subdistrict_officer",
        "community_worker",
        "grid_worker",
        "resident",
    }
    worker = next(u for u in body["results"] if u["username"] == "community_worker")
    assert worker["phone"] == "136****9999"
    assert worker["roles"][0]["area_code"] == world.community.code
    filtered = api(world.admin).get("/api/v1/accounts/users", {"role": Role.COMMUNITY_WORKER}).json()
    assert {u["username"] for u in filtered["results"]} == {"community_worker", "other_worker"}
    assert api(world.grid_worker).get("/api/v1/accounts/users").status_code == 403


def test_create_update_roles_deactivate_and_reset_through_the_api(world):
    client = api(world.district_officer)
    created = post(
        client,
        "/api/v1/accounts/users",
        {
            "username": "sub_new",
            "password": "new-pass-2024",
            "role": Role.SUBDISTRICT_OFFICER,
            "area_code": world.subdistrict.code,
            "display_name": "新干部",
            "work_lines": ["civil_affairs"],
        },
    )
    assert created.status_code == 201, created.content
    user_id = created.json()["id"]
    patched = client.patch(
        f"/api/v1/accounts/users/{user_id}", json.dumps({"display_name": "改名"}), content_type="application/json"
    )
    assert patched.json()["display_name"] == "改名"
    added = post(
        client, f"/api/v1/accounts/users/{user_id}/roles", {"role": Role.AUDITOR, "area_code": world.subdistrict.code}
    )
    assert added.status_code == 201
    assignment_id = next(r["id"] for r in added.json()["roles"] if r["role"] == Role.AUDITOR)
    removed = client.delete(f"/api/v1/accounts/users/{user_id}/roles/{assignment_id}")
    assert [r["role"] for r in removed.json()["roles"]] == [Role.SUBDISTRICT_OFFICER]
    assert (
        post(client, f"/api/v1/accounts/users/{user_id}/password", {"password": "other-pass-2024"}).status_code == 204
    )
    assert post(client, f"/api/v1/accounts/users/{user_id}/deactivate", {}).json()["is_active"] is False
    user = User.objects.get(pk=user_id)
    assert user.check_password("other-pass-2024") and not user.is_active
    actions = list(
        AuditLog.objects.filter(entity_type="user", entity_id=str(user_id))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "user.create",
        "user.update",
        "user.role_add",
        "user.role_remove",
        "user.password_reset",
        "user.deactivate",
    ]


def test_refusals_use_the_one_error_shape_and_change_nothing(world):
    client = api(world.worker)
    before = snapshot()
    cases = [
        ({"role": Role.COMMUNITY_WORKER, "area_code": world.community.code}, 403, "permission_denied"),
        ({"role": Role.GRID_WORKER, "area_code": world.community.code}, 422, "validation_failed"),
        ({"role": Role.GRID_WORKER, "area_code": world.community_b.code}, 404, "not_found"),
        ({"role": Role.RESIDENT, "area_code": world.community.code}, 422, "validation_failed"),
    ]
    for extra, status, code in cases:
        response = post(client, "/api/v1/accounts/users", {"username": "nope", "password": "new-pass-2024", **extra})
        assert response.status_code == status, (extra, response.content)
        assert set(response.json()) == {"code", "message", "details"} and response.json()["code"] == code
    for url in (
        f"/api/v1/accounts/users/{world.outsider.pk}/deactivate",
        f"/api/v1/accounts/users/{world.subdistrict_officer.pk}/deactivate",
    ):
        response = post(client, url, {})
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert client.get(f"/api/v1/accounts/users/{world.admin.pk}").status_code == 404
    assert snapshot() == before
