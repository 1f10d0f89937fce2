"""/api/v1/elections/public/{id}/roll and /public/{id}/candidates: the published roll and the published formal
candidate list, without authentication.

The same selectors as the public pages (`public_roll_*`, `public_candidates`), so the API shows what the pages
show and nothing more — no ID numbers, no phones, no birth dates, no resident record numbers — and answers 404
(in the one {code, message, details} shape) exactly when the page does: before the roll, or the list, is
published. The voter number is the one the page shows and the one a resident's objection names
(`/{id}/objections/mine`, `subject_voter_id`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from shequ.elections.models import Voter
from shequ.elections.selectors.candidates import public_candidates
from shequ.elections.selectors.common import election_public_get
from shequ.elections.selectors.roll import public_roll_rows, public_roll_voters, roll_deadlines
from shequ.registry.paging import MAX_PAGE_SIZE, PAGE_SIZE, CappedPaginator
from shequ.registry.schemas import PageMeta

router = Router(tags=["elections"])

# The published roll is one community's (a few thousand voters): counted exactly, so every page of it can be
# reached, where the staff lists stop counting at SHEQU_LIST_COUNT_CAP.
ROLL_COUNT_CAP = 1_000_000


class PublicVoterOut(Schema):
    number: int = Field(description="The voter number on the public roll (an objection's subject_voter_id)")
    name: str
    sex: str = Field(description="M or F")
    age: int = Field(description="Full years on election day")
    group: str = Field(description="The residents' group (grid) name; empty when none")


class PublicRollFilters(Schema):
    page: int = Field(1, ge=1)
    page_size: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class PublicRollPage(PageMeta):
    election_id: int
    election_day: dt.date
    roll_published_on: dt.date | None
    objection_last_day: dt.date | None = Field(description="The last day to object to the roll")
    results: list[PublicVoterOut]


class PublicCandidateOut(Schema):
    seat: str = Field(description="director, deputy or member")
    seat_label: str
    ballot_position: int = Field(description="1, 2, … within the seat kind, in ballot order")
    name: str
    sex: str = Field(description="M or F; empty when unknown")
    sex_label: str
    age: int | None = Field(description="Full years on election day")
    incumbent: bool = Field(description="A member of the outgoing committee")


class PublicCandidatesOut(Schema):
    election_id: int
    election_day: dt.date
    candidates_published_on: dt.date | None
    count: int
    candidates: list[PublicCandidateOut]


@router.get("/public/{election_id}/roll", response=PublicRollPage, auth=None, url_name="elections_public_roll")
def public_roll(request: HttpRequest, election_id: int, filters: Query[PublicRollFilters]) -> PublicRollPage:
    """The published roll, page by page, in the order of the public page (group, name, number)."""
    election = election_public_get(pk=election_id)
    voters = public_roll_voters(election)

    def rows(ids: QuerySet[Voter], ordering: tuple[Any, ...]) -> list[dict[str, Any]]:
        return public_roll_rows(election, Voter.objects.filter(pk__in=ids).order_by(*ordering))

    page = CappedPaginator(voters, filters.page_size, cap=ROLL_COUNT_CAP, big_ordering=None,
                           rows=rows).get_page(filters.page)
    return PublicRollPage(
        **PageMeta.of(page), election_id=election.pk, election_day=election.election_day,
        roll_published_on=election.roll_published_on, objection_last_day=roll_deadlines(election).objection_last_day,
        results=[PublicVoterOut(**row) for row in page.object_list],
    )


@router.get("/public/{election_id}/candidates", response=PublicCandidatesOut, auth=None,
            url_name="elections_public_candidates")
def public_candidate_list(request: HttpRequest, election_id: int) -> PublicCandidatesOut:
    """The published formal candidates in ballot order (seat kind, then position on that seat's ballot)."""
    election = election_public_get(pk=election_id)
    rows = public_candidates(election)
    return PublicCandidatesOut(
        election_id=election.pk, election_day=election.election_day,
        candidates_published_on=election.candidates_published_on, count=len(rows),
        candidates=[PublicCandidateOut(seat=c.seat, seat_label=c.seat_label, ballot_position=c.ballot_position,
                                       name=c.name, sex=c.sex_code, sex_label=c.sex, age=c.age,
                                       incumbent=c.incumbent) for c in rows],
    )
