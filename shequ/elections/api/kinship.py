"""/api/v1/elections/{id}/kinships: close relatives the registry does not show, declared by the election committee
for the election's community (list, declare, withdraw), and which standing candidates are close relatives.
Thin: parse → selector/service → serialise. Residents appear by id and name, never by ID number."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from shequ.core.roles import Perm
from shequ.elections.models import DeclaredKinship, Election, KinRelation
from shequ.elections.selectors import kinship as sel
from shequ.elections.selectors.common import election_get
from shequ.elections.services.kinship import kinship_declare, kinship_remove

router = Router(tags=["elections"])


class KinshipOut(Schema):
    id: int
    resident_a_id: int
    resident_a_name: str
    resident_b_id: int
    resident_b_name: str
    relation: str = Field(description="spouse, parent_child, siblings or grandparent_grandchild")
    relation_label: str
    note: str
    election_id: int | None = Field(description="The election from which it was declared")
    recorded_at: dt.datetime

    @staticmethod
    def build(k: DeclaredKinship) -> KinshipOut:
        return KinshipOut(
            id=k.pk, resident_a_id=k.resident_a_id, resident_a_name=k.resident_a.name, resident_b_id=k.resident_b_id,
            resident_b_name=k.resident_b.name, relation=k.relation, relation_label=str(KinRelation(k.relation).label),
            note=k.note, election_id=k.election_id, recorded_at=k.recorded_at,
        )


class CandidatePairOut(Schema):
    candidate_a_id: int
    candidate_a_name: str
    candidate_b_id: int
    candidate_b_name: str
    source: str = Field(description="registry (relations to the head of one household) or declared")


class KinshipsOut(Schema):
    election_id: int
    community_id: int
    kinships: list[KinshipOut]
    candidate_pairs: list[CandidatePairOut] = Field(
        description="Close relatives among the first round's nominated and formal candidates")


class KinshipIn(Schema):
    resident_a_id: int
    resident_b_id: int
    relation: str
    note: str = Field("", max_length=200)


def _election(request: HttpRequest, election_id: int) -> Election:
    return election_get(viewer=request.user, pk=election_id, perm=Perm.ELECTIONS_VIEW)


@router.get("/{election_id}/kinships", response=KinshipsOut, url_name="elections_kinships")
def list_kinships(request: HttpRequest, election_id: int) -> KinshipsOut:
    election = _election(request, election_id)
    pairs = sel.candidate_kin(viewer=request.user, election=election)
    return KinshipsOut(
        election_id=election.pk, community_id=election.community_id,
        kinships=[KinshipOut.build(k) for k in sel.kinship_list(viewer=request.user, election=election)],
        candidate_pairs=[CandidatePairOut(candidate_a_id=p.a.pk, candidate_a_name=p.a.name, candidate_b_id=p.b.pk,
                                          candidate_b_name=p.b.name, source=p.source) for p in pairs],
    )


@router.post("/{election_id}/kinships", response={201: KinshipOut}, url_name="elections_kinships")
def declare_kinship(request: HttpRequest, election_id: int, payload: KinshipIn) -> Status:
    election = _election(request, election_id)
    row = kinship_declare(actor=request.user, election=election, resident_a=payload.resident_a_id,
                          resident_b=payload.resident_b_id, relation=payload.relation, note=payload.note)
    return Status(201, KinshipOut.build(sel.kinship_get(viewer=request.user, election=election, pk=row.pk)))


@router.delete("/{election_id}/kinships/{kid}", response={204: None}, url_name="elections_kinship")
def remove_kinship(request: HttpRequest, election_id: int, kid: int) -> Status:
    election = _election(request, election_id)
    kinship_remove(actor=request.user, election=election,
                   kinship=sel.kinship_get(viewer=request.user, election=election, pk=kid))
    return Status(204, None)
