"""The electoral roll (选民名单): generated from the registry, added to by application, exclusions recorded with a
reason, household representatives swapped, group representatives recorded; published by the rule's deadline and
frozen once the objection window has closed and every objection is answered.

While the roll is a draft the committee edits it freely (every change audited); once published it changes only
through upheld objections (services.objections), and once frozen not at all.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.areas.models import Area, Level
from shequ.core.errors import Conflict, NotFound
from shequ.elections.deadlines import objection_last_day, roll_publish_by
from shequ.elections.eligibility import resident_eligibility
from shequ.elections.models import Election, Mode, Stage, Voter, VoterSource, VoterStatus
from shequ.elections.rules import election_params, number
from shequ.elections.services.common import invalid, locked, record, require_stage, today
from shequ.registry.models import HouseholdKind, Relation, Resident, ResidentStatus

VOTER = "elections.Voter"
_AUDITED = ["status", "exclusion_reason", "source", "name", "sex", "birth_date", "household_id", "group_code"]


def voter_fields(voter: Voter) -> dict[str, Any]:
    return {name: str(getattr(voter, name)) if isinstance(getattr(voter, name), dt.date) else getattr(voter, name)
            for name in _AUDITED}


def copy_details(voter: Voter, resident: Resident) -> None:
    """Name, sex, birth date, household and group as the registry has them now (the roll keeps its copy)."""
    voter.name = resident.name
    voter.sex = resident.sex
    voter.birth_date = resident.birth_date
    voter.household_id = resident.household_id
    voter.group_code = resident.grid.code if resident.grid_id and resident.grid else ""


def new_voter(election: Election, resident: Resident, source: str, note: str = "") -> Voter:
    voter = Voter(election=election, resident=resident, source=source, note=note[:200])
    copy_details(voter, resident)
    return voter


def resident_in_area(election: Election, resident: Resident | int | None, field: str = "resident") -> Resident:
    """The registry record, re-read; one outside the election's area answers like a missing one."""
    pk = resident.pk if isinstance(resident, Resident) else resident
    row = (
        Resident.objects.select_related("household", "grid").filter(pk=int(pk)).first()
        if pk is not None and str(pk).isdigit() else None
    )
    if row is None:
        raise invalid(field, _("找不到该居民档案。"))
    if not str(row.area_code).startswith(election.area_code):
        raise invalid(field, _("%(name)s 不在本选区居住，不能列入选民名单。") % {"name": row.name})
    return row


def _voter(election: Election, voter: Voter | int) -> Voter:
    pk = voter.pk if isinstance(voter, Voter) else voter
    row = Voter.objects.filter(election=election, pk=pk).select_for_update().first()
    if row is None:
        raise NotFound()
    return row


def require_draft_roll(election: Election) -> None:
    """Direct edits are for the draft; after publication the roll changes only through upheld objections."""
    if election.stage == Stage.ROLL_PUBLISHED:
        message = _("选民名单已公布，只能通过异议处理更正。")
        raise Conflict(message, code="wrong_stage", details={"stage": election.stage, "allowed": [Stage.DRAFT]})
    require_stage(election, [Stage.DRAFT])


def household_rep(election: Election, household_id: int | None, exclude_pk: int | None = None) -> Voter | None:
    if household_id is None:
        return None
    qs = Voter.objects.filter(election=election, household_id=household_id, status=VoterStatus.ON_ROLL)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def _representative(members: list[Resident]) -> Resident:
    """The head when eligible, else the oldest eligible member (ties by record number)."""
    for member in members:
        if member.relation == Relation.HEAD or (member.household and member.household.head_id == member.pk):
            return member
    return min(members, key=lambda r: (r.birth_date, r.pk))


@transaction.atomic
def roll_generate(*, actor: Any, election: Election, on: dt.date | None = None) -> dict[str, int]:
    """Fill the draft roll from the registry by the election's mode; returns the counts.

    Rows already on the roll are kept (manual additions, exclusions, swapped representatives); registry rows of
    residents who no longer qualify are dropped and the others' details refreshed. Running it twice changes
    nothing the second time."""
    election = locked(election, actor)
    require_draft_roll(election)
    existing = {v.resident_id: v for v in Voter.objects.filter(election=election).select_for_update()}
    candidates = list(
        Resident.objects.filter(area_code__startswith=election.area_code, status=ResidentStatus.ACTIVE,
                                household__kind=HouseholdKind.PERMANENT)
        .select_related("household", "grid")
        .order_by("household_id", "id")
    )
    values = election_params(election)  # read once: a community has thousands of adults
    eligible = (
        [r for r in candidates if not resident_eligibility(election, r, values=values)]
        if election.mode != Mode.GROUP_REPS
        else []
    )
    if election.mode == Mode.HOUSEHOLD_REPS:
        by_household: dict[int, list[Resident]] = {}
        for r in eligible:
            by_household.setdefault(r.household_id or 0, []).append(r)
        # A household with a row already (its representative, swapped or excluded by the committee) is left as
        # the committee made it.
        represented = {v.household_id for v in existing.values()}
        wanted = [_representative(members) for hh, members in by_household.items() if hh not in represented]
    else:
        wanted = eligible
    eligible_ids = {r.pk for r in eligible}
    added: list[Voter] = []
    for resident in wanted:
        if resident.pk not in existing:
            added.append(new_voter(election, resident, VoterSource.REGISTRY))
    Voter.objects.bulk_create(added)
    dropped, refreshed = [], 0
    by_id = {r.pk: r for r in candidates}
    for voter in existing.values():
        if voter.source != VoterSource.REGISTRY or voter.status != VoterStatus.ON_ROLL:
            continue
        if voter.resident_id not in eligible_ids:
            dropped.append(voter)
            continue
        before = voter_fields(voter)
        copy_details(voter, by_id[voter.resident_id])
        if voter_fields(voter) != before:
            voter.save(update_fields=["name", "sex", "birth_date", "household_id", "group_code"])
            refreshed += 1
    if dropped:
        Voter.objects.filter(pk__in=[v.pk for v in dropped]).delete()
    counts = {
        "added": len(added),
        "removed": len(dropped),
        "refreshed": refreshed,
        "on_roll": Voter.objects.filter(election=election, status=VoterStatus.ON_ROLL).count(),
        "excluded": Voter.objects.filter(election=election, status=VoterStatus.EXCLUDED).count(),
    }
    if added or dropped or refreshed:
        record(actor=actor, election=election, action="roll.generate", entity="elections.Election",
               changes={"counts": counts, "added": [v.resident_id for v in added],
                        "removed": [[v.resident_id, v.name] for v in dropped]},
               summary=_("生成选民名单：新增 %(added)s 人") % counts)
    return counts


@transaction.atomic
def voter_add(
    *, actor: Any, election: Election, resident: Resident | int, note: str = "", on: dt.date | None = None,
) -> Voter:
    """Put a resident on the draft roll at their application (e.g. a floating resident living here long enough)."""
    election = locked(election, actor)
    require_draft_roll(election)
    if election.mode == Mode.GROUP_REPS:
        raise invalid("resident", _("按居民小组推选代表选举时，请在“居民小组代表”中登记。"))
    person = resident_in_area(election, resident)
    row = Voter.objects.filter(election=election, resident=person).first()
    if row is not None:
        message = (_("%(name)s 已在选民名单中。") if row.status == VoterStatus.ON_ROLL
                   else _("%(name)s 已被列为不列入，如需登记请恢复列入。")) % {"name": person.name}
        raise Conflict(message, code="already_on_roll", details={"resident": [message], "existing_id": row.pk})
    why = resident_eligibility(election, person, applied=True)
    if why:
        raise invalid("resident", _("%(name)s 不能登记：%(why)s") % {"name": person.name, "why": why})
    if election.mode == Mode.HOUSEHOLD_REPS:
        rep = household_rep(election, person.household_id)
        if rep is not None:
            raise invalid("resident", _("该户已由 %(name)s 代表，请改用更换户代表。") % {"name": rep.name})
    voter = new_voter(election, person, VoterSource.APPLICATION, note)
    voter.save()
    record(actor=actor, election=election, action="voter.add", entity=VOTER, entity_id=voter.pk,
           changes={k: [None, v] for k, v in voter_fields(voter).items()}, summary=voter.name)
    return voter


def set_excluded(actor: Any, election: Election, voter: Voter, reason: str, action: str = "voter.exclude") -> Voter:
    before = voter_fields(voter)
    voter.status = VoterStatus.EXCLUDED
    voter.exclusion_reason = reason[:200]
    voter.save(update_fields=["status", "exclusion_reason"])
    record(actor=actor, election=election, action=action, entity=VOTER, entity_id=voter.pk,
           changes={k: [before[k], v] for k, v in voter_fields(voter).items() if before[k] != v}, summary=voter.name)
    return voter


def set_included(actor: Any, election: Election, voter: Voter, action: str = "voter.include",
                 source: str | None = None) -> Voter:
    before = voter_fields(voter)
    voter.status = VoterStatus.ON_ROLL
    voter.exclusion_reason = ""
    if source:
        voter.source = source
    voter.save(update_fields=["status", "exclusion_reason", "source"])
    record(actor=actor, election=election, action=action, entity=VOTER, entity_id=voter.pk,
           changes={k: [before[k], v] for k, v in voter_fields(voter).items() if before[k] != v}, summary=voter.name)
    return voter


@transaction.atomic
def voter_exclude(
    *, actor: Any, election: Election, voter: Voter | int, reason: str, on: dt.date | None = None,
) -> Voter:
    """Leave a voter off the roll, e.g. deprived of political rights (the registry does not hold that)."""
    election = locked(election, actor)
    require_draft_roll(election)
    row = _voter(election, voter)
    if row.status == VoterStatus.EXCLUDED:
        raise invalid("voter", _("%(name)s 已不列入选民名单。") % {"name": row.name})
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason", _("请填写不列入的原因。"))
    return set_excluded(actor, election, row, reason)


@transaction.atomic
def voter_include(*, actor: Any, election: Election, voter: Voter | int, on: dt.date | None = None) -> Voter:
    """Put an excluded voter back on the roll (checked again against the registry)."""
    election = locked(election, actor)
    require_draft_roll(election)
    row = _voter(election, voter)
    if row.status == VoterStatus.ON_ROLL:
        raise invalid("voter", _("%(name)s 已在选民名单中。") % {"name": row.name})
    if row.resident_id is None:
        raise invalid("voter", _("%(name)s 的居民档案已不存在，不能恢复列入。") % {"name": row.name})
    person = resident_in_area(election, row.resident_id, "voter")
    why = resident_eligibility(election, person, applied=row.source != VoterSource.REGISTRY)
    if why:
        raise invalid("voter", _("%(name)s 不能登记：%(why)s") % {"name": row.name, "why": why})
    if election.mode == Mode.HOUSEHOLD_REPS:
        rep = household_rep(election, row.household_id, exclude_pk=row.pk)
        if rep is not None:
            raise invalid("voter", _("该户已由 %(name)s 代表，请改用更换户代表。") % {"name": rep.name})
    return set_included(actor, election, row)


@transaction.atomic
def voter_replace(
    *, actor: Any, election: Election, voter: Voter | int, resident: Resident | int, on: dt.date | None = None,
) -> Voter:
    """Household mode: another eligible member of the same household represents it instead."""
    election = locked(election, actor)
    require_draft_roll(election)
    if election.mode != Mode.HOUSEHOLD_REPS:
        raise invalid("resident", _("只有每户派代表选举才能更换户代表。"))
    row = _voter(election, voter)
    person = resident_in_area(election, resident)
    if row.status != VoterStatus.ON_ROLL:
        raise invalid("voter", _("%(name)s 不在选民名单中。") % {"name": row.name})
    if person.household_id != row.household_id or person.pk == row.resident_id:
        raise invalid("resident", _("户代表须由同户的其他成员担任。"))
    why = resident_eligibility(election, person)
    if why:
        raise invalid("resident", _("%(name)s 不能登记：%(why)s") % {"name": person.name, "why": why})
    set_excluded(actor, election, row, _("已由同户的 %(name)s 代表本户") % {"name": person.name}, "voter.replace")
    other = Voter.objects.filter(election=election, resident=person).first()
    if other is not None:
        copy_details(other, person)
        other.save(update_fields=["name", "sex", "birth_date", "household_id", "group_code"])
        return set_included(actor, election, other, "voter.replace")
    new = new_voter(election, person, VoterSource.REGISTRY, _("代替 %(name)s") % {"name": row.name})
    new.save()
    record(actor=actor, election=election, action="voter.replace", entity=VOTER, entity_id=new.pk,
           changes={"replaces": [row.pk, new.pk], "name": [row.name, new.name]}, summary=new.name)
    return new


def group_areas(election: Election) -> list[Area]:
    """The residents' groups of the election's community (its grids stand for them)."""
    return list(Area.objects.filter(parent_id=election.community_id, level=Level.GRID).order_by("code"))


@transaction.atomic
def representatives_set(
    *, actor: Any, election: Election, group_code: str, residents: list[Resident | int], on: dt.date | None = None,
) -> list[Voter]:
    """Group mode: the 2–3 representatives (by the rule) a residents' group sends; replaces the group's list."""
    election = locked(election, actor)
    require_draft_roll(election)
    if election.mode != Mode.GROUP_REPS:
        raise invalid("group_code", _("只有按居民小组推选代表选举才登记小组代表。"))
    group = next((g for g in group_areas(election) if g.code == str(group_code or "").strip()), None)
    if group is None:
        raise invalid("group_code", _("请选择本社区的一个居民小组。"))
    values = election_params(election)
    low, high = number(values, "group_reps_min"), number(values, "group_reps_max")
    people = [resident_in_area(election, r, "residents") for r in residents]
    if len({p.pk for p in people}) != len(people):
        raise invalid("residents", _("同一居民不能重复登记。"))
    if people and not low <= len(people) <= high:
        raise invalid("residents", _("每个居民小组推选代表 %(low)s 至 %(high)s 人，现为 %(n)s 人。")
                      % {"low": low, "high": high, "n": len(people)})
    for person in people:
        if not str(person.area_code).startswith(group.code):
            raise invalid("residents", _("%(name)s 不是%(group)s的居民。") % {"name": person.name, "group": group.name})
        why = resident_eligibility(election, person, applied=True)
        if why:
            raise invalid("residents", _("%(name)s 不能登记：%(why)s") % {"name": person.name, "why": why})
    current = list(Voter.objects.filter(election=election, group_code=group.code).select_for_update())
    before = sorted(v.name for v in current if v.status == VoterStatus.ON_ROLL)
    keep = {p.pk for p in people}
    Voter.objects.filter(pk__in=[v.pk for v in current if v.resident_id not in keep]).delete()
    have = {v.resident_id: v for v in current if v.resident_id in keep}
    result: list[Voter] = []
    for person in people:
        row = have.get(person.pk)
        if row is None:
            row = new_voter(election, person, VoterSource.REPRESENTATIVE)
            row.save()
        elif row.status != VoterStatus.ON_ROLL:
            row.status, row.exclusion_reason = VoterStatus.ON_ROLL, ""
            row.save(update_fields=["status", "exclusion_reason"])
        result.append(row)
    record(actor=actor, election=election, action="roll.representatives", entity="elections.Election",
           changes={"group": group.code, "representatives": [before, sorted(p.name for p in people)]},
           summary=group.name)
    return result


@transaction.atomic
def roll_publish(*, actor: Any, election: Election, on: dt.date | None = None) -> Election:
    election = locked(election, actor)
    require_stage(election, [Stage.DRAFT])
    day = today(on)
    deadline = roll_publish_by(election)
    if day > deadline:
        raise invalid("roll", _("选民名单最迟应于 %(deadline)s（选举日前 %(days)s 日）公布，已过期限；"
                                "请先推迟选举日。")
                      % {"deadline": deadline.isoformat(), "days": (election.election_day - deadline).days},
                      code="deadline_passed")
    on_roll = Voter.objects.filter(election=election, status=VoterStatus.ON_ROLL)
    if not on_roll.exists():
        raise invalid("roll", _("选民名单为空，不能公布。"), code="empty_roll")
    if election.mode == Mode.GROUP_REPS:
        low = number(election_params(election), "group_reps_min")
        for group in group_areas(election):
            n = on_roll.filter(group_code=group.code).count()
            if n < low:
                raise invalid("roll", _("%(group)s只登记了 %(n)s 名代表，按规则至少 %(low)s 名。")
                              % {"group": group.name, "n": n, "low": low}, code="too_few_representatives")
    election.roll_published_on = day
    election.stage = Stage.ROLL_PUBLISHED
    election.save(update_fields=["stage", "roll_published_on", "updated_at"])
    record(actor=actor, election=election, action="roll.publish", entity="elections.Election",
           changes={"stage": [Stage.DRAFT, Stage.ROLL_PUBLISHED], "roll_published_on": [None, day.isoformat()],
                    "on_roll": on_roll.count()},
           summary=election.title)
    return election


@transaction.atomic
def roll_freeze(*, actor: Any, election: Election, on: dt.date | None = None) -> Election:
    from shequ.elections.models import Objection, ObjectionDecision

    election = locked(election, actor)
    require_stage(election, [Stage.ROLL_PUBLISHED])
    day = today(on)
    last = objection_last_day(election)
    if last is not None and day <= last:
        raise invalid("roll", _("异议期至 %(day)s 止，期满后才能确定选民名单。") % {"day": last.isoformat()},
                      code="objection_window_open")
    pending = Objection.objects.filter(election=election, decision=ObjectionDecision.PENDING).count()
    if pending:
        raise invalid("roll", _("还有 %(n)s 件异议未答复，答复后才能确定选民名单。") % {"n": pending},
                      code="objections_pending")
    election.roll_frozen_on = day
    election.stage = Stage.ROLL_FROZEN
    election.save(update_fields=["stage", "roll_frozen_on", "updated_at"])
    record(actor=actor, election=election, action="roll.freeze", entity="elections.Election",
           changes={"stage": [Stage.ROLL_PUBLISHED, Stage.ROLL_FROZEN], "roll_frozen_on": [None, day.isoformat()]},
           summary=election.title)
    return election
