"""The close-relatives section of the candidates page: the kinships declared for the election's community, the
candidates who are close relatives of each other, and (for the election committee) a form to declare a kinship the
registry does not show and a button to withdraw one. Thin: parse → service → back to the candidates page, or the
page again with the service's message on the form and its status."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shequ.core.errors import ApplicationError, NotFound, PermissionDenied
from shequ.elections import policies
from shequ.elections.models import Election, KinRelation
from shequ.elections.selectors import kinship as sel
from shequ.elections.selectors.common import election_get
from shequ.elections.services.kinship import kinship_declare, kinship_remove
from shequ.registry.forms import ServiceErrorsMixin
from shequ.registry.viewutils import form_status, run_service


class KinshipForm(ServiceErrorsMixin, forms.Form):
    error_map = {"resident_a": "resident_a_id", "resident_b": "resident_b_id", "note": "kin_note"}

    resident_a_id = forms.IntegerField(label=gettext_lazy("居民甲（居民档案编号）"), min_value=1)
    resident_b_id = forms.IntegerField(label=gettext_lazy("居民乙（居民档案编号）"), min_value=1)
    relation = forms.ChoiceField(label=gettext_lazy("亲属关系"), choices=KinRelation.choices)
    kin_note = forms.CharField(label=gettext_lazy("依据或说明"), max_length=200, required=False)


def page_context(request: HttpRequest, election: Election, form: KinshipForm | None = None,
                 error: str = "") -> dict[str, Any]:
    """What the candidates page needs for its close-relatives section."""
    return {
        "kinships": list(sel.kinship_list(viewer=request.user, election=election)),
        "candidate_pairs": sel.candidate_kin(viewer=request.user, election=election),
        "kinship_form": form or KinshipForm(),
        "kinship_error": error,
    }


def _page(request: HttpRequest, election: Election, *, form: KinshipForm | None = None, error: str = "",
          status: int = 200) -> HttpResponse:
    from shequ.elections.views.candidates import candidates_page

    return candidates_page(request, election, kinship_form=form, kinship_error=error, status=status)


@login_required
@require_POST
def declare(request: HttpRequest, pk: int) -> HttpResponse:
    election = election_get(viewer=request.user, pk=pk)
    policies.require_run(request.user, election.area_code)
    form = KinshipForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        row = run_service(form, lambda: kinship_declare(
            actor=request.user, election=election, resident_a=data["resident_a_id"],
            resident_b=data["resident_b_id"], relation=data["relation"], note=data["kin_note"]))
        if row is not None:
            messages.success(request, _("已登记 %(a)s 与 %(b)s 为近亲属") % {
                "a": row.resident_a.name, "b": row.resident_b.name})
            return redirect("elections:candidates", pk=election.pk)
    return _page(request, election, form=form, status=form_status(form))


@login_required
@require_POST
def remove(request: HttpRequest, pk: int, kid: int) -> HttpResponse:
    election = election_get(viewer=request.user, pk=pk)
    row = sel.kinship_get(viewer=request.user, election=election, pk=kid)
    try:
        kinship_remove(actor=request.user, election=election, kinship=row)
    except (NotFound, PermissionDenied):
        raise
    except ApplicationError as exc:
        return _page(request, election, error=str(exc.message), status=exc.status)
    messages.success(request, _("已撤销该近亲属登记"))
    return redirect("elections:candidates", pk=election.pk)


urlpatterns: list[URLPattern] = [
    path("<int:pk>/candidates/kinships/", declare, name="kinship_declare"),
    path("<int:pk>/candidates/kinships/<int:kid>/remove/", remove, name="kinship_remove"),
]
