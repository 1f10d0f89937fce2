"""Who may do what to a registry record the viewer can already see.

Records reach views and API handlers through scoped selectors, so "not yours" has already answered
404. What is left is the role: a viewer who can see a record but whose role lacks the permission there
gets 403 (PermissionDenied), which tells nothing new.
"""

from __future__ import annotations

from typing import Any

from shequ.accounts.scope import viewer_scope
from shequ.core.errors import PermissionDenied
from shequ.core.roles import Perm


def can_change(viewer: Any, area_code: str | None = None) -> bool:
    return viewer_scope(viewer).has(Perm.REGISTRY_CHANGE, area_code)


def can_unmask(viewer: Any, area_code: str) -> bool:
    return viewer_scope(viewer).has(Perm.REGISTRY_UNMASK, area_code)


def can_export(viewer: Any) -> bool:
    return viewer_scope(viewer).has(Perm.REGISTRY_EXPORT)


def require_change(viewer: Any, area_code: str | None = None) -> None:
    """For a record (or the create pages) the viewer can see: 403 when the role may not write."""
    if not can_change(viewer, area_code):
        raise PermissionDenied()
