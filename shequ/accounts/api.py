"""/api/v1/accounts: who am I, users below me, and API tokens (the key is shown once)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.security import APIKeyCookie

from shequ.accounts import selectors, services
from shequ.accounts.models import ApiToken, RoleAssignment, User
from shequ.accounts.scope import viewer_scope
from shequ.core.masking import mask_phone

router = Router(tags=["accounts"])
MAX_PAGE_SIZE = 200


class _SessionOnly(APIKeyCookie):
    """Tokens are managed from a logged-in session: a token cannot mint or revoke tokens."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.headers.get("Authorization"):
            return user
        return None


SESSION_ONLY = [_SessionOnly()]


class RoleOut(Schema):
    id: int | None = None
    role: str
    area_code: str
    area_name: str = ""


class MeOut(Schema):
    username: str
    display_name: str
    roles: list[RoleOut]


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    phone: str  # masked
    is_active: bool
    work_lines: list[str]
    roles: list[RoleOut]
    resident_id: int | None
    date_joined: dt.datetime
    last_login: dt.datetime | None


class UserPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[UserOut]


class UserIn(Schema):
    username: str
    password: str = ""
    role: str
    area_code: str
    display_name: str = ""
    phone: str = ""
    work_lines: list[str] = []
    resident_id_number: str = ""


class UserPatch(Schema):
    display_name: str | None = None
    phone: str | None = None
    work_lines: list[str] | None = None


class RoleIn(Schema):
    role: str
    area_code: str
    resident_id_number: str = ""


class PasswordIn(Schema):
    password: str


class UserFilters(Schema):
    q: str = ""
    role: str = ""
    area: str = ""
    active: bool | None = None
    page: int = 1
    page_size: int = 50


class TokenIn(Schema):
    name: str
    user_id: int | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    username: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreated(TokenOut):
    key: str


def _role_out(ra: RoleAssignment) -> RoleOut:
    return RoleOut(id=ra.pk, role=ra.role, area_code=ra.area.code, area_name=ra.area.name)


def _user_out(user: User) -> UserOut:
    return UserOut(
        id=user.pk,
        username=user.username,
        display_name=user.display_name,
        phone=mask_phone(user.phone),
        is_active=user.is_active,
        work_lines=list(user.work_lines or []),
        roles=[_role_out(ra) for ra in user.role_assignments.all()],
        resident_id=user.resident_id,
        date_joined=user.date_joined,
        last_login=user.last_login,
    )


def _token_out(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "username": token.user.username,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


def _reload(viewer: Any, user: User) -> User:
    return selectors.user_get(viewer=viewer, pk=user.pk)


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> MeOut:
    scope = viewer_scope(request.user)
    return MeOut(
        username=request.user.get_username(),
        display_name=getattr(request.user, "display_name", ""),
        roles=[RoleOut(role=r, area_code=c) for r, c in scope.assignments],
    )


@router.get("/users", response=UserPage, summary="Users in my subtree")
def list_users(request: HttpRequest, filters: Query[UserFilters]) -> UserPage:
    qs = selectors.user_list(
        viewer=request.user, q=filters.q, role=filters.role, area_code=filters.area, active=filters.active
    )
    size = max(1, min(filters.page_size, MAX_PAGE_SIZE))
    page = Paginator(qs, size).get_page(filters.page)
    return UserPage(
        count=page.paginator.count, page=page.number, page_size=size, results=[_user_out(u) for u in page]
    )


@router.post("/users", response={201: UserOut}, summary="Create a user below me")
def create_user(request: HttpRequest, payload: UserIn) -> tuple[int, UserOut]:
    user = services.user_create(
        actor=request.user,
        username=payload.username,
        password=payload.password,
        role=payload.role,
        area=payload.area_code,
        display_name=payload.display_name,
        phone=payload.phone,
        work_lines=payload.work_lines,
        resident_id_number=payload.resident_id_number,
    )
    return 201, _user_out(_reload(request.user, user))


@router.get("/users/{user_id}", response=UserOut)
def get_user(request: HttpRequest, user_id: int) -> UserOut:
    return _user_out(selectors.user_get(viewer=request.user, pk=user_id))


@router.patch("/users/{user_id}", response=UserOut)
def update_user(request: HttpRequest, user_id: int, payload: UserPatch) -> UserOut:
    user = selectors.user_get(viewer=request.user, pk=user_id)
    services.user_update(
        actor=request.user,
        user=user,
        display_name=payload.display_name,
        phone=payload.phone,
        work_lines=payload.work_lines,
    )
    return _user_out(_reload(request.user, user))


@router.post("/users/{user_id}/roles", response={201: UserOut}, summary="Add a role assignment")
def add_role(request: HttpRequest, user_id: int, payload: RoleIn) -> tuple[int, UserOut]:
    user = selectors.user_get(viewer=request.user, pk=user_id)
    services.user_role_add(
        actor=request.user,
        user=user,
        role=payload.role,
        area=payload.area_code,
        resident_id_number=payload.resident_id_number,
    )
    return 201, _user_out(_reload(request.user, user))


@router.delete("/users/{user_id}/roles/{assignment_id}", response=UserOut, summary="Remove a role assignment")
def remove_role(request: HttpRequest, user_id: int, assignment_id: int) -> UserOut:
    user = selectors.user_get(viewer=request.user, pk=user_id)
    assignment = selectors.role_assignment_get(user=user, pk=assignment_id)
    services.user_role_remove(actor=request.user, user=user, assignment=assignment)
    return _user_out(selectors.user_get(viewer=request.user, pk=user_id))


def _set_active(request: HttpRequest, user_id: int, active: bool) -> UserOut:
    user = selectors.user_get(viewer=request.user, pk=user_id)
    services.user_set_active(actor=request.user, user=user, active=active)
    return _user_out(_reload(request.user, user))


@router.post("/users/{user_id}/deactivate", response=UserOut)
def deactivate_user(request: HttpRequest, user_id: int) -> UserOut:
    return _set_active(request, user_id, False)


@router.post("/users/{user_id}/activate", response=UserOut)
def activate_user(request: HttpRequest, user_id: int) -> UserOut:
    return _set_active(request, user_id, True)


@router.post("/users/{user_id}/password", response={204: None}, summary="Set a new password for a user below me")
def reset_password(request: HttpRequest, user_id: int, payload: PasswordIn) -> tuple[int, None]:
    user = selectors.user_get(viewer=request.user, pk=user_id)
    services.user_password_reset(actor=request.user, user=user, password=payload.password)
    return 204, None


@router.get("/tokens", response=list[TokenOut], summary="My API tokens (or a managed machine client's)")
def list_tokens(request: HttpRequest, user_id: int | None = None) -> list[dict[str, Any]]:
    owner = selectors.user_get(viewer=request.user, pk=user_id) if user_id and user_id != request.user.pk else None
    return [_token_out(t) for t in selectors.token_list(viewer=request.user, owner=owner)]


@router.post("/tokens", response={201: TokenCreated}, auth=SESSION_ONLY, summary="Create a token (key shown once)")
def create_token(request: HttpRequest, payload: TokenIn) -> tuple[int, dict[str, Any]]:
    if payload.user_id and payload.user_id != request.user.pk:
        owner = selectors.user_get(viewer=request.user, pk=payload.user_id)
    else:
        owner = cast(User, request.user)  # the API's authentication lets no anonymous request through
    token, key = services.token_create(actor=request.user, owner=owner, name=payload.name)
    return 201, {**_token_out(token), "key": key}


@router.delete("/tokens/{token_id}", response=TokenOut, auth=SESSION_ONLY, summary="Revoke a token")
def revoke_token(request: HttpRequest, token_id: int) -> dict[str, Any]:
    token = selectors.token_get(viewer=request.user, pk=token_id)
    return _token_out(services.token_revoke(actor=request.user, token=token))
