from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from shequ.core.errors import ApplicationError
from shequ.registry import selectors
from shequ.registry.privacy import masked_identity, resident_unmask

PAGE_SIZE = 50


@login_required
def resident_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "auto")
    qs = selectors.resident_list(
        viewer=request.user, q=q, kind=kind, area_code=request.GET.get("area", ""), tag=request.GET.get("tag", "")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(r, masked_identity(r)) for r in page.object_list]
    return render(request, "registry/resident_list.html", {"page": page, "rows": rows, "q": q, "kind": kind})


@login_required
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get(viewer=request.user, pk=pk)
    return render(
        request,
        "registry/resident_detail.html",
        {
            "resident": resident,
            "masked": masked_identity(resident),
            "tags": resident.resident_tags.filter(tag__in=selectors.tag_list(viewer=request.user)).select_related(
                "tag"
            ),
        },
    )


@login_required
@require_POST
def resident_unmask_view(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get(viewer=request.user, pk=pk)
    try:
        clear = resident_unmask(actor=request.user, resident=resident, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        return render(request, "registry/_unmask.html", {"resident": resident, "error": exc}, status=exc.status)
    return render(request, "registry/_unmask.html", {"resident": resident, "clear": clear})


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(viewer=request.user, pk=pk)
    members = selectors.resident_list(viewer=request.user, household_id=household.pk)
    return render(
        request,
        "registry/household_detail.html",
        {
            "household": household,
            "members": [(m, masked_identity(m)) for m in members],
        },
    )
