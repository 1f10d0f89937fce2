"""/api/v1/elections/{id}/count, /results, /results/publish, /handover, /repeat, /certificate.pdf and the public
summary /public/{id} (no authentication).

Thin: parse → selector/service → serialise. An election outside the caller's scope answers 404; a caller who may
only read gets 403 on writes; errors come in the one {code, message, details} shape."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from shequ.elections.certificate import certificate_download
from shequ.elections.models import Candidate, Election
from shequ.elections.selectors.common import election_get, election_public_get
from shequ.elections.selectors.results import RoundView, public_summary, results_for
from shequ.elections.services.handover import handover_record
from shequ.elections.services.results import election_repeat, results_publish, round_count

router = Router(tags=["elections"])


class CandidateResultOut(Schema):
    id: int
    seat: str
    name: str
    status: str
    votes_for: int
    votes_against: int
    votes_abstain: int
    elected: bool

    @staticmethod
    def build(c: Candidate) -> CandidateResultOut:
        return CandidateResultOut(id=c.pk, seat=c.seat, name=c.name, status=c.status, votes_for=c.votes_for,
                                  votes_against=c.votes_against, votes_abstain=c.votes_abstain, elected=c.elected)


class RoundOut(Schema):
    number: int
    kind: str
    status: str
    seats: dict[str, int]
    counted_at: dt.datetime | None
    turnout_percent: str
    result: dict[str, Any]
    notes: list[str]
    candidates: list[CandidateResultOut]

    @staticmethod
    def build(v: RoundView) -> RoundOut:
        r = v.round
        return RoundOut(
            number=r.number, kind=r.kind, status=r.status, seats={k: int(n) for k, n in (r.seats or {}).items()},
            counted_at=r.counted_at, turnout_percent=v.turnout, result=v.result, notes=v.notes,
            candidates=[CandidateResultOut.build(c) for s in v.seats for c in s.candidates],
        )


class ElectedOut(Schema):
    candidate_id: int
    seat: str
    name: str
    votes: int
    round: int


class ResultsOut(Schema):
    id: int
    stage: str
    void_reason: str
    counted_at: dt.datetime | None
    results_published_at: dt.datetime | None
    handover_on: dt.date | None
    attempt: int
    repeat_of_id: int | None
    rounds: list[RoundOut]
    elected: list[ElectedOut]

    @staticmethod
    def build(e: Election) -> ResultsOut:
        data = results_for(e, boxes=False)
        return ResultsOut(
            id=e.pk, stage=e.stage, void_reason=e.void_reason, counted_at=e.counted_at,
            results_published_at=e.results_published_at, handover_on=e.handover_on, attempt=e.attempt,
            repeat_of_id=e.repeat_of_id, rounds=[RoundOut.build(v) for v in data.rounds],
            elected=[ElectedOut(candidate_id=c.pk, seat=c.seat, name=c.name, votes=c.votes_for, round=c.round.number)
                     for c in data.elected],
        )


class HandoverIn(Schema):
    handover_on: dt.date
    note: str = ""
    create_workers: bool = True


class RepeatIn(Schema):
    election_day: dt.date


class RepeatOut(Schema):
    id: int
    attempt: int
    repeat_of_id: int | None
    election_day: dt.date
    stage: str


class PublicElectedOut(Schema):
    seat: str
    seat_label: str
    name: str
    votes: int
    round: int


class PublicOut(Schema):
    id: int
    title: str
    community: str
    body: str
    mode: str
    election_day: str
    stage: str
    stage_label: str
    attempt: int
    void_reason: str
    published: bool
    turnout: dict[str, Any] | None
    elected: list[PublicElectedOut]


def _election(request: HttpRequest, election_id: int) -> Election:
    return election_get(viewer=request.user, pk=election_id)


@router.post("/{election_id}/count", response=ResultsOut, url_name="elections_count")
def count(request: HttpRequest, election_id: int) -> ResultsOut:
    round_count(actor=request.user, election=_election(request, election_id))
    return ResultsOut.build(_election(request, election_id))


@router.get("/{election_id}/results", response=ResultsOut, url_name="elections_results")
def results(request: HttpRequest, election_id: int) -> ResultsOut:
    return ResultsOut.build(_election(request, election_id))


@router.post("/{election_id}/results/publish", response=ResultsOut, url_name="elections_results_publish")
def publish(request: HttpRequest, election_id: int) -> ResultsOut:
    results_publish(actor=request.user, election=_election(request, election_id))
    return ResultsOut.build(_election(request, election_id))


@router.post("/{election_id}/handover", response=ResultsOut, url_name="elections_handover")
def handover(request: HttpRequest, election_id: int, payload: HandoverIn) -> ResultsOut:
    handover_record(actor=request.user, election=_election(request, election_id), handover_on=payload.handover_on,
                    note=payload.note, create_workers=payload.create_workers)
    return ResultsOut.build(_election(request, election_id))


@router.post("/{election_id}/repeat", response={201: RepeatOut}, url_name="elections_repeat")
def repeat(request: HttpRequest, election_id: int, payload: RepeatIn) -> Status:
    new = election_repeat(actor=request.user, election=_election(request, election_id),
                          election_day=payload.election_day)
    return Status(201, RepeatOut(id=new.pk, attempt=new.attempt, repeat_of_id=new.repeat_of_id,
                                 election_day=new.election_day, stage=new.stage))


@router.get("/{election_id}/certificate.pdf", url_name="elections_certificate", summary="Results certificate (logged)")
def certificate(request: HttpRequest, election_id: int) -> HttpResponse:
    pdf = certificate_download(viewer=request.user, pk=election_id)
    response = HttpResponse(pdf.content, content_type=pdf.content_type)
    response["Content-Disposition"] = f'attachment; filename="{pdf.filename}"'
    return response


@router.get("/public/{election_id}", response=PublicOut, auth=None, url_name="elections_public")
def public(request: HttpRequest, election_id: int) -> dict[str, Any]:
    return public_summary(election_public_get(pk=election_id))
