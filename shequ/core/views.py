from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shequ.accounts.scope import require
from shequ.core import audit_selectors
from shequ.core.roles import Perm


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.AUDIT_VIEW)
    tab = request.GET.get("tab", "access")
    entity_id = request.GET.get("entity_id", "")
    if tab == "writes":
        qs = audit_selectors.audit_list(viewer=request.user, entity_id=entity_id)
    else:
        qs = audit_selectors.access_list(viewer=request.user, entity_id=entity_id)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = page.object_list
    if tab == "writes":
        for row in rows:
            row.masked = audit_selectors.masked_changes(row.changes)
    return render(request, "core/audit_log.html", {"page": page, "tab": tab, "entity_id": entity_id})
