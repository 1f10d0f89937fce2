"""Who may do what with staff, evaluations and action items (records already read through a scoped selector).

Outside the viewer's subtree a record answers like a missing one (404); inside a subtree the viewer may only
read (an analyst, a community worker facing an action item), the answer is 403, which reveals nothing new.
"""

from __future__ import annotations

from typing import Any

from shequ.accounts.scope import viewer_scope
from shequ.core.errors import NotFound, PermissionDenied
from shequ.core.roles import Perm


def can_view(viewer: Any, area_code: str | None = None) -> bool:
    return viewer_scope(viewer).has(Perm.STANDARDS_VIEW, area_code)


def can_change(viewer: Any, area_code: str | None = None) -> bool:
    return viewer_scope(viewer).has(Perm.STANDARDS_CHANGE, area_code)


def can_resolve(viewer: Any, area_code: str | None = None) -> bool:
    return viewer_scope(viewer).has(Perm.ACTIONS_RESOLVE, area_code)


def _require(viewer: Any, perm: str, area_code: str) -> None:
    scope = viewer_scope(viewer)
    if scope.has(perm, area_code):
        return
    if scope.has(Perm.STANDARDS_VIEW, area_code):
        raise PermissionDenied()
    raise NotFound()


def require_change(viewer: Any, area_code: str) -> None:
    _require(viewer, Perm.STANDARDS_CHANGE, area_code)


def require_resolve(viewer: Any, area_code: str) -> None:
    _require(viewer, Perm.ACTIONS_RESOLVE, area_code)
