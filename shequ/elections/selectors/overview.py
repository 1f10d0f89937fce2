"""Reads behind the overview pages: the places a viewer may choose, one election's hub figures and deadlines, a
campaign's progress. Every read starts from a scoped selector (selectors.common) or the viewer's scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area, Level
from shequ.core.roles import Perm
from shequ.elections.deadlines import answer_due_on, nomination_last_day, objection_last_day, roll_publish_by
from shequ.elections.models import (
    BallotBox,
    Body,
    Campaign,
    Candidate,
    CandidateStatus,
    Election,
    Round,
    Stage,
    Voter,
    VoterStatus,
)
from shequ.elections.models.campaign import STAGE_ORDER
from shequ.elections.models.voting import BoxTally, OnlineVoteMark
from shequ.elections.rules import election_params
from shequ.elections.selectors.common import campaign_list, election_scope

# The stages a live election passes through, in order (void is an end, not a step).
STEPS: list[str] = [s for s in STAGE_ORDER if s != Stage.VOID]


def area_choices(*, viewer: Any, perm: str, levels: tuple[str, ...], limit: int = 300) -> list[Area]:
    """Areas of `levels` inside the subtrees where the viewer holds `perm` (a form's select), at most limit + 1."""
    qs = Area.objects.filter(viewer_scope(viewer).q(perm, "code"), level__in=levels)
    return list(qs.select_related("parent").order_by("code")[: limit + 1])


def campaign_choices(*, viewer: Any, community_code: str = "") -> list[Campaign]:
    """Campaigns an election of the viewer's could belong to (those covering `community_code` when given)."""
    rows = list(campaign_list(viewer=viewer).order_by("-starts_on", "area_code")[:100])
    if community_code:
        rows = [c for c in rows if community_code.startswith(c.area_code)]
    return rows


def filter_areas(*, viewer: Any) -> list[Area]:
    """Districts and sub-districts the viewer may filter the list by (communities are too many for a select)."""
    qs = Area.objects.filter(
        viewer_scope(viewer).q(Perm.ELECTIONS_VIEW, "code"), level__in=[Level.DISTRICT, Level.SUBDISTRICT]
    )
    return list(qs.order_by("code")[:300])


@dataclass
class Deadline:
    key: str
    day: dt.date | None
    done_on: dt.date | None = None


@dataclass
class Hub:
    """What the election page shows besides the election itself."""

    steps: list[dict[str, Any]]
    deadlines: list[Deadline]
    roll: int
    excluded: int
    candidates: int
    formal: int
    elected: int
    boxes: int
    ballots: int
    online: int
    rounds: list[Round] = field(default_factory=list)
    params_missing: bool = False


TIMETABLE_KEYS = ("roll_publish_days_before", "objection_days", "objection_answer_days",
                  "candidates_publish_days_before")


def _deadlines(election: Election) -> tuple[list[Deadline], bool]:
    """The timetable of `elections.deadlines`; a rule version lacking one of its parameters shows no dates
    (and says so) rather than failing the page."""
    values = election_params(election)
    day = election.election_day
    missing = any(not isinstance(values.get(key), Decimal) for key in TIMETABLE_KEYS)
    roll_on = objections_until = answers_until = nominations_close = None
    if not missing:
        roll_on = roll_publish_by(election, values)
        objections_until = objection_last_day(election, values, published_on=election.roll_published_on or roll_on)
        answers_until = answer_due_on(election, objections_until, values) if objections_until else None
        nominations_close = nomination_last_day(election, values)
    rows = [
        Deadline("roll_publish", roll_on, election.roll_published_on),
        Deadline("objections", objections_until),
        Deadline("objection_answers", answers_until),
        Deadline("nominations_close", nominations_close, election.candidates_published_on),
        Deadline("election_day", day, election.counted_at.date() if election.counted_at else None),
    ]
    return rows, missing


def election_hub(election: Election) -> Hub:
    """Counts and deadlines for an election already read through `election_get` (so in the viewer's scope).
    A fixed number of queries."""
    voters = Voter.objects.filter(election=election).aggregate(
        roll=Count("id", filter=Q(status=VoterStatus.ON_ROLL)),
        excluded=Count("id", filter=Q(status=VoterStatus.EXCLUDED)),
    )
    candidates = Candidate.objects.filter(election=election).exclude(status=CandidateStatus.WRITE_IN).aggregate(
        all=Count("id"),
        formal=Count("id", filter=Q(status=CandidateStatus.FORMAL)),
        elected=Count("id", filter=Q(elected=True)),
    )
    rounds = list(Round.objects.filter(election=election).order_by("number"))
    boxes = BallotBox.objects.filter(round__election=election).count()
    paper = BoxTally.objects.filter(box__round__election=election).aggregate(n=Sum("ballots_returned"))["n"] or 0
    online = OnlineVoteMark.objects.filter(round__election=election).count()
    deadlines, missing = _deadlines(election)
    current = STAGE_ORDER.index(election.stage)
    steps = [
        {"value": s, "label": Stage(s).label,
         "state": ("done" if STAGE_ORDER.index(s) < current or election.stage == Stage.COMPLETED else
                   "current" if s == election.stage else "todo")}
        for s in STEPS
    ]
    return Hub(
        steps=steps, deadlines=deadlines, roll=voters["roll"], excluded=voters["excluded"],
        candidates=candidates["all"], formal=candidates["formal"], elected=candidates["elected"], boxes=boxes,
        ballots=paper + online, online=online, rounds=rounds, params_missing=missing,
    )


@dataclass
class CampaignProgress:
    elections: list[Election]
    stage_counts: list[dict[str, Any]]
    communities: int
    not_started: list[Area]
    not_started_total: int


def campaign_elections(*, viewer: Any, campaign: Campaign) -> QuerySet[Election]:
    return (
        Election.objects.filter(election_scope(viewer), campaign=campaign)
        .select_related("community", "community__parent", "group")
        .order_by("area_code", "-attempt", "-id")
    )


def campaign_progress(*, viewer: Any, campaign: Campaign, not_started_limit: int = 200) -> CampaignProgress:
    """The campaign's elections in the viewer's scope, how many residents' committee elections stand at each
    stage (a community counts once, by its latest attempt), and the communities in scope without one."""
    elections = list(campaign_elections(viewer=viewer, campaign=campaign)[:1000])
    latest: dict[int, Election] = {}
    for e in elections:
        if e.body == Body.RESIDENTS_COMMITTEE and e.community_id not in latest:
            latest[e.community_id] = e  # ordered by -attempt, -id within a code
    scope_q = viewer_scope(viewer).q(Perm.ELECTIONS_VIEW, "code")
    communities = Area.objects.filter(scope_q, level=Level.COMMUNITY, code__startswith=campaign.area_code)
    total = communities.count()
    missing = communities.exclude(pk__in=list(latest)).select_related("parent").order_by("code")
    not_started_total = total - len(latest)
    per_stage = dict.fromkeys(STAGE_ORDER, 0)
    for e in latest.values():
        per_stage[e.stage] += 1
    base = max(total, 1)
    # A bar per step: the communities whose election has reached it (or gone beyond); void ones stand apart.
    stage_counts = []
    for i, s in enumerate(STAGE_ORDER):
        reached = per_stage[s] if s == Stage.VOID else sum(per_stage[t] for t in STEPS[i:])
        stage_counts.append({"value": s, "label": Stage(s).label, "count": per_stage[s], "reached": reached,
                             "percent": round(100 * reached / base)})
    return CampaignProgress(
        elections=elections, stage_counts=stage_counts, communities=total,
        not_started=list(missing[:not_started_limit]), not_started_total=max(not_started_total, 0),
    )
