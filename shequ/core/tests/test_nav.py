"""The top bar links to the import page for the roles that may import, and only for them."""

from __future__ import annotations

from django.urls import reverse

from shequ.core.testing.clients import login


def _home(user) -> str:
    response = login(user).get(reverse("home"), follow=True)  # an auditor is sent on to the audit log
    assert response.status_code == 200
    return response.content.decode()


def test_import_link_for_roles_with_the_import_permission(world):
    link = f'<a href="{reverse("imports:index")}">'
    for user in (world.admin, world.district_officer, world.subdistrict_officer, world.worker):
        assert link in _home(user), user.username
    for user in (world.analyst, world.grid_worker, world.auditor, world.resident_user):
        assert link not in _home(user), user.username
