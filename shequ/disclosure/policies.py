"""Who may publish to a community's disclosure record. Reading it is public.

For now the right to publish follows the work that produces most entries: the election committee's
(ELECTIONS_RUN) and the standards work (STANDARDS_CHANGE, which covers funds and facilities). A
disclosure-specific permission can replace both later without touching the callers.
"""

from __future__ import annotations

from typing import Any

from shequ.accounts.scope import viewer_scope
from shequ.core.errors import NotFound, PermissionDenied
from shequ.core.roles import Perm

PUBLISH_PERMS = (Perm.ELECTIONS_RUN, Perm.STANDARDS_CHANGE)
# Roles holding one of these in the subtree can see the community's internal pages: refusing them is a 403.
_INSIDE_PERMS = (Perm.ELECTIONS_VIEW, Perm.STANDARDS_VIEW, Perm.REGISTRY_VIEW)


def can_publish(viewer: Any, area_code: str | None = None) -> bool:
    scope = viewer_scope(viewer)
    return any(scope.has(perm, area_code) for perm in PUBLISH_PERMS)


def require_publish(viewer: Any, area_code: str) -> None:
    if can_publish(viewer, area_code):
        return
    scope = viewer_scope(viewer)
    if any(scope.has(perm, area_code) for perm in _INSIDE_PERMS):
        raise PermissionDenied()
    raise NotFound()
