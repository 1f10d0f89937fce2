"""Campaigns and elections: create, change while in preparation. The seats are checked against the rule set in
force on election day; the first round is created with the election."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.areas.models import Area, Level
from shequ.core.audit import audit_record, diff, snapshot
from shequ.core.errors import NotFound, ValidationFailed
from shequ.elections import policies
from shequ.elections.models import Body, Campaign, Election, Mode, Round, RoundKind, Stage
from shequ.elections.rules import election_params, number, version_for_election
from shequ.elections.services.common import invalid, locked, record, require_stage, today

_EDITABLE = ["title", "election_day", "mode", "seats_director", "seats_deputy", "seats_member", "online_voting",
             "campaign_id", "policy_version_id"]


def _errors(errors: dict[str, list[str]]) -> ValidationFailed:
    first = next(iter(errors.values()))[0]
    return ValidationFailed(first, details=errors)


def check_seats(*, body: str, seats: dict[str, int], values: dict[str, Any]) -> dict[str, list[str]]:
    """Errors (field → messages) for a body's seats under a rule set; {} when they are within the rule."""
    director, deputy, member = seats["director"], seats["deputy"], seats["member"]
    total = director + deputy + member
    errors: dict[str, list[str]] = {}
    if min(director, deputy, member) < 0:
        errors["seats_member"] = [_("职数不能为负数。")]
        return errors
    if body == Body.GROUP_LEADER:
        if (director, deputy, member) != (1, 0, 0):
            errors["seats_director"] = [_("居民小组长选举只选一名小组长。")]
        return errors
    low_key, high_key = {
        Body.RESIDENTS_COMMITTEE: ("seats_min", "seats_max"),
        Body.SUPERVISION_COMMITTEE: ("supervision_seats_min", "supervision_seats_max"),
        Body.COUNCIL: ("council_seats_min", "council_seats_max"),
    }[Body(body)]
    low, high = number(values, low_key), number(values, high_key)
    if body in (Body.RESIDENTS_COMMITTEE, Body.SUPERVISION_COMMITTEE) and director != 1:
        errors["seats_director"] = [_("须设主任一名。")]
    if director > 1:
        errors["seats_director"] = [_("主任只能设一名。")]
    if not low <= total <= high:
        errors["seats_member"] = [
            _("成员总数为 %(total)s 人，按规则应为 %(low)s 至 %(high)s 人。")
            % {"total": total, "low": low, "high": high}
        ]
    elif body == Body.RESIDENTS_COMMITTEE and number(values, "seats_odd") == 1 and total % 2 == 0:
        errors["seats_member"] = [_("成员总数为 %(total)s 人，按规则应为单数。") % {"total": total}]
    return errors


def _community(actor: Any, community: Area | str) -> Area:
    code = community.code if isinstance(community, Area) else str(community or "").strip()
    area = Area.objects.filter(code=code, level=Level.COMMUNITY).first() if code.isdigit() else None
    if area is None:
        raise NotFound()
    policies.require_manage(actor, area.code)
    return area


def _group(community: Area, group: Area | str | None, body: str) -> Area | None:
    if body != Body.GROUP_LEADER:
        return None
    code = group.code if isinstance(group, Area) else str(group or "").strip()
    area = Area.objects.filter(code=code, level=Level.GRID, parent=community).first() if code else None
    if area is None:
        raise invalid("group", _("居民小组长选举须选择本社区的一个居民小组（网格）。"))
    return area


def _campaign(actor: Any, campaign: Campaign | int | None, community: Area, day: dt.date) -> Campaign | None:
    if campaign is None or campaign == "":
        return None
    row = campaign if isinstance(campaign, Campaign) else Campaign.objects.filter(pk=campaign).first()
    if row is None or not community.code.startswith(row.area_code):
        raise invalid("campaign", _("所选换届选举工作不包括这个社区。"))
    if not row.starts_on <= day <= row.ends_on:
        raise invalid("election_day", _("选举日须在换届选举工作期间（%(start)s 至 %(end)s）。")
                      % {"start": row.starts_on.isoformat(), "end": row.ends_on.isoformat()})
    return row


def _validate(election: Election, on: dt.date | None) -> None:
    if election.election_day < today(on):
        raise invalid("election_day", _("选举日不能早于今天。"))
    if election.mode not in Mode.values:
        raise invalid("mode", _("未知的选举方式。"))
    if election.body == Body.GROUP_LEADER and election.mode == Mode.GROUP_REPS:
        raise invalid("mode", _("居民小组长由本小组居民或户代表选举。"))
    if not election.title.strip():
        raise invalid("title", _("请填写选举名称。"))
    election.policy_version = version_for_election(election.area_code, election.election_day)
    errors = check_seats(body=election.body, seats=election.seats, values=election_params(election))
    if errors:
        raise _errors(errors)


@transaction.atomic
def campaign_create(
    *, actor: Any, area: Area | str, name: str, term_label: str, starts_on: dt.date, ends_on: dt.date,
    schedule: list[dict[str, Any]] | None = None, note: str = "",
) -> Campaign:
    code = area.code if isinstance(area, Area) else str(area or "").strip()
    row = Area.objects.filter(code=code, level__in=[Level.CITY, Level.DISTRICT]).first() if code.isdigit() else None
    if row is None:
        raise invalid("area", _("换届选举工作须由市或县市区组织。"))
    policies.require_manage(actor, row.code)
    if ends_on < starts_on:
        raise invalid("ends_on", _("完成期限不能早于开始日期。"))
    if not name.strip() or not term_label.strip():
        raise invalid("name", _("请填写名称和届次。"))
    campaign = Campaign.objects.create(
        area=row, area_code=row.code, name=name.strip(), term_label=term_label.strip(), starts_on=starts_on,
        ends_on=ends_on, schedule=schedule or [], note=note, created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(actor=actor, action="create", entity_type="elections.Campaign", entity_id=campaign.pk,
                 area_code=row.code, changes=snapshot(campaign), summary=campaign.name)
    return campaign


@transaction.atomic
def election_create(
    *, actor: Any, community: Area | str, title: str, election_day: dt.date, body: str = Body.RESIDENTS_COMMITTEE,
    mode: str = Mode.ALL_VOTERS, seats_director: int = 1, seats_deputy: int = 1, seats_member: int = 3,
    online_voting: bool = False, campaign: Campaign | int | None = None, group: Area | str | None = None,
    on: dt.date | None = None,
) -> Election:
    if body not in Body.values:
        raise invalid("body", _("未知的选举对象。"))
    area = _community(actor, community)
    grid = _group(area, group, body)
    election = Election(
        community=area, group=grid, area_code=grid.code if grid else area.code, body=body, mode=mode,
        title=title.strip(), election_day=election_day, seats_director=seats_director, seats_deputy=seats_deputy,
        seats_member=seats_member, online_voting=online_voting,
        campaign=_campaign(actor, campaign, area, election_day),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    _validate(election, on)
    election.save()
    Round.objects.create(election=election, number=1, kind=RoundKind.FIRST, seats=election.seats)
    record(actor=actor, election=election, action="create", entity="elections.Election",
           changes=snapshot(election), summary=election.title)
    return election


@transaction.atomic
def election_update(*, actor: Any, election: Election, on: dt.date | None = None, **fields: Any) -> Election:
    """Change title, day, mode, seats, online voting or campaign while the election is in preparation."""
    election = locked(election, actor, manage=True)
    require_stage(election, [Stage.DRAFT])
    before = snapshot(election, _EDITABLE)
    for name, value in fields.items():
        if name == "campaign":
            election.campaign = _campaign(actor, value, election.community, fields.get("election_day",
                                                                                       election.election_day))
        elif name in {"title", "election_day", "mode", "seats_director", "seats_deputy", "seats_member",
                      "online_voting"}:
            setattr(election, name, value)
        else:
            raise invalid(name, _("该字段不能修改。"))
    _validate(election, on)
    election.save()
    election.rounds.filter(number=1).update(seats=election.seats)
    record(actor=actor, election=election, action="update", entity="elections.Election",
           changes=diff(before, snapshot(election, _EDITABLE)), summary=election.title)
    return election
