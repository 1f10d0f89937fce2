from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from shequ.accounts.scope import viewer_scope
from shequ.areas.selectors import area_roots
from shequ.core.roles import Perm


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page per role: officers and workers start at their area; residents at their household."""
    scope = viewer_scope(request.user)
    if scope.has(Perm.OWN_HOUSEHOLD) and not scope.has(Perm.REGISTRY_VIEW) and scope.resident_household_id:
        return redirect("registry:household_detail", pk=scope.resident_household_id)
    if scope.has(Perm.AUDIT_VIEW) and not scope.has(Perm.REGISTRY_VIEW):
        return redirect("audit:log")
    return render(request, "accounts/home.html", {"roots": area_roots(viewer=request.user)})
