"""/api/v1/elections: the election list and create, campaigns, the oversight dashboard, one election (read,
change while in preparation). Thin: parse → selector/service → serialise; errors in the one {code, message,
details} shape. `/campaigns` and `/dashboard` are declared before `/{election_id}` so they are not shadowed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from shequ.core.errors import NotFound
from shequ.elections import policies
from shequ.elections.models import Body, Campaign, Election, Mode, Stage
from shequ.elections.selectors.common import campaign_get, campaign_list, election_get, election_list
from shequ.elections.selectors.dashboard import Row, oversight_dashboard
from shequ.elections.selectors.overview import campaign_progress, election_hub
from shequ.elections.services.campaigns import campaign_update, schedule_clean
from shequ.elections.services.elections import campaign_create, election_create, election_update
from shequ.registry.paging import paginate
from shequ.registry.schemas import PageMeta

router = Router(tags=["elections"])


# -- shapes ------------------------------------------------------------------------------------------


class Milestone(Schema):
    key: str = ""
    label: str
    due: dt.date


class CampaignOut(Schema):
    id: int
    area_code: str
    area_name: str
    name: str
    term_label: str
    starts_on: dt.date
    ends_on: dt.date
    schedule: list[dict[str, Any]]
    note: str

    @staticmethod
    def build(c: Campaign) -> CampaignOut:
        return CampaignOut(id=c.pk, area_code=c.area_code, area_name=c.area.name, name=c.name,
                           term_label=c.term_label, starts_on=c.starts_on, ends_on=c.ends_on,
                           schedule=list(c.schedule or []), note=c.note)


class StageCount(Schema):
    stage: str
    communities: int = Field(description="Communities whose latest residents' committee election is at this stage")
    reached: int = Field(description="... at this stage or beyond (void: same as communities)")


class CampaignDetailOut(CampaignOut):
    communities: int = Field(description="Communities in the campaign's area within the viewer's scope")
    not_started: int = Field(description="Of those, communities without a residents' committee election")
    stages: list[StageCount]
    election_ids: list[int]


class CampaignPage(PageMeta):
    results: list[CampaignOut]


class CampaignIn(Schema):
    area_code: str = Field(max_length=15, description="A city or district code")
    name: str = Field(max_length=200)
    term_label: str = Field(max_length=64)
    starts_on: dt.date
    ends_on: dt.date
    schedule: list[Milestone] = []
    note: str = ""


class CampaignPatch(Schema):
    name: str | None = Field(None, max_length=200)
    term_label: str | None = Field(None, max_length=64)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    schedule: list[Milestone] | None = None
    note: str | None = None


class ElectionOut(Schema):
    id: int
    title: str
    community_code: str
    community_name: str
    group_code: str | None
    area_code: str
    body: Body
    mode: Mode
    election_day: dt.date
    seats_director: int
    seats_deputy: int
    seats_member: int
    online_voting: bool
    stage: Stage
    attempt: int
    repeat_of_id: int | None
    campaign_id: int | None
    rule_version: int | None = Field(description="Version number of the election rules in force on election day")

    @staticmethod
    def fields(e: Election) -> dict[str, Any]:
        return {
            "id": e.pk, "title": e.title, "community_code": e.community.code, "community_name": e.community.name,
            "group_code": e.group.code if e.group_id and e.group else None, "area_code": e.area_code,
            "body": e.body, "mode": e.mode, "election_day": e.election_day, "seats_director": e.seats_director,
            "seats_deputy": e.seats_deputy, "seats_member": e.seats_member, "online_voting": e.online_voting,
            "stage": e.stage, "attempt": e.attempt, "repeat_of_id": e.repeat_of_id, "campaign_id": e.campaign_id,
            "rule_version": e.policy_version.number if e.policy_version_id and e.policy_version else None,
        }

    @staticmethod
    def build(e: Election) -> ElectionOut:
        return ElectionOut(**ElectionOut.fields(e))


class DeadlineOut(Schema):
    key: str = Field(description="roll_publish | objections | objection_answers | nominations_close | election_day")
    day: dt.date | None
    done_on: dt.date | None


class ElectionDetailOut(ElectionOut):
    rule_set: str | None
    rule_citation: str | None
    deadlines: list[DeadlineOut]
    roll: int = Field(description="Voters on the roll")
    candidates: int
    formal_candidates: int
    elected: int
    boxes: int
    ballots: int = Field(description="Paper ballots returned (accepted tallies) plus online ballots")


class ElectionPage(PageMeta):
    results: list[ElectionOut]


class ElectionFilters(Schema):
    area: str = Field("", max_length=15, description="Area code prefix")
    campaign: int | None = None
    stage: Stage | None = None
    body: Body | None = None
    q: str = Field("", max_length=50)
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


class ElectionIn(Schema):
    community_code: str = Field(max_length=15)
    title: str = Field(max_length=200)
    election_day: dt.date
    body: Body = Body.RESIDENTS_COMMITTEE
    mode: Mode = Mode.ALL_VOTERS
    group_code: str | None = Field(None, max_length=15, description="Group-leader elections: the grid's code")
    seats_director: int = Field(1, ge=0, le=20)
    seats_deputy: int = Field(1, ge=0, le=20)
    seats_member: int = Field(3, ge=0, le=20)
    online_voting: bool = False
    campaign_id: int | None = None


class ElectionPatch(Schema):
    title: str | None = Field(None, max_length=200)
    election_day: dt.date | None = None
    mode: Mode | None = None
    seats_director: int | None = Field(None, ge=0, le=20)
    seats_deputy: int | None = Field(None, ge=0, le=20)
    seats_member: int | None = Field(None, ge=0, le=20)
    online_voting: bool | None = None
    campaign_id: int | None = None


class DashboardRowOut(Schema):
    code: str
    name: str
    communities: int
    elections: int
    stages: dict[str, int] = Field(description="Communities per stage of their latest election, and not_started")
    registered: int
    voted: int
    turnout: Decimal | None = Field(description="Percent: voted / registered over counted first rounds")
    direct_coverage: Decimal | None = Field(description="Percent of latest elections by all voters or households")
    elected: int
    women: Decimal | None = Field(description="Percent of the elected")
    average_age: Decimal | None = Field(description="Of the elected, on election day")
    reelected: Decimal | None = Field(description="Percent of the elected who were incumbents")
    void: int
    repeated: int
    election_id: int | None = Field(description="Community rows: its latest election")

    @staticmethod
    def build(r: Row) -> DashboardRowOut:
        return DashboardRowOut(
            code=r.code, name=r.name, communities=r.communities, elections=r.elections,
            stages=dict(r.stage_cells), registered=r.registered, voted=r.voted, turnout=r.turnout,
            direct_coverage=r.direct_percent, elected=r.elected, women=r.women_percent, average_age=r.average_age,
            reelected=r.reelected_percent, void=r.void, repeated=r.repeated, election_id=r.election_id,
        )


class DashboardOut(Schema):
    area_code: str
    area_name: str
    campaign_id: int | None
    rows: list[DashboardRowOut]
    total: DashboardRowOut


class DashboardFilters(Schema):
    area: str = Field("", max_length=15, description="Default: the viewer's top area")
    campaign: str = Field("", max_length=20, description="A campaign id, 'all', or empty for the latest campaign")


def _require_view(request: HttpRequest) -> None:
    if not policies.can_view(request.user):
        raise NotFound()


def _election_detail(request: HttpRequest, pk: int) -> ElectionDetailOut:
    e = election_get(viewer=request.user, pk=pk)
    hub = election_hub(e)
    version = e.policy_version
    return ElectionDetailOut(
        **ElectionOut.fields(e),
        rule_set=version.policy_set.name if version else None, rule_citation=version.citation if version else None,
        deadlines=[DeadlineOut(key=d.key, day=d.day, done_on=d.done_on) for d in hub.deadlines],
        roll=hub.roll, candidates=hub.candidates, formal_candidates=hub.formal, elected=hub.elected,
        boxes=hub.boxes, ballots=hub.ballots,
    )


def _campaign_detail(request: HttpRequest, pk: int) -> CampaignDetailOut:
    c = campaign_get(viewer=request.user, pk=pk)
    progress = campaign_progress(viewer=request.user, campaign=c)
    return CampaignDetailOut(
        **CampaignOut.build(c).dict(), communities=progress.communities, not_started=progress.not_started_total,
        stages=[StageCount(stage=s["value"], communities=s["count"], reached=s["reached"])
                for s in progress.stage_counts],
        election_ids=[e.pk for e in progress.elections],
    )


def _schedule(rows: list[Milestone] | None) -> list[dict[str, Any]]:
    return schedule_clean([r.dict() for r in rows or []])


# -- campaigns ---------------------------------------------------------------------------------------


@router.get("/campaigns", response=CampaignPage, url_name="elections_campaigns")
def list_campaigns(request: HttpRequest, page: int = 1, page_size: int = 50) -> CampaignPage:
    _require_view(request)
    qs = campaign_list(viewer=request.user).order_by("-starts_on", "area_code")
    result = paginate(qs, page, page_size, big_ordering=None)
    return CampaignPage(**PageMeta.of(result), results=[CampaignOut.build(c) for c in result.object_list])


@router.post("/campaigns", response={201: CampaignDetailOut}, url_name="elections_campaigns")
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Status:
    campaign = campaign_create(
        actor=request.user, area=payload.area_code.strip(), name=payload.name, term_label=payload.term_label,
        starts_on=payload.starts_on, ends_on=payload.ends_on, schedule=_schedule(payload.schedule),
        note=payload.note,
    )
    return Status(201, _campaign_detail(request, campaign.pk))


@router.get("/campaigns/{int:campaign_id}", response=CampaignDetailOut, url_name="elections_campaign")
def get_campaign(request: HttpRequest, campaign_id: int) -> CampaignDetailOut:
    return _campaign_detail(request, campaign_id)


@router.patch("/campaigns/{int:campaign_id}", response=CampaignDetailOut, url_name="elections_campaign")
def update_campaign(request: HttpRequest, campaign_id: int, payload: CampaignPatch) -> CampaignDetailOut:
    campaign = campaign_get(viewer=request.user, pk=campaign_id)
    fields = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    if "schedule" in fields:
        fields["schedule"] = [dict(r) for r in fields["schedule"]]
    campaign_update(actor=request.user, campaign=campaign, **fields)
    return _campaign_detail(request, campaign_id)


# -- dashboard ---------------------------------------------------------------------------------------


@router.get("/dashboard", response=DashboardOut, url_name="elections_dashboard")
def dashboard(request: HttpRequest, filters: Query[DashboardFilters]) -> DashboardOut:
    _require_view(request)
    board = oversight_dashboard(viewer=request.user, area_code=filters.area, campaign=filters.campaign)
    return DashboardOut(
        area_code=board.area.code, area_name=board.area.name,
        campaign_id=board.campaign.pk if board.campaign else None,
        rows=[DashboardRowOut.build(r) for r in board.rows], total=DashboardRowOut.build(board.total),
    )


# -- elections ---------------------------------------------------------------------------------------


@router.get("", response=ElectionPage, url_name="elections_list")
def list_elections(request: HttpRequest, filters: Query[ElectionFilters]) -> ElectionPage:
    _require_view(request)
    qs = election_list(viewer=request.user, area_code=filters.area, campaign=filters.campaign,
                       stage=filters.stage or "", body=filters.body or "", q=filters.q)
    page = paginate(qs.select_related("policy_version"), filters.page, filters.page_size, big_ordering=None)
    return ElectionPage(**PageMeta.of(page), results=[ElectionOut.build(e) for e in page.object_list])


@router.post("", response={201: ElectionDetailOut}, url_name="elections_list")
def create_election(request: HttpRequest, payload: ElectionIn) -> Status:
    data = payload.dict()
    election = election_create(
        actor=request.user, community=data.pop("community_code").strip(), group=data.pop("group_code"),
        campaign=data.pop("campaign_id"), **data,
    )
    return Status(201, _election_detail(request, election.pk))


@router.get("/{int:election_id}", response=ElectionDetailOut, url_name="elections_election")
def get_election(request: HttpRequest, election_id: int) -> ElectionDetailOut:
    return _election_detail(request, election_id)


@router.patch("/{int:election_id}", response=ElectionDetailOut, url_name="elections_election")
def update_election(request: HttpRequest, election_id: int, payload: ElectionPatch) -> ElectionDetailOut:
    election = election_get(viewer=request.user, pk=election_id)
    sent = payload.dict(exclude_unset=True)
    fields = {k: v for k, v in sent.items() if v is not None and k != "campaign_id"}
    if "campaign_id" in sent:
        fields["campaign"] = sent["campaign_id"]  # null detaches the election from its campaign
    election_update(actor=request.user, election=election, **fields)
    return _election_detail(request, election_id)
