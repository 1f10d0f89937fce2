"""Test data for elections: people in a community, an election at any stage, its roll and candidates.

The election itself is made through `election_create`; the later steps that a test is not about are laid down
directly as rows (`advance`), so each part's tests start where they need to.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from shequ.areas.models import Area
from shequ.core.testing.factories import make_id_number
from shequ.elections.models import Candidate, CandidateStatus, Election, Round, Stage, Voter, VoterStatus

DAY = dt.date(2026, 6, 20)  # a default election day under the 2025 law (rule version 2)


def make_people(
    *, actor: Any, community: Area, households: int, adults: int = 2, minors: int = 0,
    born: dt.date = dt.date(1980, 1, 1), prefix: str = "选民", grid: Area | None = None, building: Any = None,
    women_every: int = 2,
) -> list[Any]:
    """`households` permanent households in one new building of `community`, each with `adults` adults (the first
    the head; every `women_every`-th person a woman) and `minors` children born 2015."""
    from shequ.registry import services

    building = building or services.building_create(
        actor=actor, community=community, address=f"{community.name}{prefix}楼", grid=grid
    )
    people: list[Any] = []
    n = 0
    for h in range(households):
        household = services.household_create(actor=actor, building=building, room=f"{h + 1:03d}")
        for a in range(adults + minors):
            adult = a < adults
            birth = born + dt.timedelta(days=n) if adult else dt.date(2015, 1, 1) + dt.timedelta(days=n)
            people.append(services.resident_create(
                actor=actor, name=f"{prefix}{n:03d}", household=household,
                id_number=make_id_number(birth, male=(n % women_every) != 0),
                relation="head" if a == 0 else ("spouse" if a == 1 else "child"),
            ))
            n += 1
    return people


def make_election(*, actor: Any, community: Area, day: dt.date = DAY, **fields: Any) -> Election:
    from shequ.elections.services.elections import election_create

    fields.setdefault("title", f"{community.name}第十二届居民委员会选举")
    return election_create(actor=actor, community=community, election_day=day, on=day - dt.timedelta(days=40),
                           **fields)


def roll_from(election: Election, residents: list[Any]) -> list[Voter]:
    """Put `residents` on the roll as they are (no eligibility check: that is the roll service's business)."""
    return Voter.objects.bulk_create([
        Voter(election=election, resident=r, name=r.name, sex=r.sex, birth_date=r.birth_date,
              household_id=r.household_id, group_code=(r.grid.code if r.grid_id else ""), status=VoterStatus.ON_ROLL)
        for r in residents
    ])


def first_round(election: Election) -> Round:
    return election.rounds.get(number=1)


def formal_candidates(
    election: Election, seat: str, voters: list[Voter], round_: Round | None = None
) -> list[Candidate]:
    round_ = round_ or first_round(election)
    start = round_.candidates.count()
    return [
        Candidate.objects.create(
            election=election, round=round_, seat=seat, resident_id=v.resident_id, voter=v, name=v.name, sex=v.sex,
            birth_date=v.birth_date, household_id=v.household_id, status=CandidateStatus.FORMAL, position=start + i,
        )
        for i, v in enumerate(voters)
    ]


def advance(election: Election, stage: str) -> Election:
    """Set the stage (and the dates a stage implies) without the procedure — for tests about a later step."""
    election.stage = stage
    order = list(Stage.values)
    if order.index(stage) >= order.index(Stage.ROLL_PUBLISHED):
        election.roll_published_on = election.roll_published_on or election.election_day - dt.timedelta(days=25)
    if order.index(stage) >= order.index(Stage.ROLL_FROZEN):
        election.roll_frozen_on = election.roll_frozen_on or election.election_day - dt.timedelta(days=15)
    if order.index(stage) >= order.index(Stage.CANDIDATES_PUBLISHED):
        election.candidates_published_on = (election.candidates_published_on
                                            or election.election_day - dt.timedelta(days=6))
    if stage in (Stage.COUNTED, Stage.COMPLETED):
        election.counted_at = election.counted_at or timezone.now()
    election.save()
    return election
