"""Nomination (提名) and the formal candidate list (正式候选人名单), issue 4 §3.

Nominations are taken while the roll is frozen and until the deadline (election day minus the rule's
`candidates_publish_days_before`), by the ways the rule's `nomination_methods` allows; the committee then marks
each nominee formal, withdrawn or rejected and publishes the list, which is checked against the rule's margins, the
women rule and the close-relatives rule (close relatives: `elections.kinship`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.areas.models import Area, Level
from shequ.core.errors import ValidationFailed
from shequ.elections.eligibility import resident_eligibility
from shequ.elections.models import (
    Body,
    Candidate,
    CandidateStatus,
    Election,
    Mode,
    Nomination,
    NominationMethod,
    Round,
    SeatKind,
    Stage,
    Voter,
    VoterSource,
    VoterStatus,
    seat_label,
)
from shequ.elections.rules import election_params, items, number
from shequ.elections.selectors.candidates import nomination_deadline, publication_check
from shequ.elections.services.common import invalid, locked, record, require_stage, set_stage, today
from shequ.registry.models import Household, Resident

# A candidate in one of these still stands; one withdrawn or rejected does not block a nomination elsewhere.
STANDING = (CandidateStatus.NOMINATED, CandidateStatus.FORMAL)
DECIDED = (CandidateStatus.FORMAL, CandidateStatus.WITHDRAWN, CandidateStatus.REJECTED)


def _first_round(election: Election) -> Round:
    return Round.objects.get(election=election, number=1)


def _resident(election: Election, resident: Any) -> Resident:
    """The registry record, only if it lives inside the election's area (the actor may run that election)."""
    pk = getattr(resident, "pk", resident)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = 0
    row = (
        Resident.objects.filter(pk=pk, area_code__startswith=election.area_code).select_related("household").first()
        if pk > 0 else None
    )
    if row is None:
        raise invalid("resident", _("在本选区找不到该居民。"))
    return row


def _ids(values: Iterable[Any], field: str) -> list[int]:
    out: list[int] = []
    for value in values:
        try:
            out.append(int(value))
        except (TypeError, ValueError):
            raise invalid(field, _("选民编号“%(value)s”无效。") % {"value": value}) from None
    return list(dict.fromkeys(out))


def _names(voters: Iterable[Voter]) -> str:
    return "、".join(v.name for v in voters)


def _on_roll_nominators(election: Election, ids: list[int]) -> list[Voter]:
    """The nominating voters, refusing any id that is not a voter on this election's roll (named)."""
    found = {v.pk: v for v in Voter.objects.filter(election=election, pk__in=ids)}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise invalid("nominator_ids",
                      _("编号为 %(ids)s 的提名人不在本次选举的选民名单上。") % {"ids": "、".join(missing)})
    off = [found[i] for i in ids if found[i].status != VoterStatus.ON_ROLL]
    if off:
        raise invalid("nominator_ids", _("提名人 %(names)s 不在选民名单上（已不列入）。") % {"names": _names(off)})
    return [found[i] for i in ids]


def _check_household_reps(election: Election, voters: list[Voter]) -> None:
    """In the household mode the roll is the household representatives; otherwise the heads of household on
    the roll represent their households. One nominator per household either way."""
    if election.mode != Mode.HOUSEHOLD_REPS:
        heads = set(
            Household.objects.filter(head_id__in=[v.resident_id for v in voters if v.resident_id])
            .values_list("head_id", flat=True)
        )
        not_reps = [v for v in voters if v.resident_id not in heads]
        if not_reps:
            raise invalid("nominator_ids",
                          _("提名人 %(names)s 不是户主，不能代表本户提名。") % {"names": _names(not_reps)})
    seen: dict[int, Voter] = {}
    for voter in voters:
        if voter.household_id is None:
            continue
        if voter.household_id in seen:
            raise invalid(
                "nominator_ids",
                _("%(a)s 和 %(b)s 属于同一户，每户只能由一名代表提名。")
                % {"a": seen[voter.household_id].name, "b": voter.name},
            )
        seen[voter.household_id] = voter


def _check_group(election: Election, group_code: str) -> str:
    code = str(group_code or "").strip()
    if election.group_id is not None:
        ok = code == election.area_code
    else:
        ok = Area.objects.filter(code=code, level=Level.GRID, parent_id=election.community_id).exists()
    if not code or not ok:
        raise invalid("group_code", _("请选择本社区的一个居民小组（网格）作为提名人。"))
    return code


def _nominators(
    election: Election, method: str, nominator_ids: Iterable[Any], group_code: str, voter: Voter | None,
) -> tuple[list[int], str]:
    """Validated (nominator voter ids, group code) for one nomination."""
    if method not in NominationMethod.values:
        raise invalid("method", _("未知的提名方式。"))
    allowed = items(election_params(election), "nomination_methods")
    if method not in allowed:
        labels = "、".join(str(label) for value, label in NominationMethod.choices if value in allowed) or "—"
        raise invalid(
            "method",
            _("本次选举适用的选举规则不允许“%(method)s”；允许的提名方式：%(allowed)s。")
            % {"method": NominationMethod(method).label, "allowed": labels},
            code="method_not_allowed",
        )
    if method == NominationMethod.SELF:
        return ([voter.pk] if voter is not None else []), ""
    if method == NominationMethod.RESIDENT_GROUPS:
        return _ids(nominator_ids, "nominator_ids"), _check_group(election, group_code)
    ids = _ids(nominator_ids, "nominator_ids")
    voters = _on_roll_nominators(election, ids)
    if method == NominationMethod.HOUSEHOLD_REPS:
        _check_household_reps(election, voters)
    minimum = number(election_params(election), "nomination_joint_voters_min")
    if len(voters) < minimum:
        raise invalid(
            "nominator_ids",
            _("联名提名须有至少 %(min)s 名选民，现有 %(n)s 名。") % {"min": minimum, "n": len(voters)},
        )
    return ids, ""


def _is_incumbent(election: Election, resident: Resident, day: dt.date) -> bool:
    """A member of the outgoing body. The staff register holds the residents' committee only: a committee member
    standing for the supervision committee, the council or a group leadership is no incumbent of that body."""
    from shequ.governance.models import CommitteeKind, Worker

    if election.body != Body.RESIDENTS_COMMITTEE:
        return False
    return Worker.objects.filter(
        resident=resident, committee=CommitteeKind.RESIDENTS, start_date__lte=day,
    ).exclude(end_date__lt=day).exists()


def _check_deadline(election: Election, day: dt.date) -> None:
    last = nomination_deadline(election)
    if day > last:
        raise invalid(
            "nominated_on",
            _("提名已于 %(day)s 截止（选举日前 %(n)s 天），不能再提名。")
            % {"day": last.isoformat(), "n": number(election_params(election), "candidates_publish_days_before")},
            code="deadline_passed",
        )


@transaction.atomic
def candidate_nominate(
    *, actor: Any, election: Election, resident: Any, seat: str, method: str, nominator_ids: Iterable[Any] = (),
    group_code: str = "", note: str = "", on: dt.date | None = None,
) -> Candidate:
    """A new candidate with its nomination, or one more nomination for a person already nominated for `seat`."""
    election = locked(election, actor)
    require_stage(election, [Stage.ROLL_FROZEN])
    day = today(on)
    _check_deadline(election, day)
    if seat not in SeatKind.values or election.seats.get(seat, 0) <= 0:
        raise invalid("seat", _("本次选举不设该职位。"))
    person = _resident(election, resident)
    voter = Voter.objects.filter(election=election, resident=person).first()
    if voter is not None and voter.status == VoterStatus.EXCLUDED:
        raise invalid("resident", _("%(name)s 未列入选民名单（%(reason)s），不能作为候选人。")
                      % {"name": person.name, "reason": voter.exclusion_reason or "—"})
    why = resident_eligibility(election, person, applied=voter is not None and voter.source == VoterSource.APPLICATION)
    if why:
        raise invalid("resident", _("%(name)s 不具备候选人资格：%(why)s") % {"name": person.name, "why": why})
    round_ = _first_round(election)
    existing = list(Candidate.objects.filter(round=round_, resident=person))
    other = [c for c in existing if c.seat != seat and c.status in STANDING]
    if other:
        raise invalid("seat", _("%(name)s 已被提名为%(seat)s候选人，同一人不能同时被提名两个职位。")
                      % {"name": person.name, "seat": seat_label(other[0].seat, election.body)})
    ids, group = _nominators(election, method, nominator_ids, group_code, voter)
    note = str(note or "").strip()
    if len(note) > 200:
        raise invalid("note", _("备注不能超过 200 字。"))
    candidate = next((c for c in existing if c.seat == seat), None)
    created = candidate is None
    if candidate is None:
        candidate = Candidate.objects.create(
            election=election, round=round_, seat=seat, resident=person, voter=voter, name=person.name,
            sex=person.sex, birth_date=person.birth_date, household_id=person.household_id,
            incumbent=_is_incumbent(election, person, day), status=CandidateStatus.NOMINATED,
        )
    nomination = Nomination.objects.create(
        candidate=candidate, method=method, nominator_ids=ids, group_code=group, nominated_on=day, note=note,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    record(
        actor=actor, election=election, action="create" if created else "update", entity="elections.Candidate",
        entity_id=candidate.pk, summary=_("提名候选人 %(name)s（%(seat)s）") % {
            "name": candidate.name, "seat": seat_label(seat, election.body)},
        changes={"seat": seat, "method": method, "nominators": ids, "group_code": group,
                 "nomination_id": nomination.pk, "incumbent": candidate.incumbent},
    )
    return candidate


@transaction.atomic
def candidate_set_status(
    *, actor: Any, candidate: Candidate, status: str, reason: str = "", on: dt.date | None = None,
) -> Candidate:
    """Formal, withdrawn or rejected (the last two with a reason) — until the list is published."""
    election = locked(candidate.election, actor)
    require_stage(election, [Stage.ROLL_FROZEN])
    row = Candidate.objects.select_for_update().get(pk=candidate.pk, election=election)
    if status not in DECIDED:
        raise invalid("status", _("候选人状态只能设为正式候选人、已退出或不符合条件。"))
    reason = str(reason or "").strip()
    if status != CandidateStatus.FORMAL and not reason:
        raise invalid("reason", _("退出或不符合条件须说明原因。"))
    if len(reason) > 200:
        raise invalid("reason", _("说明不能超过 200 字。"))
    if status == CandidateStatus.FORMAL:
        clash = Candidate.objects.filter(round_id=row.round_id, resident_id=row.resident_id or 0, status__in=STANDING)
        if row.resident_id and clash.exclude(pk=row.pk).exclude(seat=row.seat).exists():
            raise invalid("status", _("%(name)s 已是另一职位的候选人。") % {"name": row.name})
    before = {"status": row.status, "status_reason": row.status_reason}
    row.status, row.status_reason = status, reason
    row.save(update_fields=["status", "status_reason"])
    record(actor=actor, election=election, action="update", entity="elections.Candidate", entity_id=row.pk,
           changes={"status": [before["status"], status], "status_reason": [before["status_reason"], reason]},
           summary=_("%(name)s：%(status)s") % {"name": row.name, "status": CandidateStatus(status).label})
    return row


def _ballot_order(candidates: list[Candidate]) -> list[Candidate]:
    """By seat (director, deputy, member), then by the pinyin of the name and the id: stable and explainable."""
    from pypinyin import lazy_pinyin

    seats = list(SeatKind.values)
    return sorted(candidates, key=lambda c: (seats.index(c.seat), lazy_pinyin(c.name), c.pk))


@transaction.atomic
def candidates_publish(*, actor: Any, election: Election, on: dt.date | None = None) -> Election:
    """Check the formal list against the rule (all problems at once, per seat) and publish it: the stage moves
    on and the formal candidates get their ballot positions. Warnings (relatives, when the rule only warns) are
    audited and left on `election.publish_warnings` for the caller to show."""
    election = locked(election, actor)
    require_stage(election, [Stage.ROLL_FROZEN])
    day = today(on)
    check = publication_check(election, day)
    if check.errors:
        first = next(iter(check.errors.values()))[0]
        raise ValidationFailed(first, code="candidates_not_ready", details=check.errors)
    round_ = _first_round(election)
    formal = _ballot_order(list(Candidate.objects.filter(round=round_, status=CandidateStatus.FORMAL)))
    for position, candidate in enumerate(formal):
        candidate.position = position
    Candidate.objects.bulk_update(formal, ["position"])
    election.candidates_published_on = day
    set_stage(election, Stage.CANDIDATES_PUBLISHED, "candidates_published_on")
    record(
        actor=actor, election=election, action="publish", entity="elections.Election",
        changes={"stage": [Stage.ROLL_FROZEN, Stage.CANDIDATES_PUBLISHED], "candidates_published_on": day.isoformat(),
                 "candidates": [c.pk for c in formal], "warnings": check.warnings},
        summary=_("公布正式候选人名单（%(n)s 人）") % {"n": len(formal)},
    )
    election.publish_warnings = check.warnings  # type: ignore[attr-defined]
    return election
