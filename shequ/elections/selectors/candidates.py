"""Candidates and proxies as a viewer may see them; the margin status and the publication check the candidates
page, the publish service and the overview hub share; the public candidate list (no ID numbers, no phones)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from shequ.core.errors import NotFound
from shequ.elections import policies
from shequ.elections.deadlines import nomination_last_day
from shequ.elections.eligibility import age_on
from shequ.elections.kinship import kin_pairs
from shequ.elections.models import (
    Candidate,
    CandidateStatus,
    Election,
    Nomination,
    Proxy,
    Round,
    SeatKind,
    Stage,
    Voter,
    VoterStatus,
    seat_label,
)
from shequ.elections.rules import election_params, number
from shequ.registry.models import Sex

PUBLISHED_STAGES = (Stage.CANDIDATES_PUBLISHED, Stage.VOTING, Stage.COUNTED, Stage.COMPLETED, Stage.VOID)


def _pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


def nomination_deadline(election: Election) -> dt.date:
    """The last day to nominate and to publish the formal list (election day − the rule's days)."""
    return nomination_last_day(election)


# -- candidates ---------------------------------------------------------------------------------------------


@dataclass
class SeatGroup:
    seat: str
    label: str
    seats: int
    candidates: list[Candidate] = field(default_factory=list)


def _round(election: Election, round_: Round | int | None) -> Round:
    if isinstance(round_, Round):
        if round_.election_id != election.pk:
            raise NotFound()
        return round_
    number_ = 1 if round_ is None else _pk(round_)
    row = Round.objects.filter(election=election, number=number_).first()
    if row is None:
        raise NotFound()
    return row


def candidate_list(*, viewer: Any, election: Election, round: Round | int | None = None) -> list[SeatGroup]:
    """The candidates of a round (the first by default) grouped by seat, with their nominations."""
    policies.require_view(viewer, election.area_code)
    round_ = _round(election, round)
    rows = (
        Candidate.objects.filter(election=election, round=round_)
        .exclude(status=CandidateStatus.WRITE_IN)
        .prefetch_related(Prefetch("nominations", queryset=Nomination.objects.order_by("id")))
        .order_by("status", "position", "id")
    )
    by_seat: dict[str, list[Candidate]] = {}
    for row in rows:
        by_seat.setdefault(row.seat, []).append(row)
    order: dict[str, int] = {CandidateStatus.FORMAL: 0, CandidateStatus.NOMINATED: 1, CandidateStatus.WITHDRAWN: 2,
             CandidateStatus.REJECTED: 3}
    return [
        SeatGroup(seat=seat, label=seat_label(seat, election.body), seats=int(round_.seats.get(seat, 0)),
                  candidates=sorted(by_seat.get(seat, []), key=lambda c: (order.get(c.status, 9), c.position, c.pk)))
        for seat in SeatKind.values
        if round_.seats.get(seat, 0) or by_seat.get(seat)
    ]


def candidate_get(*, viewer: Any, election: Election, pk: Any) -> Candidate:
    policies.require_view(viewer, election.area_code)
    row = Candidate.objects.filter(election=election, pk=_pk(pk)).select_related("election").first()
    if row is None:
        raise NotFound()
    return row


@dataclass
class SeatMargin:
    seat: str
    label: str
    seats: int
    formal: int
    low: int
    high: int
    women: int

    @property
    def ok(self) -> bool:
        return self.low <= self.formal <= self.high


@dataclass
class MarginStatus:
    seats: list[SeatMargin]
    women: int
    women_min: int
    deadline: dt.date

    @property
    def ok(self) -> bool:
        return self.women >= self.women_min and all(s.ok for s in self.seats)


def margin_status(election: Election) -> MarginStatus:
    """Per seat kind: seats, formal candidates, the allowed range (seats + margin_min … seats + margin_max; none
    for a seat kind without seats) and women; for the candidates page and the overview hub."""
    values = election_params(election)
    round_ = _round(election, None)
    counts: dict[str, dict[str, Any]] = {
        row["seat"]: dict(row)
        for row in Candidate.objects.filter(round=round_, status=CandidateStatus.FORMAL)
        .values("seat")
        .annotate(n=Count("id"), women=Count("id", filter=Q(sex=Sex.FEMALE)))
    }
    seats: list[SeatMargin] = []
    for seat in SeatKind.values:
        n_seats = int(round_.seats.get(seat, 0))
        low = n_seats + number(values, f"margin_{seat}_min") if n_seats else 0
        high = n_seats + number(values, f"margin_{seat}_max") if n_seats else 0
        row: dict[str, Any] = counts.get(seat, {})
        if not n_seats and not row:
            continue
        seats.append(SeatMargin(seat=seat, label=seat_label(seat, election.body), seats=n_seats, formal=row.get("n", 0),
                                low=low, high=high, women=row.get("women", 0)))
    return MarginStatus(seats=seats, women=sum(s.women for s in seats), women_min=number(values, "women_min"),
                        deadline=nomination_deadline(election))


@dataclass
class PublicationCheck:
    errors: dict[str, list[str]]
    warnings: list[str]
    margins: MarginStatus


def _relatives(election: Election) -> list[tuple[Candidate, Candidate]]:
    """Pairs of formal candidates who are close relatives (registry-derived or declared, `kinship.kin_pairs`)."""
    rows = list(Candidate.objects.filter(round__election=election, round__number=1, status=CandidateStatus.FORMAL,
                                         resident_id__isnull=False).order_by("id"))
    kin = kin_pairs(community_id=election.community_id, resident_ids=[r.resident_id for r in rows if r.resident_id])
    return [(a, b) for a, b in combinations(rows, 2)
            if a.resident_id and b.resident_id and frozenset((a.resident_id, b.resident_id)) in kin]


def publication_check(election: Election, day: dt.date) -> PublicationCheck:
    """Everything that stops the formal list from being published (per seat, all at once) and what only warns."""
    values = election_params(election)
    margins = margin_status(election)
    errors: dict[str, list[str]] = {}
    warnings: list[str] = []
    for s in margins.seats:
        if s.ok:
            continue
        if not s.seats:
            message = _("本次选举不设%(seat)s，不能有%(seat)s候选人（现有 %(n)s 人）。") % {
                "seat": s.label, "n": s.formal}
        elif s.low == s.high:
            message = _("%(seat)s应选 %(seats)s 人，正式候选人应为 %(low)s 人，现有 %(n)s 人。") % {
                "seat": s.label, "seats": s.seats, "low": s.low, "n": s.formal}
        else:
            message = _("%(seat)s应选 %(seats)s 人，正式候选人应为 %(low)s 至 %(high)s 人，现有 %(n)s 人。") % {
                "seat": s.label, "seats": s.seats, "low": s.low, "high": s.high, "n": s.formal}
        errors[s.seat] = [message]
    if margins.women < margins.women_min:
        errors["women"] = [_("正式候选人中妇女至少应有 %(min)s 人，现有 %(n)s 人。") % {
            "min": margins.women_min, "n": margins.women}]
    block = number(values, "close_relatives_block") == 1
    for pair in _relatives(election):
        names = "、".join(c.name for c in pair)
        if block:
            errors.setdefault("relatives", []).append(
                _("%(names)s 为近亲属，按规则不能同时作为正式候选人。") % {"names": names})
        else:
            warnings.append(_("%(names)s 为近亲属，请注意不得同时当选。") % {"names": names})
    pending = Candidate.objects.filter(round__election=election, round__number=1,
                                       status=CandidateStatus.NOMINATED).count()
    if pending:
        warnings.append(_("还有 %(n)s 名被提名人未确定是否为正式候选人，不会列入名单。") % {"n": pending})
    if day > margins.deadline:
        errors["deadline"] = [
            _("正式候选人名单应不迟于 %(day)s 公布，已超过期限。") % {"day": margins.deadline.isoformat()}]
    return PublicationCheck(errors=errors, warnings=warnings, margins=margins)


# -- the public list ----------------------------------------------------------------------------------------


@dataclass
class PublicCandidate:
    name: str
    sex: str  # the label (男 / 女), as the page shows it
    age: int | None
    birth_year: int | None
    seat: str
    seat_label: str
    incumbent: bool
    ballot_position: int = 0  # 1, 2, … within the seat kind, in ballot order (the page's 序号)
    sex_code: str = ""  # M / F (registry.Sex)


def public_candidates(election: Election) -> list[PublicCandidate]:
    """The formal candidates once published, by seat kind (director, deputy, member) and ballot order: name, sex,
    age on election day, seat, incumbent and the position on the seat's ballot — nothing else. NotFound before
    publication."""
    if election.stage not in PUBLISHED_STAGES:
        raise NotFound()
    rows = Candidate.objects.filter(round__election=election, round__number=1, status=CandidateStatus.FORMAL)
    seen: dict[str, int] = {}
    out: list[PublicCandidate] = []
    for c in rows.order_by("position", "id"):
        seen[c.seat] = seen.get(c.seat, 0) + 1
        out.append(PublicCandidate(
            name=c.name, sex=str(Sex(c.sex).label) if c.sex in Sex.values else "",
            age=age_on(c.birth_date, election.election_day) if c.birth_date else None,
            birth_year=c.birth_date.year if c.birth_date else None, seat=c.seat,
            seat_label=seat_label(c.seat, election.body),
            incumbent=c.incumbent, ballot_position=seen[c.seat], sex_code=c.sex if c.sex in Sex.values else "",
        ))
    seats = list(SeatKind.values)
    return sorted(out, key=lambda p: (seats.index(p.seat), p.ballot_position))


# -- the roll, looked up by name for the forms ------------------------------------------------------------------


def roll_lookup(*, viewer: Any, election: Election, q: str, limit: int = 10) -> list[Voter]:
    policies.require_view(viewer, election.area_code)
    q = str(q or "").strip()[:50]
    if not q:
        return []
    qs = Voter.objects.filter(election=election, status=VoterStatus.ON_ROLL)
    qs = qs.filter(pk=int(q)) if q.isdigit() else qs.filter(name__contains=q)
    return list(qs.order_by("name", "id")[:limit])


def voter_get(*, viewer: Any, election: Election, pk: Any) -> Voter:
    policies.require_view(viewer, election.area_code)
    row = Voter.objects.filter(election=election, pk=_pk(pk)).first()
    if row is None:
        raise NotFound()
    return row


# -- proxies ----------------------------------------------------------------------------------------------------


@dataclass
class HolderCount:
    voter_id: int
    name: str
    count: int


def proxy_list(*, viewer: Any, election: Election) -> QuerySet[Proxy]:
    policies.require_view(viewer, election.area_code)
    return Proxy.objects.filter(election=election).select_related("grantor", "holder").order_by("holder__name", "id")


def proxy_get(*, viewer: Any, election: Election, pk: Any) -> Proxy:
    row = proxy_list(viewer=viewer, election=election).filter(pk=_pk(pk)).first()
    if row is None:
        raise NotFound()
    return row


def proxy_holder_counts(*, viewer: Any, election: Election) -> list[HolderCount]:
    """Each holder with the number of proxies held, most first."""
    policies.require_view(viewer, election.area_code)
    rows = (
        Proxy.objects.filter(election=election)
        .values("holder_id", "holder__name")
        .annotate(n=Count("id"))
        .order_by("-n", "holder__name", "holder_id")
    )
    return [HolderCount(voter_id=r["holder_id"], name=r["holder__name"], count=r["n"]) for r in rows]
