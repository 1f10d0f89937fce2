"""Results as the pages and the API show them: rounds with their figures, candidates by seat, what each number
means in words. The election is already read through a scoped selector (`election_get`/`election_public_get`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext as _

from shequ.elections import aggregate
from shequ.elections.models import BallotBox, Candidate, CandidateStatus, Election, Round, SeatKind, Stage, seat_label

SEAT_ORDER: list[str] = list(SeatKind.values)
_SEAT_RANK = Case(*[When(seat=s, then=Value(i)) for i, s in enumerate(SEAT_ORDER)], output_field=IntegerField())


def turnout_percent(result: dict[str, Any]) -> str:
    """Voted / registered as a percentage with one decimal ("" when nobody is registered)."""
    registered = int(result.get("registered") or 0)
    if registered <= 0:
        return ""
    pct = Decimal(int(result.get("voted") or 0) * 100) / Decimal(registered)
    return str(pct.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass
class SeatResult:
    seat: str
    label: str
    seats: int
    candidates: list[Candidate]


@dataclass
class RoundView:
    round: Round
    result: dict[str, Any]
    turnout: str
    seats: list[SeatResult]
    notes: list[str] = field(default_factory=list)  # unfilled, ties, vacancies, warnings — in words
    boxes: list[dict[str, Any]] = field(default_factory=list)  # open round: each box and whether its tally is in
    tied: set[Any] = field(default_factory=set)  # candidate ids tied at the cut-off (re-voted)


@dataclass
class Results:
    election: Election
    rounds: list[RoundView]
    elected: list[Candidate]

    @property
    def open_round(self) -> RoundView | None:
        return next((r for r in self.rounds if r.round.status == "open"), None)


def _names(ids: list[Any], by_id: dict[Any, Candidate]) -> str:
    return "、".join(by_id[i].name if i in by_id else str(i).split(":")[-1] for i in ids)


def round_notes(result: dict[str, Any], by_id: dict[Any, Candidate], *, body: str = "") -> list[str]:
    """The outcome of a counted round explained in words."""
    notes: list[str] = []
    if not result:
        return notes
    if not result.get("valid", True):
        return notes
    rule = result.get("threshold_rule") or ""
    threshold = result.get("threshold_votes", 0)
    if rule == "at_least":
        notes.append(_("另行选举：得票不少于 %(n)s 票即当选。") % {"n": threshold})
    elif threshold:
        notes.append(_("得票须达到 %(n)s 票方能当选。") % {"n": threshold})
    for seat, n in (result.get("unfilled") or {}).items():
        notes.append(_("%(seat)s尚缺 %(n)s 名，没有候选人得票达到当选票数或出现票数相等。") % {
            "seat": seat_label(seat, body), "n": n})
    for group in result.get("ties") or []:
        notes.append(_("%(names)s 得票相等，不能确定当选人，须就他们再次投票。") % {"names": _names(group, by_id)})
    if result.get("blocked"):
        notes.append(_("%(names)s 与已当选的人是近亲属，按规则不能同时当选。") % {
            "names": _names(result["blocked"], by_id)})
    for seat, n in (result.get("vacant") or {}).items():
        notes.append(_("%(seat)s空缺 %(n)s 名：已没有可参加另行选举的候选人。")
                     % {"seat": seat_label(seat, body), "n": n})
    warnings = result.get("warnings") or []
    if "women" in warnings:
        notes.append(_("当选成员中妇女人数少于规则要求：法律要求居民委员会成员中应当有妇女成员。"))
    if "close_relatives" in warnings:
        notes.append(_("当选成员中有近亲属，按规则予以提示。"))
    if result.get("next_round"):
        notes.append(_("已安排第 %(n)s 轮另行选举。") % {"n": result["next_round"]})
    return notes


def _boxes(round_: Round) -> list[dict[str, Any]]:
    missing = {b.pk for b in aggregate.boxes_missing_tally(round_)}
    return [{"name": b.name, "kind": b.get_kind_display(), "ready": b.pk not in missing}
            for b in BallotBox.objects.filter(round=round_).order_by("id")]


def elected_list(election: Election) -> list[Candidate]:
    """Everyone elected in any round, by seat (director, deputy, member), then votes."""
    return list(
        Candidate.objects.filter(election=election, elected=True)
        .annotate(seat_rank=_SEAT_RANK)
        .select_related("round")
        .order_by("seat_rank", "-votes_for", "round__number", "position")
    )


def results_for(election: Election, *, boxes: bool = True) -> Results:
    rounds = list(election.rounds.order_by("number"))
    candidates = list(
        Candidate.objects.filter(election=election, round__in=rounds)
        .exclude(status__in=[CandidateStatus.WITHDRAWN, CandidateStatus.REJECTED, CandidateStatus.NOMINATED])
        .annotate(seat_rank=_SEAT_RANK)
        .order_by("round__number", "seat_rank", "-votes_for", "position")
    )
    by_round: dict[int, list[Candidate]] = {}
    for c in candidates:
        by_round.setdefault(c.round_id, []).append(c)
    views: list[RoundView] = []
    for r in rounds:
        rows = by_round.get(r.pk, [])
        by_id: dict[Any, Candidate] = {c.pk: c for c in rows}
        seats = [
            SeatResult(seat=s, label=seat_label(s, election.body), seats=int((r.seats or {}).get(s, 0)),
                       candidates=[c for c in rows if c.seat == s])
            for s in SEAT_ORDER if int((r.seats or {}).get(s, 0)) or any(c.seat == s for c in rows)
        ]
        view = RoundView(round=r, result=r.result or {}, turnout=turnout_percent(r.result or {}), seats=seats,
                         notes=round_notes(r.result or {}, by_id, body=election.body),
                         tied={i for group in (r.result or {}).get("ties") or [] for i in group})
        if boxes and r.status == "open" and election.stage == Stage.VOTING:
            view.boxes = _boxes(r)
        views.append(view)
    elected = elected_list(election)
    for person in elected:  # the results page's table of those elected
        person.seat_label = seat_label(person.seat, election.body)  # type: ignore[attr-defined]
    return Results(election=election, rounds=views, elected=elected)


def public_summary(election: Election) -> dict[str, Any]:
    """What anyone may see: the stage and day, and — once published — who was elected with their votes. Names,
    seats and votes only: no ID numbers, phones or birth dates."""
    data: dict[str, Any] = {
        "id": election.pk, "title": election.title, "community": election.community.name,
        "body": election.get_body_display(), "mode": election.get_mode_display(),
        "election_day": election.election_day.isoformat(), "stage": election.stage,
        "stage_label": election.get_stage_display(), "attempt": election.attempt,
        "void_reason": election.void_reason if election.stage == Stage.VOID else "",
        "published": election.stage == Stage.COMPLETED, "turnout": None, "elected": [],
    }
    if election.stage == Stage.COMPLETED:
        first = election.rounds.order_by("number").first()
        res = first.result if first else {}
        data["turnout"] = {"registered": res.get("registered", 0), "voted": res.get("voted", 0),
                           "percent": turnout_percent(res)}
        data["elected"] = [{"seat": c.seat, "seat_label": seat_label(c.seat, election.body), "name": c.name,
                            "votes": c.votes_for, "round": c.round.number} for c in elected_list(election)]
    return data
