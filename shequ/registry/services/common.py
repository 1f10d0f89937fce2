from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area, Level
from shequ.core.errors import NotFound, ValidationFailed, validation_error_from_django
from shequ.core.roles import Perm


def require_change(actor: Any, area_code: str) -> None:
    """Writes outside the actor's subtree answer exactly like a missing record."""
    if not viewer_scope(actor).has(Perm.REGISTRY_CHANGE, area_code):
        raise NotFound()


def resolve_community(community: Area | int | str) -> Area:
    if isinstance(community, Area):
        area = community
    else:
        lookup = {"code": community} if isinstance(community, str) else {"pk": community}
        area = Area.objects.filter(**lookup).first()
        if area is None:
            raise NotFound()
    if area.level == Level.GRID:
        assert area.parent is not None
        return area.parent
    if area.level != Level.COMMUNITY:
        raise ValidationFailed(details={"community": ["必须是社区或村"]})
    return area


def place(instance: models.Model, community: Area, grid: Area | None) -> None:
    instance.community = community  # type: ignore[attr-defined]
    instance.grid = grid  # type: ignore[attr-defined]
    instance.area_code = grid.code if grid else community.code  # type: ignore[attr-defined]


def clean_and_save(instance: models.Model, *, exclude: list[str] | None = None, **save_kwargs: Any) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise validation_error_from_django(exc) from None
    instance.save(**save_kwargs)
