"""Roll pages: the roll with its counts, filters and actions (generate, add, exclude/include by HTMX, publish,
freeze), objections (file and answer, overdue flags) and the public roll (no login). Thin: parse → selector/service
→ render; a refused action shows the service's message on the page with its status."""

from __future__ import annotations

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

from shequ.core.errors import ApplicationError, NotFound, PermissionDenied
from shequ.core.masking import mask_id_number
from shequ.elections import policies
from shequ.elections.models import Election, Mode, ObjectionDecision, ObjectionKind, Stage, VoterStatus
from shequ.elections.selectors.common import election_get, election_public_get
from shequ.elections.selectors.roll import (
    group_names,
    my_objections,
    objection_get,
    objection_list,
    public_roll,
    roll_counts,
    roll_deadlines,
    roll_list,
    voter_get,
)
from shequ.elections.services import objections as objection_services
from shequ.elections.services import roll as roll_services
from shequ.elections.services.common import today
from shequ.registry.forms import ServiceErrorsMixin
from shequ.registry.paging import paginate
from shequ.registry.viewutils import base_query, form_status, run_service


class AddForm(ServiceErrorsMixin, forms.Form):
    error_map = {"resident": "resident_id"}

    resident_id = forms.IntegerField(label=gettext_lazy("居民档案编号"), min_value=1,
                                     help_text=gettext_lazy("本人申请登记的居民（如户籍不在本社区、在本社区居住满规定年限）"))
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)


class ObjectionForm(ServiceErrorsMixin, forms.Form):
    error_map = {"subject_voter": "subject_voter_id", "subject_resident": "subject_resident_id"}

    kind = forms.ChoiceField(label=gettext_lazy("异议类型"), choices=ObjectionKind.choices)
    filed_by_name = forms.CharField(label=gettext_lazy("提出人"), max_length=64)
    subject_voter_id = forms.IntegerField(label=gettext_lazy("名单中的选民编号"), required=False, min_value=1,
                                          help_text=gettext_lazy("不应列入或信息有误时填写（见选民名单“编号”列）"))
    subject_resident_id = forms.IntegerField(label=gettext_lazy("居民档案编号"), required=False, min_value=1,
                                             help_text=gettext_lazy("应列入而未列入时填写"))
    reason = forms.CharField(label=gettext_lazy("异议理由"), widget=forms.Textarea(attrs={"rows": 3}))


class MyObjectionForm(ServiceErrorsMixin, forms.Form):
    error_map = {"subject_voter": "subject_voter_id", "subject_resident": "kind", "resident": "kind",
                 "filed_on": "kind"}

    kind = forms.ChoiceField(label=gettext_lazy("异议类型"), choices=[
        (ObjectionKind.OMITTED, gettext_lazy("我应列入选民名单而未列入")),
        (ObjectionKind.WRONG_DETAILS, gettext_lazy("名单中我的信息有误")),
        (ObjectionKind.WRONGLY_INCLUDED, gettext_lazy("名单中有不应列入的人")),
    ])
    subject_voter_id = forms.IntegerField(label=gettext_lazy("该选民的编号"), required=False, min_value=1,
                                          help_text=gettext_lazy("仅“名单中有不应列入的人”时填写，见下表“编号”列"))
    reason = forms.CharField(label=gettext_lazy("异议理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(ServiceErrorsMixin, forms.Form):
    decision = forms.ChoiceField(label=gettext_lazy("处理结果"), widget=forms.RadioSelect, choices=[
        (ObjectionDecision.UPHELD, ObjectionDecision.UPHELD.label),
        (ObjectionDecision.REJECTED, ObjectionDecision.REJECTED.label)])
    answer = forms.CharField(label=gettext_lazy("答复"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=gettext_lazy("异议不成立的须写明理由"))


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _election(request: HttpRequest, pk: int) -> Election:
    return election_get(viewer=request.user, pk=pk)


def _require_run(request: HttpRequest, election: Election) -> None:
    policies.require_run(request.user, election.area_code)


def _crumbs(election: Election) -> list[tuple[str, str]]:
    return [(reverse("elections:index"), _("换届选举")), (reverse("elections:detail", args=[election.pk]),
                                                          election.title)]


def _decorate(voters: list[Any]) -> None:
    names = group_names(sorted({v.group_code for v in voters}))
    for v in voters:
        v.group_name = names.get(v.group_code, "")
        v.id_masked = mask_id_number(v.resident.id_number) if v.resident_id and v.resident else ""


def _roll_context(request: HttpRequest, election: Election) -> dict[str, Any]:
    filters = {key: request.GET.get(key, "").strip()[:50] for key in ("status", "q", "group", "voted")}
    page = paginate(roll_list(viewer=request.user, election=election, **filters), request.GET.get("page"),
                    big_ordering=None)
    _decorate(list(page.object_list))
    deadlines = roll_deadlines(election)
    counts = roll_counts(election)
    return {
        "election": election,
        "page": page,
        "filters": filters,
        "base_query": base_query(request),
        "counts": counts,
        "deadlines": deadlines,
        "today": today(),
        "can_run": policies.can_run(request.user, election.area_code),
        "draft": election.stage == Stage.DRAFT,
        "published": election.stage == Stage.ROLL_PUBLISHED,
        "statuses": VoterStatus.choices,
        "groups": counts["by_group"],
        "group_mode": election.mode == Mode.GROUP_REPS,
        "household_mode": election.mode == Mode.HOUSEHOLD_REPS,
        "all_groups": roll_services.group_areas(election) if election.mode == Mode.GROUP_REPS else [],
        "add_form": AddForm(),
        "crumbs": _crumbs(election),
    }


def _roll_page(request: HttpRequest, election: Election, *, error: str = "", status: int = 200,
               **extra: Any) -> HttpResponse:
    context = {**_roll_context(request, election), "error": error, **extra}
    return render(request, "elections/roll/roll.html", context, status=status)


@login_required
def roll(request: HttpRequest, pk: int) -> HttpResponse:
    return _roll_page(request, _election(request, pk))


def _action(request: HttpRequest, election: Election, call: Any, done: Any) -> HttpResponse:
    """Run a whole-roll action; its refusal is shown on the roll page with its status."""
    try:
        result = call()
    except (NotFound, PermissionDenied):
        raise
    except ApplicationError as exc:
        return _roll_page(request, election, error=str(exc.message), status=exc.status)
    messages.success(request, done(result))
    return redirect("elections:roll", pk=election.pk)


@login_required
@require_POST
def roll_generate(request: HttpRequest, pk: int) -> HttpResponse:
    election = _election(request, pk)
    return _action(request, election, lambda: roll_services.roll_generate(actor=request.user, election=election),
                   lambda c: _("已生成选民名单：新增 %(added)s 人，移出 %(removed)s 人，名单中共 %(on_roll)s 人") % c)


@login_required
@require_POST
def roll_publish(request: HttpRequest, pk: int) -> HttpResponse:
    election = _election(request, pk)
    return _action(request, election, lambda: roll_services.roll_publish(actor=request.user, election=election),
                   lambda e: _("选民名单已于 %(day)s 公布") % {"day": e.roll_published_on.isoformat()})


@login_required
@require_POST
def roll_freeze(request: HttpRequest, pk: int) -> HttpResponse:
    election = _election(request, pk)
    return _action(request, election, lambda: roll_services.roll_freeze(actor=request.user, election=election),
                   lambda e: _("选民名单已确定"))


@login_required
def roll_add(request: HttpRequest, pk: int) -> HttpResponse:
    election = _election(request, pk)
    _require_run(request, election)
    form = AddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        voter = run_service(form, lambda: roll_services.voter_add(
            actor=request.user, election=election, resident=data["resident_id"], note=data["note"]))
        if voter is not None:
            messages.success(request, _("已将 %(name)s 列入选民名单") % {"name": voter.name})
            return redirect("elections:roll", pk=election.pk)
    return render(request, "elections/roll/add.html",
                  {"election": election, "form": form, "crumbs": _crumbs(election)}, status=form_status(form))


def _voter_change(request: HttpRequest, pk: int, voter_pk: int, change: Any) -> HttpResponse:
    """Exclude or re-include one voter; by HTMX the row comes back (with the message when refused)."""
    election = _election(request, pk)
    voter = voter_get(viewer=request.user, election=election, pk=voter_pk)
    error, status = "", 200
    try:
        change(election, voter)
    except (NotFound, PermissionDenied):
        raise
    except ApplicationError as exc:
        error, status = str(exc.message), exc.status
    if _is_htmx(request):
        voter = voter_get(viewer=request.user, election=election, pk=voter_pk)
        _decorate([voter])
        # HTMX swaps only 2xx answers: the row comes back with the message.
        return render(request, "elections/roll/_voter_row.html",
                      {"v": voter, "election": election, "row_error": error,
                       "can_run": policies.can_run(request.user, election.area_code),
                       "draft": election.stage == Stage.DRAFT,
                       "household_mode": election.mode == Mode.HOUSEHOLD_REPS})
    if error:
        return _roll_page(request, election, error=error, status=status)
    messages.success(request, _("已更新 %(name)s") % {"name": voter.name})
    return redirect("elections:roll", pk=election.pk)


@login_required
@require_POST
def roll_exclude(request: HttpRequest, pk: int, voter: int) -> HttpResponse:
    reason = request.POST.get("reason", "")[:200]
    return _voter_change(request, pk, voter, lambda e, v: roll_services.voter_exclude(
        actor=request.user, election=e, voter=v, reason=reason))


@login_required
@require_POST
def roll_include(request: HttpRequest, pk: int, voter: int) -> HttpResponse:
    return _voter_change(request, pk, voter, lambda e, v: roll_services.voter_include(
        actor=request.user, election=e, voter=v))


def _ids(text: str) -> list[int] | None:
    parts = [p for p in text.replace("，", ",").replace(" ", ",").split(",") if p]
    return [int(p) for p in parts] if all(p.isdigit() for p in parts) else None


@login_required
@require_POST
def roll_representatives(request: HttpRequest, pk: int) -> HttpResponse:
    """Group mode: the representatives of one residents' group (record numbers, comma-separated)."""
    election = _election(request, pk)
    _require_run(request, election)
    ids = _ids(request.POST.get("residents", "")[:200])
    if ids is None:
        return _roll_page(request, election, error=_("请填写居民档案编号，用逗号分隔。"), status=422)
    group = request.POST.get("group_code", "").strip()[:15]
    return _action(request, election, lambda: roll_services.representatives_set(
        actor=request.user, election=election, group_code=group, residents=list(ids)),
        lambda rows: _("已登记 %(n)s 名小组代表") % {"n": len(rows)})


@login_required
@require_POST
def roll_replace(request: HttpRequest, pk: int, voter: int) -> HttpResponse:
    """Household mode: another member of the household represents it."""
    election = _election(request, pk)
    row = voter_get(viewer=request.user, election=election, pk=voter)
    ids = _ids(request.POST.get("resident_id", "")[:20])
    if not ids or len(ids) != 1:
        return _roll_page(request, election, error=_("请填写同户成员的居民档案编号。"), status=422)
    return _action(request, election, lambda: roll_services.voter_replace(
        actor=request.user, election=election, voter=row, resident=ids[0]),
        lambda v: _("%(name)s 已代表本户") % {"name": v.name})


def _objections_page(request: HttpRequest, election: Election, *, form: ObjectionForm | None = None,
                     answer_forms: dict[int, AnswerForm] | None = None, status: int = 200) -> HttpResponse:
    deadlines, day = roll_deadlines(election), today()
    rows: list[Any] = list(objection_list(viewer=request.user, election=election))
    can_run = policies.can_run(request.user, election.area_code)
    open_stage = election.stage == Stage.ROLL_PUBLISHED
    for o in rows:
        o.due = deadlines.answer_due(o)
        o.overdue = deadlines.overdue(o, day)
        o.late = deadlines.late(o)
        if can_run and open_stage and o.decision == ObjectionDecision.PENDING:
            o.answer_form = (answer_forms or {}).get(o.pk) or AnswerForm(auto_id=f"a{o.pk}_%s")
    context = {
        "election": election,
        "rows": rows,
        "deadlines": deadlines,
        "today": day,
        "can_run": can_run,
        "can_file": can_run and open_stage and deadlines.objections_open(day),
        "form": form or ObjectionForm(),
        "overdue": sum(1 for o in rows if o.overdue),
        "crumbs": [*_crumbs(election), (reverse("elections:roll", args=[election.pk]), _("选民名单"))],
    }
    return render(request, "elections/roll/objections.html", context, status=status)


@login_required
def objections(request: HttpRequest, pk: int) -> HttpResponse:
    election = _election(request, pk)
    if request.method != "POST":
        return _objections_page(request, election)
    _require_run(request, election)
    form = ObjectionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        row = run_service(form, lambda: objection_services.objection_file(
            actor=request.user, election=election, kind=data["kind"], filed_by_name=data["filed_by_name"],
            reason=data["reason"], subject_voter=data["subject_voter_id"],
            subject_resident=data["subject_resident_id"]))
        if row is not None:
            messages.success(request, _("已登记 %(name)s 提出的异议") % {"name": row.filed_by_name})
            return redirect("elections:objections", pk=election.pk)
    return _objections_page(request, election, form=form, status=form_status(form))


@login_required
@require_POST
def objection_answer(request: HttpRequest, pk: int, oid: int) -> HttpResponse:
    election = _election(request, pk)
    objection = objection_get(viewer=request.user, election=election, pk=oid)
    _require_run(request, election)
    form = AnswerForm(request.POST, auto_id=f"a{objection.pk}_%s")
    if form.is_valid():
        data = form.cleaned_data
        row = run_service(form, lambda: objection_services.objection_answer(
            actor=request.user, election=election, objection=objection, decision=data["decision"],
            answer=data["answer"]))
        if row is not None:
            messages.success(request, _("已答复 %(name)s 提出的异议") % {"name": row.filed_by_name})
            return redirect("elections:objections", pk=election.pk)
    return _objections_page(request, election, answer_forms={objection.pk: form}, status=form_status(form))


def _public_roll_page(request: HttpRequest, election: Election, *, form: MyObjectionForm | None = None,
                      status: int = 200) -> HttpResponse:
    deadlines = roll_deadlines(election)
    context = {
        "election": election, "rows": public_roll(election), "deadlines": deadlines,
        "can_object": policies.can_vote(request.user, election.area_code)
        and election.stage == Stage.ROLL_PUBLISHED and deadlines.objections_open(today()),
        "mine": my_objections(viewer=request.user, election=election),
        "form": form or MyObjectionForm(),
    }
    return render(request, "elections/roll/public.html", context, status=status)


def public_roll_view(request: HttpRequest, pk: int) -> HttpResponse:
    """No login: the published roll with voter numbers, names, sex, age and group only. A resident of the
    community, logged in, may also object to it online while objections are open, and sees the answers."""
    return _public_roll_page(request, election_public_get(pk=pk))


@login_required
@require_POST
def public_roll_object(request: HttpRequest, pk: int) -> HttpResponse:
    election = election_public_get(pk=pk)
    form = MyObjectionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        row = run_service(form, lambda: objection_services.objection_file_mine(
            actor=request.user, election=election, kind=data["kind"], reason=data["reason"],
            subject_voter=data["subject_voter_id"]))
        if row is not None:
            messages.success(request, _("您的异议已提交，选举委员会将在规定期限内答复。"))
            return redirect("elections:public_roll", pk=election.pk)
    return _public_roll_page(request, election, form=form, status=form_status(form))


urlpatterns: list[URLPattern] = [
    path("<int:pk>/roll/", roll, name="roll"),
    path("<int:pk>/roll/generate/", roll_generate, name="roll_generate"),
    path("<int:pk>/roll/add/", roll_add, name="roll_add"),
    path("<int:pk>/roll/<int:voter>/exclude/", roll_exclude, name="roll_exclude"),
    path("<int:pk>/roll/<int:voter>/include/", roll_include, name="roll_include"),
    path("<int:pk>/roll/<int:voter>/replace/", roll_replace, name="roll_replace"),
    path("<int:pk>/roll/representatives/", roll_representatives, name="roll_representatives"),
    path("<int:pk>/roll/publish/", roll_publish, name="roll_publish"),
    path("<int:pk>/roll/freeze/", roll_freeze, name="roll_freeze"),
    path("<int:pk>/objections/", objections, name="objections"),
    path("<int:pk>/objections/<int:oid>/answer/", objection_answer, name="objection_answer"),
    path("public/<int:pk>/roll/", public_roll_view, name="public_roll"),
    path("public/<int:pk>/roll/objections/", public_roll_object, name="public_roll_object"),
]
