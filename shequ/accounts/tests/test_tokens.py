"""API tokens: shown once, stored as a SHA-256 hash, scoped exactly like their user, revocable."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.test import Client

from shequ.accounts import selectors, services
from shequ.accounts.models import ApiToken
from shequ.core.errors import NotFound, PermissionDenied
from shequ.core.models import AuditLog
from shequ.core.roles import Role


def bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def assert_unauthenticated(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == "unauthenticated"


def test_only_the_hash_is_stored(world):
    token, key = services.token_create(actor=world.worker, owner=world.worker, name="网格系统同步")
    assert key.startswith("sq_") and len(key) > 40
    row = ApiToken.objects.get(pk=token.pk)
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert row.prefix == key[:8]
    audit = AuditLog.objects.get(action="token.create", entity_id=str(token.pk))
    assert key not in json.dumps(audit.changes)


def test_token_sees_only_its_users_scope_and_masks(world, client):
    _token, key = services.token_create(actor=world.worker, owner=world.worker, name="sync")
    response = client.get("/api/v1/registry/residents", **bearer(key))
    assert response.status_code == 200
    results = response.json()["results"]
    assert {r["id"] for r in results} == {world.wang.pk, world.li.pk}
    assert all("*" in r["id_number"] and "*" in r["phone"] for r in results)
    assert world.wang.id_number not in response.content.decode()
    outside = client.get(f"/api/v1/registry/residents/{world.zhao.pk}", **bearer(key))
    assert outside.status_code == 404
    assert outside.json()["code"] == "not_found"
    assert ApiToken.objects.get(pk=_token.pk).last_used_at is not None


def test_machine_client_token_created_by_admin_has_the_clients_scope(world, client):
    machine = services.user_create(
        actor=world.admin, username="data_exchange", password="", role=Role.MACHINE_CLIENT, area=world.city
    )
    assert not machine.has_usable_password()
    _token, key = services.token_create(actor=world.admin, owner=machine, name="数据交换")
    response = client.get("/api/v1/registry/residents", **bearer(key))
    assert {r["id"] for r in response.json()["results"]} == {world.wang.pk, world.li.pk, world.zhao.pk}
    assert all("*" in r["id_number"] for r in response.json()["results"])
    assert selectors.token_list(viewer=world.admin, owner=machine).count() == 1
    # the district officer cannot see the city-wide client's tokens; nobody mints tokens for a person
    with pytest.raises(NotFound):
        selectors.token_list(viewer=world.district_officer, owner=machine)
    with pytest.raises(PermissionDenied):
        services.token_create(actor=world.admin, owner=world.worker, name="冒用")
    assert ApiToken.objects.filter(user=world.worker).count() == 0


def test_revoked_token_gets_401_in_the_json_shape(world, client):
    token, key = services.token_create(actor=world.worker, owner=world.worker, name="sync")
    assert client.get("/api/v1/accounts/me", **bearer(key)).status_code == 200
    services.token_revoke(actor=world.worker, token=token)
    assert_unauthenticated(client.get("/api/v1/registry/residents", **bearer(key)))
    assert_unauthenticated(client.get("/api/v1/accounts/me", **bearer("sq_not-a-real-token")))
    assert AuditLog.objects.filter(action="token.revoke", entity_id=str(token.pk)).count() == 1


def test_deactivated_users_token_stops_working(world, client):
    _token, key = services.token_create(actor=world.grid_worker, owner=world.grid_worker, name="phone")
    services.user_set_active(actor=world.worker, user=world.grid_worker, active=False)
    assert_unauthenticated(client.get("/api/v1/registry/residents", **bearer(key)))


def test_tokens_are_managed_from_a_session_only(world, client):
    _token, key = services.token_create(actor=world.worker, owner=world.worker, name="sync")
    response = client.post(
        "/api/v1/accounts/tokens", json.dumps({"name": "more"}), content_type="application/json", **bearer(key)
    )
    assert_unauthenticated(response)
    assert ApiToken.objects.filter(user=world.worker).count() == 1


def test_token_api_create_list_revoke(world):
    client = Client()
    client.force_login(world.worker)
    created = client.post("/api/v1/accounts/tokens", {"name": "手机端"}, content_type="application/json")
    assert created.status_code == 201
    key, token_id = created.json()["key"], created.json()["id"]
    listed = client.get("/api/v1/accounts/tokens").json()
    assert [t["id"] for t in listed] == [token_id]
    assert "key" not in listed[0] and key not in json.dumps(listed)
    # another user's token is "not found" for the worker
    other, _other_key = services.token_create(actor=world.outsider, owner=world.outsider, name="x")
    assert client.delete(f"/api/v1/accounts/tokens/{other.pk}").status_code == 404
    assert ApiToken.objects.get(pk=other.pk).revoked_at is None
    assert client.delete(f"/api/v1/accounts/tokens/{token_id}").status_code == 200
    assert_unauthenticated(Client().get("/api/v1/accounts/me", **bearer(key)))


def test_revoking_someone_elses_token_is_not_found(world):
    token, _key = services.token_create(actor=world.worker, owner=world.worker, name="sync")
    for viewer in (world.outsider, world.grid_worker):
        with pytest.raises(NotFound):
            selectors.token_get(viewer=viewer, pk=token.pk)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_last_used_recorded_to_the_minute_outside_a_transaction():
    """As in production (no transaction around the request): on PostgreSQL the read and the "last used" write
    are one statement, on SQLite two; either way the use is recorded once a minute, and a revoked token is
    refused without being touched."""
    import datetime as dt

    from django.utils import timezone

    from shequ.accounts.models import RoleAssignment, User
    from shequ.areas.models import Area

    area = Area.objects.create(code="4399", name="测试市", level="city")
    user = User.objects.create(username="token-minute", display_name="令牌")
    RoleAssignment.objects.create(user=user, role=Role.CITY_ADMIN, area=area)
    client = Client()
    token, key = services.token_create(actor=user, owner=user, name="同步")

    def me() -> dict:
        response = client.get("/api/v1/accounts/me", **bearer(key))
        assert response.status_code == 200, response.content
        return dict(response.json())

    before = timezone.now()
    body = me()
    assert body["username"] == "token-minute"
    assert [(r["role"], r["area_code"]) for r in body["roles"]] == [(Role.CITY_ADMIN, "4399")]  # scope read with it
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None and first >= before

    recent = timezone.now() - dt.timedelta(seconds=30)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recent)
    me()
    assert ApiToken.objects.get(pk=token.pk).last_used_at == recent  # within the minute: no write

    old = timezone.now() - dt.timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=old)
    me()
    assert ApiToken.objects.get(pk=token.pk).last_used_at > old + dt.timedelta(minutes=1)

    services.token_revoke(actor=user, token=ApiToken.objects.get(pk=token.pk))
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=old)
    assert_unauthenticated(client.get("/api/v1/accounts/me", **bearer(key)))
    assert ApiToken.objects.get(pk=token.pk).last_used_at == old
