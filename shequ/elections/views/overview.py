"""Overview pages: the elections and campaigns in scope, creating and editing them, one election's hub, and the
oversight dashboard. Thin: parse → selector/service → render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area
from shequ.core.errors import NotFound, PermissionDenied
from shequ.core.roles import Perm
from shequ.elections import policies
from shequ.elections.forms import (
    CampaignForm,
    ElectionForm,
    MilestoneFormSet,
    election_initial,
    schedule_initial,
    schedule_rows,
)
from shequ.elections.models import Body, Mode, Stage
from shequ.elections.selectors.common import campaign_get, campaign_list, election_get, election_list
from shequ.elections.selectors.dashboard import NOT_STARTED, Dashboard, oversight_dashboard
from shequ.elections.selectors.overview import campaign_progress, election_hub, filter_areas
from shequ.elections.services.campaigns import campaign_update, schedule_clean
from shequ.elections.services.elections import campaign_create, election_create, election_update
from shequ.registry.paging import paginate
from shequ.registry.viewutils import base_query, form_status, run_service


def _require_view(request: HttpRequest) -> None:
    if not policies.can_view(request.user):
        raise NotFound()


def _require_manage(request: HttpRequest) -> None:
    if policies.can_manage(request.user):
        return
    _require_view(request)
    raise PermissionDenied()


@login_required
def index(request: HttpRequest) -> HttpResponse:
    if not policies.can_view(request.user):
        if viewer_scope(request.user).has(Perm.ELECTIONS_VOTE):
            try:  # a resident's way in is the voting page
                return redirect(reverse("elections:my_elections"))
            except NoReverseMatch:
                pass
        raise NotFound()
    filters = {key: request.GET.get(key, "").strip()[:50] for key in ("area", "campaign", "stage", "body", "q")}
    if not filters["campaign"].isdigit():
        filters["campaign"] = ""
    qs = election_list(viewer=request.user, area_code=filters["area"], campaign=filters["campaign"] or None,
                       stage=filters["stage"] if filters["stage"] in Stage.values else "",
                       body=filters["body"] if filters["body"] in Body.values else "", q=filters["q"])
    page = paginate(qs, request.GET.get("page"), big_ordering=None)
    campaigns = list(campaign_list(viewer=request.user).order_by("-starts_on", "area_code")[:50])
    return render(request, "elections/overview/index.html", {
        "page": page, "filters": filters, "base_query": base_query(request), "campaigns": campaigns,
        "areas": filter_areas(viewer=request.user), "stages": Stage.choices, "bodies": Body.choices,
        "can_manage": policies.can_manage(request.user),
    })


@login_required
def campaigns(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    page = paginate(campaign_list(viewer=request.user).order_by("-starts_on", "area_code"), request.GET.get("page"),
                    big_ordering=None)
    return render(request, "elections/overview/campaigns.html", {
        "page": page, "base_query": base_query(request), "can_manage": policies.can_manage(request.user),
    })


def _campaign_form_page(request: HttpRequest, form: Any, formset: Any, title: str, cancel_url: str) -> HttpResponse:
    status = form_status(form)
    if status == 200 and formset.is_bound and not formset.is_valid():
        status = 422
    return render(request, "elections/overview/campaign_form.html", {
        "form": form, "formset": formset, "title": title, "cancel_url": cancel_url,
    }, status=status)


@login_required
def campaign_new(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    form = CampaignForm(request.POST or None, viewer=request.user)
    formset = MilestoneFormSet(request.POST or None, prefix="schedule", initial=schedule_initial(None))
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        campaign = run_service(form, lambda: campaign_create(
            actor=request.user, area=data["area"], name=data["name"], term_label=data["term_label"],
            starts_on=data["starts_on"], ends_on=data["ends_on"], note=data["note"],
            schedule=schedule_clean(schedule_rows(formset)),
        ))
        if campaign is not None:
            messages.success(request, _("已创建换届选举工作“%(name)s”") % {"name": campaign.name})
            return redirect("elections:campaign", pk=campaign.pk)
    return _campaign_form_page(request, form, formset, _("新建换届选举工作"), reverse("elections:campaigns"))


@login_required
def campaign(request: HttpRequest, pk: int) -> HttpResponse:
    row = campaign_get(viewer=request.user, pk=pk)
    progress = campaign_progress(viewer=request.user, campaign=row)
    return render(request, "elections/overview/campaign.html", {
        "campaign": row, "progress": progress, "can_edit": policies.can_manage(request.user, row.area_code),
        "can_create": policies.can_manage(request.user),
    })


@login_required
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    row = campaign_get(viewer=request.user, pk=pk)
    if not policies.can_manage(request.user, row.area_code):
        raise PermissionDenied()
    initial = {f: getattr(row, f) for f in ("name", "term_label", "starts_on", "ends_on", "note")}
    form = CampaignForm(request.POST or None, viewer=request.user, editing=True, initial=initial)
    formset = MilestoneFormSet(request.POST or None, prefix="schedule", initial=schedule_initial(row))
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        changes = {**form.changes(), "schedule": schedule_rows(formset)}
        if run_service(form, lambda: campaign_update(actor=request.user, campaign=row, **changes)) is not None:
            messages.success(request, _("已保存"))
            return redirect("elections:campaign", pk=row.pk)
    return _campaign_form_page(request, form, formset, _("修改换届选举工作"), reverse("elections:campaign", args=[pk]))


def _election_form_page(request: HttpRequest, form: Any, title: str, cancel_url: str) -> HttpResponse:
    return render(request, "elections/overview/election_form.html", {
        "form": form, "title": title, "cancel_url": cancel_url,
    }, status=form_status(form))


@login_required
def new(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    initial = {"campaign": request.GET.get("campaign", "")}
    form = ElectionForm(request.POST or None, viewer=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.changes()
        election = run_service(form, lambda: election_create(actor=request.user, **data))
        if election is not None:
            messages.success(request, _("已创建选举“%(title)s”") % {"title": election.title})
            return redirect("elections:detail", pk=election.pk)
    return _election_form_page(request, form, _("新建选举"), reverse("elections:index"))


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    election = election_get(viewer=request.user, pk=pk)
    version = election.policy_version
    return render(request, "elections/overview/detail.html", {
        "election": election, "hub": election_hub(election), "version": version,
        "policy_url": reverse("policies:detail", args=[version.policy_set_id]) if version else "",
        "can_run": policies.can_run(request.user, election.area_code),
        "can_edit": policies.can_manage(request.user, election.area_code) and election.stage == Stage.DRAFT,
        "is_group": election.body == Body.GROUP_LEADER,
        "published": election.stage != Stage.DRAFT,
        "has_results": election.stage in (Stage.COUNTED, Stage.COMPLETED, Stage.VOID),
    })


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    election = election_get(viewer=request.user, pk=pk)
    policies.require_manage(request.user, election.area_code)
    if election.stage != Stage.DRAFT:
        messages.error(request, _("选举已进入“%(stage)s”阶段，不能再修改。") % {"stage": Stage(election.stage).label})
        return redirect("elections:detail", pk=election.pk)
    form = ElectionForm(request.POST or None, viewer=request.user, editing=True,
                        community_code=election.community.code, initial=election_initial(election))
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if run_service(form, lambda: election_update(actor=request.user, election=election, **changes)) is not None:
            messages.success(request, _("已保存"))
            return redirect("elections:detail", pk=election.pk)
    return _election_form_page(request, form, _("修改选举"), reverse("elections:detail", args=[pk]))


def _chart_data(board: Dashboard) -> dict[str, Any]:
    labels = {key: (str(Stage(key).label) if key != NOT_STARTED else _("未开始")) for key in board.stage_keys}
    return {
        "names": [r.name for r in board.rows],
        "stages": [{"key": k, "name": labels[k], "data": [r.stages.get(k, 0) for r in board.rows]}
                   for k in board.stage_keys],
        "turnout": [float(r.turnout) if r.turnout is not None else None for r in board.rows],
        "labels": {"turnout": _("参选率（%）")},
    }


def _crumbs(request: HttpRequest, area: Area) -> list[tuple[Area, bool]]:
    scope = viewer_scope(request.user)
    rows = Area.objects.filter(code__in=area.ancestor_codes).order_by("code")
    return [(a, scope.has(Perm.ELECTIONS_VIEW, a.code)) for a in rows]


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    board = oversight_dashboard(viewer=request.user, area_code=request.GET.get("area", ""),
                                campaign=request.GET.get("campaign", ""))
    stage_labels = [(k, str(Stage(k).label) if k != NOT_STARTED else _("未开始")) for k in board.stage_keys]
    context = {
        "board": board, "area": board.area, "crumbs": _crumbs(request, board.area), "chart_data": _chart_data(board),
        "stage_labels": stage_labels, "campaign_value": str(board.campaign.pk) if board.campaign else "all",
        "direct_modes": [Mode(m).label for m in (Mode.ALL_VOTERS, Mode.HOUSEHOLD_REPS)],
    }
    htmx = getattr(request, "htmx", None)
    partial = bool(htmx) and getattr(htmx, "target", None) == "dash" and not getattr(htmx, "boosted", False)
    template = "elections/dashboard/_body.html" if partial else "elections/dashboard/dashboard.html"
    return render(request, template, context)


urlpatterns: list[URLPattern] = [
    path("", index, name="index"),
    path("campaigns/", campaigns, name="campaigns"),
    path("campaigns/new/", campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", campaign, name="campaign"),
    path("campaigns/<int:pk>/edit/", campaign_edit, name="campaign_edit"),
    path("new/", new, name="new"),
    path("dashboard/", dashboard, name="dashboard"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/edit/", edit, name="edit"),
]
