"""Reads of accounts, cut to the viewer's subtree: users outside it answer "not found"."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from shequ.accounts.models import ApiToken, RoleAssignment, User
from shequ.accounts.policies import can_manage_user, grant_roots, is_city_admin
from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area, AreaTagCount
from shequ.core.errors import NotFound, PermissionDenied
from shequ.core.roles import Perm, Role


def _visible_users_q(viewer: Any) -> Q:
    scope = viewer_scope(viewer)
    if scope.is_superuser:
        return Q()
    in_subtree = RoleAssignment.objects.filter(scope.q(Perm.USERS_MANAGE, "area__code")).values("user_id")
    query = Q(pk__in=in_subtree)
    if scope.user_id is not None and scope.has(Perm.USERS_MANAGE):
        query |= Q(created_by_id=scope.user_id)
    if is_city_admin(scope):
        query |= ~Q(pk__in=RoleAssignment.objects.values("user_id"))
    return query & Q(is_superuser=False)


def _with_roles(qs: QuerySet[User]) -> QuerySet[User]:
    return qs.prefetch_related(
        Prefetch("role_assignments", queryset=RoleAssignment.objects.select_related("area").order_by("area__code"))
    )


def user_list(
    *, viewer: Any, q: str = "", role: str = "", area_code: str = "", active: bool | None = None
) -> QuerySet[User]:
    """Users bound somewhere inside the viewer's subtree (plus accounts the viewer created)."""
    scope = viewer_scope(viewer)
    if not scope.has(Perm.USERS_MANAGE):
        raise PermissionDenied()
    qs = User.objects.filter(_visible_users_q(viewer))
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    if role or area_code:
        rows = RoleAssignment.objects.all()
        if role:
            rows = rows.filter(role=role)
        if area_code:
            rows = rows.filter(area__code__startswith=area_code)
        qs = qs.filter(pk__in=rows.values("user_id"))
    if active is not None:
        qs = qs.filter(is_active=active)
    return _with_roles(qs).select_related("resident").order_by("username")


def user_get(*, viewer: Any, pk: int) -> User:
    if not viewer_scope(viewer).has(Perm.USERS_MANAGE):
        raise NotFound()
    user = _with_roles(User.objects.filter(_visible_users_q(viewer), pk=pk)).select_related("resident").first()
    if user is None:
        raise NotFound()
    return user


def role_assignment_get(*, user: User, pk: int) -> RoleAssignment:
    """One of the role assignments of `user` (fetched with user_get); any other answers "not found"."""
    assignment = RoleAssignment.objects.filter(pk=pk, user=user).select_related("area").first()
    if assignment is None:
        raise NotFound()
    return assignment


def user_manageable(*, viewer: Any, user: User) -> bool:
    rows = [(ra.role, ra.area.code) for ra in user.role_assignments.all()]
    return can_manage_user(viewer, user, rows)


def grantable_areas(*, viewer: Any, limit: int = 300) -> list[Area]:
    """Areas under which the viewer may bind users (for form suggestions; the service re-checks)."""
    roots = grant_roots(viewer_scope(viewer))
    if not roots:
        return []
    query = Q(pk__in=[])
    for code in roots:
        query |= Q(code__startswith=code)
    return list(Area.objects.filter(query).order_by("code")[:limit])


def token_list(*, viewer: Any, owner: User | None = None) -> QuerySet[ApiToken]:
    """The viewer's own tokens, or those of a user the viewer manages."""
    scope = viewer_scope(viewer)
    if owner is None or owner.pk == scope.user_id:
        if scope.user_id is None:
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user_id=scope.user_id).select_related("user").order_by("-created_at")
    if not user_manageable(viewer=viewer, user=owner):
        raise NotFound()
    return ApiToken.objects.filter(user=owner).select_related("user").order_by("-created_at")


def token_get(*, viewer: Any, pk: int) -> ApiToken:
    token = ApiToken.objects.select_related("user").filter(pk=pk).first()
    if token is None:
        raise NotFound()
    if token.user_id == viewer_scope(viewer).user_id:
        return token
    if not viewer_scope(viewer).has(Perm.USERS_MANAGE):
        raise NotFound()
    owner = User.objects.filter(_visible_users_q(viewer), pk=token.user_id).first()
    if owner is None or not user_manageable(viewer=viewer, user=owner):
        raise NotFound()
    return token


# --- the landing page -----------------------------------------------------------------------------


@dataclass
class AreaCard:
    area: Area
    children: list[Area] = field(default_factory=list)
    tag_counts: list[AreaTagCount] = field(default_factory=list)


@dataclass
class Dashboard:
    kind: str  # "officer" (district and above), "worker" (community or grid), "empty"
    cards: list[AreaCard]
    can_search: bool
    can_manage_users: bool
    can_audit: bool
    can_import: bool
    roles: list[tuple[str, str]]


def dashboard(*, viewer: Any) -> Dashboard:
    """The areas the viewer works on, with their subtree counts (AreaStats: no recursion at read time)."""
    from shequ.registry.selectors import tag_list

    scope = viewer_scope(viewer)
    if scope.is_superuser:
        codes = list(Area.objects.filter(parent__isnull=True).values_list("code", flat=True))
    else:
        codes = scope.codes_for(Perm.REGISTRY_VIEW)
    areas = list(Area.objects.filter(code__in=codes).select_related("stats").order_by("code"))
    children: dict[int, list[Area]] = {}
    for child in Area.objects.filter(parent__in=areas).select_related("stats").order_by("code"):
        if child.parent_id is not None:  # always, as it is a child
            children.setdefault(child.parent_id, []).append(child)
    tag_counts: dict[int, list[AreaTagCount]] = {}
    if areas:
        visible_tags = tag_list(viewer=viewer)
        rows = (
            AreaTagCount.objects.filter(area__in=areas, tag__in=visible_tags, residents__gt=0)
            .select_related("tag")
            .order_by("tag__code")
        )
        for row in rows:
            tag_counts.setdefault(row.area_id, []).append(row)
    cards = [AreaCard(a, children.get(a.pk, []), tag_counts.get(a.pk, [])) for a in areas]
    if not areas:
        kind = "empty"
    elif all(len(a.code) >= 12 for a in areas):
        kind = "worker"
    else:
        kind = "officer"
    role_names = dict(Role.choices)
    area_names = dict(
        Area.objects.filter(code__in={c for _r, c in scope.assignments}).values_list("code", "name")
    )
    return Dashboard(
        kind=kind,
        cards=cards,
        can_search=scope.has(Perm.REGISTRY_VIEW),
        can_manage_users=scope.has(Perm.USERS_MANAGE),
        can_audit=scope.has(Perm.AUDIT_VIEW),
        can_import=scope.has(Perm.REGISTRY_IMPORT),
        roles=[(str(role_names.get(r, r)), area_names.get(c, c)) for r, c in scope.assignments],
    )
