"""Opening the vote: from election day on, once the formal candidates are published."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.core.errors import Conflict
from shequ.elections.models import CandidateStatus, Election, Stage
from shequ.elections.selectors.tally import open_round
from shequ.elections.services.common import invalid, locked, record, require_stage, set_stage, today


@transaction.atomic
def voting_open(*, actor: Any, election: Election, on: dt.date | None = None) -> Election:
    election = locked(election, actor)
    require_stage(election, [Stage.CANDIDATES_PUBLISHED])
    day = today(on)
    if day < election.election_day:
        message = _("选举日 %(day)s 之前不能开始投票。") % {"day": election.election_day.isoformat()}
        raise invalid("election_day", message)
    round_ = open_round(election)
    if round_ is None:
        raise Conflict(_("没有正在进行的投票轮次。"), code="wrong_stage")
    if not round_.candidates.filter(status=CandidateStatus.FORMAL).exists():
        raise invalid("candidates", _("本轮没有正式候选人，不能开始投票。"))
    set_stage(election, Stage.VOTING)
    record(actor=actor, election=election, action="update", entity="elections.Election",
           changes={"stage": [Stage.CANDIDATES_PUBLISHED.value, Stage.VOTING.value], "round": round_.number},
           summary=_("开始投票：%(title)s") % {"title": election.title})
    return election
