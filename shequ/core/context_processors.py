from typing import Any

from django.http import HttpRequest


def viewer(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from shequ.accounts.scope import viewer_scope

    return {"viewer_scope": viewer_scope(user)}
