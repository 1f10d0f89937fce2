"""The handover (工作移交) after a completed election: recorded on the election and, for a residents' committee,
the staff register follows — the outgoing committee's terms end the day before, the elected start on the day.

Staff rows are written through the governance services (their validation, audit and compliance recompute), not
directly: the register is governance's record.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.core.errors import Conflict
from shequ.elections.models import Body, Election, Stage
from shequ.elections.selectors.results import elected_list
from shequ.elections.services.common import invalid, locked, record, require_stage
from shequ.governance.models import CommitteeKind, Position, Worker
from shequ.governance.services.workers import worker_create, worker_end
from shequ.standards.policy import BASE_PAY_KEYS, TOPIC, params, version_for

_POSITIONS = {"director": Position.DIRECTOR, "deputy": Position.DEPUTY, "member": Position.MEMBER}


def _base_pay(election: Election, day: dt.date) -> dict[str, Decimal]:
    """Monthly base pay by seat from the community standards in force that year (娄底: 1,500 / 1,400 / 1,200)."""
    version = version_for(TOPIC, election.community.code, day.year)
    values = params(version)
    pay: dict[str, Decimal] = {}
    for seat, key in BASE_PAY_KEYS.items():
        value = values.get(key)
        if not isinstance(value, Decimal):
            raise invalid("handover_on", _("%(year)s 年的社区建设标准没有规定月基本报酬（%(key)s），不能登记新任成员。")
                          % {"year": day.year, "key": key})
        pay[seat] = value
    return pay


@transaction.atomic
def handover_record(
    *, actor: Any, election: Election, handover_on: dt.date, note: str = "", create_workers: bool = True,
) -> Election:
    election = locked(election, actor)
    require_stage(election, [Stage.COMPLETED])
    if election.handover_on is not None:
        raise Conflict(_("工作移交已于 %(day)s 登记。") % {"day": election.handover_on.isoformat()},
                       code="handover_recorded")
    if not isinstance(handover_on, dt.date):
        raise invalid("handover_on", _("请填写工作移交日期。"))
    if handover_on < election.election_day:
        raise invalid("handover_on", _("工作移交日期不能早于选举日（%(day)s）。") % {
            "day": election.election_day.isoformat()})
    ended: list[int] = []
    created: list[int] = []
    if create_workers and election.body == Body.RESIDENTS_COMMITTEE:
        pay = _base_pay(election, handover_on)
        outgoing = Worker.objects.filter(
            community=election.community, committee=CommitteeKind.RESIDENTS,
            position__in=list(_POSITIONS.values()), start_date__lt=handover_on,
        ).exclude(end_date__lt=handover_on).order_by("pk")
        for worker in outgoing:
            worker_end(actor=actor, worker=worker, end_date=handover_on - dt.timedelta(days=1))
            ended.append(worker.pk)
        for c in elected_list(election):
            worker = worker_create(
                actor=actor, community=election.community, name=c.name, position=_POSITIONS[c.seat],
                committee=CommitteeKind.RESIDENTS, start_date=handover_on, monthly_base_pay=pay[c.seat],
                resident=c.resident,
            )
            created.append(worker.pk)
    election.handover_on = handover_on
    election.handover_note = (note or "").strip()
    election.save(update_fields=["handover_on", "handover_note", "updated_at"])
    record(actor=actor, election=election, action="handover", entity="elections.Election",
           changes={"handover_on": handover_on.isoformat(), "workers_ended": ended, "workers_created": created},
           summary=election.title)
    return election
