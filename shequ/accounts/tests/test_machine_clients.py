"""Machine clients of a district or a sub-district (issue 2 items 5 and 7): each user is bound to one or more areas,
and an integration is no exception — a district officer creates the API client of its district, a sub-district
officer that of its sub-district, never above or beside; its token sees that subtree only, masked like the pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from shequ.accounts import selectors, services
from shequ.accounts.models import ApiToken, RoleAssignment, User
from shequ.accounts.policies import ROLE_LEVELS, grantable_roles, level_allowed
from shequ.accounts.scope import viewer_scope
from shequ.core.errors import NotFound, PermissionDenied, ValidationFailed
from shequ.core.models import AuditLog
from shequ.core.roles import ROLE_LEVEL, Role


def state() -> tuple[Any, ...]:
    return (
        sorted(User.objects.values_list("pk", "username", "is_active", "password")),
        sorted(RoleAssignment.objects.values_list("user_id", "role", "area_id")),
        sorted(ApiToken.objects.values_list("pk", "user_id", "revoked_at")),
        AuditLog.objects.count(),
    )


def create_client(world: Any, actor: str, area: str, username: str = "") -> User:
    return services.user_create(
        actor=getattr(world, actor),
        username=username or f"api_{actor}_{area}",
        password="",
        role=Role.MACHINE_CLIENT,
        area=getattr(world, area),
    )


def bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_every_role_may_be_bound_at_its_single_level():
    """The demo generator binds each role at ROLE_LEVEL: that level must be one the policy accepts."""
    for role, level in ROLE_LEVEL.items():
        assert level in ROLE_LEVELS[role], role
    assert ROLE_LEVELS[Role.MACHINE_CLIENT] == {"city", "district", "subdistrict"}
    assert not level_allowed(Role.MACHINE_CLIENT, "community")
    assert not level_allowed(Role.MACHINE_CLIENT, "grid")


@pytest.mark.parametrize(
    ("actor", "area"),
    [
        ("admin", "city"),
        ("admin", "district2"),
        ("admin", "subdistrict2"),
        ("district_officer", "district"),
        ("district_officer", "subdistrict"),
        ("subdistrict_officer", "subdistrict"),
    ],
)
def test_officers_create_machine_clients_in_their_own_subtree(world, actor, area):
    machine = create_client(world, actor, area)
    assert list(machine.role_assignments.values_list("role", "area__code")) == [
        (Role.MACHINE_CLIENT, getattr(world, area).code)
    ]
    assert not machine.has_usable_password()  # tokens only
    assert machine.created_by == getattr(world, actor)
    row = AuditLog.objects.get(action="user.create", entity_id=str(machine.pk))
    assert row.area_code == getattr(world, area).code
    # the creator manages it: lists it, mints and revokes its tokens
    assert selectors.user_list(viewer=getattr(world, actor)).filter(pk=machine.pk).exists()
    token, _key = services.token_create(actor=getattr(world, actor), owner=machine, name="同步")
    assert selectors.token_list(viewer=getattr(world, actor), owner=machine).get() == token
    services.token_revoke(actor=getattr(world, actor), token=token)


@pytest.mark.parametrize(
    ("actor", "area", "refusal"),
    [
        # above or beside the officer's own area: "not found", like any area outside the subtree
        ("district_officer", "city", NotFound),
        ("district_officer", "district2", NotFound),
        ("district_officer", "subdistrict2", NotFound),
        ("subdistrict_officer", "district", NotFound),
        ("subdistrict_officer", "subdistrict2", NotFound),
        # a machine client serves a city, a district or a sub-district: not a community or a grid
        ("admin", "community", ValidationFailed),
        ("district_officer", "community", ValidationFailed),
        ("subdistrict_officer", "community_b", ValidationFailed),
        ("subdistrict_officer", "grid", ValidationFailed),
        # below a sub-district nobody creates one; roles that manage nobody have no area to create it in
        ("worker", "community", PermissionDenied),
        ("worker", "subdistrict", NotFound),
        ("grid_worker", "grid", NotFound),
        ("analyst", "district", NotFound),
        ("auditor", "district", NotFound),
        ("machine", "district", NotFound),
    ],
)
def test_machine_clients_elsewhere_are_refused_and_change_nothing(world, actor, area, refusal):
    before = state()
    with pytest.raises(refusal):
        create_client(world, actor, area)
    assert state() == before


def test_machine_client_role_is_offered_to_the_officers_who_may_grant_it(world):
    for actor in ("admin", "district_officer", "subdistrict_officer"):
        assert Role.MACHINE_CLIENT in grantable_roles(viewer_scope(getattr(world, actor))), actor
    for actor in ("worker", "grid_worker", "analyst", "auditor", "resident_user", "machine"):
        assert Role.MACHINE_CLIENT not in grantable_roles(viewer_scope(getattr(world, actor))), actor


def test_a_subdistrict_officer_does_not_manage_the_districts_client(world):
    machine = create_client(world, "district_officer", "district")
    token, _key = services.token_create(actor=world.district_officer, owner=machine, name="区级同步")
    before = state()
    with pytest.raises(NotFound):
        selectors.token_list(viewer=world.subdistrict_officer, owner=machine)
    with pytest.raises(NotFound):
        selectors.token_get(viewer=world.subdistrict_officer, pk=token.pk)
    with pytest.raises(PermissionDenied):
        services.token_create(actor=world.subdistrict_officer, owner=machine, name="越级")
    with pytest.raises(PermissionDenied):
        services.user_set_active(actor=world.subdistrict_officer, user=machine, active=False)
    assert state() == before


def test_subdistrict_client_token_sees_its_subdistrict_only_and_masked(world):
    machine = create_client(world, "subdistrict_officer", "subdistrict")
    _token, key = services.token_create(actor=world.subdistrict_officer, owner=machine, name="街道同步")
    client = Client()
    listed = client.get("/api/v1/registry/residents", **bearer(key))
    assert listed.status_code == 200
    results = listed.json()["results"]
    assert {r["id"] for r in results} == {world.wang.pk, world.li.pk}
    assert all("*" in r["id_number"] and "*" in r["phone"] for r in results)
    assert world.wang.id_number not in listed.content.decode()
    outside = client.get(f"/api/v1/registry/residents/{world.zhao.pk}", **bearer(key))
    assert outside.status_code == 404 and outside.json()["code"] == "not_found"
    # unmasking needs a permission the client does not have
    refused = client.post(f"/api/v1/registry/residents/{world.wang.pk}/unmask", json.dumps({"reason": "核对身份信息"}),
                          content_type="application/json", **bearer(key))
    assert refused.status_code == 403


def test_district_officer_creates_a_client_and_its_token_through_the_api(world):
    session = Client()
    session.force_login(world.district_officer)
    created = session.post(
        "/api/v1/accounts/users",
        json.dumps({"username": "lx_exchange", "role": Role.MACHINE_CLIENT, "area_code": world.district.code}),
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    user_id = created.json()["id"]
    assert created.json()["roles"][0]["area_code"] == world.district.code
    minted = session.post(
        "/api/v1/accounts/tokens", json.dumps({"name": "数据交换", "user_id": user_id}), content_type="application/json"
    )
    assert minted.status_code == 201
    key = minted.json()["key"]
    results = Client().get("/api/v1/registry/residents", **bearer(key)).json()["results"]
    assert {r["id"] for r in results} == {world.wang.pk, world.li.pk}
    # above its district, the same request is refused in the one error shape, and nothing is created
    before = state()
    refused = session.post(
        "/api/v1/accounts/users",
        json.dumps({"username": "city_exchange", "role": Role.MACHINE_CLIENT, "area_code": world.city.code}),
        content_type="application/json",
    )
    assert refused.status_code == 404 and set(refused.json()) == {"code", "message", "details"}
    assert state() == before


def test_user_pages_offer_machine_clients_to_officers_and_mint_their_tokens(world):
    page = Client()
    page.force_login(world.subdistrict_officer)
    form = page.get("/accounts/users/new/")
    assert form.status_code == 200
    assert f'value="{Role.MACHINE_CLIENT}"' in form.content.decode()
    response = page.post(
        "/accounts/users/new/",
        {"username": "ss_exchange", "password": "", "role": Role.MACHINE_CLIENT, "area": world.subdistrict.code},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    machine = User.objects.get(username="ss_exchange")
    assert not machine.has_usable_password()
    detail = page.get(f"/accounts/users/{machine.pk}/").content.decode()
    assert f'action="/accounts/users/{machine.pk}/tokens/"' in detail  # the form that mints its tokens
    minted = page.post(f"/accounts/users/{machine.pk}/tokens/", {"token_name": "街道数据交换"})
    assert minted.status_code == 201
    assert ApiToken.objects.filter(user=machine, name="街道数据交换").count() == 1

    # a community worker is not offered the role, and posting it anyway changes nothing
    worker = Client()
    worker.force_login(world.worker)
    assert f'value="{Role.MACHINE_CLIENT}"' not in worker.get("/accounts/users/new/").content.decode()
    before = state()
    refused = worker.post(
        "/accounts/users/new/",
        {"username": "cw_exchange", "password": "", "role": Role.MACHINE_CLIENT, "area": world.community.code},
    )
    assert refused.status_code == 422
    assert state() == before
