"""Candidate pages: nomination (with a search of the roll), the committee's decisions, the margin status and the
publication of the formal list; written proxies; the public candidate list (no login). Thin: parse → selector /
service → render; a refused action shows the service's message on the page with its status."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shequ.areas.models import Area, Level
from shequ.core.errors import ApplicationError, NotFound, PermissionDenied
from shequ.elections import policies
from shequ.elections.models import CandidateStatus, Election, NominationMethod, SeatKind, Stage, seat_label
from shequ.elections.rules import election_params, items, number
from shequ.elections.selectors import candidates as sel
from shequ.elections.selectors.common import election_get, election_public_get
from shequ.elections.services.common import today
from shequ.elections.services.nomination import candidate_nominate, candidate_set_status, candidates_publish
from shequ.elections.services.proxies import REVOKE_STAGES, proxy_record, proxy_revoke
from shequ.elections.views import kinship as kinship_views
from shequ.registry.forms import ServiceErrorsMixin
from shequ.registry.viewutils import form_status, run_service


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any):
        super().__init__(format="%Y-%m-%d", **kwargs)


class NominateForm(ServiceErrorsMixin, forms.Form):
    error_map = {"resident": "resident_id"}

    resident_id = forms.IntegerField(label=gettext_lazy("被提名人（居民档案编号）"), min_value=1,
                                     help_text=gettext_lazy("可在下方按姓名查找选民名单"))
    seat = forms.ChoiceField(label=gettext_lazy("职位"))
    method = forms.ChoiceField(label=gettext_lazy("提名方式"), choices=NominationMethod.choices)
    nominator_ids = forms.CharField(
        label=gettext_lazy("提名人选民编号"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "选民联名或户代表提名时填写选民编号，用逗号或空格分隔；也可在下方查找选民后点“加为提名人”"))
    group_code = forms.ChoiceField(label=gettext_lazy("提名的居民小组"), required=False)
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, election: Election, methods: list[str] | None = None, **kwargs: Any):
        """`methods`: the nomination methods the election's rule allows (all of them when not given)."""
        super().__init__(*args, **kwargs)
        method_field = self.fields["method"]
        assert isinstance(method_field, forms.ChoiceField)
        method_field.choices = [(m, label) for m, label in NominationMethod.choices if methods is None or m in methods]
        seat_field = self.fields["seat"]
        assert isinstance(seat_field, forms.ChoiceField)
        seat_field.choices = [(s, seat_label(s, election.body)) for s, n in election.seats.items() if n]
        group_field = self.fields["group_code"]
        assert isinstance(group_field, forms.ChoiceField)
        if election.group_id:
            groups = Area.objects.filter(pk=election.group_id)
        else:
            groups = Area.objects.filter(parent_id=election.community_id, level=Level.GRID).order_by("code")
        group_field.choices = [("", "—"), *[(a.code, a.name) for a in groups]]

    def clean_nominator_ids(self) -> list[int]:
        raw = self.cleaned_data.get("nominator_ids") or ""
        parts = [p for p in re.split(r"[\s,，、;；]+", raw) if p]
        bad = [p for p in parts if not p.isdigit()]
        if bad:
            raise forms.ValidationError(_("选民编号只能是数字：%(bad)s") % {"bad": "、".join(bad[:5])})
        return [int(p) for p in parts]


class StatusForm(ServiceErrorsMixin, forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("状态"), choices=[
        (CandidateStatus.FORMAL, CandidateStatus.FORMAL.label),
        (CandidateStatus.WITHDRAWN, CandidateStatus.WITHDRAWN.label),
        (CandidateStatus.REJECTED, CandidateStatus.REJECTED.label)])
    reason = forms.CharField(label=gettext_lazy("原因"), max_length=200, required=False)


class ProxyForm(ServiceErrorsMixin, forms.Form):
    error_map = {"grantor": "grantor_id", "holder": "holder_id"}

    grantor_id = forms.IntegerField(label=gettext_lazy("委托人（选民编号）"), min_value=1)
    holder_id = forms.IntegerField(label=gettext_lazy("受托人（选民编号）"), min_value=1)
    written_on = forms.DateField(label=gettext_lazy("委托书日期"), widget=DateInput())
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)


def _election(request: HttpRequest, pk: int) -> Election:
    return election_get(viewer=request.user, pk=pk)


def _crumbs(election: Election) -> list[tuple[str, str]]:
    return [(reverse("elections:index"), _("换届选举")),
            (reverse("elections:detail", args=[election.pk]), election.title)]


# -- candidates ---------------------------------------------------------------------------------------------


def candidates_page(
    request: HttpRequest, election: Election, *, form: NominateForm | None = None,
    status_forms: dict[int, StatusForm] | None = None, publish_error: ApplicationError | None = None,
    kinship_form: kinship_views.KinshipForm | None = None, kinship_error: str = "", status: int = 200,
) -> HttpResponse:
    """The candidates page (also shown again, with its status, when one of its forms is refused)."""
    can_run = policies.can_run(request.user, election.area_code)
    values = election_params(election)
    methods = items(values, "nomination_methods")
    frozen = election.stage == Stage.ROLL_FROZEN
    check = sel.publication_check(election, today())
    groups = sel.candidate_list(viewer=request.user, election=election)
    for group in groups:
        for candidate in group.candidates:
            candidate.status_form = (status_forms or {}).get(candidate.pk)  # type: ignore[attr-defined]
    context = {
        "election": election,
        "crumbs": _crumbs(election),
        "groups": groups,
        "margins": check.margins,
        "problems": check.errors if frozen else {},
        "warnings": check.warnings if frozen else [],
        "publish_error": publish_error,
        "publish_details": (publish_error.details if publish_error is not None
                            and isinstance(publish_error.details, dict) else {}),
        "can_run": can_run,
        "frozen": frozen,
        "published": election.stage not in (Stage.DRAFT, Stage.ROLL_PUBLISHED, Stage.ROLL_FROZEN),
        "form": form or NominateForm(election=election, methods=methods),
        "self_nomination": NominationMethod.SELF in methods,
        "status_choices": StatusForm.base_fields["status"].choices,  # type: ignore[attr-defined]
        "joint_min": number(values, "nomination_joint_voters_min"),
        **kinship_views.page_context(request, election, kinship_form, kinship_error),
    }
    return render(request, "elections/candidates/candidates.html", context, status=status)


@login_required
def candidates(request: HttpRequest, pk: int) -> HttpResponse:
    return candidates_page(request, _election(request, pk))


@login_required
@require_POST
def nominate(request: HttpRequest, pk: int) -> HttpResponse:
    election = _election(request, pk)
    policies.require_run(request.user, election.area_code)
    form = NominateForm(request.POST, election=election,
                        methods=items(election_params(election), "nomination_methods"))
    if form.is_valid():
        data = form.cleaned_data
        candidate = run_service(form, lambda: candidate_nominate(
            actor=request.user, election=election, resident=data["resident_id"], seat=data["seat"],
            method=data["method"], nominator_ids=data["nominator_ids"], group_code=data["group_code"] or "",
            note=data["note"]))
        if candidate is not None:
            messages.success(request, _("已登记对 %(name)s 的提名") % {"name": candidate.name})
            return redirect("elections:candidates", pk=election.pk)
    return candidates_page(request, election, form=form, status=form_status(form))


@login_required
@require_POST
def candidate_status(request: HttpRequest, pk: int, cid: int) -> HttpResponse:
    election = _election(request, pk)
    candidate = sel.candidate_get(viewer=request.user, election=election, pk=cid)
    policies.require_run(request.user, election.area_code)
    form = StatusForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(form, lambda: candidate_set_status(actor=request.user, candidate=candidate,
                                                              status=data["status"], reason=data["reason"]))
        if done is not None:
            messages.success(request, _("%(name)s：%(status)s") % {
                "name": done.name, "status": CandidateStatus(done.status).label})
            return redirect("elections:candidates", pk=election.pk)
    return candidates_page(request, election, status_forms={candidate.pk: form}, status=form_status(form))


@login_required
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    election = _election(request, pk)
    try:
        published = candidates_publish(actor=request.user, election=election)
    except (NotFound, PermissionDenied):
        raise
    except ApplicationError as exc:
        return candidates_page(request, election, publish_error=exc, status=exc.status)
    messages.success(request, _("正式候选人名单已公布。"))
    for warning in getattr(published, "publish_warnings", []):
        messages.warning(request, warning)
    return redirect("elections:candidates", pk=election.pk)


@login_required
def lookup(request: HttpRequest, pk: int) -> HttpResponse:
    """HTMX: voters on the roll by name or number; `pick` returns the filled field named by `field`."""
    election = _election(request, pk)
    policies.require_run(request.user, election.area_code)
    field = request.GET.get("field", "resident_id")
    if field not in ("resident_id", "grantor_id", "holder_id", "resident_a_id", "resident_b_id"):
        raise NotFound()
    if request.GET.get("pick"):
        voter = sel.voter_get(viewer=request.user, election=election, pk=request.GET["pick"])
        value = voter.resident_id if field.startswith("resident_") else voter.pk
        labels = {"resident_id": NominateForm.base_fields["resident_id"].label,
                  "grantor_id": ProxyForm.base_fields["grantor_id"].label,
                  "holder_id": ProxyForm.base_fields["holder_id"].label,
                  "resident_a_id": kinship_views.KinshipForm.base_fields["resident_a_id"].label,
                  "resident_b_id": kinship_views.KinshipForm.base_fields["resident_b_id"].label}
        return render(request, "elections/candidates/_pick_field.html",
                      {"field": field, "label": labels[field], "value": value, "voter": voter})
    q = request.GET.get("q", "")
    results = sel.roll_lookup(viewer=request.user, election=election, q=q)
    targets = {"proxy": ["grantor_id", "holder_id"], "kinship": ["resident_a_id", "resident_b_id"]}.get(
        request.GET.get("for", ""), ["resident_id"])
    return render(request, "elections/candidates/_lookup_results.html",
                  {"election": election, "results": results, "q": q.strip(), "targets": targets})


# -- proxies ------------------------------------------------------------------------------------------------------


def _proxies_page(request: HttpRequest, election: Election, *, form: ProxyForm | None = None,
                  error: str = "", status: int = 200) -> HttpResponse:
    context = {
        "election": election,
        "crumbs": _crumbs(election),
        "proxies": list(sel.proxy_list(viewer=request.user, election=election)),
        "holders": sel.proxy_holder_counts(viewer=request.user, election=election),
        "proxy_max": number(election_params(election), "proxy_max"),
        "can_run": policies.can_run(request.user, election.area_code),
        "open": election.stage in (Stage.ROLL_FROZEN, Stage.CANDIDATES_PUBLISHED, Stage.VOTING),
        "revocable": election.stage in REVOKE_STAGES,
        "form": form or ProxyForm(initial={"written_on": today()}),
        "error": error,
    }
    return render(request, "elections/candidates/proxies.html", context, status=status)


@login_required
def proxies(request: HttpRequest, pk: int) -> HttpResponse:
    election = _election(request, pk)
    if request.method != "POST":
        return _proxies_page(request, election)
    policies.require_run(request.user, election.area_code)
    form = ProxyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        proxy = run_service(form, lambda: proxy_record(
            actor=request.user, election=election, grantor=data["grantor_id"], holder=data["holder_id"],
            written_on=data["written_on"], note=data["note"]))
        if proxy is not None:
            messages.success(request, _("已登记 %(grantor)s 委托 %(holder)s 投票") % {
                "grantor": proxy.grantor.name, "holder": proxy.holder.name})
            return redirect("elections:proxies", pk=election.pk)
    return _proxies_page(request, election, form=form, status=form_status(form))


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int, proxy: int) -> HttpResponse:
    election = _election(request, pk)
    row = sel.proxy_get(viewer=request.user, election=election, pk=proxy)
    try:
        proxy_revoke(actor=request.user, proxy=row)
    except (NotFound, PermissionDenied):
        raise
    except ApplicationError as exc:
        return _proxies_page(request, election, error=str(exc.message), status=exc.status)
    messages.success(request, _("已撤销委托"))
    return redirect("elections:proxies", pk=election.pk)


# -- public ---------------------------------------------------------------------------------------------------------


def public(request: HttpRequest, pk: int) -> HttpResponse:
    """No login: the formal candidates once published (name, sex, age, seat, incumbent); 404 before."""
    election = election_public_get(pk=pk)
    rows = sel.public_candidates(election)
    seats = [(seat_label(s, election.body), [r for r in rows if r.seat == s]) for s in SeatKind.values]
    return render(request, "elections/candidates/public.html",
                  {"election": election, "seats": [(label, rs) for label, rs in seats if rs], "count": len(rows)})


urlpatterns: list[URLPattern] = [
    path("<int:pk>/candidates/", candidates, name="candidates"),
    path("<int:pk>/candidates/nominate/", nominate, name="nominate"),
    path("<int:pk>/candidates/<int:cid>/status/", candidate_status, name="candidate_status"),
    path("<int:pk>/candidates/publish/", publish, name="candidates_publish"),
    path("<int:pk>/candidates/lookup/", lookup, name="candidate_lookup"),
    path("<int:pk>/proxies/", proxies, name="proxies"),
    path("<int:pk>/proxies/<int:proxy>/revoke/", revoke, name="proxy_revoke"),
    path("public/<int:pk>/candidates/", public, name="public_candidates"),
]
