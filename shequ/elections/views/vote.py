"""Online voting pages: the resident's elections, the ballot (fill → confirm → receipt shown once) and the
public receipt check. Thin: parse the form → selector/service → render."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from shequ.core.errors import ApplicationError, NotFound, PermissionDenied
from shequ.elections.selectors.online import BallotView, ballot_get, my_elections
from shequ.elections.services.online import ballot_cast, ballot_validate, receipt_check

CHOICE_LABELS = {"F": gettext_lazy("赞成"), "A": gettext_lazy("反对"), "N": gettext_lazy("弃权")}


@login_required
def my_elections_page(request: HttpRequest) -> HttpResponse:
    return render(request, "elections/vote/my_elections.html", {"rows": my_elections(viewer=request.user)})


def _parse(request: HttpRequest, view: BallotView) -> tuple[dict[int, str], dict[str, list[str]]]:
    """Radio `c<candidate id>` = F/A/N (missing: abstain) and text `w_<seat>` (repeated) for write-ins."""
    choices: dict[int, str] = {}
    write_ins: dict[str, list[str]] = {}
    for block in view.blocks:
        for c in block.candidates:
            value = request.POST.get(f"c{c.pk}", "N")
            choices[c.pk] = value
        names = [n.strip() for n in request.POST.getlist(f"w_{block.seat}") if n.strip()]
        if names:
            write_ins[block.seat] = names
    return choices, write_ins


def _prefill(view: BallotView, choices: dict[int, str], write_ins: dict[str, list[str]]) -> None:
    """Put the voter's choices back on the candidates and seat blocks, for the form and its read-back."""
    for b in view.blocks:
        for c in b.candidates:
            c.choice = choices.get(c.pk, "N")  # type: ignore[attr-defined]
            c.choice_label = CHOICE_LABELS.get(c.choice, CHOICE_LABELS["N"])  # type: ignore[attr-defined]
        given = write_ins.get(b.seat, [])
        b.write_ins = given  # type: ignore[attr-defined]
        b.write_in_fields = (given + [""] * b.seats)[:max(b.seats, len(given))]  # type: ignore[attr-defined]


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def vote_page(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the ballot (or why one may not vote). POST step=review: the choices read back for confirmation.
    POST step=cast: the ballot is cast and the receipt code shown once (never stored in clear)."""
    view = ballot_get(viewer=request.user, pk=pk)
    context: dict[str, Any] = {"view": view, "election": view.election}
    if request.method == "GET" or not view.can_vote:
        _prefill(view, {}, {})
        status = 200 if request.method == "GET" else (view.refusal.status if view.refusal else 409)
        return render(request, "elections/vote/ballot.html", context, status=status)
    choices, write_ins = _parse(request, view)
    _prefill(view, choices, write_ins)
    step = request.POST.get("step", "review")
    try:
        if step == "edit":
            return render(request, "elections/vote/ballot.html", context)
        if step == "cast":
            code = ballot_cast(actor=request.user, election=view.election, choices=choices, write_ins=write_ins)
            return render(request, "elections/vote/cast.html", {**context, "code": code})
        ballot_validate(actor=request.user, election=view.election, choices=choices, write_ins=write_ins)
        return render(request, "elections/vote/confirm.html", context)
    except (NotFound, PermissionDenied):
        raise
    except ApplicationError as exc:
        context["error"] = exc
        if exc.code == "already_voted":
            view.voted = True
        return render(request, "elections/vote/ballot.html", context, status=exc.status)


def receipt_page(request: HttpRequest) -> HttpResponse:
    """Public (no login): anyone holding a receipt code sees how that ballot was recorded, and nothing else."""
    code = request.GET.get("code", "").strip()[:40]
    found = receipt_check(code) if code else None
    return render(request, "elections/vote/receipt.html", {"code": code, "found": found},
                  status=404 if code and found is None else 200)


urlpatterns = [
    path("vote/", my_elections_page, name="my_elections"),
    path("<int:pk>/vote/", vote_page, name="vote"),
    path("receipt/", receipt_page, name="receipt"),
]
