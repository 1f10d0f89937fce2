from typing import Any

from django.http import HttpRequest


def viewer(request: HttpRequest) -> dict[str, Any]:
    """The viewer's scope, and which parts of the navigation its roles may use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from shequ.accounts.scope import viewer_scope
    from shequ.core.roles import Perm

    scope = viewer_scope(user)
    return {
        "viewer_scope": scope,
        "nav": {
            "registry": scope.has(Perm.REGISTRY_VIEW),
            "imports": scope.has(Perm.REGISTRY_IMPORT),
            "standards": scope.has(Perm.STANDARDS_VIEW),
            "standards_change": scope.has(Perm.STANDARDS_CHANGE),
            "grids": scope.has(Perm.GRIDS_VIEW),
            "incidents": scope.has(Perm.INCIDENT_VIEW) or scope.has(Perm.INCIDENT_REPORT),
            "incidents_report": scope.has(Perm.INCIDENT_REPORT),
            "users": scope.has(Perm.USERS_MANAGE),
            "audit": scope.has(Perm.AUDIT_VIEW),
            "elections": scope.has(Perm.ELECTIONS_VIEW),
            "elections_vote": scope.has(Perm.ELECTIONS_VOTE),
        },
    }
