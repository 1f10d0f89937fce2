"""Officers manage users below them, inside their subtree, at the right area level — and a refusal
changes nothing (DESIGN.md §2; issue 2 item 5)."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.accounts import selectors, services
from shequ.accounts.models import RoleAssignment, User
from shequ.core.audit_selectors import masked_changes
from shequ.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied, ValidationFailed
from shequ.core.models import AuditLog
from shequ.core.roles import Role
from shequ.core.testing.factories import make_user

PASSWORD = "new-pass-2024"


def state() -> tuple[Any, ...]:
    """Everything a user-management write could touch."""
    return (
        sorted(User.objects.values_list("pk", "username", "is_active", "display_name", "phone", "password")),
        sorted(RoleAssignment.objects.values_list("user_id", "role", "area_id")),
        AuditLog.objects.count(),
    )


def create(world: Any, actor: str, role: str, area: str, **extra: Any) -> User:
    return services.user_create(
        actor=getattr(world, actor),
        username=f"new_{actor}_{role}_{area}",
        password=PASSWORD,
        role=role,
        area=getattr(world, area),
        display_name="新用户",
        **extra,
    )


# (actor, role, area attribute on `world`, resident attribute for resident accounts)
ALLOWED = [
    ("admin", Role.CITY_ADMIN, "city", None),
    ("admin", Role.CITY_ANALYST, "city", None),
    ("admin", Role.DISTRICT_OFFICER, "district2", None),
    ("admin", Role.SUBDISTRICT_OFFICER, "subdistrict2", None),
    ("admin", Role.COMMUNITY_WORKER, "community2", None),
    ("admin", Role.GRID_WORKER, "grid", None),
    ("admin", Role.RESIDENT, "community2", "zhao"),
    ("admin", Role.AUDITOR, "city", None),
    ("admin", Role.MACHINE_CLIENT, "city", None),
    ("district_officer", Role.SUBDISTRICT_OFFICER, "subdistrict", None),
    ("district_officer", Role.COMMUNITY_WORKER, "community_b", None),
    ("district_officer", Role.GRID_WORKER, "grid2", None),
    ("district_officer", Role.RESIDENT, "community", "wang"),
    ("district_officer", Role.AUDITOR, "district", None),
    ("district_officer", Role.AUDITOR, "subdistrict", None),
    ("subdistrict_officer", Role.COMMUNITY_WORKER, "community", None),
    ("subdistrict_officer", Role.COMMUNITY_WORKER, "community_b", None),
    ("subdistrict_officer", Role.GRID_WORKER, "grid", None),
    ("subdistrict_officer", Role.RESIDENT, "community", "wang"),
    ("worker", Role.GRID_WORKER, "grid2", None),
    ("worker", Role.RESIDENT, "community", "wang"),
    ("outsider", Role.RESIDENT, "community2", "zhao"),
]


@pytest.mark.parametrize(("actor", "role", "area", "resident"), ALLOWED)
def test_officer_creates_user_below_it(world, actor, role, area, resident):
    extra = {"resident_id_number": getattr(world, resident).id_number} if resident else {}
    user = create(world, actor, role, area, **extra)
    assert list(user.role_assignments.values_list("role", "area__code")) == [(role, getattr(world, area).code)]
    assert user.check_password(PASSWORD)
    assert user.created_by == getattr(world, actor)
    if resident:
        assert user.resident == getattr(world, resident)
    row = AuditLog.objects.get(action="user.create", entity_id=str(user.pk))
    assert row.area_code == getattr(world, area).code
    assert row.actor == getattr(world, actor)
    assert "password" not in row.changes
    # and the new user is listed for its creator
    assert selectors.user_list(viewer=getattr(world, actor)).filter(pk=user.pk).exists()


# Equal or higher rank, a role not on the actor's list, or an actor that manages nobody: refused.
REFUSED_RANK = [
    ("district_officer", Role.DISTRICT_OFFICER, "district"),
    ("subdistrict_officer", Role.SUBDISTRICT_OFFICER, "subdistrict"),
    ("subdistrict_officer", Role.AUDITOR, "subdistrict"),
    ("worker", Role.COMMUNITY_WORKER, "community"),
    ("worker", Role.AUDITOR, "community"),
    ("grid_worker", Role.GRID_WORKER, "grid"),
    ("grid_worker", Role.RESIDENT, "community"),
    ("analyst", Role.GRID_WORKER, "grid"),
    ("analyst", Role.CITY_ANALYST, "city"),
    ("auditor", Role.AUDITOR, "district"),
    ("auditor", Role.GRID_WORKER, "grid"),
    ("resident_user", Role.RESIDENT, "community"),
]

# Inside the actor's rank, but outside its subtree.
REFUSED_OUTSIDE = [
    ("district_officer", Role.CITY_ADMIN, "city"),
    ("district_officer", Role.SUBDISTRICT_OFFICER, "subdistrict2"),
    ("district_officer", Role.COMMUNITY_WORKER, "community2"),
    ("subdistrict_officer", Role.DISTRICT_OFFICER, "district"),
    ("subdistrict_officer", Role.COMMUNITY_WORKER, "community2"),
    ("worker", Role.SUBDISTRICT_OFFICER, "subdistrict"),
    ("worker", Role.GRID_WORKER, "community_b"),
    ("worker", Role.RESIDENT, "community_b"),
    ("outsider", Role.GRID_WORKER, "grid"),
]

# The role's area level must match: grid workers on grids, community workers and residents on communities…
REFUSED_LEVEL = [
    ("admin", Role.DISTRICT_OFFICER, "city"),
    ("admin", Role.CITY_ADMIN, "district"),
    ("admin", Role.COMMUNITY_WORKER, "grid"),
    ("admin", Role.AUDITOR, "community"),
    ("district_officer", Role.GRID_WORKER, "community"),
    ("district_officer", Role.SUBDISTRICT_OFFICER, "district"),
    ("subdistrict_officer", Role.COMMUNITY_WORKER, "subdistrict"),
    ("subdistrict_officer", Role.GRID_WORKER, "community"),
    ("worker", Role.GRID_WORKER, "community"),
    ("worker", Role.RESIDENT, "grid"),
]


@pytest.mark.parametrize(("actor", "role", "area"), REFUSED_RANK)
def test_equal_or_higher_rank_is_refused_and_changes_nothing(world, actor, role, area):
    before = state()
    with pytest.raises((PermissionDenied, NotFound)):
        create(world, actor, role, area)
    assert state() == before


@pytest.mark.parametrize(("actor", "role", "area"), REFUSED_OUTSIDE)
def test_area_outside_subtree_answers_not_found_and_changes_nothing(world, actor, role, area):
    before = state()
    with pytest.raises(NotFound):
        create(world, actor, role, area)
    assert state() == before


@pytest.mark.parametrize(("actor", "role", "area"), REFUSED_LEVEL)
def test_role_area_level_mismatch_is_refused_and_changes_nothing(world, actor, role, area):
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        create(world, actor, role, area)
    assert "area" in exc.value.details
    assert state() == before


def test_unknown_role_and_missing_area_are_refused(world):
    before = state()
    with pytest.raises(ValidationFailed):
        services.user_create(actor=world.admin, username="x1", password=PASSWORD, role="emperor", area=world.city)
    with pytest.raises(NotFound):
        services.user_create(actor=world.admin, username="x2", password=PASSWORD, role=Role.GRID_WORKER, area="999")
    assert state() == before


def test_bad_username_password_phone_work_line_change_nothing(world):
    before = state()
    cases = [
        {"username": "community_worker"},  # taken
        {"username": ""},
        {"password": "short"},
        {"phone": "12345"},
        {"work_lines": ["astrology"]},
    ]
    for case in cases:
        kwargs = {"username": "fresh", "password": PASSWORD, "phone": "", "work_lines": [], **case}
        with pytest.raises(ValidationFailed):
            services.user_create(actor=world.worker, role=Role.GRID_WORKER, area=world.grid, **kwargs)
    assert state() == before


def test_resident_account_needs_a_resident_inside_the_community(world):
    before = state()
    for number in ("", "123", world.zhao.id_number):  # missing, malformed, outside the worker's scope
        with pytest.raises(ValidationFailed) as exc:
            create(world, "worker", Role.RESIDENT, "community", resident_id_number=number)
        assert "resident_id_number" in exc.value.details
        assert "赵强" not in str(exc.value.message)
    # wang lives in 长青社区, not 花园社区: a resident account there cannot link him
    with pytest.raises(ValidationFailed):
        create(world, "subdistrict_officer", Role.RESIDENT, "community_b", resident_id_number=world.wang.id_number)
    # li already has an account
    with pytest.raises(Conflict):
        create(world, "worker", Role.RESIDENT, "community", resident_id_number=world.li.id_number)
    assert state() == before


def test_users_outside_the_subtree_are_not_found(world):
    visible = set(selectors.user_list(viewer=world.subdistrict_officer).values_list("username", flat=True))
    assert visible == {"subdistrict_officer", "community_worker", "grid_worker", "resident"}
    for hidden in (world.admin, world.district_officer, world.outsider, world.auditor, world.analyst):
        with pytest.raises(NotFound):
            selectors.user_get(viewer=world.subdistrict_officer, pk=hidden.pk)
    assert set(selectors.user_list(viewer=world.outsider).values_list("username", flat=True)) == {"other_worker"}
    with pytest.raises(PermissionDenied):
        selectors.user_list(viewer=world.grid_worker)
    with pytest.raises(NotFound):
        selectors.user_get(viewer=world.grid_worker, pk=world.resident_user.pk)


MANAGE = [
    ("admin", "district_officer", True),
    ("admin", "auditor", True),
    ("district_officer", "subdistrict_officer", True),
    ("district_officer", "auditor", True),
    ("district_officer", "grid_worker", True),
    ("subdistrict_officer", "worker", True),
    ("subdistrict_officer", "resident_user", True),
    ("worker", "grid_worker", True),
    ("worker", "resident_user", True),
    ("subdistrict_officer", "subdistrict_officer", False),  # itself
    ("worker", "worker", False),
    ("district_officer", "admin", False),
    ("worker", "subdistrict_officer", False),
    ("grid_worker", "resident_user", False),
    ("outsider", "grid_worker", False),
    ("analyst", "worker", False),
]


@pytest.mark.parametrize(("actor", "target", "allowed"), MANAGE)
def test_edit_deactivate_and_reset_only_below(world, actor, target, allowed):
    actor_user, target_user = getattr(world, actor), getattr(world, target)
    ops = [
        lambda: services.user_update(actor=actor_user, user=target_user, display_name="改名", phone="13912345678"),
        lambda: services.user_password_reset(actor=actor_user, user=target_user, password=PASSWORD),
        lambda: services.user_set_active(actor=actor_user, user=target_user, active=False),
    ]
    if not allowed:
        before = state()
        for op in ops:
            with pytest.raises(ApplicationError):
                op()
        assert state() == before
        return
    for op in ops:
        op()
    target_user.refresh_from_db()
    assert (target_user.display_name, target_user.phone, target_user.is_active) == ("改名", "13912345678", False)
    assert target_user.check_password(PASSWORD)
    actions = set(
        AuditLog.objects.filter(entity_type="user", entity_id=str(target_user.pk)).values_list("action", flat=True)
    )
    assert actions == {"user.update", "user.password_reset", "user.deactivate"}


def test_peer_is_visible_but_not_manageable(world):
    peer = make_user("peer_officer", Role.SUBDISTRICT_OFFICER, world.subdistrict)
    assert selectors.user_get(viewer=world.subdistrict_officer, pk=peer.pk) == peer
    before = state()
    with pytest.raises(PermissionDenied):
        services.user_set_active(actor=world.subdistrict_officer, user=peer, active=False)
    assert state() == before


def test_role_add_and_remove(world):
    grid_worker = world.grid_worker
    services.user_role_add(actor=world.worker, user=grid_worker, role=Role.GRID_WORKER, area=world.grid2)
    assert set(grid_worker.role_assignments.values_list("area__code", flat=True)) == {world.grid.code, world.grid2.code}
    before = state()
    with pytest.raises(Conflict):
        services.user_role_add(actor=world.worker, user=grid_worker, role=Role.GRID_WORKER, area=world.grid2)
    with pytest.raises(PermissionDenied):  # a community worker cannot make a peer
        services.user_role_add(actor=world.worker, user=grid_worker, role=Role.COMMUNITY_WORKER, area=world.community)
    with pytest.raises(ValidationFailed):
        services.user_role_add(actor=world.worker, user=grid_worker, role=Role.GRID_WORKER, area=world.community)
    assert state() == before
    assignment = grid_worker.role_assignments.get(area=world.grid2)
    services.user_role_remove(actor=world.worker, user=grid_worker, assignment=assignment)
    assert list(grid_worker.role_assignments.values_list("area__code", flat=True)) == [world.grid.code]
    assert AuditLog.objects.filter(action="user.role_remove", area_code=world.grid2.code).exists()


def test_a_user_with_a_role_above_the_actor_cannot_be_changed_by_it(world):
    """A grid worker who also holds a sub-district role is not "below" a community worker."""
    services.user_role_add(
        actor=world.district_officer, user=world.grid_worker, role=Role.SUBDISTRICT_OFFICER, area=world.subdistrict
    )
    before = state()
    assignment = world.grid_worker.role_assignments.get(role=Role.GRID_WORKER)
    with pytest.raises(PermissionDenied):
        services.user_role_remove(actor=world.worker, user=world.grid_worker, assignment=assignment)
    with pytest.raises(PermissionDenied):
        services.user_password_reset(actor=world.worker, user=world.grid_worker, password=PASSWORD)
    assert state() == before


def test_user_audit_rows_mask_the_phone(world):
    user = services.user_create(
        actor=world.worker,
        username="gw2",
        password=PASSWORD,
        role=Role.GRID_WORKER,
        area=world.grid2,
        phone="13987654321",
    )
    row = AuditLog.objects.get(action="user.create", entity_id=str(user.pk))
    assert row.changes["phone"] == [None, "13987654321"]  # stored as written, shown masked
    assert masked_changes(row.changes)["phone"] == [None, "139****4321"]


def test_own_password_change(world):
    with pytest.raises(ValidationFailed):
        services.password_change(actor=world.worker, old_password="wrong", new_password=PASSWORD)
    services.password_change(actor=world.worker, old_password="shequ-demo", new_password=PASSWORD)
    world.worker.refresh_from_db()
    assert world.worker.check_password(PASSWORD)
    assert AuditLog.objects.filter(action="user.password_change", entity_id=str(world.worker.pk)).exists()
