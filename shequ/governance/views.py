"""Staff pages: communities in scope, a community's staff and evaluation grid, create/edit/end forms.

Evaluation, worklist and resolve pages are in views_actions.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.accounts.scope import viewer_scope
from shequ.core.errors import ApplicationError, NotFound, PermissionDenied
from shequ.core.masking import mask_id_number, mask_phone
from shequ.core.roles import Perm
from shequ.governance import policies, selectors, services
from shequ.governance.forms import EndForm, WorkerForm
from shequ.governance.models import ActionStatus, Evaluation, Worker
from shequ.governance.rules import base_pay, policy_params, served_years
from shequ.governance.services.common import today
from shequ.registry.paging import paginate
from shequ.registry.viewutils import base_query, render_form, run_service

GRID_YEARS = 8


def require_view(request: HttpRequest) -> None:
    """Roles without the standards views (grid workers, residents, auditors) see nothing here."""
    if not policies.can_view(request.user):
        raise NotFound()


@login_required
def index(request: HttpRequest) -> HttpResponse:
    require_view(request)
    filters = {"q": request.GET.get("q", "").strip()[:50], "area": request.GET.get("area", "").strip()[:15]}
    page = paginate(
        selectors.community_list(viewer=request.user, area_code=filters["area"], q=filters["q"]),
        request.GET.get("page"),
        big_ordering=None,
    )
    counts = selectors.staff_counts(viewer=request.user, codes=[a.code for a in page.object_list])
    for area in page.object_list:
        area.staff = counts[area.code]
    open_items = selectors.action_item_list(viewer=request.user, status=ActionStatus.OPEN).count()
    return render(
        request,
        "governance/index.html",
        {"page": page, "filters": filters, "base_query": base_query(request), "open_items": open_items},
    )


@dataclass
class Row:
    worker: Worker
    standard: Decimal | None = None
    below: bool = False
    resident_link: bool = False
    phone: str = ""
    id_number: str = ""
    cells: list[dict[str, Any]] = field(default_factory=list)


def _row(request: HttpRequest, worker: Worker, params: dict[str, Any]) -> Row:
    row = Row(worker=worker, standard=base_pay(params, worker.position))
    row.below = row.standard is not None and worker.monthly_base_pay < row.standard
    if worker.resident is not None:
        # The link is shown; the ID number and phone leave the server masked only (PIPL).
        row.resident_link = viewer_scope(request.user).has(Perm.REGISTRY_VIEW, worker.resident.area_code)
        row.phone = mask_phone(worker.resident.phone)
        row.id_number = mask_id_number(worker.resident.id_number)
    return row


def _grid_years(request: HttpRequest, workers: list[Worker]) -> tuple[list[int], int | None, int | None]:
    """The window of years shown (GRID_YEARS ending at ?until=, default this year) and the `until` of the
    windows before and after it (None at either end)."""
    this_year = today().year
    first = min(min((w.start_date.year for w in workers), default=this_year), this_year)
    try:
        until = int(request.GET.get("until", this_year))
    except ValueError:
        until = this_year
    until = max(first, min(until, this_year))
    start = max(until - GRID_YEARS + 1, first)
    earlier = until - GRID_YEARS if start > first else None
    later = min(until + GRID_YEARS, this_year) if until < this_year else None
    return list(range(start, until + 1)), earlier, later


@login_required
def staff(request: HttpRequest, code: str) -> HttpResponse:
    community = selectors.community_get(viewer=request.user, code=code)
    workers = list(selectors.worker_list(viewer=request.user, community=community))
    this_year = today().year
    params = policy_params(community.code, this_year)
    years, earlier, later = _grid_years(request, workers)
    ratings = {
        (e.worker_id, e.year): e
        for e in Evaluation.objects.filter(worker__in=workers, year__in=years).only("worker_id", "year", "rating")
    }
    current: list[Row] = []
    past: list[Row] = []
    grid: list[Row] = []
    for worker in workers:
        row = _row(request, worker, params)
        ended = worker.end_date is not None and worker.end_date < today()
        (past if ended else current).append(row)
        served = set(served_years(worker.start_date, worker.end_date, today()))
        if served & set(years):
            row.cells = [{"year": y, "served": y in served, "evaluation": ratings.get((worker.pk, y))} for y in years]
            grid.append(row)
    staff_min, staff_max = params.get("staff_min"), params.get("staff_max")
    items = selectors.action_item_list(viewer=request.user, area_code=community.code).exclude(
        status=ActionStatus.WITHDRAWN
    )
    return render(
        request,
        "governance/staff.html",
        {
            "community": community,
            "current": current,
            "past": past,
            "grid": grid,
            "years": years,
            "earlier": earlier,
            "later": later,
            "this_year": this_year,
            "incompetent_years": params.get("incompetent_years"),
            "staff_min": staff_min,
            "staff_max": staff_max,
            "staff_ok": staff_min is None or staff_max is None or staff_min <= len(current) <= staff_max,
            "items": list(items),
            "can_change": policies.can_change(request.user, community.code),
            "can_resolve": policies.can_resolve(request.user, community.code),
        },
    )


def _resident(request: HttpRequest, form: WorkerForm) -> Any:
    """The registry record named by the form, read through the registry's scoped selector."""
    from shequ.registry.selectors import resident_get

    pk = form.cleaned_data.get("resident_id")
    if not pk:
        return None
    try:
        return resident_get(viewer=request.user, pk=pk)
    except NotFound:
        form.add_error("resident_id", _("找不到该居民档案"))
        return False


def _worker_form_page(
    request: HttpRequest, form: Any, community: Any, title: str, delete_url: str = ""
) -> HttpResponse:
    staff_url = reverse("governance:staff", args=[community.code])
    return render_form(
        request,
        form,
        title=title,
        cancel_url=staff_url,
        crumbs=[(reverse("governance:index"), _("社区工作人员")), (staff_url, community.name)],
        template="governance/worker_form.html",
        extra={"community": community, "delete_url": delete_url},
    )


@login_required
def worker_new(request: HttpRequest, code: str) -> HttpResponse:
    community = selectors.community_get(viewer=request.user, code=code)
    policies.require_change(request.user, community.code)
    form = WorkerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        resident = _resident(request, form)
        if resident is not False:
            worker = run_service(
                form,
                lambda: services.worker_create(actor=request.user, community=community, resident=resident,
                                               **form.changes()),
            )
            if worker is not None:
                messages.success(request, _("已登记工作人员 %(name)s") % {"name": worker.name})
                return redirect("governance:staff", code=community.code)
    return _worker_form_page(request, form, community, _("登记工作人员"))


@login_required
def worker_edit(request: HttpRequest, pk: int) -> HttpResponse:
    worker = selectors.worker_get(viewer=request.user, pk=pk)
    policies.require_change(request.user, worker.area_code)
    initial = {f: getattr(worker, f) for f in ("name", "position", "committee", "start_date", "end_date",
                                               "monthly_base_pay")}
    initial["resident_id"] = worker.resident_id
    form = WorkerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        resident = _resident(request, form)
        if resident is not False:
            fields = form.changes()
            if "resident_id" in form.changed_data:
                fields["resident"] = resident
            if run_service(form, lambda: services.worker_update(actor=request.user, worker=worker, **fields)):
                messages.success(request, _("已保存"))
                return redirect("governance:staff", code=worker.community.code)
    return _worker_form_page(
        request,
        form,
        worker.community,
        _("编辑工作人员：%(name)s") % {"name": worker.name},
        delete_url=reverse("governance:worker_delete", args=[worker.pk]),
    )


@login_required
def worker_end(request: HttpRequest, pk: int) -> HttpResponse:
    worker = selectors.worker_get(viewer=request.user, pk=pk)
    policies.require_change(request.user, worker.area_code)
    form = EndForm(request.POST or None, initial={"end_date": worker.end_date or today()})
    if request.method == "POST" and form.is_valid():
        end_date = form.cleaned_data["end_date"]
        if run_service(form, lambda: services.worker_end(actor=request.user, worker=worker, end_date=end_date)):
            messages.success(request, _("已登记 %(name)s 离任") % {"name": worker.name})
            return redirect("governance:staff", code=worker.community.code)
    return _worker_form_page(request, form, worker.community, _("登记离任：%(name)s") % {"name": worker.name})


@login_required
@require_POST
def worker_delete(request: HttpRequest, pk: int) -> HttpResponse:
    worker = selectors.worker_get(viewer=request.user, pk=pk)
    code = worker.community.code
    try:
        services.worker_delete(actor=request.user, worker=worker)
    except (NotFound, PermissionDenied):
        raise
    except ApplicationError as exc:  # the worker has evaluations: end the term instead
        messages.error(request, str(exc.message))
        return redirect("governance:worker_edit", pk=worker.pk)
    messages.success(request, _("已删除误登记的工作人员 %(name)s") % {"name": worker.name})
    return redirect("governance:staff", code=code)


@login_required
def resident_search(request: HttpRequest, code: str) -> HttpResponse:
    """HTMX: residents of the community by name (masked), to link a worker to the registry."""
    from shequ.registry.selectors import resident_get, resident_list

    community = selectors.community_get(viewer=request.user, code=code)
    policies.require_change(request.user, community.code)
    picked = None
    if request.GET.get("pick"):
        picked = resident_get(viewer=request.user, pk=request.GET["pick"])
        if picked.community_id != community.pk:
            raise NotFound()
        return render(request, "governance/_resident_field.html", {"value": picked.pk, "picked": picked,
                                                                  "community": community})
    q = request.GET.get("q", "").strip()[:50]
    results = []
    if q:
        qs = resident_list(viewer=request.user, q=q, kind="name", area_code=community.code)
        results = [(r, mask_id_number(r.id_number)) for r in qs[:10]]
    return render(request, "governance/_resident_results.html", {"results": results, "q": q,
                                                                 "community": community})
