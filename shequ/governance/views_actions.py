"""Evaluation entry, the action-item worklist of a sub-district (or any subtree) and recording outcomes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.governance import policies, selectors, services
from shequ.governance.forms import EvaluationForm, ResolveForm
from shequ.governance.models import ActionItem, ActionStatus
from shequ.governance.rules import served_years
from shequ.governance.services.common import today
from shequ.governance.views import require_view
from shequ.registry.paging import paginate
from shequ.registry.viewutils import base_query, form_status, run_service


@login_required
def evaluation_record(request: HttpRequest, pk: int) -> HttpResponse:
    """A worker's ratings by year, with the form to record or correct one (?year= preselects it)."""
    worker = selectors.worker_get(viewer=request.user, pk=pk)
    can_change = policies.can_change(request.user, worker.area_code)
    evaluations = list(selectors.evaluation_list(viewer=request.user, worker=worker))
    by_year = {e.year: e for e in evaluations}
    served = [y for y in served_years(worker.start_date, worker.end_date, today()) if y <= today().year]
    try:
        year = int(request.GET.get("year") or (served[-1] if served else today().year))
    except ValueError:
        year = today().year
    existing = by_year.get(year)
    initial = {"year": year, "rating": existing.rating if existing else "", "note": existing.note if existing else ""}
    form = EvaluationForm(request.POST or None, initial=initial)
    if request.method == "POST":
        policies.require_change(request.user, worker.area_code)
        if form.is_valid():
            open_items = ActionItem.objects.filter(worker=worker, status=ActionStatus.OPEN)
            before = set(open_items.values_list("pk", flat=True))
            data = form.cleaned_data
            saved = run_service(
                form,
                lambda: services.evaluation_record(
                    actor=request.user, worker=worker, year=data["year"], rating=data["rating"], note=data["note"]
                ),
            )
            if saved is not None:
                messages.success(request, _("已录入 %(name)s %(year)s 年度评议") % {"name": worker.name,
                                                                                "year": saved.year})
                if open_items.exclude(pk__in=before).exists():
                    message = _("%(name)s 已连续被评定为不称职，已列入街道工作清单") % {"name": worker.name}
                    messages.warning(request, message)
                return redirect(reverse("governance:staff", args=[worker.community.code]) + "#evaluations")
    staff_url = reverse("governance:staff", args=[worker.community.code])
    return render(
        request,
        "governance/evaluation.html",
        {
            "worker": worker,
            "form": form,
            "evaluations": evaluations,
            "served": served,
            "items": list(selectors.action_item_list(viewer=request.user, worker=worker)),
            "can_change": can_change,
            "crumbs": [(reverse("governance:index"), _("社区工作人员")), (staff_url, worker.community.name)],
        },
        status=form_status(form),
    )


@login_required
@require_POST
def evaluation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = selectors.evaluation_get(viewer=request.user, pk=pk)
    services.evaluation_delete(actor=request.user, evaluation=evaluation)
    messages.success(request, _("已删除 %(year)s 年度评议") % {"year": evaluation.year})
    return redirect("governance:evaluation_record", pk=evaluation.worker_id)


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    """Action items in the viewer's subtree: open first, oldest first; a resolve form for those allowed."""
    require_view(request)
    status = request.GET.get("status", "all")
    status = status if status in ActionStatus.values else "all"
    area = request.GET.get("area", "").strip()[:15]
    qs = selectors.action_item_list(viewer=request.user, status="" if status == "all" else status, area_code=area)
    page = paginate(qs, request.GET.get("page"), big_ordering=None)
    now = timezone.now()
    for item in page.object_list:
        item.age_days = selectors.age_days(item, now)
        item.can_resolve = item.status == ActionStatus.OPEN and policies.can_resolve(request.user, item.area_code)
        if item.can_resolve:
            item.resolve_form = ResolveForm(auto_id=f"r{item.pk}_%s")
    tabs = [
        (value, label, selectors.action_item_list(viewer=request.user, status=value, area_code=area).count())
        for value, label in ActionStatus.choices
    ]
    return render(
        request,
        "governance/worklist.html",
        {
            "page": page,
            "status": status,
            "area": area,
            "tabs": tabs,
            "base_query": base_query(request),
        },
    )


@login_required
def action_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.action_item_get(viewer=request.user, pk=pk)
    policies.require_resolve(request.user, item.area_code)
    form = ResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.action_item_resolve(actor=request.user, item=item, outcome=data["outcome"],
                                                 note=data["note"]),
        )
        if done is not None:
            messages.success(request, _("已记录处理结果：%(name)s") % {"name": item.worker.name})
            return redirect("governance:worklist")
    return render(
        request,
        "governance/resolve.html",
        {
            "item": item,
            "age_days": selectors.age_days(item),
            "form": form,
            "crumbs": [(reverse("governance:worklist"), _("街道工作清单"))],
        },
        status=form_status(form),
    )
