"""Policy set pages: the list, a set's timeline of versions with its parameters side by side (changes
highlighted), and the forms for a new version and for editing one (city administrators).

Thin: parse → policy_selectors / policy_services → render. Viewers without Perm.STANDARDS_VIEW get 404 from the
selectors; viewers who may read but not write get 403 on the forms.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import ApplicationError, NotFound, PermissionDenied
from shequ.standards import policy_selectors as selectors
from shequ.standards import policy_services as services
from shequ.standards.forms_policy import PolicyVersionForm, default_start, specs_of
from shequ.standards.models import PolicySet, PolicyVersion


def _display_name(policy_set: PolicySet) -> str:
    english = (get_language() or "").startswith("en")
    return policy_set.name_en if english and policy_set.name_en else policy_set.name


def _require_change(request: HttpRequest, policy_set: PolicySet) -> None:
    if not selectors.can_change_policy(request.user, policy_set):
        raise PermissionDenied()


@login_required
def policy_list(request: HttpRequest) -> HttpResponse:
    sets = list(selectors.policy_set_list(viewer=request.user))
    names = selectors.jurisdiction_names([s.jurisdiction_code for s in sets])
    today = timezone.localdate()
    rows = []
    for policy_set in sets:
        versions = list(policy_set.versions.all())
        current = selectors.version_in_force(versions, today)
        upcoming = [v for v in versions if v.effective_from > today]
        rows.append(
            {
                "set": policy_set,
                "name": _display_name(policy_set),
                "jurisdiction": names.get(policy_set.jurisdiction_code, ""),
                "current": current,
                "upcoming": upcoming[0] if upcoming else None,
                "count": len(versions),
            }
        )
    return render(request, "standards/policy_list.html", {"rows": rows})


@login_required
def policy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    policy_set = selectors.policy_set_get(viewer=request.user, pk=pk)
    versions = selectors.policy_versions(policy_set=policy_set)
    current = selectors.version_in_force(versions)
    can_change = selectors.can_change_policy(request.user, policy_set)
    latest = versions[-1] if versions else None
    context = {
        "set": policy_set,
        "name": _display_name(policy_set),
        "jurisdiction": selectors.jurisdiction_names([policy_set.jurisdiction_code]).get(
            policy_set.jurisdiction_code, ""
        ),
        # Newest first, like the timeline: on a phone the first column visible is the current one.
        "versions": list(reversed(versions)),
        "current": current,
        "latest": latest,
        # Only the latest version may be deleted, and only if it judged nothing (asked of administrators only).
        "can_delete": bool(can_change and latest and not selectors.version_has_results(latest)),
        "matrix": selectors.parameter_matrix(versions, newest_first=True),
        "can_change": can_change,
    }
    return render(request, "standards/policy_detail.html", context)


def _run(form: PolicyVersionForm, call: Any) -> Any:
    """A service's validation errors land next to the fields; NotFound/PermissionDenied reach the error page."""
    try:
        return call()
    except (NotFound, PermissionDenied):
        raise
    except ApplicationError as exc:
        form.add_service_error(exc)
        return None


def _render_form(request: HttpRequest, form: PolicyVersionForm, **context: Any) -> HttpResponse:
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "standards/policy_version_form.html", {"form": form, **context}, status=status)


@login_required
def policy_version_new(request: HttpRequest, pk: int) -> HttpResponse:
    policy_set = selectors.policy_set_get(viewer=request.user, pk=pk)
    _require_change(request, policy_set)
    versions = selectors.policy_versions(policy_set=policy_set)
    # The new version starts after the last one, so it starts from the last one's parameters (the current
    # version, unless a later one has already been scheduled).
    base = versions[-1] if versions else None
    initial: dict[str, Any] = {"effective_from": default_start(base, timezone.localdate())}
    if base is not None:
        initial["citation"] = base.citation
    form = PolicyVersionForm(request.POST or None, specs=specs_of(base), edit=False, initial=initial)
    if request.method == "POST" and form.is_valid():
        version = _run(
            form,
            lambda: services.policy_version_create(actor=request.user, policy_set=policy_set, **form.service_kwargs()),
        )
        if version is not None:
            messages.success(request, _("已新增第 %(n)s 版。") % {"n": version.number})
            return redirect("policies:detail", pk=policy_set.pk)
    return _render_form(
        request,
        form,
        set=policy_set,
        name=_display_name(policy_set),
        base=base,
        title=_("新增版本"),
    )


@login_required
def policy_version_edit(request: HttpRequest, pk: int) -> HttpResponse:
    version = selectors.policy_version_get(viewer=request.user, pk=pk)
    policy_set = version.policy_set
    _require_change(request, policy_set)
    initial = {
        "effective_from": version.effective_from,
        "effective_to": version.effective_to,
        "citation": version.citation,
        "note": version.note,
    }
    form = PolicyVersionForm(request.POST or None, specs=specs_of(version), edit=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = _run(
            form, lambda: services.policy_version_update(actor=request.user, version=version, **form.service_kwargs())
        )
        if saved is not None:
            messages.success(request, _("已保存第 %(n)s 版。") % {"n": version.number})
            return redirect("policies:detail", pk=policy_set.pk)
    judged = selectors.results_count(version)
    return _render_form(
        request,
        form,
        set=policy_set,
        name=_display_name(policy_set),
        version=version,
        judged=judged,
        title=_("编辑第 %(n)s 版") % {"n": version.number},
    )


@login_required
@require_POST
def policy_version_delete(request: HttpRequest, pk: int) -> HttpResponse:
    version: PolicyVersion = selectors.policy_version_get(viewer=request.user, pk=pk)
    policy_set = version.policy_set
    _require_change(request, policy_set)
    try:
        services.policy_version_delete(actor=request.user, version=version)
    except (NotFound, PermissionDenied):
        raise
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已删除第 %(n)s 版。") % {"n": version.number})
    return redirect("policies:detail", pk=policy_set.pk)
