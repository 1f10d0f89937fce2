"""What a viewer may see and do: permissions per area, and the query filters that follow.

Area codes are hierarchical (NBS: 4313 ⊃ 431302 ⊃ 431302001 ⊃ 431302001001 ⊃ grid +3 digits),
so a subtree is a code prefix; facts carry the code of their deepest area (DHIS2-style), and
scoping is an indexed prefix match, never a recursive query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db.models import Q

from shequ.core.roles import ROLE_PERMS, ROLE_RANK, Perm, Role


@dataclass
class ViewerScope:
    user_id: int | None
    assignments: list[tuple[str, str]] = field(default_factory=list)  # (role, area code)
    resident_id: int | None = None  # the resident a resident user is (its household is read when first asked)
    work_lines: list[str] = field(default_factory=list)
    is_superuser: bool = False

    @cached_property
    def resident_household_id(self) -> int | None:
        """The household of a resident user; read once, on first use (most requests never need it)."""
        if not self.resident_id or not any(role == Role.RESIDENT for role, _ in self.assignments):
            return None
        from shequ.registry.models import Resident

        return Resident.objects.filter(pk=self.resident_id).values_list("household_id", flat=True).first()

    @property
    def roles(self) -> set[str]:
        return {role for role, _ in self.assignments}

    def codes_for(self, perm: str) -> list[str]:
        if self.is_superuser:
            return [""]
        codes = {code for role, code in self.assignments if perm in ROLE_PERMS.get(role, ())}
        return minimal_prefixes(codes)

    def has(self, perm: str, area_code: str | None = None) -> bool:
        codes = self.codes_for(perm)
        if area_code is None:
            return bool(codes)
        return any(area_code.startswith(c) for c in codes)

    def q(self, perm: str, field_name: str = "area_code") -> Q:
        """A filter for rows whose `field_name` lies inside the subtrees where `perm` is granted."""
        codes = self.codes_for(perm)
        if not codes:
            return Q(pk__in=[])
        if "" in codes:
            return Q()
        query = Q()
        for code in codes:
            query |= Q(**{f"{field_name}__startswith": code})
        return query

    def top_rank(self) -> int:
        if self.is_superuser:
            return 100
        return max((ROLE_RANK.get(role, 0) for role in self.roles), default=-1)

    @property
    def home_codes(self) -> list[str]:
        return minimal_prefixes({code for _, code in self.assignments})

    @property
    def sees_all_lines(self) -> bool:
        return self.is_superuser or not self.work_lines or Role.CITY_ADMIN in self.roles


def minimal_prefixes(codes: set[str]) -> list[str]:
    """Drop codes already covered by a shorter code in the set."""
    result: list[str] = []
    for code in sorted(codes, key=len):
        if not any(code.startswith(kept) for kept in result):
            result.append(code)
    return sorted(result)


def viewer_scope(user: Any) -> ViewerScope:
    """Cached on the user object for the length of a request."""
    cached = getattr(user, "_shequ_scope", None)
    if cached is not None:
        return cached
    if user is None or not getattr(user, "is_authenticated", False):
        scope = ViewerScope(user_id=None)
        if user is not None:
            user._shequ_scope = scope
        return scope
    return prime_scope(user, list(user.role_assignments.values_list("role", "area__code")))


def prime_scope(user: Any, assignments: list[tuple[str, str]]) -> ViewerScope:
    """The scope of `user` from its (role, area code) assignments, read by the caller (token authentication
    reads them with the token)."""
    scope = ViewerScope(
        user_id=user.pk,
        assignments=assignments,
        resident_id=user.resident_id,
        work_lines=list(user.work_lines or []),
        is_superuser=user.is_superuser,
    )
    user._shequ_scope = scope
    return scope


def require(user: Any, perm: str, area_code: str | None = None) -> ViewerScope:
    from shequ.core.errors import PermissionDenied

    scope = viewer_scope(user)
    if not scope.has(perm, area_code):
        raise PermissionDenied()
    return scope


__all__ = ["Perm", "ViewerScope", "minimal_prefixes", "prime_scope", "require", "viewer_scope"]
