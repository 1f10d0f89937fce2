"""Results pages: the count, the results of each round, publishing, the certificate PDF, the handover, repeating a
void election, and the public results page (no login). Thin: parse → selector/service → render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shequ.core.errors import ApplicationError, NotFound, PermissionDenied
from shequ.elections import policies
from shequ.elections.certificate import certificate_download
from shequ.elections.models import Body, Election, Stage
from shequ.elections.selectors.common import election_get, election_public_get
from shequ.elections.selectors.results import public_summary, results_for
from shequ.elections.services.handover import handover_record
from shequ.elections.services.results import election_repeat, results_publish, round_count
from shequ.registry.forms import ServiceErrorsMixin
from shequ.registry.viewutils import form_status, run_service


class HandoverForm(ServiceErrorsMixin, forms.Form):
    handover_on = forms.DateField(label=gettext_lazy("工作移交日期"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=gettext_lazy("移交情况"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))
    create_workers = forms.BooleanField(
        label=gettext_lazy("同时更新社区工作人员名册（原成员任职至移交前一日，新当选成员自移交日起任职）"),
        required=False, initial=True)


class RepeatForm(ServiceErrorsMixin, forms.Form):
    election_day = forms.DateField(label=gettext_lazy("重新选举的选举日"),
                                   widget=forms.DateInput(attrs={"type": "date"}))


def _context(request: HttpRequest, election: Election, **extra: Any) -> dict[str, Any]:
    stage = election.stage
    can_run = policies.can_run(request.user, election.area_code)
    can_manage = policies.can_manage(request.user, election.area_code)
    context: dict[str, Any] = {
        "election": election,
        "data": results_for(election),
        "can_run": can_run,
        "can_manage": can_manage,
        "can_count": can_run and stage == Stage.VOTING,
        "can_publish": can_run and stage == Stage.COUNTED,
        "can_handover": can_run and stage == Stage.COMPLETED and election.handover_on is None,
        "can_repeat": can_manage and stage == Stage.VOID and not election.repeats.exists(),
        "has_certificate": stage in (Stage.COUNTED, Stage.COMPLETED),
        "is_committee": election.body == Body.RESIDENTS_COMMITTEE,
        "repeats": list(election.repeats.all()),
    }
    if context["can_handover"] and "handover_form" not in extra:
        extra["handover_form"] = HandoverForm(initial={"create_workers": context["is_committee"]})
    if context["can_repeat"] and "repeat_form" not in extra:
        extra["repeat_form"] = RepeatForm()
    context.update(extra)
    return context


def _page(request: HttpRequest, election: Election, status: int = 200, **extra: Any) -> HttpResponse:
    return render(request, "elections/results/results.html", _context(request, election, **extra), status=status)


@login_required
def results(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, election_get(viewer=request.user, pk=pk))


def _action(request: HttpRequest, pk: int, call: Any, done: str) -> HttpResponse:
    """A button: run the service; refused, the results page shows why with the service's status."""
    election = election_get(viewer=request.user, pk=pk)
    try:
        call(election)
    except (NotFound, PermissionDenied):
        raise
    except ApplicationError as exc:
        election.refresh_from_db()
        return _page(request, election, status=exc.status, action_error=str(exc.message))
    messages.success(request, done)
    return redirect("elections:results", pk=election.pk)


@login_required
@require_POST
def count(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, lambda e: round_count(actor=request.user, election=e), _("已完成计票。"))


@login_required
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, lambda e: results_publish(actor=request.user, election=e),
                   _("选举结果已公布，并已载入居务公开记录。"))


@login_required
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        pdf = certificate_download(viewer=request.user, pk=pk)
    except (NotFound, PermissionDenied):
        raise
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("elections:results", pk=pk)
    response = HttpResponse(pdf.content, content_type=pdf.content_type)
    response["Content-Disposition"] = f'inline; filename="{pdf.filename}"'
    return response


@login_required
def handover(request: HttpRequest, pk: int) -> HttpResponse:
    election = election_get(viewer=request.user, pk=pk)
    form = HandoverForm(request.POST or None,
                        initial={"create_workers": election.body == Body.RESIDENTS_COMMITTEE})
    if request.method == "POST":
        policies.require_run(request.user, election.area_code)
        if form.is_valid():
            data = form.cleaned_data
            done = run_service(form, lambda: handover_record(
                actor=request.user, election=election, handover_on=data["handover_on"], note=data["note"],
                create_workers=bool(data["create_workers"])))
            if done is not None:
                messages.success(request, _("已登记工作移交。"))
                return redirect("elections:results", pk=election.pk)
    return render(request, "elections/results/handover.html", {
        "election": election, "form": form,
        "can_handover": policies.can_run(request.user, election.area_code) and election.stage == Stage.COMPLETED
        and election.handover_on is None,
    }, status=form_status(form))


@login_required
def repeat(request: HttpRequest, pk: int) -> HttpResponse:
    election = election_get(viewer=request.user, pk=pk)
    form = RepeatForm(request.POST or None)
    if request.method == "POST":
        policies.require_manage(request.user, election.area_code)
        if form.is_valid():
            day: dt.date = form.cleaned_data["election_day"]
            new = run_service(form, lambda: election_repeat(actor=request.user, election=election, election_day=day))
            if new is not None:
                messages.success(request, _("已安排重新选举（第 %(n)s 次选举）。") % {"n": new.attempt})
                return redirect("elections:detail", pk=new.pk)
    return render(request, "elections/results/repeat.html", {
        "election": election, "form": form,
        "can_repeat": policies.can_manage(request.user, election.area_code) and election.stage == Stage.VOID,
    }, status=form_status(form))


def public(request: HttpRequest, pk: int) -> HttpResponse:
    """Anyone: the stage and day, links to the published roll and candidates, and the results once published."""
    election = election_public_get(pk=pk)
    return render(request, "elections/public/election.html", {
        "election": election, "summary": public_summary(election),
        "roll_url": _reverse_or_empty("elections:public_roll", election.pk),
        "candidates_url": _reverse_or_empty("elections:public_candidates", election.pk),
        "candidates_published": election.stage not in (Stage.DRAFT, Stage.ROLL_PUBLISHED, Stage.ROLL_FROZEN),
    })


def _reverse_or_empty(name: str, pk: int) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:  # the candidates part may not be mounted yet
        return ""


urlpatterns: list[URLPattern] = [
    path("<int:pk>/count/", count, name="count"),
    path("<int:pk>/results/", results, name="results"),
    path("<int:pk>/results/publish/", publish, name="results_publish"),
    path("<int:pk>/certificate.pdf", certificate, name="certificate"),
    path("<int:pk>/handover/", handover, name="handover"),
    path("<int:pk>/repeat/", repeat, name="repeat"),
]
public_urlpatterns: list[URLPattern] = [
    path("public/<int:pk>/", public, name="public"),
]
