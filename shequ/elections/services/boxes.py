"""Ballot boxes of the open round: central, fixed and mobile (a mobile box is carried by the rule's minimum of
staff, DESIGN.md §5)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.core.errors import Conflict
from shequ.elections.models import BallotBox, BoxKind, Election, Round, RoundStatus, Stage
from shequ.elections.rules import election_params, number
from shequ.elections.selectors.common import registered_count
from shequ.elections.selectors.tally import open_round
from shequ.elections.services.common import invalid, locked, record, require_stage

BOX_STAGES = [Stage.CANDIDATES_PUBLISHED, Stage.VOTING]


def require_open_round(election: Election) -> Round:
    round_ = open_round(election)
    if round_ is None:
        raise Conflict(_("没有正在进行的投票轮次。"), code="wrong_stage")
    return round_


def require_round_open(round_: Round) -> None:
    """Boxes and sheets of a counted (or void) round are the record of that count: never changed afterwards."""
    if round_.status != RoundStatus.OPEN:
        raise Conflict(_("第 %(n)s 轮投票已计票，不能再修改票箱和计票单。") % {"n": round_.number}, code="wrong_stage",
                       details={"round_status": round_.status})


def _staff(kind: str, staff: Any, minimum: int) -> list[str]:
    if staff is None:
        staff = []
    if isinstance(staff, str):
        staff = staff.replace("，", ",").replace("、", ",").replace("\n", ",").split(",")
    if not isinstance(staff, (list, tuple)):
        raise invalid("staff", _("工作人员须为姓名列表。"))
    names: list[str] = []
    for raw in staff:
        name = str(raw or "").strip()
        if not name:
            continue
        if len(name) > 64:
            raise invalid("staff", _("工作人员姓名“%(name)s”过长。") % {"name": name[:16]})
        if name in names:
            raise invalid("staff", _("工作人员姓名“%(name)s”重复。") % {"name": name})
        names.append(name)
    if kind == BoxKind.MOBILE and len(names) < minimum:
        raise invalid("staff", _("流动票箱须至少由 %(min)s 名工作人员负责，现只填写了 %(n)s 名。")
                      % {"min": minimum, "n": len(names)})
    return names


def _voters_assigned(election: Election, value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
        raise invalid("voters_assigned", _("对应选民数须为不小于 0 的整数。"))
    count = int(value)
    registered = registered_count(election)
    if count > registered:
        raise invalid("voters_assigned", _("对应选民数 %(n)s 多于选民名单上的 %(voters)s 人。")
                      % {"n": count, "voters": registered})
    return count


@transaction.atomic
def box_create(
    *, actor: Any, election: Election, name: str, kind: str = BoxKind.CENTRAL, staff: Any = None,
    voters_assigned: Any = None, on: dt.date | None = None,
) -> BallotBox:
    election = locked(election, actor)
    require_stage(election, BOX_STAGES)
    round_ = require_open_round(election)
    name = str(name or "").strip()
    if not name:
        raise invalid("name", _("请填写票箱名称。"))
    if len(name) > 64:
        raise invalid("name", _("票箱名称不能超过 64 个字。"))
    if kind not in BoxKind.values:
        raise invalid("kind", _("未知的票箱类别。"))
    names = _staff(kind, staff, number(election_params(election), "mobile_box_staff_min"))
    assigned = _voters_assigned(election, voters_assigned)
    if BallotBox.objects.filter(round=round_, name=name).exists():
        raise invalid("name", _("本轮已有名为“%(name)s”的票箱。") % {"name": name})
    box = BallotBox.objects.create(round=round_, name=name, kind=kind, staff=names, voters_assigned=assigned,
                                   created_by=actor if getattr(actor, "pk", None) else None)
    record(actor=actor, election=election, action="create", entity="elections.BallotBox", entity_id=box.pk,
           changes={"round": round_.number, "name": name, "kind": kind, "staff": names,
                    "voters_assigned": assigned},
           summary=_("设立票箱：%(name)s") % {"name": name})
    return box


@transaction.atomic
def box_delete(*, actor: Any, box: BallotBox, on: dt.date | None = None) -> None:
    election = locked(box.round.election, actor)
    require_stage(election, BOX_STAGES)
    box = BallotBox.objects.select_for_update().select_related("round").get(pk=box.pk)
    require_round_open(box.round)
    if box.sheets.exists() or hasattr(box, "tally"):
        raise Conflict(_("票箱“%(name)s”已有计票单录入，不能删除。") % {"name": box.name}, code="box_has_sheets")
    record(actor=actor, election=election, action="delete", entity="elections.BallotBox", entity_id=box.pk,
           changes={"round": box.round.number, "name": box.name, "kind": box.kind},
           summary=_("删除票箱：%(name)s") % {"name": box.name})
    box.delete()

