"""The oversight dashboard: one row per child area of the city, a district or a sub-district, and a total.

Roll-ups never recurse: every figure is grouped by a prefix of `area_code` (the child's code length) in a fixed
number of queries, however many communities lie below. Only residents' committee elections are counted.

Figures (per row):
- communities: communities in the row's area;
- elections: residents' committee elections (every attempt);
- stages: a community's stage is that of its latest election (highest attempt) in the selection; "not started"
  when it has none;
- turnout: sum of voters who voted / sum of registered voters, over the first rounds already counted;
- direct coverage: latest elections by all voters or by household representatives / all latest elections;
- women, average age (on election day) and re-elected (incumbents) among the candidates elected;
- void elections (stage void) and repeated ones (attempt > 1).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, IntegerField, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Substr

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area, Level
from shequ.core.errors import NotFound
from shequ.core.roles import Perm
from shequ.elections.eligibility import age_on
from shequ.elections.models import Body, Campaign, Candidate, Election, Mode, Round, Stage
from shequ.elections.models.campaign import STAGE_ORDER
from shequ.elections.selectors.common import campaign_list

DIRECT_MODES = (Mode.ALL_VOTERS, Mode.HOUSEHOLD_REPS)
NOT_STARTED = "not_started"


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Row:
    code: str
    name: str
    area: Area | None = None
    communities: int = 0
    elections: int = 0
    stages: dict[str, int] = field(default_factory=dict)  # stage value (and NOT_STARTED) → communities
    registered: int = 0
    voted: int = 0
    latest: int = 0
    direct: int = 0
    elected: int = 0
    women: int = 0
    age_sum: int = 0
    aged: int = 0
    incumbents: int = 0
    void: int = 0
    repeated: int = 0
    election_id: int | None = None  # at the sub-district level: the community's latest election
    stage_cells: list[tuple[str, int]] = field(default_factory=list)  # (stage key, communities) in stage order

    @property
    def turnout(self) -> Decimal | None:
        return _percent(self.voted, self.registered)

    @property
    def direct_percent(self) -> Decimal | None:
        return _percent(self.direct, self.latest)

    @property
    def women_percent(self) -> Decimal | None:
        return _percent(self.women, self.elected)

    @property
    def reelected_percent(self) -> Decimal | None:
        return _percent(self.incumbents, self.elected)

    @property
    def average_age(self) -> Decimal | None:
        if not self.aged:
            return None
        return (Decimal(self.age_sum) / Decimal(self.aged)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def add(self, other: Row) -> None:
        for name in ("communities", "elections", "registered", "voted", "latest", "direct", "elected", "women",
                     "age_sum", "aged", "incumbents", "void", "repeated"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key, n in other.stages.items():
            self.stages[key] = self.stages.get(key, 0) + n


@dataclass
class Dashboard:
    area: Area
    rows: list[Row]
    total: Row
    campaign: Campaign | None
    campaigns: list[Campaign]
    child_level: str | None
    stage_keys: list[str]


def _child_level(area: Area) -> str | None:
    return {Level.CITY: Level.DISTRICT, Level.DISTRICT: Level.SUBDISTRICT,
            Level.SUBDISTRICT: Level.COMMUNITY}.get(Level(area.level))


def dashboard_area(*, viewer: Any, code: str = "") -> Area:
    """The area asked for (default: the viewer's top area with ELECTIONS_VIEW); NotFound outside the scope."""
    scope = viewer_scope(viewer)
    codes = scope.codes_for(Perm.ELECTIONS_VIEW)
    if not codes:
        raise NotFound()
    code = str(code or "").strip()
    if not code:
        if "" in codes:
            area = Area.objects.filter(parent__isnull=True).order_by("code").first()
        else:
            area = Area.objects.filter(code=codes[0]).first()
    elif code.isdigit() and scope.has(Perm.ELECTIONS_VIEW, code):
        area = Area.objects.filter(code=code).select_related("parent").first()
    else:
        area = None
    if area is None or area.level not in (Level.CITY, Level.DISTRICT, Level.SUBDISTRICT, Level.COMMUNITY):
        raise NotFound()
    return area


def _campaigns_for(viewer: Any, area: Area) -> list[Campaign]:
    """Campaigns covering the area (organised above it) or inside it."""
    return [
        c for c in campaign_list(viewer=viewer).order_by("-starts_on", "area_code")[:100]
        if area.code.startswith(c.area_code) or c.area_code.startswith(area.code)
    ]


def _campaign(campaigns: list[Campaign], value: Any) -> Campaign | None:
    """`value` "all" → every election; a campaign id → that one (NotFound when not offered); empty → the
    latest campaign, if any."""
    text = str(value or "").strip()
    if text == "all":
        return None
    if not text:
        return campaigns[0] if campaigns else None
    for c in campaigns:
        if str(c.pk) == text:
            return c
    raise NotFound()


def oversight_dashboard(*, viewer: Any, area_code: str = "", campaign: Any = "") -> Dashboard:
    area = dashboard_area(viewer=viewer, code=area_code)
    campaigns = _campaigns_for(viewer, area)
    chosen = _campaign(campaigns, campaign)
    level = _child_level(area)
    if level is None:
        children = [area]
        width = len(area.code)
    else:
        children = list(Area.objects.filter(parent=area, level=level).order_by("code"))
        width = len(children[0].code) if children else len(area.code) + 3
    rows = {c.code: Row(code=c.code, name=c.name, area=c) for c in children}

    def prefix(fieldname: str) -> Substr:
        return Substr(fieldname, 1, width)

    communities = (
        Area.objects.filter(level=Level.COMMUNITY, code__startswith=area.code)
        .annotate(prefix=prefix("code")).values("prefix").annotate(n=Count("id"))
    )
    for item in communities:
        if item["prefix"] in rows:
            rows[item["prefix"]].communities = item["n"]

    elections = Election.objects.filter(area_code__startswith=area.code, body=Body.RESIDENTS_COMMITTEE)
    if chosen is not None:
        elections = elections.filter(campaign=chosen)

    # One row per election, the fewest columns: the latest attempt per community decides its stage.
    latest: dict[int, Any] = {}
    for e in elections.order_by("community_id", "attempt", "id").values(
        "id", "community_id", "area_code", "stage", "mode", "attempt"
    ):
        row = rows.get(e["area_code"][:width])
        if row is None:
            continue
        row.elections += 1
        row.void += e["stage"] == Stage.VOID
        row.repeated += e["attempt"] > 1
        latest[e["community_id"]] = e
    for e in latest.values():
        row = rows[e["area_code"][:width]]
        row.latest += 1
        row.direct += e["mode"] in DIRECT_MODES
        row.stages[e["stage"]] = row.stages.get(e["stage"], 0) + 1
        if level == Level.COMMUNITY or level is None:
            row.election_id = e["id"]
    for row in rows.values():
        row.stages[NOT_STARTED] = max(row.communities - row.latest, 0)

    counted = (
        Round.objects.filter(election__in=elections, number=1, result__has_key="registered")
        .annotate(prefix=prefix("election__area_code")).values("prefix")
        .annotate(registered=Sum(Cast(KT("result__registered"), IntegerField())),
                  voted=Sum(Cast(KT("result__voted"), IntegerField())))
    )
    for figures in counted:
        if figures["prefix"] in rows:
            rows[figures["prefix"]].registered = figures["registered"] or 0
            rows[figures["prefix"]].voted = figures["voted"] or 0

    elected = Candidate.objects.filter(election__in=elections, elected=True).values(
        "election__area_code", "sex", "birth_date", "incumbent", "election__election_day"
    )
    for c in elected:
        row = rows.get(c["election__area_code"][:width])
        if row is None:
            continue
        row.elected += 1
        row.women += c["sex"] == "F"
        row.incumbents += bool(c["incumbent"])
        born: dt.date | None = c["birth_date"]
        if born is not None:
            row.age_sum += age_on(born, c["election__election_day"])
            row.aged += 1

    total = Row(code=area.code, name=area.name, area=area)
    for row in rows.values():
        total.add(row)
    keys = [*STAGE_ORDER, NOT_STARTED]
    for row in [*rows.values(), total]:
        row.stage_cells = [(k, row.stages.get(k, 0)) for k in keys]
    return Dashboard(
        area=area, rows=list(rows.values()), total=total, campaign=chosen, campaigns=campaigns, child_level=level,
        stage_keys=keys,
    )

