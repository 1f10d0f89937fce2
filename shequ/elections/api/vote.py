"""/api/v1/elections: online voting — the ballot to fill, casting it, and the public receipt check."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from shequ.core.errors import NotFound
from shequ.elections.selectors.online import ballot_get
from shequ.elections.services.online import ballot_cast, receipt_check

router = Router(tags=["elections"])


class BallotCandidateOut(Schema):
    id: int
    name: str
    sex: str
    birth_year: int | None
    incumbent: bool


class BallotSeatOut(Schema):
    seat: str
    label: str
    seats: int
    candidates: list[BallotCandidateOut]


class BallotOut(Schema):
    election_id: int
    title: str
    round: int | None
    can_vote: bool
    voted: bool
    refusal_code: str = ""
    refusal: str = ""
    seats: list[BallotSeatOut]


class BallotIn(Schema):
    # {"<candidate id>": "F" | "A" | "N"}; a candidate left out abstains.
    choices: dict[str, str] = {}
    # {"<seat>": ["<name>", ...]} — 另选他人
    write_ins: dict[str, list[str]] = {}


class ReceiptOut(Schema):
    receipt: str


class ReceiptCheckOut(Schema):
    election_id: int
    election: str
    round: int
    round_status: str
    counted: bool


@router.get("/{election_id}/ballot", response=BallotOut, url_name="elections_ballot")
def get_ballot(request: HttpRequest, election_id: int) -> dict[str, Any]:
    view = ballot_get(viewer=request.user, pk=election_id)
    refusal = view.refusal
    return {
        "election_id": view.election.pk,
        "title": view.election.title,
        "round": view.round.number if view.round else None,
        "can_vote": view.can_vote,
        "voted": view.voted,
        "refusal_code": refusal.code if refusal else "",
        "refusal": str(refusal.message) if refusal else "",
        "seats": [
            {"seat": b.seat, "label": b.label, "seats": b.seats, "candidates": [
                {"id": c.pk, "name": c.name, "sex": c.sex, "incumbent": c.incumbent,
                 "birth_year": c.birth_date.year if c.birth_date else None}
                for c in b.candidates
            ]}
            for b in view.blocks
        ],
    }


@router.post("/{election_id}/ballot", response=ReceiptOut, url_name="elections_ballot")
def cast_ballot(request: HttpRequest, election_id: int, payload: BallotIn) -> dict[str, str]:
    # The service reads the election itself (FOR SHARE) and answers NotFound like vote_election_get would.
    code = ballot_cast(actor=request.user, election=election_id, choices=payload.choices, write_ins=payload.write_ins)
    return {"receipt": code}


@router.get("/receipts/{code}", response=ReceiptCheckOut, auth=None, url_name="elections_receipt")
def check_receipt(request: HttpRequest, code: str) -> dict[str, Any]:
    found = receipt_check(code)
    if found is None:
        raise NotFound()
    return found
