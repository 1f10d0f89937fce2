"""/api/v1/elections/{id}/roll and /objections: the roll (list, generate, add, exclude, include, household
representative swap, group representatives, publish, freeze) and objections (list, file, answer).

Thin: parse → selector/service → serialise. An election outside the caller's scope answers 404; a caller who may
only read gets 403 on writes; errors come in the one {code, message, details} shape. ID numbers leave masked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from shequ.core.masking import mask_id_number
from shequ.elections.models import Election, Objection, Voter
from shequ.elections.selectors.common import election_get, election_public_get
from shequ.elections.selectors.roll import (
    RollDeadlines,
    my_objections,
    objection_get,
    objection_list,
    roll_counts,
    roll_deadlines,
    roll_list,
    voter_get,
)
from shequ.elections.services import objections as objection_services
from shequ.elections.services import roll as roll_services
from shequ.elections.services.common import today
from shequ.registry.paging import paginate
from shequ.registry.schemas import PageMeta

router = Router(tags=["elections"])


class VoterOut(Schema):
    id: int
    resident_id: int | None
    name: str
    sex: str
    birth_date: dt.date
    household_id: int | None
    group_code: str
    status: str
    exclusion_reason: str
    source: str
    note: str
    id_number: str = Field(description="Masked: 4313**********1234")
    voted_online: bool = Field(False, description="Has voted online in the latest round: no paper ballot for them")

    @staticmethod
    def build(v: Voter) -> VoterOut:
        return VoterOut(
            id=v.pk, resident_id=v.resident_id, name=v.name, sex=v.sex, birth_date=v.birth_date,
            household_id=v.household_id, group_code=v.group_code, status=v.status,
            exclusion_reason=v.exclusion_reason, source=v.source, note=v.note,
            id_number=mask_id_number(v.resident.id_number) if v.resident_id and v.resident else "",
            voted_online=bool(getattr(v, "voted_online", False)),
        )


class RollFilters(Schema):
    status: str = ""
    q: str = ""
    group: str = ""
    voted: str = Field("", description="online: voted online in the latest round; not_online: not")
    page: int = 1
    page_size: int = 50


class RollPage(PageMeta):
    stage: str
    counts: dict[str, Any]
    results: list[VoterOut]


class GenerateOut(Schema):
    added: int
    removed: int
    refreshed: int
    on_roll: int
    excluded: int


class VoterIn(Schema):
    resident_id: int
    note: str = ""


class ExcludeIn(Schema):
    reason: str


class ReplaceIn(Schema):
    resident_id: int


class RepresentativesIn(Schema):
    group_code: str
    resident_ids: list[int]


class StageOut(Schema):
    id: int
    stage: str
    roll_published_on: dt.date | None
    roll_frozen_on: dt.date | None
    publish_by: dt.date
    objection_last_day: dt.date | None

    @staticmethod
    def build(e: Election) -> StageOut:
        d = roll_deadlines(e)
        return StageOut(id=e.pk, stage=e.stage, roll_published_on=e.roll_published_on,
                        roll_frozen_on=e.roll_frozen_on, publish_by=d.publish_by,
                        objection_last_day=d.objection_last_day)


class ObjectionOut(Schema):
    id: int
    kind: str
    filed_by_name: str
    subject_voter_id: int | None
    subject_resident_id: int | None
    reason: str
    filed_on: dt.date
    answer_due: dt.date
    overdue: bool = Field(description="Unanswered after its limit")
    decision: str
    answer: str
    answered_on: dt.date | None
    late: bool = Field(description="Answered after its limit")
    online: bool = Field(description="Filed by the resident online rather than recorded by the committee")

    @staticmethod
    def build(o: Objection, d: RollDeadlines, day: dt.date) -> ObjectionOut:
        return ObjectionOut(
            id=o.pk, kind=o.kind, filed_by_name=o.filed_by_name, subject_voter_id=o.subject_voter_id,
            subject_resident_id=o.subject_resident_id, reason=o.reason, filed_on=o.filed_on,
            answer_due=d.answer_due(o), overdue=d.overdue(o, day), decision=o.decision, answer=o.answer,
            answered_on=o.answered_on, late=d.late(o), online=o.online,
        )


class MyObjectionIn(Schema):
    kind: str = Field(description="omitted (I was left off) | wrong_details (my details) | wrongly_included")
    reason: str
    subject_voter_id: int | None = Field(None, description="wrongly_included: the voter's number on the public roll")


class ObjectionIn(Schema):
    kind: str
    filed_by_name: str
    reason: str
    subject_voter_id: int | None = None
    subject_resident_id: int | None = None
    filed_by_voter_id: int | None = None


class AnswerIn(Schema):
    decision: str
    answer: str = ""


def _election(request: HttpRequest, election_id: int) -> Election:
    return election_get(viewer=request.user, pk=election_id)


@router.get("/{election_id}/roll", response=RollPage, url_name="elections_roll")
def list_roll(request: HttpRequest, election_id: int, filters: Query[RollFilters]) -> RollPage:
    election = _election(request, election_id)
    qs = roll_list(viewer=request.user, election=election, status=filters.status, q=filters.q, group=filters.group,
                   voted=filters.voted)
    page = paginate(qs, filters.page, filters.page_size, big_ordering=None)
    return RollPage(**PageMeta.of(page), stage=election.stage, counts=roll_counts(election),
                    results=[VoterOut.build(v) for v in page.object_list])


@router.post("/{election_id}/roll/generate", response=GenerateOut, url_name="elections_roll_generate")
def generate_roll(request: HttpRequest, election_id: int) -> GenerateOut:
    counts = roll_services.roll_generate(actor=request.user, election=_election(request, election_id))
    return GenerateOut(**counts)


@router.post("/{election_id}/roll/voters", response={201: VoterOut}, url_name="elections_roll_voters")
def add_voter(request: HttpRequest, election_id: int, payload: VoterIn) -> Status:
    voter = roll_services.voter_add(actor=request.user, election=_election(request, election_id),
                                    resident=payload.resident_id, note=payload.note)
    return Status(201, VoterOut.build(voter))


def _voter_out(request: HttpRequest, election: Election, voter_id: int) -> VoterOut:
    return VoterOut.build(voter_get(viewer=request.user, election=election, pk=voter_id))


@router.post("/{election_id}/roll/voters/{voter_id}/exclude", response=VoterOut, url_name="elections_voter_exclude")
def exclude_voter(request: HttpRequest, election_id: int, voter_id: int, payload: ExcludeIn) -> VoterOut:
    election = _election(request, election_id)
    voter = voter_get(viewer=request.user, election=election, pk=voter_id)
    roll_services.voter_exclude(actor=request.user, election=election, voter=voter, reason=payload.reason)
    return _voter_out(request, election, voter_id)


@router.post("/{election_id}/roll/voters/{voter_id}/include", response=VoterOut, url_name="elections_voter_include")
def include_voter(request: HttpRequest, election_id: int, voter_id: int) -> VoterOut:
    election = _election(request, election_id)
    voter = voter_get(viewer=request.user, election=election, pk=voter_id)
    roll_services.voter_include(actor=request.user, election=election, voter=voter)
    return _voter_out(request, election, voter_id)


@router.post("/{election_id}/roll/voters/{voter_id}/replace", response=VoterOut, url_name="elections_voter_replace")
def replace_voter(request: HttpRequest, election_id: int, voter_id: int, payload: ReplaceIn) -> VoterOut:
    election = _election(request, election_id)
    voter = voter_get(viewer=request.user, election=election, pk=voter_id)
    new = roll_services.voter_replace(actor=request.user, election=election, voter=voter,
                                      resident=payload.resident_id)
    return _voter_out(request, election, new.pk)


@router.post("/{election_id}/roll/representatives", response=list[VoterOut],
             url_name="elections_roll_representatives")
def set_representatives(request: HttpRequest, election_id: int, payload: RepresentativesIn) -> list[VoterOut]:
    election = _election(request, election_id)
    rows = roll_services.representatives_set(actor=request.user, election=election, group_code=payload.group_code,
                                             residents=list(payload.resident_ids))
    return [_voter_out(request, election, v.pk) for v in rows]


@router.post("/{election_id}/roll/publish", response=StageOut, url_name="elections_roll_publish")
def publish_roll(request: HttpRequest, election_id: int) -> StageOut:
    return StageOut.build(roll_services.roll_publish(actor=request.user, election=_election(request, election_id)))


@router.post("/{election_id}/roll/freeze", response=StageOut, url_name="elections_roll_freeze")
def freeze_roll(request: HttpRequest, election_id: int) -> StageOut:
    return StageOut.build(roll_services.roll_freeze(actor=request.user, election=_election(request, election_id)))


@router.get("/{election_id}/objections", response=list[ObjectionOut], url_name="elections_objections")
def list_objections(request: HttpRequest, election_id: int, decision: str = "") -> list[ObjectionOut]:
    election = _election(request, election_id)
    deadlines, day = roll_deadlines(election), today()
    return [ObjectionOut.build(o, deadlines, day)
            for o in objection_list(viewer=request.user, election=election, decision=decision)]


@router.post("/{election_id}/objections", response={201: ObjectionOut}, url_name="elections_objections")
def file_objection(request: HttpRequest, election_id: int, payload: ObjectionIn) -> Status:
    election = _election(request, election_id)
    row = objection_services.objection_file(
        actor=request.user, election=election, kind=payload.kind, filed_by_name=payload.filed_by_name,
        reason=payload.reason, subject_voter=payload.subject_voter_id, subject_resident=payload.subject_resident_id,
        filed_by_voter=payload.filed_by_voter_id,
    )
    election.refresh_from_db()
    return Status(201, ObjectionOut.build(row, roll_deadlines(election), today()))


@router.get("/{election_id}/objections/mine", response=list[ObjectionOut], url_name="elections_my_objections")
def list_my_objections(request: HttpRequest, election_id: int) -> list[ObjectionOut]:
    """A resident's own objections to the published roll, filed online, with the committee's answers."""
    election = election_public_get(pk=election_id)
    deadlines, day = roll_deadlines(election), today()
    return [ObjectionOut.build(o, deadlines, day) for o in my_objections(viewer=request.user, election=election)]


@router.post("/{election_id}/objections/mine", response={201: ObjectionOut}, url_name="elections_my_objections")
def file_my_objection(request: HttpRequest, election_id: int, payload: MyObjectionIn) -> Status:
    """A resident objects to the published roll online (within the rule's days after publication)."""
    election = election_public_get(pk=election_id)
    row = objection_services.objection_file_mine(actor=request.user, election=election, kind=payload.kind,
                                                 reason=payload.reason, subject_voter=payload.subject_voter_id)
    return Status(201, ObjectionOut.build(row, roll_deadlines(election), today()))


@router.post("/{election_id}/objections/{objection_id}/answer", response=ObjectionOut,
             url_name="elections_objection_answer")
def answer_objection(request: HttpRequest, election_id: int, objection_id: int, payload: AnswerIn) -> ObjectionOut:
    election = _election(request, election_id)
    objection = objection_get(viewer=request.user, election=election, pk=objection_id)
    row = objection_services.objection_answer(actor=request.user, election=election, objection=objection,
                                              decision=payload.decision, answer=payload.answer)
    return ObjectionOut.build(row, roll_deadlines(election), today())
