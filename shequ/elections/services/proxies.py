"""Written proxies (书面委托投票): a voter on the roll asks another voter on the roll to vote for them; a holder
accepts at most the rule's `proxy_max`. Recorded from the frozen roll until voting; revoked before voting."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.elections.models import Election, OnlineVoteMark, Proxy, RoundStatus, Stage, Voter, VoterStatus
from shequ.elections.rules import election_params, number
from shequ.elections.services.common import invalid, locked, record, require_stage, today

RECORD_STAGES = (Stage.ROLL_FROZEN, Stage.CANDIDATES_PUBLISHED, Stage.VOTING)
REVOKE_STAGES = (Stage.ROLL_FROZEN, Stage.CANDIDATES_PUBLISHED)


def _voter(election: Election, value: Any, field: str) -> Voter:
    pk = getattr(value, "pk", value)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = 0
    row = Voter.objects.filter(election=election, pk=pk).first() if pk > 0 else None
    if row is None or row.status != VoterStatus.ON_ROLL:
        label = _("委托人") if field == "grantor" else _("受托人")
        name = row.name if row is not None else str(value)
        raise invalid(field, _("%(role)s %(name)s 不在选民名单上。") % {"role": label, "name": name})
    return row


@transaction.atomic
def proxy_record(
    *, actor: Any, election: Election, grantor: Any, holder: Any, written_on: dt.date, note: str = "",
    on: dt.date | None = None,
) -> Proxy:
    election = locked(election, actor)
    require_stage(election, RECORD_STAGES)
    day = today(on)
    giver = _voter(election, grantor, "grantor")
    taker = _voter(election, holder, "holder")
    if giver.pk == taker.pk:
        raise invalid("holder", _("委托人和受托人不能是同一人。"))
    if written_on is None or written_on > day:
        raise invalid("written_on", _("委托日期不能晚于今天。"))
    note = str(note or "").strip()
    if len(note) > 200:
        raise invalid("note", _("备注不能超过 200 字。"))
    given = Proxy.objects.filter(election=election, grantor=giver).select_related("holder").first()
    if given is not None:
        raise invalid("grantor", _("%(name)s 已委托 %(holder)s 投票，一名选民只能委托一次。")
                      % {"name": giver.name, "holder": given.holder.name})
    if Proxy.objects.filter(election=election, grantor=taker).exists():
        raise invalid("holder", _("%(name)s 本人已委托他人投票，不能再接受委托。") % {"name": taker.name})
    if Proxy.objects.filter(election=election, holder=giver).exists():
        raise invalid("grantor", _("%(name)s 已接受他人委托，不能再委托他人。") % {"name": giver.name})
    limit = number(election_params(election), "proxy_max")
    held = Proxy.objects.filter(election=election, holder=taker).count()
    if held >= limit:
        raise invalid("holder", _("%(name)s 已接受 %(n)s 人委托，按规则每一选民接受委托不得超过 %(max)s 人。")
                      % {"name": taker.name, "n": held, "max": limit}, code="proxy_limit")
    open_round = election.rounds.filter(status=RoundStatus.OPEN).order_by("-number").first()
    if open_round is not None and OnlineVoteMark.objects.filter(round=open_round, voter=giver).exists():
        raise invalid("grantor", _("%(name)s 已在网上投票，不能再委托他人。") % {"name": giver.name})
    proxy = Proxy.objects.create(
        election=election, grantor=giver, holder=taker, written_on=written_on, note=note,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    record(actor=actor, election=election, action="create", entity="elections.Proxy", entity_id=proxy.pk,
           changes={"grantor": giver.pk, "holder": taker.pk, "written_on": written_on.isoformat()},
           summary=_("%(grantor)s 委托 %(holder)s 投票") % {"grantor": giver.name, "holder": taker.name})
    return proxy


@transaction.atomic
def proxy_revoke(*, actor: Any, proxy: Proxy, on: dt.date | None = None) -> None:
    election = locked(proxy.election, actor)
    require_stage(election, REVOKE_STAGES)
    row = Proxy.objects.select_related("grantor", "holder").filter(pk=proxy.pk, election=election).first()
    if row is None:
        raise invalid("proxy", _("该委托已撤销。"))
    pk = row.pk
    summary = _("撤销 %(grantor)s 对 %(holder)s 的委托") % {"grantor": row.grantor.name, "holder": row.holder.name}
    row.delete()
    record(actor=actor, election=election, action="delete", entity="elections.Proxy", entity_id=pk,
           changes={"grantor": row.grantor_id, "holder": row.holder_id}, summary=summary)
