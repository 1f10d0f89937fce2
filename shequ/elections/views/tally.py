"""Paper-ballot pages: open the vote, the boxes of the open round (states, create, delete), the tally sheet entry
form (entry 1, entry 2 by another user, or a correction of one's own) and reconciliation (both entries side by
side, the differences highlighted). Thin: parse → selector/service → render; a refusal is shown on the page with
its status and each message next to the field or candidate it names."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import ApplicationError, NotFound, PermissionDenied
from shequ.elections import policies
from shequ.elections.models import (
    BallotBox,
    BoxKind,
    Candidate,
    Election,
    RoundStatus,
    SeatKind,
    Stage,
    TallySheet,
    seat_label,
)
from shequ.elections.rules import election_params, number
from shequ.elections.selectors.common import election_get
from shequ.elections.selectors.tally import (
    ACCEPTED,
    DISAGREE,
    box_get,
    box_list,
    open_round,
    round_candidates,
    sheet_rows,
    sheet_warnings,
)
from shequ.elections.services.boxes import BOX_STAGES, box_create, box_delete
from shequ.elections.services.tally import COUNT_FIELDS, FIELD_LABELS, MARK_LABELS, box_reconcile, sheet_enter
from shequ.elections.services.voting import voting_open

WRITE_IN_ROWS = 2  # blank write-in lines offered per seat kind
WRITE_IN_MAX = 30


def _crumbs(election: Election, *extra: tuple[str, str]) -> list[tuple[str, str]]:
    return [(reverse("elections:index"), _("换届选举")),
            (reverse("elections:detail", args=[election.pk]), election.title), *extra]


def _refused(exc: ApplicationError) -> tuple[str, dict[str, list[str]], int]:
    details = exc.details if isinstance(exc.details, dict) else {}
    errors = {str(k): [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in details.items()
              if isinstance(v, (list, str))}
    return str(exc.message), errors, exc.status


# -- boxes -------------------------------------------------------------------------------------------


def _boxes_page(request: HttpRequest, election: Election, *, error: str = "",
                errors: dict[str, list[str]] | None = None, values: dict[str, str] | None = None,
                status: int = 200) -> HttpResponse:
    can_run = policies.can_run(request.user, election.area_code)
    round_ = open_round(election)
    boxes = box_list(viewer=request.user, election=election)
    for box in boxes:
        box.entries = list(box.sheets.all())  # type: ignore[attr-defined]
        box.accepted = box.state in ACCEPTED  # type: ignore[attr-defined]
    context = {
        "election": election,
        "round": round_,
        "boxes": boxes,
        "can_run": can_run,
        "can_open": can_run and election.stage == Stage.CANDIDATES_PUBLISHED,
        "can_create": can_run and election.stage in BOX_STAGES and round_ is not None,
        "voting": election.stage == Stage.VOTING,
        "kinds": BoxKind.choices,
        "staff_min": number(election_params(election), "mobile_box_staff_min"),
        "error": error,
        "errors": errors or {},
        "values": values or {"kind": str(BoxKind.CENTRAL)},
        "all_accepted": bool(boxes) and all(b.state in ACCEPTED for b in boxes),  # type: ignore[attr-defined]
        "crumbs": _crumbs(election),
    }
    return render(request, "elections/tally/boxes.html", context, status=status)


@login_required
def boxes(request: HttpRequest, pk: int) -> HttpResponse:
    election = election_get(viewer=request.user, pk=pk)
    if request.method != "POST":
        return _boxes_page(request, election)
    values = {k: request.POST.get(k, "").strip() for k in ("name", "kind", "staff", "voters_assigned")}
    try:
        box = box_create(actor=request.user, election=election, name=values["name"], kind=values["kind"],
                         staff=values["staff"], voters_assigned=values["voters_assigned"] or None)
    except (NotFound, PermissionDenied):
        raise
    except ApplicationError as exc:
        message, errors, status = _refused(exc)
        return _boxes_page(request, election, error=message, errors=errors, values=values, status=status)
    messages.success(request, _("已设立票箱“%(name)s”") % {"name": box.name})
    return redirect("elections:boxes", pk=election.pk)


@login_required
@require_POST
def open_voting(request: HttpRequest, pk: int) -> HttpResponse:
    election = election_get(viewer=request.user, pk=pk)
    try:
        voting_open(actor=request.user, election=election)
    except (NotFound, PermissionDenied):
        raise
    except ApplicationError as exc:
        message, _errors, status = _refused(exc)
        return _boxes_page(request, election, error=message, status=status)
    messages.success(request, _("投票已开始。"))
    return redirect("elections:boxes", pk=election.pk)


@login_required
@require_POST
def delete_box(request: HttpRequest, pk: int, box: int) -> HttpResponse:
    election = election_get(viewer=request.user, pk=pk)
    row = box_get(viewer=request.user, election=election, pk=box)
    try:
        box_delete(actor=request.user, box=row)
    except (NotFound, PermissionDenied):
        raise
    except ApplicationError as exc:
        message, _errors, status = _refused(exc)
        return _boxes_page(request, election, error=message, status=status)
    messages.success(request, _("已删除票箱“%(name)s”") % {"name": row.name})
    return redirect("elections:boxes", pk=election.pk)


# -- the figures form shared by entry and reconciliation ----------------------------------------------


@dataclass
class CandidateRow:
    candidate: Candidate
    inputs: list[tuple[str, str, str]]  # (field name, label, value)
    errors: list[str]


@dataclass
class WriteInRow:
    name_field: str
    votes_field: str
    name: str
    votes: str


@dataclass
class SeatGroup:
    seat: str
    label: str
    seats: int
    candidates: list[CandidateRow] = field(default_factory=list)
    write_ins: list[WriteInRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _seats(box: BallotBox) -> list[tuple[str, int]]:
    seats = box.round.seats or {}
    return [(s, int(seats[s])) for s in SeatKind.values if seats.get(s)]


def _values_of(row: Any) -> dict[str, str]:
    """Form values from a saved entry or tally."""
    values = {f: str(getattr(row, f)) for f in COUNT_FIELDS}
    for cid, triple in (row.marks or {}).items():
        for i, v in enumerate(triple):
            values[f"c{cid}_{i}"] = str(v)
    for seat, names in (row.write_ins or {}).items():
        for n, (name, votes) in enumerate(sorted(names.items())):
            values[f"wi_{seat}_{n}_name"], values[f"wi_{seat}_{n}_votes"] = name, str(votes)
    return values


def _parse(post: Any, candidates: list[Candidate], seats: list[tuple[str, int]], *,
           body: str = "") -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The posted figures as the service takes them (raw text: the service says what is wrong with it)."""
    errors: dict[str, list[str]] = {}
    marks = {str(c.pk): [post.get(f"c{c.pk}_{i}", "").strip() for i in range(3)] for c in candidates}
    write_ins: dict[str, dict[str, str]] = {}
    for seat, _n in seats:
        entry: dict[str, str] = {}
        for n in range(WRITE_IN_MAX):
            name = post.get(f"wi_{seat}_{n}_name", "").strip()
            votes = post.get(f"wi_{seat}_{n}_votes", "").strip()
            if not name and not votes:
                continue
            if name in entry:
                errors.setdefault(f"write_ins.{seat}", []).append(
                    _("另选他人（%(seat)s）%(name)s 填写了两次。") % {"seat": seat_label(seat, body), "name": name})
            entry[name] = votes
        if entry:
            write_ins[seat] = entry
    figures = {f: post.get(f, "").strip() for f in COUNT_FIELDS}
    return {**figures, "marks": marks, "write_ins": write_ins}, errors


def _form(box: BallotBox, candidates: list[Candidate], values: dict[str, str],
          errors: dict[str, list[str]], *, body: str = "") -> dict[str, Any]:
    groups = []
    for seat, count in _seats(box):
        group = SeatGroup(seat=seat, label=seat_label(seat, body), seats=count,
                          errors=[*errors.get(f"seat.{seat}", []), *errors.get(f"write_ins.{seat}", [])])
        for c in candidates:
            if c.seat == seat:
                inputs = [(f"c{c.pk}_{i}", str(MARK_LABELS[i]), values.get(f"c{c.pk}_{i}", "")) for i in range(3)]
                group.candidates.append(CandidateRow(candidate=c, inputs=inputs, errors=errors.get(f"marks.{c.pk}",
                                                                                                     [])))
        used = [n for n in range(WRITE_IN_MAX) if values.get(f"wi_{seat}_{n}_name") or values.get(
            f"wi_{seat}_{n}_votes")]
        for n in range((max(used) + 1 if used else 0) + WRITE_IN_ROWS):
            group.write_ins.append(WriteInRow(name_field=f"wi_{seat}_{n}_name", votes_field=f"wi_{seat}_{n}_votes",
                                              name=values.get(f"wi_{seat}_{n}_name", ""),
                                              votes=values.get(f"wi_{seat}_{n}_votes", "")))
        groups.append(group)
    counts = [(f, str(FIELD_LABELS[f]), values.get(f, ""), errors.get(f, [])) for f in COUNT_FIELDS]
    return {"counts": counts, "groups": groups, "mark_labels": [str(m) for m in MARK_LABELS],
            "general_errors": [*errors.get("marks", []), *errors.get("write_ins", [])],
            "note_errors": errors.get("note", [])}


def _box_for_run(request: HttpRequest, pk: int, box: int) -> tuple[Election, BallotBox]:
    election = election_get(viewer=request.user, pk=pk)
    policies.require_run(request.user, election.area_code)
    return election, box_get(viewer=request.user, election=election, pk=box)


def _closed(election: Election, box: BallotBox) -> bool:
    """Entries are made while the election is voting and the box's round is still open."""
    return election.stage != Stage.VOTING or box.round.status != RoundStatus.OPEN


# -- the sheet entry ---------------------------------------------------------------------------------


@login_required
def sheet(request: HttpRequest, pk: int, box: int) -> HttpResponse:
    election, row = _box_for_run(request, pk, box)
    candidates = round_candidates(row.round)
    sheets: list[TallySheet] = list(row.sheets.all())
    mine = next((s for s in sheets if s.entered_by_id == request.user.pk), None)
    entry_no = mine.entry_no if mine else (None if len(sheets) >= 2 else (2 if any(s.entry_no == 1 for s in sheets)
                                                                            else 1))
    values = _values_of(mine) if mine else {}
    error, status = "", 200
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        figures, errors = _parse(request.POST, candidates, _seats(row), body=election.body)
        values = {k: str(v).strip() for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
        if errors:
            error, status = next(iter(errors.values()))[0], 422
        else:
            try:
                saved = sheet_enter(actor=request.user, box=row, **figures)
            except (NotFound, PermissionDenied):
                raise
            except ApplicationError as exc:
                error, errors, status = _refused(exc)
            else:
                state = box_get(viewer=request.user, election=election, pk=row.pk).state  # type: ignore[attr-defined]
                done = _("已保存票箱“%(name)s”的第 %(n)s 次录入。") % {"name": row.name, "n": saved.entry_no}
                messages.success(request, done)
                if state in ACCEPTED:
                    messages.success(request, _("两次录入一致，本票箱计票结果已确认。"))
                elif state == DISAGREE:
                    messages.warning(request, _("两次录入不一致，须核对纸质计票单。"))
                return redirect("elections:boxes", pk=election.pk)
    context = {
        "election": election,
        "box": row,
        "entry_no": entry_no,
        "correcting": mine is not None,
        "accepted": row.state in ACCEPTED,  # type: ignore[attr-defined]
        "closed": _closed(election, row),
        "warnings": sheet_warnings(mine) if mine else [],
        "error": error,
        "crumbs": _crumbs(election, (reverse("elections:boxes", args=[election.pk]), _("票箱与计票单"))),
        **_form(row, candidates, values, errors, body=election.body),
    }
    return render(request, "elections/tally/sheet.html", context, status=status)


# -- reconciliation ----------------------------------------------------------------------------------


@login_required
def reconcile(request: HttpRequest, pk: int, box: int) -> HttpResponse:
    election, row = _box_for_run(request, pk, box)
    candidates = round_candidates(row.round)
    sheets: list[TallySheet] = list(row.sheets.all())
    tally = getattr(row, "tally", None) if hasattr(row, "tally") else None
    source = tally if tally is not None and tally.reconciled else (sheets[0] if sheets else None)
    values = _values_of(source) if source is not None else {}
    note = tally.note if tally is not None else ""
    error, status = "", 200
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        figures, errors = _parse(request.POST, candidates, _seats(row), body=election.body)
        values = {k: str(v).strip() for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
        note = request.POST.get("note", "").strip()
        if errors:
            error, status = next(iter(errors.values()))[0], 422
        else:
            try:
                box_reconcile(actor=request.user, box=row, note=note, **figures)
            except (NotFound, PermissionDenied):
                raise
            except ApplicationError as exc:
                error, errors, status = _refused(exc)
            else:
                messages.success(request, _("票箱“%(name)s”已核对，计票结果已确认。") % {"name": row.name})
                return redirect("elections:boxes", pk=election.pk)
    rows = sheet_rows(row, candidates)
    context = {
        "election": election,
        "box": row,
        "sheets": sheets,
        "sheet_warnings": [(s.entry_no, sheet_warnings(s)) for s in sheets],
        "rows": rows,
        "differences": sum(1 for r in rows if r.any_differs),
        "tally": tally,
        "can_reconcile": (len(sheets) == 2 and row.state in (DISAGREE, "reconciled")  # type: ignore[attr-defined]
                          and not _closed(election, row)),
        "note": note,
        "error": error,
        "seat_labels": {s: seat_label(s, election.body) for s in SeatKind.values},
        "crumbs": _crumbs(election, (reverse("elections:boxes", args=[election.pk]), _("票箱与计票单"))),
        **_form(row, candidates, values, errors, body=election.body),
    }
    return render(request, "elections/tally/reconcile.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("<int:pk>/voting/open/", open_voting, name="voting_open"),
    path("<int:pk>/boxes/", boxes, name="boxes"),
    path("<int:pk>/boxes/<int:box>/delete/", delete_box, name="box_delete"),
    path("<int:pk>/boxes/<int:box>/sheet/", sheet, name="sheet"),
    path("<int:pk>/boxes/<int:box>/reconcile/", reconcile, name="reconcile"),
]
