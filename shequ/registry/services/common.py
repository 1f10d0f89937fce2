from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area, Level
from shequ.core.errors import NotFound, PermissionDenied, ValidationFailed
from shequ.core.roles import Perm


def require_change(actor: Any, area_code: str) -> None:
    """Writes outside the actor's subtree answer exactly like a missing record; inside a subtree the
    actor can see but whose role may not write there, the answer is 403 (it reveals nothing)."""
    scope = viewer_scope(actor)
    if scope.has(Perm.REGISTRY_CHANGE, area_code):
        return
    if scope.has(Perm.REGISTRY_VIEW, area_code):
        raise PermissionDenied()
    raise NotFound()


def resolve_community(community: Area | int | str) -> Area:
    if isinstance(community, Area):
        area = community
    else:
        lookup = {"code": community} if isinstance(community, str) else {"pk": community}
        found = Area.objects.filter(**lookup).first()
        if found is None:
            raise NotFound()
        area = found
    if area.level == Level.GRID:
        assert area.parent is not None
        return area.parent
    if area.level != Level.COMMUNITY:
        message = _("必须是社区（村）或网格")
        raise ValidationFailed(message, details={"community": [message]})
    return area


def resolve_place(area: Area | int | str) -> tuple[Area, Area | None]:
    """A community, or a grid with its community: where a new record goes."""
    if not isinstance(area, Area):
        lookup = {"code": area} if isinstance(area, str) else {"pk": area}
        found = Area.objects.filter(**lookup).select_related("parent").first()
        if found is None:
            raise NotFound()
        area = found
    if area.level == Level.GRID:
        assert area.parent is not None
        return area.parent, area
    return resolve_community(area), None


def place(instance: models.Model, community: Area, grid: Area | None) -> None:
    instance.community = community  # type: ignore[attr-defined]
    instance.grid = grid  # type: ignore[attr-defined]
    instance.area_code = grid.code if grid else community.code  # type: ignore[attr-defined]
