"""Who may do what with elections (records already read through a scoped selector).

Outside the viewer's subtree an election answers like a missing one (404); inside it, a viewer who may only read
(an analyst, a sub-district officer's colleague without the right) gets 403, which reveals nothing new.
"""

from __future__ import annotations

from typing import Any

from shequ.accounts.scope import viewer_scope
from shequ.core.errors import NotFound, PermissionDenied
from shequ.core.roles import Perm


def can_view(viewer: Any, area_code: str | None = None) -> bool:
    return viewer_scope(viewer).has(Perm.ELECTIONS_VIEW, area_code)


def can_run(viewer: Any, area_code: str | None = None) -> bool:
    return viewer_scope(viewer).has(Perm.ELECTIONS_RUN, area_code)


def can_vote(viewer: Any, area_code: str | None = None) -> bool:
    """A resident of the area (online ballots, objections to the roll filed online)."""
    return viewer_scope(viewer).has(Perm.ELECTIONS_VOTE, area_code)


def can_manage(viewer: Any, area_code: str | None = None) -> bool:
    return viewer_scope(viewer).has(Perm.ELECTIONS_MANAGE, area_code)


def _require(viewer: Any, perm: str, area_code: str) -> None:
    scope = viewer_scope(viewer)
    if scope.has(perm, area_code):
        return
    if scope.has(Perm.ELECTIONS_VIEW, area_code):
        raise PermissionDenied()
    raise NotFound()


def require_view(viewer: Any, area_code: str) -> None:
    _require(viewer, Perm.ELECTIONS_VIEW, area_code)


def require_run(viewer: Any, area_code: str) -> None:
    _require(viewer, Perm.ELECTIONS_RUN, area_code)


def require_manage(viewer: Any, area_code: str) -> None:
    _require(viewer, Perm.ELECTIONS_MANAGE, area_code)
