"""Demo elections for the demo city: the city's 2026 campaign and, in the sub-district the demo logins serve,
elections standing at different stages — every step through the real services, standing on past days (`on=`).

`elections_demo_build` is called by the demo build after the demo users exist; `elections_demo_wipe` by the demo
wipe before the generated communities go (elections and disclosure entries point at them). The build wipes first,
so running it twice never duplicates anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from shequ.accounts.models import User
from shequ.areas.models import Area, Level
from shequ.core.audit import audit_record
from shequ.core.errors import ApplicationError
from shequ.disclosure.models import Disclosure
from shequ.elections.models import (
    BallotBox,
    Campaign,
    Candidate,
    CandidateStatus,
    DeclaredKinship,
    Election,
    NominationMethod,
    Round,
    SeatKind,
    Stage,
    Voter,
    VoterStatus,
)
from shequ.elections.rules import election_params, items, number
from shequ.registry.models import Resident

CAMPAIGN_NAME = "娄底市第十二届社区居民委员会换届选举"
TERM_LABEL = "第十二届"
CAMPAIGN_START = dt.date(2026, 3, 1)
CAMPAIGN_END = dt.date(2026, 12, 31)
# The stages the demo shows, one election each, in the sub-district's communities in code order.
PLAN: tuple[str, ...] = (Stage.COMPLETED, Stage.VOTING, Stage.ROLL_PUBLISHED, Stage.DRAFT,
                         Stage.CANDIDATES_PUBLISHED, Stage.ROLL_FROZEN)


@dataclass
class Actors:
    manager: Any  # creates the campaign (city) and the elections (sub-district)
    runner: Any  # the election committee's work
    clerks: tuple[Any, Any]  # the two different users who enter each tally sheet


@dataclass
class DemoElections:
    campaign_id: int | None = None
    elections: list[tuple[str, str, int]] = field(default_factory=list)  # (community code, stage reached, id)
    skipped: list[str] = field(default_factory=list)  # steps whose service was not available


def _users() -> dict[str, User]:
    return {u.username: u for u in User.objects.filter(username__in=[
        "city_admin", "district_officer", "subdistrict_officer", "community_worker"])}


def timetable(anchor: dt.date, stage: str) -> dict[str, dt.date]:
    """The days each step happens on, for an election meant to stand at `stage` on `anchor` (today)."""
    if stage in (Stage.COMPLETED, Stage.COUNTED):
        day = anchor - dt.timedelta(days=60)
    elif stage == Stage.VOTING:
        day = anchor
    elif stage == Stage.CANDIDATES_PUBLISHED:
        day = anchor + dt.timedelta(days=3)
    elif stage == Stage.ROLL_FROZEN:
        day = anchor + dt.timedelta(days=10)
    elif stage == Stage.ROLL_PUBLISHED:
        day = anchor + dt.timedelta(days=18)
    else:
        day = anchor + dt.timedelta(days=25)
    return {
        "day": day,
        "create": day - dt.timedelta(days=40),
        "roll": day - dt.timedelta(days=22),
        "publish_roll": day - dt.timedelta(days=21),
        "freeze": day - dt.timedelta(days=14),
        "nominate": day - dt.timedelta(days=10),
        "formal": day - dt.timedelta(days=7),
        "publish_candidates": day - dt.timedelta(days=6),
    }


def demo_anchor(today: dt.date | None = None) -> dt.date:
    """Today, kept inside the campaign so that every election day of the plan falls within it."""
    day = today or timezone.localdate()
    low, high = CAMPAIGN_START + dt.timedelta(days=61), CAMPAIGN_END - dt.timedelta(days=26)
    return min(max(day, low), high)


# -- wipe ---------------------------------------------------------------------------------------------------


def elections_demo_wipe(*, city_code: str) -> None:
    """Remove the city's elections and declared kinships, the demo campaign and the disclosure entries of its
    communities (the record starts again with the rebuilt demo: a `reset` audit row per community tells the
    verification so)."""
    elections = Election.objects.filter(area_code__startswith=city_code)
    elections.update(repeat_of=None)
    elections.delete()
    DeclaredKinship.objects.filter(area_code__startswith=city_code).delete()  # they hold on to the communities
    Campaign.objects.filter(area_code=city_code, name=CAMPAIGN_NAME).delete()
    entries = Disclosure.objects.filter(area_code__startswith=city_code)
    codes = sorted(set(entries.values_list("area_code", flat=True)))
    entries.update(corrects=None)
    entries.delete()
    for code in codes:
        audit_record(actor=None, action="reset", entity_type="disclosure.Disclosure", entity_id=code,
                     area_code=code, summary="demo")


# -- steps (one service call each, or a few of the same kind) ------------------------------------------------


def campaign_step(actors: Actors, city: Area, anchor: dt.date) -> Campaign:
    from shequ.elections.services.elections import campaign_create

    existing = Campaign.objects.filter(area_code=city.code, name=CAMPAIGN_NAME).first()
    if existing is not None:
        return existing
    schedule = [
        {"key": "prepare", "label": "宣传发动、成立选举委员会", "due": "2026-04-15"},
        {"key": "roll", "label": "选民登记、公布选民名单", "due": "2026-10-31"},
        {"key": "vote", "label": "提名候选人、投票选举", "due": "2026-12-20"},
        {"key": "handover", "label": "工作移交、建章立制", "due": "2026-12-31"},
    ]
    return campaign_create(actor=actors.manager, area=city, name=CAMPAIGN_NAME, term_label=TERM_LABEL,
                           starts_on=CAMPAIGN_START, ends_on=CAMPAIGN_END, schedule=schedule,
                           note="按照《中华人民共和国城市居民委员会组织法》和省、市有关规定组织实施。")


def create_step(actors: Actors, community: Area, campaign: Campaign, days: dict[str, dt.date]) -> Election:
    from shequ.elections.services.elections import election_create

    return election_create(actor=actors.manager, community=community,
                           title=f"{community.name}第十二届居民委员会选举", election_day=days["day"],
                           campaign=campaign, seats_director=1, seats_deputy=1, seats_member=3,
                           on=days["create"])


def roll_step(actors: Actors, election: Election, days: dict[str, dt.date]) -> None:
    from shequ.elections.services.roll import roll_generate

    roll_generate(actor=actors.runner, election=election, on=days["roll"])


def roll_publish_step(actors: Actors, election: Election, days: dict[str, dt.date]) -> None:
    from shequ.elections.services.roll import roll_publish

    roll_publish(actor=actors.runner, election=election, on=days["publish_roll"])


def roll_freeze_step(actors: Actors, election: Election, days: dict[str, dt.date]) -> None:
    from shequ.elections.services.roll import roll_freeze

    roll_freeze(actor=actors.runner, election=election, on=days["freeze"])


def _nominees(election: Election, wanted: int, women_min: int) -> list[Voter]:
    """One voter per household (so no two are close relatives), of working age where possible, with the rule's
    minimum of women first."""
    seen: set[int] = set()
    women: list[Voter] = []
    others: list[Voter] = []
    voters = (Voter.objects.filter(election=election, status=VoterStatus.ON_ROLL, resident__isnull=False)
              .order_by("-birth_date", "pk"))
    prime = [v for v in voters if dt.date(1961, 1, 1) <= v.birth_date <= dt.date(2000, 1, 1)]
    for voter in prime + [v for v in voters if v not in prime]:
        key = voter.household_id or -voter.pk
        if key in seen:
            continue
        seen.add(key)
        (women if voter.sex == "F" and len(women) < women_min else others).append(voter)
    return (women + others)[:wanted]


def nominate_step(actors: Actors, election: Election, days: dict[str, dt.date]) -> list[Candidate]:
    """Candidates for each seat, each the rule's minimum margin above the seats: jointly nominated by voters
    where the roll is large enough and the rule allows it, otherwise by a residents' group, else self-nominated."""
    from shequ.elections.services.nomination import candidate_nominate

    values = election_params(election)
    wanted = {seat: count + number(values, f"margin_{seat}_min") for seat, count in election.seats.items() if count}
    people = _nominees(election, sum(wanted.values()), number(values, "women_min"))
    joint = number(values, "nomination_joint_voters_min")
    nominators = list(Voter.objects.filter(election=election, status=VoterStatus.ON_ROLL)
                      .exclude(pk__in=[p.pk for p in people]).order_by("pk").values_list("pk", flat=True)[:joint])
    allowed = items(values, "nomination_methods")
    group = election.area_code if election.group_id else (
        Area.objects.filter(parent_id=election.community_id, level=Level.GRID).order_by("code")
        .values_list("code", flat=True).first() or "")
    if NominationMethod.VOTERS_JOINTLY in allowed and len(nominators) >= joint:
        method = NominationMethod.VOTERS_JOINTLY
    elif NominationMethod.RESIDENT_GROUPS in allowed and group:
        method = NominationMethod.RESIDENT_GROUPS
    else:
        method = NominationMethod.SELF
    out: list[Candidate] = []
    for seat in (SeatKind.DIRECTOR, SeatKind.DEPUTY, SeatKind.MEMBER):
        for _ in range(wanted.get(seat, 0)):
            if not people:
                break
            person = people.pop(0)
            out.append(candidate_nominate(actor=actors.runner, election=election, resident=person.resident_id,
                                          seat=seat, method=method,
                                          nominator_ids=nominators if method == NominationMethod.VOTERS_JOINTLY
                                          else (), group_code=group if method == NominationMethod.RESIDENT_GROUPS
                                          else "", on=days["nominate"]))
    return out


def formal_step(actors: Actors, election: Election, days: dict[str, dt.date]) -> None:
    from shequ.elections.services.nomination import candidate_set_status

    for candidate in Candidate.objects.filter(election=election, status=CandidateStatus.NOMINATED).order_by("pk"):
        candidate_set_status(actor=actors.runner, candidate=candidate, status=CandidateStatus.FORMAL,
                             on=days["formal"])


def candidates_publish_step(actors: Actors, election: Election, days: dict[str, dt.date]) -> None:
    from shequ.elections.services.nomination import candidates_publish

    candidates_publish(actor=actors.runner, election=election, on=days["publish_candidates"])


def voting_open_step(actors: Actors, election: Election, days: dict[str, dt.date]) -> None:
    from shequ.elections.services.voting import voting_open

    voting_open(actor=actors.runner, election=election, on=days["day"])


def boxes_step(actors: Actors, election: Election, days: dict[str, dt.date]) -> list[BallotBox]:
    """A central box for most voters and a mobile one (carried by the rule's minimum of staff) for the rest."""
    from shequ.elections.services.boxes import box_create

    registered = Voter.objects.filter(election=election, status=VoterStatus.ON_ROLL).count()
    mobile_share = registered // 10
    staff_min = number(election_params(election), "mobile_box_staff_min")
    central = box_create(actor=actors.runner, election=election, name="中心投票站", staff=["刘敏", "陈刚", "周丽"],
                         voters_assigned=registered - mobile_share, on=days["day"])
    mobile = box_create(actor=actors.runner, election=election, name="流动票箱一", kind="mobile",
                        staff=[f"流动工作人员{i + 1}" for i in range(staff_min)], voters_assigned=mobile_share,
                        on=days["day"])
    return [central, mobile]


def _figures(box: BallotBox, seats: dict[str, int]) -> dict[str, Any]:
    """Plausible paper figures: about 70 % turnout; the first `seats` candidates of each seat elected (about 70 % of
    the valid ballots for them), the "for" votes of a seat within valid × seats."""
    assigned = box.voters_assigned or 0
    returned = assigned * 7 // 10
    invalid = returned // 50
    valid = returned - invalid
    marks: dict[str, list[int]] = {}
    rank: dict[str, int] = {}
    for candidate in Candidate.objects.filter(round=box.round, status=CandidateStatus.FORMAL).order_by("position"):
        rank[candidate.seat] = rank.get(candidate.seat, 0) + 1
        leading = rank[candidate.seat] <= seats.get(candidate.seat, 0)
        votes = max(valid * 7 // 10 - rank[candidate.seat] + 1, 0) if leading else valid * 2 // 10
        against = (valid - votes) // 2
        marks[str(candidate.pk)] = [votes, against, valid - votes - against]
    return {"ballots_issued": returned + assigned // 20, "ballots_returned": returned,
            "invalid_ballots": invalid, "marks": marks}


def tally_step(actors: Actors, election: Election, boxes: list[BallotBox], days: dict[str, dt.date],
               entries: int = 2) -> None:
    """Each box's sheet entered by two different users (`entries=1` leaves the second entry to be done)."""
    from shequ.elections.services.tally import sheet_enter

    round_ = Round.objects.get(election=election, number=1)
    for box in boxes:
        figures = _figures(box, round_.seats)
        for clerk in actors.clerks[:entries]:
            sheet_enter(actor=clerk, box=box, on=days["day"], **figures)


def count_step(actors: Actors, election: Election, days: dict[str, dt.date]) -> None:
    from shequ.elections.services.results import round_count

    round_count(actor=actors.runner, election=election, on=days["day"])


def results_publish_step(actors: Actors, election: Election, days: dict[str, dt.date]) -> None:
    from shequ.elections.services.results import results_publish

    results_publish(actor=actors.runner, election=election, on=days["day"] + dt.timedelta(days=1))


# -- the procedure up to a stage -------------------------------------------------------------------------------


def _order(stage: str) -> int:
    return list(Stage.values).index(stage)


def election_to_stage(actors: Actors, community: Area, campaign: Campaign, stage: str, anchor: dt.date,
                      summary: DemoElections | None = None) -> Election:
    """One election in `community`, taken through the procedure towards `stage`. A step refused by its service
    (too few residents for a roll or for the candidate margins, a rule not met) or one whose service is missing
    stops the election where it stands; the reason lands in `summary.skipped`."""
    days = timetable(anchor, stage)
    election = create_step(actors, community, campaign, days)
    target = _order(stage)
    boxes: list[BallotBox] = []

    def open_and_boxes() -> None:
        voting_open_step(actors, election, days)
        boxes.extend(boxes_step(actors, election, days))

    def tallies() -> None:
        if stage == Stage.VOTING:  # one box fully entered, the other waiting for its second entry
            tally_step(actors, election, boxes[:1], days)
            tally_step(actors, election, boxes[1:], days, entries=1)
        else:
            tally_step(actors, election, boxes, days)

    steps: list[tuple[str, str, Callable[[], Any]]] = [
        (Stage.DRAFT, "roll_generate", lambda: roll_step(actors, election, days)),
        (Stage.ROLL_PUBLISHED, "roll_publish", lambda: roll_publish_step(actors, election, days)),
        (Stage.ROLL_FROZEN, "roll_freeze", lambda: roll_freeze_step(actors, election, days)),
        (Stage.CANDIDATES_PUBLISHED, "candidate_nominate", lambda: nominate_step(actors, election, days)),
        (Stage.CANDIDATES_PUBLISHED, "candidate_set_status", lambda: formal_step(actors, election, days)),
        (Stage.CANDIDATES_PUBLISHED, "candidates_publish", lambda: candidates_publish_step(actors, election, days)),
        (Stage.VOTING, "voting_open", open_and_boxes),
        (Stage.VOTING, "sheet_enter", tallies),
        (Stage.COUNTED, "round_count", lambda: count_step(actors, election, days)),
        (Stage.COMPLETED, "results_publish", lambda: results_publish_step(actors, election, days)),
    ]
    for reached, name, step in steps:
        if _order(reached) > target:
            break
        try:
            with transaction.atomic():
                step()
        except (ApplicationError, ImportError) as exc:
            if summary is not None:
                summary.skipped.append(f"{community.code} {name}: {exc}")
            break
    election.refresh_from_db()
    return election


def demo_subdistrict(users: dict[str, User]) -> Area | None:
    """The sub-district of the demo's sub-district officer (the community worker's community lies in it)."""
    officer = users.get("subdistrict_officer")
    if officer is None:
        return None
    assignment = officer.role_assignments.select_related("area").first()
    return assignment.area if assignment is not None else None


def elections_demo_build(*, city_code: str, today: dt.date | None = None) -> DemoElections:
    """The campaign and one election per stage of PLAN in the demo sub-district's communities."""
    summary = DemoElections()
    users = _users()
    subdistrict = demo_subdistrict(users)
    city = Area.objects.filter(code=city_code, level=Level.CITY).first()
    if subdistrict is None or city is None or "city_admin" not in users:
        return summary
    elections_demo_wipe(city_code=city_code)
    anchor = demo_anchor(today)
    officer = users["subdistrict_officer"]
    second = users.get("district_officer") or users["city_admin"]
    actors = Actors(manager=users["city_admin"], runner=officer, clerks=(officer, second))
    with transaction.atomic():
        campaign = campaign_step(actors, city, anchor)
    summary.campaign_id = campaign.pk
    actors.manager = officer
    communities = list(Area.objects.filter(parent=subdistrict, level=Level.COMMUNITY))
    sizes = dict(Resident.objects.filter(area_code__startswith=subdistrict.code).order_by().values("community_id")
                 .annotate(n=Count("pk")).values_list("community_id", "n"))
    worker = users.get("community_worker")
    home = worker.role_assignments.values_list("area__code", flat=True).first() if worker else None
    # The community worker's own community gets the completed election (the richest pages), the largest others
    # the later stages (a small generated community cannot field the candidate margins).
    communities.sort(key=lambda a: (a.code != home, -sizes.get(a.pk, 0), a.code))
    for community, stage in zip(communities, PLAN, strict=False):
        election = election_to_stage(actors, community, campaign, stage, anchor, summary)
        summary.elections.append((community.code, election.stage, election.pk))
    return summary
