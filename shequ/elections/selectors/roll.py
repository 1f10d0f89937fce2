"""The roll and its objections as a viewer may see them; the public roll (names, sex, age, group only); the
deadlines of publication, objection and answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from shequ.areas.models import Area
from shequ.core.errors import NotFound
from shequ.elections.deadlines import objection_last_day, roll_publish_by
from shequ.elections.eligibility import age_on
from shequ.elections.models import (
    Election,
    Objection,
    ObjectionDecision,
    OnlineVoteMark,
    Round,
    Stage,
    Voter,
    VoterStatus,
)
from shequ.elections.rules import election_params, number
from shequ.elections.selectors.common import _pk, election_scope

VOTED_FILTERS = ("online", "not_online")


def _latest_round_id(election: Election) -> int | None:
    return Round.objects.filter(election=election).order_by("-number").values_list("pk", flat=True).first()


def roll_list(
    *, viewer: Any, election: Election, status: str = "", q: str = "", group: str = "", voted: str = "",
) -> QuerySet[Voter]:
    """The roll as the viewer may see it; each voter's `voted_online` (a mark in the latest round) is what the
    polling station checks before it hands out a paper ballot. `voted`: "online" or "not_online" filters on it."""
    qs = Voter.objects.filter(election_scope(viewer, field="election__area_code"), election=election)
    round_id = _latest_round_id(election)
    marks = OnlineVoteMark.objects.filter(round_id=round_id or 0, voter_id=OuterRef("pk"))
    qs = qs.annotate(voted_online=Exists(marks))
    if voted in VOTED_FILTERS:
        qs = qs.filter(voted_online=voted == "online")
    if status in VoterStatus.values:
        qs = qs.filter(status=status)
    text = (q or "").strip()
    if text:
        qs = qs.filter(Q(name__contains=text) | Q(note__contains=text))
    code = (group or "").strip()
    if code.isdigit():
        qs = qs.filter(group_code=code)
    return qs.select_related("resident").order_by("group_code", "name", "id")


def voter_get(*, viewer: Any, election: Election, pk: Any) -> Voter:
    row = Voter.objects.filter(election_scope(viewer, field="election__area_code"), election=election,
                               pk=_pk(pk)).first()
    if row is None:
        raise NotFound()
    return row


def group_names(codes: list[str]) -> dict[str, str]:
    return dict(Area.objects.filter(code__in=[c for c in codes if c]).values_list("code", "name"))


def roll_counts(election: Election) -> dict[str, Any]:
    """On the roll, excluded, voted online in the latest round, and the on-roll voters by group and by sex."""
    rows = Voter.objects.filter(election=election).values("status").annotate(n=Count("id"))
    by_status = {r["status"]: r["n"] for r in rows}
    on_roll = Voter.objects.filter(election=election, status=VoterStatus.ON_ROLL)
    groups = list(on_roll.values("group_code").annotate(n=Count("id")).order_by("group_code"))
    names = group_names([g["group_code"] for g in groups])
    by_sex = {r["sex"]: r["n"] for r in on_roll.values("sex").annotate(n=Count("id"))}
    return {
        "on_roll": by_status.get(VoterStatus.ON_ROLL, 0),
        "excluded": by_status.get(VoterStatus.EXCLUDED, 0),
        "by_group": [{"code": g["group_code"], "name": names.get(g["group_code"], ""), "count": g["n"]}
                     for g in groups],
        "by_sex": {"M": by_sex.get("M", 0), "F": by_sex.get("F", 0)},
        "voted_online": OnlineVoteMark.objects.filter(round_id=_latest_round_id(election) or 0).count(),
    }


def voter_for_resident(election: Election, resident: Any) -> Voter | None:
    """The resident's row on the roll, when on it (online voting checks this)."""
    pk = getattr(resident, "pk", resident)
    if pk is None:
        return None
    return Voter.objects.filter(election=election, resident_id=pk, status=VoterStatus.ON_ROLL).first()


def public_roll_voters(election: Election) -> QuerySet[Voter]:
    """The voters of the published roll in its published order; NotFound while the roll is not published."""
    if election.stage == Stage.DRAFT or election.roll_published_on is None:
        raise NotFound()
    return Voter.objects.filter(election=election, status=VoterStatus.ON_ROLL).order_by("group_code", "name", "id")


def public_roll_rows(election: Election, voters: QuerySet[Voter]) -> list[dict[str, Any]]:
    """Rows of the published roll (from `public_roll_voters`, or a page of it): voter number, name, sex, age on
    election day and group name — nothing else."""
    rows = list(voters.values("id", "name", "sex", "birth_date", "group_code"))
    names = group_names(sorted({r["group_code"] for r in rows}))
    day = election.election_day
    return [{"number": r["id"], "name": r["name"], "sex": r["sex"], "age": age_on(r["birth_date"], day),
             "group": names.get(r["group_code"], "")} for r in rows]


def public_roll(election: Election) -> list[dict[str, Any]]:
    """The whole published roll (the public page); NotFound while it is not published."""
    return public_roll_rows(election, public_roll_voters(election))


def objection_list(*, viewer: Any, election: Election, decision: str = "") -> QuerySet[Objection]:
    qs = Objection.objects.filter(election_scope(viewer, field="election__area_code"), election=election)
    if decision in ObjectionDecision.values:
        qs = qs.filter(decision=decision)
    return qs.select_related("subject_voter", "subject_resident", "answered_by").order_by("filed_on", "id")


def my_objections(*, viewer: Any, election: Election) -> list[Objection]:
    """The objections the viewer filed online in this election (none for an anonymous viewer)."""
    if not getattr(viewer, "pk", None):
        return []
    return list(Objection.objects.filter(election=election, online=True, recorded_by=viewer)
                .select_related("subject_voter").order_by("filed_on", "id"))


def objection_get(*, viewer: Any, election: Election, pk: Any) -> Objection:
    row = objection_list(viewer=viewer, election=election).filter(pk=_pk(pk)).first()
    if row is None:
        raise NotFound()
    return row


@dataclass(frozen=True)
class RollDeadlines:
    publish_by: dt.date
    objection_days: int
    answer_days: int
    objection_last_day: dt.date | None  # None before publication

    def answer_due(self, objection: Objection) -> dt.date:
        return objection.filed_on + dt.timedelta(days=self.answer_days)

    def overdue(self, objection: Objection, day: dt.date) -> bool:
        """Still unanswered after its limit."""
        return objection.decision == ObjectionDecision.PENDING and day > self.answer_due(objection)

    def late(self, objection: Objection) -> bool:
        """Answered, but after its limit."""
        return objection.answered_on is not None and objection.answered_on > self.answer_due(objection)

    def objections_open(self, day: dt.date) -> bool:
        return self.objection_last_day is not None and day <= self.objection_last_day


def roll_deadlines(election: Election) -> RollDeadlines:
    values = election_params(election)
    return RollDeadlines(
        publish_by=roll_publish_by(election, values),
        objection_days=number(values, "objection_days"),
        answer_days=number(values, "objection_answer_days"),
        objection_last_day=objection_last_day(election, values),
    )
