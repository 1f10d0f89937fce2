"""/api/v1/elections/{id}/candidates and /proxies: nominate, decide, publish; record and revoke written proxies.
Thin: parse → selector/service → serialise. Candidates carry name, sex and birth date, never an ID number."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from shequ.core.roles import Perm
from shequ.elections.models import Candidate, Election, Proxy, Stage
from shequ.elections.rules import election_params, number
from shequ.elections.selectors import candidates as sel
from shequ.elections.selectors.common import election_get
from shequ.elections.services.common import today
from shequ.elections.services.nomination import candidate_nominate, candidate_set_status, candidates_publish
from shequ.elections.services.proxies import proxy_record, proxy_revoke

router = Router(tags=["elections"])


class NominationOut(Schema):
    id: int
    method: str
    nominator_ids: list[int]
    group_code: str
    nominated_on: dt.date
    note: str


class CandidateOut(Schema):
    id: int
    round: int
    seat: str
    resident_id: int | None
    voter_id: int | None
    name: str
    sex: str
    birth_date: dt.date | None
    incumbent: bool
    status: str
    status_reason: str
    position: int
    nominations: list[NominationOut]

    @staticmethod
    def build(c: Candidate) -> CandidateOut:
        return CandidateOut(
            id=c.pk, round=c.round.number, seat=c.seat, resident_id=c.resident_id, voter_id=c.voter_id, name=c.name,
            sex=c.sex, birth_date=c.birth_date, incumbent=c.incumbent, status=c.status,
            status_reason=c.status_reason, position=c.position,
            nominations=[
                NominationOut(id=n.pk, method=n.method, nominator_ids=list(n.nominator_ids or []),
                              group_code=n.group_code, nominated_on=n.nominated_on, note=n.note)
                for n in c.nominations.all()
            ],
        )


class SeatOut(Schema):
    seat: str
    label: str
    seats: int
    formal: int
    low: int = Field(description="Fewest formal candidates the rule allows")
    high: int = Field(description="Most formal candidates the rule allows")
    women: int
    candidates: list[CandidateOut]


class CandidatesOut(Schema):
    election_id: int
    stage: str
    deadline: dt.date = Field(description="Last day to nominate and to publish the formal list")
    women: int
    women_min: int
    seats: list[SeatOut]
    problems: dict[str, list[str]] = Field(description="What would stop publication today, per seat or rule")
    warnings: list[str]


class NominateIn(Schema):
    resident_id: int
    seat: str
    method: str
    nominator_ids: list[int] = []
    group_code: str = Field("", max_length=15)
    note: str = Field("", max_length=200)


class StatusIn(Schema):
    status: str
    reason: str = Field("", max_length=200)


class PublishOut(Schema):
    election_id: int
    stage: str
    candidates_published_on: dt.date | None
    warnings: list[str]


class ProxyOut(Schema):
    id: int
    grantor_id: int
    grantor_name: str
    holder_id: int
    holder_name: str
    written_on: dt.date
    note: str

    @staticmethod
    def build(p: Proxy) -> ProxyOut:
        return ProxyOut(id=p.pk, grantor_id=p.grantor_id, grantor_name=p.grantor.name, holder_id=p.holder_id,
                        holder_name=p.holder.name, written_on=p.written_on, note=p.note)


class HolderOut(Schema):
    voter_id: int
    name: str
    count: int


class ProxiesOut(Schema):
    election_id: int
    proxy_max: int
    holders: list[HolderOut]
    proxies: list[ProxyOut]


class ProxyIn(Schema):
    grantor_id: int
    holder_id: int
    written_on: dt.date
    note: str = Field("", max_length=200)


def _election(request: HttpRequest, election_id: int) -> Election:
    return election_get(viewer=request.user, pk=election_id, perm=Perm.ELECTIONS_VIEW)


def _candidate_out(request: HttpRequest, election: Election, pk: int) -> CandidateOut:
    row = sel.candidate_get(viewer=request.user, election=election, pk=pk)
    return CandidateOut.build(Candidate.objects.select_related("round").prefetch_related("nominations").get(pk=row.pk))


@router.get("/{election_id}/candidates", response=CandidatesOut, url_name="elections_candidates")
def list_candidates(request: HttpRequest, election_id: int) -> CandidatesOut:
    election = _election(request, election_id)
    groups = {g.seat: g for g in sel.candidate_list(viewer=request.user, election=election)}
    check = sel.publication_check(election, today())
    margins = check.margins
    seats = [
        SeatOut(seat=m.seat, label=m.label, seats=m.seats, formal=m.formal, low=m.low, high=m.high, women=m.women,
                candidates=[CandidateOut.build(c) for c in groups[m.seat].candidates] if m.seat in groups else [])
        for m in margins.seats
    ]
    return CandidatesOut(
        election_id=election.pk, stage=election.stage, deadline=margins.deadline, women=margins.women,
        women_min=margins.women_min, seats=seats,
        problems=check.errors if election.stage == Stage.ROLL_FROZEN else {},
        warnings=check.warnings if election.stage == Stage.ROLL_FROZEN else [],
    )


@router.post("/{election_id}/candidates", response={201: CandidateOut}, url_name="elections_candidates")
def nominate(request: HttpRequest, election_id: int, payload: NominateIn) -> Status:
    election = _election(request, election_id)
    candidate = candidate_nominate(
        actor=request.user, election=election, resident=payload.resident_id, seat=payload.seat,
        method=payload.method, nominator_ids=payload.nominator_ids, group_code=payload.group_code, note=payload.note,
    )
    return Status(201, _candidate_out(request, election, candidate.pk))


@router.post("/{election_id}/candidates/publish", response=PublishOut, url_name="elections_candidates_publish")
def publish(request: HttpRequest, election_id: int) -> PublishOut:
    election = candidates_publish(actor=request.user, election=_election(request, election_id))
    warnings: list[Any] = getattr(election, "publish_warnings", [])
    return PublishOut(election_id=election.pk, stage=election.stage,
                      candidates_published_on=election.candidates_published_on, warnings=[str(w) for w in warnings])


@router.post("/{election_id}/candidates/{cid}/status", response=CandidateOut, url_name="elections_candidate_status")
def set_status(request: HttpRequest, election_id: int, cid: int, payload: StatusIn) -> CandidateOut:
    election = _election(request, election_id)
    candidate = sel.candidate_get(viewer=request.user, election=election, pk=cid)
    candidate_set_status(actor=request.user, candidate=candidate, status=payload.status, reason=payload.reason)
    return _candidate_out(request, election, cid)


@router.get("/{election_id}/proxies", response=ProxiesOut, url_name="elections_proxies")
def list_proxies(request: HttpRequest, election_id: int) -> ProxiesOut:
    election = _election(request, election_id)
    holders = sel.proxy_holder_counts(viewer=request.user, election=election)
    return ProxiesOut(
        election_id=election.pk, proxy_max=number(election_params(election), "proxy_max"),
        holders=[HolderOut(voter_id=h.voter_id, name=h.name, count=h.count) for h in holders],
        proxies=[ProxyOut.build(p) for p in sel.proxy_list(viewer=request.user, election=election)],
    )


@router.post("/{election_id}/proxies", response={201: ProxyOut}, url_name="elections_proxies")
def record_proxy(request: HttpRequest, election_id: int, payload: ProxyIn) -> Status:
    election = _election(request, election_id)
    proxy = proxy_record(actor=request.user, election=election, grantor=payload.grantor_id,
                         holder=payload.holder_id, written_on=payload.written_on, note=payload.note)
    return Status(201, ProxyOut.build(sel.proxy_get(viewer=request.user, election=election, pk=proxy.pk)))


@router.delete("/{election_id}/proxies/{pid}", response={204: None}, url_name="elections_proxy")
def revoke_proxy(request: HttpRequest, election_id: int, pid: int) -> Status:
    election = _election(request, election_id)
    proxy_revoke(actor=request.user, proxy=sel.proxy_get(viewer=request.user, election=election, pk=pid))
    return Status(204, None)
