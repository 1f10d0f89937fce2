"""The landing page per role, the password page, the user-management and token pages."""

from __future__ import annotations

import pytest
from django.test import Client

from shequ.accounts.models import ApiToken, RoleAssignment, User
from shequ.core.models import AuditLog
from shequ.core.roles import Role
from shequ.core.testing.clients import login


def test_login_page_and_login(world):
    client = Client()
    assert client.get("/login/").status_code == 200
    assert client.get("/").status_code == 302  # to the login page
    response = client.post("/login/", {"username": "community_worker", "password": "shequ-demo"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_officer_landing_shows_its_areas_counts_and_links(world):
    body = login(world.district_officer).get("/").content.decode()
    assert world.district.name in body and world.subdistrict.name in body
    assert world.district2.name not in body
    assert "/accounts/users/" in body  # manages users
    assert 'href="/audit/"' not in body.split("</nav>")[1]  # no audit link in the page body


def test_analyst_landing_is_city_wide_and_read_only(world):
    body = login(world.analyst).get("/").content.decode()
    assert world.city.name in body and world.district2.name in body
    assert "/accounts/users/" not in body.split("</nav>")[1]


def test_worker_landing_is_its_community_with_quick_search(world):
    response = login(world.worker).get("/")
    body = response.content.decode()
    assert response.context["dash"].kind == "worker"
    assert world.community.name in body and world.grid.name in body and world.grid2.name in body
    assert 'name="q"' in body and f'name="area" value="{world.community.code}"' in body
    assert world.community2.name not in body


def test_grid_worker_landing_is_its_grid(world):
    response = login(world.grid_worker).get("/")
    assert response.context["dash"].kind == "worker"
    assert [c.area for c in response.context["dash"].cards] == [world.grid]


def test_resident_lands_on_own_household(world):
    response = login(world.resident_user).get("/")
    assert response.status_code == 302
    assert response["Location"] == f"/registry/households/{world.household.pk}/"


def test_auditor_lands_on_the_audit_log(world):
    response = login(world.auditor).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/audit/"


def test_landing_page_query_count_does_not_grow_with_areas(world, django_assert_max_num_queries):
    client = login(world.admin)
    with django_assert_max_num_queries(12):
        assert client.get("/").status_code == 200


def test_password_change_page(world):
    client = login(world.worker)
    assert client.get("/accounts/password/").status_code == 200
    bad = client.post(
        "/accounts/password/", {"old_password": "nope", "new_password": "x-2024-abc", "new_password2": "x-2024-abc"}
    )
    assert bad.status_code == 422
    ok = client.post(
        "/accounts/password/",
        {"old_password": "shequ-demo", "new_password": "x-2024-abc", "new_password2": "x-2024-abc"},
    )
    assert ok.status_code == 302
    world.worker.refresh_from_db()
    assert world.worker.check_password("x-2024-abc")
    assert client.get("/").status_code == 200  # still logged in


def test_user_pages_create_edit_and_refuse(world):
    client = login(world.worker)
    listing = client.get("/accounts/users/").content.decode()
    assert "grid_worker" in listing and "other_worker" not in listing and "13" not in listing.split("<tbody>")[1][:0]
    form = client.get("/accounts/users/new/")
    assert form.status_code == 200
    assert [c[0] for c in form.context["form"].fields["role"].choices] == [Role.GRID_WORKER, Role.RESIDENT]
    created = client.post(
        "/accounts/users/new/",
        {
            "username": "gw_new",
            "password": "new-pass-2024",
            "role": Role.GRID_WORKER,
            "area": world.grid2.code,
            "phone": "13611112222",
            "work_lines": ["stability"],
        },
    )
    assert created.status_code == 302
    user = User.objects.get(username="gw_new")
    assert user.work_lines == ["stability"]
    detail = client.get(f"/accounts/users/{user.pk}/").content.decode()
    assert "136****2222" in detail and "13611112222" not in detail

    # refused: a peer role, a community outside, a level mismatch — nothing written
    before = (User.objects.count(), RoleAssignment.objects.count(), AuditLog.objects.count())
    for role, area in (
        (Role.COMMUNITY_WORKER, world.community.code),
        (Role.GRID_WORKER, world.community2.code),
        (Role.GRID_WORKER, world.community.code),
    ):
        response = client.post(
            "/accounts/users/new/", {"username": "nope", "password": "new-pass-2024", "role": role, "area": area}
        )
        assert response.status_code in (403, 404, 422)
    assert (User.objects.count(), RoleAssignment.objects.count(), AuditLog.objects.count()) == before

    # users outside the subtree are "not found"; a grid worker manages nobody
    assert client.get(f"/accounts/users/{world.outsider.pk}/").status_code == 404
    assert client.post(f"/accounts/users/{world.outsider.pk}/deactivate/").status_code == 404
    assert login(world.grid_worker).get("/accounts/users/").status_code == 403

    # deactivate, reset password, add a role, remove it
    assert client.post(f"/accounts/users/{user.pk}/deactivate/").status_code == 302
    assert client.post(f"/accounts/users/{user.pk}/password/", {"new_password": "another-2024"}).status_code == 302
    assert (
        client.post(
            f"/accounts/users/{user.pk}/roles/", {"role": Role.GRID_WORKER, "area": world.grid.code}
        ).status_code
        == 302
    )
    assignment = user.role_assignments.get(area=world.grid)
    assert client.post(f"/accounts/users/{user.pk}/roles/{assignment.pk}/remove/").status_code == 302
    user.refresh_from_db()
    assert not user.is_active and user.check_password("another-2024")
    assert list(user.role_assignments.values_list("area__code", flat=True)) == [world.grid2.code]


def test_token_page_shows_the_key_once(world):
    client = login(world.grid_worker)
    response = client.post("/accounts/tokens/", {"token_name": "手机"})
    assert response.status_code == 201
    key = response.context["new_key"]
    assert key in response.content.decode()
    assert response["Cache-Control"].startswith("no-cache") or "no-store" in response["Cache-Control"]
    again = client.get("/accounts/tokens/").content.decode()
    assert key not in again and key[:8] in again
    token = ApiToken.objects.get(user=world.grid_worker)
    assert login(world.outsider).post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_an_officer_revokes_the_token_of_a_user_it_manages(world):
    client = login(world.grid_worker)
    client.post("/accounts/tokens/", {"token_name": "丢失的手机"})
    token = ApiToken.objects.get(user=world.grid_worker)
    response = login(world.worker).post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == f"/accounts/users/{world.grid_worker.pk}/"
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.parametrize(
    "role",
    [
        "admin",
        "analyst",
        "district_officer",
        "subdistrict_officer",
        "worker",
        "grid_worker",
        "auditor",
        "resident_user",
        "outsider",
    ],
)
def test_every_account_page_answers_every_role_without_error(world, role):
    client = login(getattr(world, role))
    for url in (
        "/",
        "/accounts/password/",
        "/accounts/users/",
        "/accounts/users/new/",
        "/accounts/tokens/",
        f"/accounts/users/{world.grid_worker.pk}/",
        "/audit/",
        "/audit/?tab=writes",
    ):
        assert client.get(url).status_code in (200, 302, 403, 404), url


def test_user_list_query_count_does_not_grow_with_users(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shequ.core.testing.factories import make_user

    client = login(world.admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/accounts/users/").status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    for i in range(12):
        make_user(f"gw_extra_{i}", Role.GRID_WORKER, world.grid2)
    assert queries() == few
