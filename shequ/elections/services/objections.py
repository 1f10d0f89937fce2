"""Objections to the published roll (对选民名单的异议): filed within the rule's days after publication, answered
within the rule's days of filing. An upheld objection is the only way a published roll changes: it adds the
omitted resident, excludes the wrongly included voter (the objection is the reason) or re-copies the voter's
details from the registry. A late answer is still recorded, and marked late in the audit row."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.accounts.scope import require
from shequ.core.errors import NotFound
from shequ.core.roles import Perm
from shequ.elections.deadlines import answer_due_on, objection_last_day
from shequ.elections.eligibility import resident_eligibility
from shequ.elections.models import (
    Election,
    Mode,
    Objection,
    ObjectionDecision,
    ObjectionKind,
    Stage,
    Voter,
    VoterSource,
    VoterStatus,
)
from shequ.elections.services import roll as roll_services
from shequ.elections.services.common import invalid, lock, locked, record, require_stage, today
from shequ.registry.models import Resident

OBJECTION = "elections.Objection"


def answer_due(election: Election, objection: Objection) -> dt.date:
    return answer_due_on(election, objection.filed_on)


def _voter(election: Election, voter: Voter | int | None, field: str) -> Voter:
    pk = voter.pk if isinstance(voter, Voter) else voter
    row = Voter.objects.filter(election=election, pk=pk).first() if pk else None
    if row is None:
        raise invalid(field, _("请选择选民名单中的一名选民。"))
    return row


@transaction.atomic
def objection_file(
    *, actor: Any, election: Election, kind: str, filed_by_name: str, reason: str,
    subject_voter: Voter | int | None = None, subject_resident: Resident | int | None = None,
    filed_by_voter: Voter | int | None = None, on: dt.date | None = None,
) -> Objection:
    """Record an objection received by the committee (any resident may object; the committee records it)."""
    election = locked(election, actor)
    _check_window(election, kind, today(on))
    filed_by_name = (filed_by_name or "").strip()
    if not filed_by_name:
        raise invalid("filed_by_name", _("请填写提出人。"))
    reason = _reason(reason)
    voter, resident = None, None
    if kind == ObjectionKind.OMITTED:
        if subject_resident in (None, ""):
            raise invalid("subject_resident", _("请指明应列入选民名单的居民。"))
        resident = _not_on_roll(election, roll_services.resident_in_area(election, subject_resident,
                                                                          "subject_resident"))
    else:
        voter = _on_roll(election, subject_voter, "subject_voter")
        resident = voter.resident
    filer = _voter(election, filed_by_voter, "filed_by_voter") if filed_by_voter not in (None, "") else None
    return _create(actor, election, kind=kind, filed_by_name=filed_by_name, filed_by_voter=filer, subject_voter=voter,
                   subject_resident=resident, reason=reason, day=today(on), online=False)


@transaction.atomic
def objection_file_mine(
    *, actor: Any, election: Election, kind: str, reason: str, subject_voter: Voter | int | None = None,
    on: dt.date | None = None,
) -> Objection:
    """A resident's own objection, filed online: that they were left off the roll, that their details on it are
    wrong, or that a voter of the published roll should not be on it. Lands on the committee's list like any
    other (marked as filed online) and is answered there."""
    require(actor, Perm.ELECTIONS_VOTE, election.area_code)
    own = Resident.objects.filter(pk=getattr(actor, "resident_id", None) or 0).first()
    if own is None:
        raise invalid("resident", _("您的账号没有关联居民档案，请到社区办理。"))
    election = lock(election)
    day = today(on)
    _check_window(election, kind, day)
    reason = _reason(reason)
    mine = Voter.objects.filter(election=election, resident=own, status=VoterStatus.ON_ROLL).first()
    voter: Voter | None = None
    resident: Resident | None = own
    if kind == ObjectionKind.OMITTED:
        _not_on_roll(election, roll_services.resident_in_area(election, own.pk, "resident"))
    elif kind == ObjectionKind.WRONG_DETAILS:
        if mine is None:
            raise invalid("kind", _("您不在选民名单中；如认为应当列入，请选择“应列入而未列入”。"))
        voter = mine
    else:
        voter = _on_roll(election, subject_voter, "subject_voter")
        resident = voter.resident
    if Objection.objects.filter(election=election, online=True, recorded_by=actor, kind=kind, subject_voter=voter,
                                decision=ObjectionDecision.PENDING).exists():
        raise invalid("kind", _("您已提出过相同的异议，选举委员会正在处理。"), code="duplicate")
    return _create(actor, election, kind=kind, filed_by_name=own.name, filed_by_voter=mine, subject_voter=voter,
                   subject_resident=resident, reason=reason, day=day, online=True)


def _check_window(election: Election, kind: str, day: dt.date) -> None:
    require_stage(election, [Stage.ROLL_PUBLISHED])
    last = objection_last_day(election)
    assert last is not None and election.roll_published_on is not None  # published
    if day > last:
        raise invalid("filed_on", _("对选民名单提出异议的期限至 %(day)s 止，已过期限。") % {"day": last.isoformat()},
                      code="deadline_passed")
    if day < election.roll_published_on:
        raise invalid("filed_on", _("选民名单尚未公布。"))
    if kind not in ObjectionKind.values:
        raise invalid("kind", _("请选择异议类型。"))


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason", _("请填写异议理由。"))
    return reason


def _not_on_roll(election: Election, resident: Resident) -> Resident:
    if Voter.objects.filter(election=election, resident=resident, status=VoterStatus.ON_ROLL).exists():
        raise invalid("subject_resident", _("%(name)s 已在选民名单中。") % {"name": resident.name})
    return resident


def _on_roll(election: Election, subject: Voter | int | None, field: str) -> Voter:
    voter = _voter(election, subject, field)
    if voter.status != VoterStatus.ON_ROLL:
        raise invalid(field, _("%(name)s 不在选民名单中。") % {"name": voter.name})
    return voter


def _create(
    actor: Any, election: Election, *, kind: str, filed_by_name: str, filed_by_voter: Voter | None,
    subject_voter: Voter | None, subject_resident: Resident | None, reason: str, day: dt.date, online: bool,
) -> Objection:
    objection = Objection.objects.create(
        election=election, kind=kind, filed_by_name=filed_by_name[:64], filed_by_voter=filed_by_voter,
        subject_voter=subject_voter, subject_resident=subject_resident, reason=reason, filed_on=day, online=online,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    record(actor=actor, election=election, action="objection.file", entity=OBJECTION, entity_id=objection.pk,
           changes={"kind": kind, "filed_by_name": filed_by_name, "subject_voter": getattr(subject_voter, "pk", None),
                    "subject_resident": getattr(subject_resident, "pk", None), "reason": reason,
                    "filed_on": day.isoformat(), "online": online},
           summary=filed_by_name)
    return objection


def _uphold(actor: Any, election: Election, objection: Objection) -> dict[str, Any]:
    """Apply an upheld objection to the roll; what changed, for the audit row."""
    if objection.kind == ObjectionKind.OMITTED:
        if objection.subject_resident_id is None:
            raise invalid("decision", _("该居民档案已不存在，无法列入。"))
        resident = roll_services.resident_in_area(election, objection.subject_resident_id, "decision")
        why = resident_eligibility(election, resident, applied=True)
        if why:
            raise invalid("decision", _("%(name)s 不能登记：%(why)s") % {"name": resident.name, "why": why})
        if election.mode == Mode.HOUSEHOLD_REPS:
            rep = roll_services.household_rep(election, resident.household_id)
            if rep is not None:
                raise invalid("decision", _("该户已由 %(name)s 代表。") % {"name": rep.name})
        row = Voter.objects.select_for_update().filter(election=election, resident=resident).first()
        if row is not None and row.status == VoterStatus.ON_ROLL:
            raise invalid("decision", _("%(name)s 已在选民名单中。") % {"name": resident.name})
        if row is not None:
            roll_services.set_included(actor, election, row, "voter.include_by_objection", VoterSource.OBJECTION)
        else:
            row = roll_services.new_voter(election, resident, VoterSource.OBJECTION,
                                          _("异议 #%(id)s") % {"id": objection.pk})
            row.save()
            record(actor=actor, election=election, action="voter.add_by_objection", entity="elections.Voter",
                   entity_id=row.pk, changes={k: [None, v] for k, v in roll_services.voter_fields(row).items()},
                   summary=row.name)
        return {"voter": row.pk, "status": [None, VoterStatus.ON_ROLL]}
    row = (Voter.objects.select_for_update().filter(election=election, pk=objection.subject_voter_id).first()
           if objection.subject_voter_id else None)
    if row is None:
        raise invalid("decision", _("该选民已不在名单中。"))
    if objection.kind == ObjectionKind.WRONGLY_INCLUDED:
        if row.status != VoterStatus.ON_ROLL:
            raise invalid("decision", _("%(name)s 已不列入选民名单。") % {"name": row.name})
        reason = _("异议成立：%(reason)s") % {"reason": objection.reason}
        roll_services.set_excluded(actor, election, row, reason, "voter.exclude_by_objection")
        return {"voter": row.pk, "status": [VoterStatus.ON_ROLL, VoterStatus.EXCLUDED]}
    # Wrong details: the registry is the source; the committee corrects the registry first, then upholds.
    fresh = Resident.objects.select_related("grid").filter(pk=row.resident_id).first() if row.resident_id else None
    if fresh is None:
        raise invalid("decision", _("该选民的居民档案已不存在，无法更正。"))
    before = roll_services.voter_fields(row)
    roll_services.copy_details(row, fresh)
    after = roll_services.voter_fields(row)
    row.save(update_fields=["name", "sex", "birth_date", "household_id", "group_code"])
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    record(actor=actor, election=election, action="voter.correct_by_objection", entity="elections.Voter",
           entity_id=row.pk, changes=changes, summary=row.name)
    return {"voter": row.pk, **changes}


@transaction.atomic
def objection_answer(
    *, actor: Any, election: Election, objection: Objection | int, decision: str, answer: str = "",
    on: dt.date | None = None,
) -> Objection:
    election = locked(election, actor)
    require_stage(election, [Stage.ROLL_PUBLISHED])
    pk = objection.pk if isinstance(objection, Objection) else objection
    row = Objection.objects.select_for_update().filter(election=election, pk=pk).first()
    if row is None:
        raise NotFound()
    if row.decision != ObjectionDecision.PENDING:
        raise invalid("decision", _("该异议已答复。"), code="already_answered")
    if decision not in (ObjectionDecision.UPHELD, ObjectionDecision.REJECTED):
        raise invalid("decision", _("请选择处理结果。"))
    answer = (answer or "").strip()
    if decision == ObjectionDecision.REJECTED and not answer:
        raise invalid("answer", _("异议不成立的，须写明答复理由。"))
    day = today(on)
    if day < row.filed_on:
        raise invalid("answered_on", _("答复日期不能早于提出日期。"))
    applied = _uphold(actor, election, row) if decision == ObjectionDecision.UPHELD else {}
    row.decision, row.answer, row.answered_on = decision, answer, day
    row.answered_by = actor if getattr(actor, "pk", None) else None
    row.save(update_fields=["decision", "answer", "answered_on", "answered_by"])
    due = answer_due(election, row)
    record(actor=actor, election=election, action="objection.answer", entity=OBJECTION, entity_id=row.pk,
           changes={"decision": [ObjectionDecision.PENDING, decision], "answer": answer,
                    "answered_on": day.isoformat(), "due": due.isoformat(), "late": day > due, "roll": applied},
           summary=row.filed_by_name)
    return row
