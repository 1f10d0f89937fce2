from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from shequ.accounts.scope import viewer_scope

router = Router(tags=["accounts"])


class RoleOut(Schema):
    role: str
    area_code: str


class MeOut(Schema):
    username: str
    display_name: str
    roles: list[RoleOut]


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> MeOut:
    scope = viewer_scope(request.user)
    return MeOut(
        username=request.user.get_username(),
        display_name=getattr(request.user, "display_name", ""),
        roles=[RoleOut(role=r, area_code=c) for r, c in scope.assignments],
    )
