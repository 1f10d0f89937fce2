"""Counting a round (and opening the 另行选举 round it calls for), publishing the results, repeating a void election.

The decision itself is `counting.count_round` (pure); this module feeds it the round's figures from the database,
writes what it decided onto the candidates and the round, and moves the election on. The handover after the
results lives in `services.handover`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.errors import Conflict
from shequ.elections import aggregate
from shequ.elections.counting import KinPairs, RoundOutcome, count_round, kin_of_any
from shequ.elections.models import (
    Candidate,
    CandidateStatus,
    Election,
    Round,
    RoundKind,
    RoundStatus,
    SeatKind,
    Stage,
    Voter,
    VoterStatus,
    seat_label,
)
from shequ.elections.rules import election_params, number
from shequ.elections.selectors.common import registered_count
from shequ.elections.services.common import invalid, locked, record, require_stage, set_stage, today
from shequ.elections.services.online import ballots_reshuffle

SEAT_ORDER: list[str] = list(SeatKind.values)


def open_round(election: Election) -> Round | None:
    return election.rounds.filter(status=RoundStatus.OPEN).order_by("-number").first()


def void_text(reason: str, *, registered: int, voted: int, returned: int, values: dict[str, Any]) -> str:
    """The translated reason a round is void, with its figures (kept on the election, max 200 characters)."""
    if reason == "ballots_exceed_voters":
        return _("收回选票 %(returned)s 张，多于参加投票的 %(voted)s 人，本次投票无效。") % {
            "returned": returned, "voted": voted}
    if reason == "voters_exceed_roll":
        return _("纸质选票发出与网上投票合计 %(voted)s 张，多于登记选民 %(registered)s 人，本次投票无效。") % {
            "voted": voted, "registered": registered}
    if reason == "turnout":
        return _("参加投票的选民 %(voted)s 人，未超过登记选民 %(registered)s 人的 %(num)s/%(den)s，选举无效。") % {
            "voted": voted, "registered": registered, "num": number(values, "turnout_num"),
            "den": number(values, "turnout_den")}
    return _("本次投票无效。")


def _roll_match(election: Election, name: str) -> Voter | None:
    """The voter of that name when exactly one is on the roll (a write-in names a person, not a record)."""
    matches = list(Voter.objects.filter(election=election, status=VoterStatus.ON_ROLL, name=name)[:2])
    return matches[0] if len(matches) == 1 else None


def _person_row(election: Election, round_: Round, seat: str, name: str, *, status: str, position: int,
                votes_for: int = 0, elected: bool = False) -> Candidate:
    """A Candidate row for a write-in (elected, or tied and so on the next ballot), matched on the roll by name."""
    voter = _roll_match(election, name)
    return Candidate(
        election=election, round=round_, seat=seat, name=name, status=status, position=position,
        votes_for=votes_for, elected=elected,
        resident_id=voter.resident_id if voter else None, voter=voter,
        sex=voter.sex if voter else "", birth_date=voter.birth_date if voter else None,
        household_id=voter.household_id if voter else None,
        status_reason="" if voter else _("未能在选民名单中唯一确定此人，请核实身份。"),
    )


def _key_id(key: str, write_in_ids: dict[str, int]) -> int | str:
    if key.startswith(aggregate.WRITE_IN_PREFIX):
        return write_in_ids.get(key, key)
    return int(key)


def _write_results(election: Election, round_: Round, candidates: list[Candidate], figures: aggregate.Figures,
                   outcome: RoundOutcome) -> dict[str, int]:
    """Votes and `elected` onto the candidate rows; elected write-ins become rows. Returns write-in key → row id."""
    elected_keys = {e.key for e in outcome.elected}
    for c in candidates:
        for_, against, abstain = figures.of(c.pk)
        c.votes_for, c.votes_against, c.votes_abstain = for_, against, abstain
        c.elected = outcome.valid and str(c.pk) in elected_keys
    Candidate.objects.bulk_update(candidates, ["votes_for", "votes_against", "votes_abstain", "elected"])
    write_in_ids: dict[str, int] = {}
    if not outcome.valid:
        return write_in_ids
    position = max((c.position for c in candidates), default=-1) + 1
    for e in outcome.elected:
        if not e.key.startswith(aggregate.WRITE_IN_PREFIX):
            continue
        row = _person_row(election, round_, e.seat, e.name, status=CandidateStatus.WRITE_IN, position=position,
                          votes_for=e.votes, elected=True)
        row.save()
        write_in_ids[e.key] = row.pk
        position += 1
    return write_in_ids


def _next_round_candidates(election: Election, round_: Round, candidates: list[Candidate], outcome: RoundOutcome,
                           values: dict[str, Any], write_in_ids: dict[str, int],
                           kin: KinPairs) -> tuple[dict[str, list[Any]], dict[str, int]]:
    """For each unfilled seat kind, who stands in the 另行选举: the tied (a tie is re-voted among the tied), else
    the best candidates not elected, as many as the seats plus the rule's margin (at least one more than the
    seats when there are enough) — when the rule blocks close relatives, none related (`kin`, the round's pairs)
    to anyone elected. Returns seat → [Candidate | write-in name] and the seats left vacant."""
    by_key = {str(c.pk): c for c in candidates}
    elected_people = set(
        Candidate.objects.filter(election=election, elected=True, resident_id__isnull=False)
        .values_list("resident_id", flat=True)
    )
    block_relatives = number(values, "close_relatives_block") == 1
    blocked = set(outcome.blocked)
    chosen: dict[str, list[Any]] = {}
    vacant: dict[str, int] = {}
    for seat in SEAT_ORDER:
        seats = int(outcome.unfilled.get(seat, 0) or 0)
        if seats <= 0:
            continue
        tied = [key for group in outcome.ties for key in group
                if (by_key[key].seat if key in by_key else key.split(":", 2)[1]) == seat]
        if tied:
            people: list[Any] = [by_key.get(key) or key.split(":", 2)[2] for key in tied]
        else:
            pool = [
                c for c in candidates
                if c.seat == seat and not c.elected and c.status == CandidateStatus.FORMAL
                and str(c.pk) not in blocked
                and not (block_relatives and c.resident_id and kin_of_any(c.resident_id, elected_people, kin))
            ]
            pool.sort(key=lambda c: (-c.votes_for, c.position, c.pk))
            margin_key = f"margin_{seat}_min"
            margin = max(number(values, margin_key) if margin_key in values else 1, 1)
            people = list(pool[: seats + margin])
        if people:
            chosen[seat] = people
        else:
            vacant[seat] = seats
    return chosen, vacant


def _open_next_round(election: Election, round_: Round, chosen: dict[str, list[Any]],
                     unfilled: dict[str, int]) -> Round:
    nxt = Round.objects.create(
        election=election, number=round_.number + 1, kind=RoundKind.ADDITIONAL,
        seats={seat: int(unfilled[seat]) for seat in SEAT_ORDER if seat in chosen}, status=RoundStatus.OPEN,
    )
    rows: list[Candidate] = []
    position = 0
    for seat in SEAT_ORDER:
        for person in chosen.get(seat, []):
            if isinstance(person, Candidate):
                rows.append(Candidate(
                    election=election, round=nxt, seat=seat, resident_id=person.resident_id, voter_id=person.voter_id,
                    name=person.name, sex=person.sex, birth_date=person.birth_date, household_id=person.household_id,
                    incumbent=person.incumbent, status=CandidateStatus.FORMAL, position=position,
                ))
            else:
                rows.append(_person_row(election, nxt, seat, str(person), status=CandidateStatus.FORMAL,
                                        position=position))
            position += 1
    Candidate.objects.bulk_create(rows)
    return nxt


@transaction.atomic
def round_count(*, actor: Any, election: Election, on: dt.date | None = None) -> Round:
    """Count the open round of an election on or after its election day; returns the counted round."""
    election = locked(election, actor)
    require_stage(election, [Stage.VOTING])
    if today(on) < election.election_day:
        raise invalid("election_day", _("选举日（%(day)s）之前不能计票。") % {"day": election.election_day.isoformat()})
    round_ = open_round(election)
    if round_ is None:
        raise Conflict(_("没有待计票的投票轮次。"), code="round_not_open")
    missing = aggregate.boxes_missing_tally(round_)
    if missing:
        names = "、".join(b.name for b in missing)
        raise Conflict(_("以下票箱尚无核对一致的计票结果：%(names)s。请先录入并核对计票单。") % {"names": names},
                       code="tally_missing", details={"boxes": [b.name for b in missing]})
    ballots_reshuffle(round_)  # voting is closed (the election is locked): untie the ballots from the marks
    figures = aggregate.round_figures(round_)
    if figures.ballots_issued == 0 and figures.ballots_returned == 0:
        raise Conflict(_("本轮还没有任何选票（票箱计票结果或网上投票），不能计票。"), code="no_ballots")
    values = election_params(election)
    candidates = list(round_.candidates.filter(status=CandidateStatus.FORMAL).order_by("position", "pk"))
    data = aggregate.round_input(round_, figures, registered=registered_count(election), candidates=candidates,
                                 person=lambda name: _roll_match(election, name))
    outcome = count_round(data, values)
    write_in_ids = _write_results(election, round_, candidates, figures, outcome)
    now = timezone.now()
    result: dict[str, Any] = {
        "registered": data.registered, "voted": data.voted, "returned": data.returned, "invalid": data.invalid,
        "valid": outcome.valid, "void_reason": outcome.void_reason, "threshold_votes": outcome.threshold_votes,
        "threshold_rule": outcome.threshold_rule,
        "elected": [_key_id(e.key, write_in_ids) for e in outcome.elected],
        "unfilled": {k: int(v) for k, v in outcome.unfilled.items() if v},
        "ties": [[_key_id(k, write_in_ids) for k in group] for group in outcome.ties],
        "blocked": [_key_id(k, write_in_ids) for k in outcome.blocked],
        "warnings": list(outcome.warnings), "write_ins": figures.write_ins, "vacant": {}, "next_round": None,
    }
    changes: dict[str, Any] = {"round": round_.number, "valid": outcome.valid}
    if not outcome.valid:
        round_.status = RoundStatus.VOID
        election.void_reason = void_text(outcome.void_reason, registered=data.registered, voted=data.voted,
                                         returned=data.returned, values=values)[:200]
        set_stage(election, Stage.VOID, "void_reason")
        changes["void_reason"] = election.void_reason
    else:
        round_.status = RoundStatus.COUNTED
        if outcome.needs_another_round:
            chosen, vacant = _next_round_candidates(election, round_, candidates, outcome, values, write_in_ids,
                                                    data.kin)
            result["vacant"] = vacant
            if chosen:
                nxt = _open_next_round(election, round_, chosen, outcome.unfilled)
                result["next_round"] = nxt.number
                changes["next_round"] = nxt.number
        if result["next_round"] is None:
            election.counted_at = now
            set_stage(election, Stage.COUNTED, "counted_at")
    round_.result = result
    round_.counted_at = now
    round_.save(update_fields=["status", "result", "counted_at"])
    record(actor=actor, election=election, action="count", entity="elections.Round", entity_id=round_.pk,
           changes=changes, summary=_("第 %(n)s 轮计票") % {"n": round_.number})
    return round_


def results_text(election: Election) -> tuple[str, str]:
    """Title and body of the public disclosure entry for an election's results."""
    from shequ.elections.selectors.results import elected_list, turnout_percent

    first = election.rounds.order_by("number").first()
    res = first.result if first else {}
    lines = [
        _("选举日：%(day)s") % {"day": election.election_day.isoformat()},
        _("登记选民 %(registered)s 人，参加投票 %(voted)s 人（%(pct)s%%），收回选票 %(returned)s 张，其中无效票 "
          "%(invalid)s 张。") % {"registered": res.get("registered", 0), "voted": res.get("voted", 0),
                                 "pct": turnout_percent(res), "returned": res.get("returned", 0),
                                 "invalid": res.get("invalid", 0)},
        _("当选人员："),
    ]
    for c in elected_list(election):
        lines.append(_("%(seat)s：%(name)s（得票 %(votes)s 票）") % {
            "seat": seat_label(c.seat, election.body), "name": c.name, "votes": c.votes_for})
    vacant = sum(int(v) for r in election.rounds.all() for v in (r.result or {}).get("vacant", {}).values())
    if vacant:
        lines.append(_("另有 %(n)s 个职位空缺。") % {"n": vacant})
    if election.policy_version is not None:
        lines.append(_("依据：%(citation)s") % {"citation": election.policy_version.citation})
    title = _("%(title)s选举结果公告") % {"title": election.title}
    return title[:200], "\n".join(lines)


@transaction.atomic
def results_publish(*, actor: Any, election: Election, on: dt.date | None = None) -> Election:
    """Counted → completed: the results go to the public page and into the community's disclosure record."""
    from shequ.disclosure.services import disclosure_publish

    election = locked(election, actor)
    require_stage(election, [Stage.COUNTED])
    election.results_published_at = timezone.now()
    set_stage(election, Stage.COMPLETED, "results_published_at")
    title, body = results_text(election)
    entry = disclosure_publish(actor=actor, community=election.community, category="election", title=title,
                               body=body, source_type="elections.Election", source_id=str(election.pk))
    record(actor=actor, election=election, action="publish_results", entity="elections.Election",
           changes={"disclosure": entry.pk}, summary=election.title)
    return election


@transaction.atomic
def election_repeat(*, actor: Any, election: Election, election_day: dt.date, on: dt.date | None = None) -> Election:
    """A void election is held again: a new Election (attempt + 1) with the same community, body, mode and seats."""
    from shequ.elections.services.elections import election_create

    election = locked(election, actor, manage=True)
    require_stage(election, [Stage.VOID])
    if election.repeats.exists():
        raise Conflict(_("这次选举已经安排了重新选举。"), code="already_repeated")
    root = election
    while root.repeat_of_id:
        root = Election.objects.get(pk=root.repeat_of_id)
    attempt = election.attempt + 1
    repeat = election_create(
        actor=actor, community=election.community, title=_("%(title)s（第 %(n)s 次选举）") % {
            "title": root.title, "n": attempt},
        election_day=election_day, body=election.body, mode=election.mode, seats_director=election.seats_director,
        seats_deputy=election.seats_deputy, seats_member=election.seats_member, online_voting=election.online_voting,
        campaign=election.campaign, group=election.group, on=on,
    )
    repeat.attempt = attempt
    repeat.repeat_of = election
    repeat.save(update_fields=["attempt", "repeat_of", "updated_at"])
    record(actor=actor, election=election, action="repeat", entity="elections.Election",
           changes={"repeat": repeat.pk, "attempt": attempt}, summary=repeat.title)
    return repeat
