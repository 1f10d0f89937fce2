"""Who may manage which accounts: officers manage users below them, inside their own subtree.

The rule, per assignment of the actor:
- the target role is one the actor's role may create (MANAGEABLE_ROLES; never equal or higher rank,
  except that the city bureau administrator creates anyone);
- the target area lies inside the actor's assigned area (code prefix);
- the target area's level is one the role is bound to (core.roles.ROLE_LEVEL, see ROLE_LEVELS).
"""

from __future__ import annotations

from typing import Any

from shequ.accounts.scope import ViewerScope, viewer_scope
from shequ.core.roles import ROLE_LEVEL, ROLE_RANK, Role

_ALL_ROLES = frozenset(Role.values)

# Which roles each role may create and manage. Everything else manages nobody.
MANAGEABLE_ROLES: dict[str, frozenset[str]] = {
    Role.CITY_ADMIN: _ALL_ROLES,
    Role.DISTRICT_OFFICER: frozenset(
        {Role.SUBDISTRICT_OFFICER, Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.RESIDENT, Role.AUDITOR,
         Role.MACHINE_CLIENT}
    ),
    Role.SUBDISTRICT_OFFICER: frozenset(
        {Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.RESIDENT, Role.MACHINE_CLIENT}
    ),
    Role.COMMUNITY_WORKER: frozenset({Role.GRID_WORKER, Role.RESIDENT}),
}

# The area levels a role may be bound to: ROLE_LEVEL, except that auditors read the logs of any
# subtree down to a sub-district (a district officer appoints the auditors of its district), and a
# machine client serves the integration of a city, a district or a sub-district (the officer of that
# area creates it, and it sees that subtree only, like a user).
ROLE_LEVELS: dict[str, frozenset[str]] = {role: frozenset({level}) for role, level in ROLE_LEVEL.items()}
ROLE_LEVELS[Role.AUDITOR] = frozenset({"city", "district", "subdistrict"})
ROLE_LEVELS[Role.MACHINE_CLIENT] = frozenset({"city", "district", "subdistrict"})


def manageable_roles(role: str) -> frozenset[str]:
    """Roles `role` may create: its list, and never a rank equal or higher (the city admin excepted)."""
    allowed = MANAGEABLE_ROLES.get(role, frozenset())
    if role == Role.CITY_ADMIN:
        return allowed
    rank = ROLE_RANK.get(role, 0)
    return frozenset(r for r in allowed if ROLE_RANK.get(r, 0) < rank)


def level_allowed(role: str, level: str) -> bool:
    return level in ROLE_LEVELS.get(role, frozenset())


def can_grant(scope: ViewerScope, role: str, area_code: str) -> bool:
    """May the viewer bind `role` at the area `area_code` (area level checked separately)?"""
    if role not in _ALL_ROLES:
        return False
    if scope.is_superuser:
        return True
    return any(
        role in manageable_roles(own_role) and area_code.startswith(own_code)
        for own_role, own_code in scope.assignments
    )


def grantable_roles(scope: ViewerScope) -> list[str]:
    """Every role the viewer may grant somewhere (for forms)."""
    if scope.is_superuser:
        return list(Role.values)
    roles: set[str] = set()
    for own_role, _code in scope.assignments:
        roles |= manageable_roles(own_role)
    return [r for r in Role.values if r in roles]


def grant_roots(scope: ViewerScope) -> list[str]:
    """Area codes under which the viewer may grant at least one role."""
    if scope.is_superuser:
        return [""]
    from shequ.accounts.scope import minimal_prefixes

    return minimal_prefixes({code for role, code in scope.assignments if manageable_roles(role)})


def is_city_admin(scope: ViewerScope) -> bool:
    return scope.is_superuser or Role.CITY_ADMIN in scope.roles


def can_manage_user(actor: Any, target: Any, assignments: list[tuple[str, str]] | None = None) -> bool:
    """An existing user is below the actor when every one of its assignments is one the actor may grant.

    A user without any assignment belongs to whoever created it, and to the city administrators.
    Nobody manages their own account here (the password page is for that).
    """
    scope = viewer_scope(actor)
    if target.pk == scope.user_id:
        return False
    if getattr(target, "is_superuser", False) and not scope.is_superuser:
        return False
    rows = assignments if assignments is not None else list(target.role_assignments.values_list("role", "area__code"))
    if not rows:
        return is_city_admin(scope) or (
            target.created_by_id is not None and target.created_by_id == scope.user_id and bool(grantable_roles(scope))
        )
    return all(can_grant(scope, role, code) for role, code in rows)
