"""Community staff (社区工作者, both committees included): create, correct, end a term, delete a mistaken entry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from shequ.areas.models import Area
from shequ.core.audit import audit_record, diff, snapshot
from shequ.core.errors import Conflict, ValidationFailed
from shequ.governance.models import CommitteeKind, Position, Worker
from shequ.governance.policies import require_change
from shequ.governance.rules import served_years
from shequ.governance.services.common import (
    check_resident,
    clean_and_save,
    community_for_write,
    recompute_compliance,
    today,
)

EDITABLE = ("name", "position", "committee", "start_date", "end_date", "monthly_base_pay", "resident")
_AUDITED = ["community_id", "resident_id", "name", "position", "committee", "start_date", "end_date",
            "monthly_base_pay"]
MAX_PAY = Decimal("100000")  # a month's pay this high is a typing error (yuan, not fen)
FIRST_DATE = dt.date(1949, 10, 1)
LEAD_TIME = dt.timedelta(days=366)  # an appointment may be entered ahead of its start, not years ahead
COMMITTEE_POSITIONS = (Position.DIRECTOR, Position.DEPUTY, Position.MEMBER)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date) or value is None:
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return parse_date(text)
    except ValueError:
        return None


def _pay(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def years_label(start: dt.date, end: dt.date | None) -> str:
    """The years of a term, for messages: "2015–2019", "2018", "2016 年至今"."""
    if end is None:
        return _("%(year)s 年至今") % {"year": start.year}
    if start.year == end.year:
        return _("%(year)s 年") % {"year": start.year}
    return _("%(first)s–%(last)s 年") % {"first": start.year, "last": end.year}


def _validate(worker: Worker, raw: dict[str, Any]) -> None:
    """Normalise and check every field at once; one ValidationFailed lists all problems by field."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if "name" in raw:
        worker.name = str(raw["name"] or "").strip()
    if not worker.name and worker.resident is not None:
        worker.name = worker.resident.name
    if not worker.name:
        add("name", _("请填写姓名，或关联居民档案"))
    elif len(worker.name) > 50:
        add("name", _("姓名不能超过 %(n)s 个字") % {"n": 50})
    if "position" in raw:
        worker.position = str(raw["position"] or "").strip()
    if "committee" in raw:
        worker.committee = str(raw["committee"] or "").strip()
    if worker.position not in Position.values:
        add("position", _("请选择职务：正职、副职、委员或工作人员"))
    if worker.committee not in CommitteeKind.values:
        add("committee", _("请选择所属班子：社区党组织、社区居民委员会或不属于两委"))
    if worker.position in COMMITTEE_POSITIONS and worker.committee == CommitteeKind.NONE:
        add("committee", _("正职、副职和委员须属于社区党组织或社区居民委员会"))
    if worker.position == Position.WORKER and worker.committee in (CommitteeKind.PARTY, CommitteeKind.RESIDENTS):
        add("committee", _("工作人员不是两委成员，所属班子应为“不属于两委”"))
    for field in ("start_date", "end_date"):
        if field in raw:
            value = _date(raw[field])
            if value is None and raw[field] not in (None, ""):
                add(field, _("日期格式应为 YYYY-MM-DD"))
            setattr(worker, field, value)
    if worker.start_date is None:
        add("start_date", _("请填写任职开始日期"))
    elif worker.start_date < FIRST_DATE:
        add("start_date", _("任职开始日期不能早于 1949-10-01"))
    elif worker.start_date > today() + LEAD_TIME:
        add("start_date", _("任职开始日期不能晚于 %(date)s") % {"date": (today() + LEAD_TIME).isoformat()})
    elif worker.end_date is not None and worker.end_date < worker.start_date:
        add("end_date", _("任职结束日期不能早于开始日期"))
    if "monthly_base_pay" in raw:
        pay = _pay(raw["monthly_base_pay"])
        if pay is None:
            add("monthly_base_pay", _("月基本报酬必须是数字（元）"))
        elif not Decimal(0) < pay < MAX_PAY:
            add("monthly_base_pay", _("月基本报酬必须大于 0 且小于 %(max)s 元") % {"max": f"{MAX_PAY:,.0f}"})
        elif pay != pay.quantize(Decimal("0.01")):
            add("monthly_base_pay", _("月基本报酬最多保留两位小数"))
        else:
            worker.monthly_base_pay = pay.quantize(Decimal("0.01"))
    if worker.pk and worker.start_date and not problems.get("end_date"):
        served = served_years(worker.start_date, worker.end_date, today())
        rated = sorted(set(worker.evaluations.values_list("year", flat=True)) - set(served))
        if rated:
            field = "end_date" if worker.end_date and rated[-1] > worker.end_date.year else "start_date"
            add(field, _("已有 %(years)s 年度的评议结果，任职期间必须包含这些年份（如有误，请先删除这些评议）")
                % {"years": "、".join(str(y) for y in rated)})
    if problems:
        first = next(iter(problems.values()))[0]
        raise ValidationFailed(first, details=problems)


def _term_years(*terms: tuple[dt.date | None, dt.date | None]) -> set[int]:
    years: set[int] = set()
    for start, end in terms:
        if start is not None:
            years.update(served_years(start, end, today()))
    return years


@transaction.atomic
def worker_create(
    *,
    actor: Any,
    community: Area | str,
    name: str,
    position: str,
    committee: str,
    start_date: dt.date,
    monthly_base_pay: Decimal,
    end_date: dt.date | None = None,
    resident: Any = None,
) -> Worker:
    area = community_for_write(actor, community)
    check_resident(actor, area, resident)
    worker = Worker(community=area, area_code=area.code, resident=resident)
    _validate(
        worker,
        {
            "name": name,
            "position": position,
            "committee": committee,
            "start_date": start_date,
            "end_date": end_date,
            "monthly_base_pay": monthly_base_pay,
        },
    )
    clean_and_save(worker)
    audit_record(
        actor=actor,
        action="worker.create",
        entity_type="worker",
        entity_id=worker.pk,
        area_code=worker.area_code,
        changes=diff({}, snapshot(worker, _AUDITED)),
        summary=worker.name,
    )
    recompute_compliance(area, _term_years((worker.start_date, worker.end_date)))
    return worker


def worker_update(*, actor: Any, worker: Worker, **fields: Any) -> Worker:
    return _update(actor, worker, fields, action="worker.update")


@transaction.atomic
def _update(actor: Any, worker: Worker, fields: dict[str, Any], *, action: str) -> Worker:
    require_change(actor, worker.area_code)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    locked = Worker.objects.select_for_update(of=("self",))
    worker = locked.select_related("community", "resident").get(pk=worker.pk)
    before = snapshot(worker, _AUDITED)
    old_term = (worker.start_date, worker.end_date)
    if "resident" in fields:
        check_resident(actor, worker.community, fields["resident"])
        worker.resident = fields["resident"]
    _validate(worker, {k: v for k, v in fields.items() if k != "resident"})
    clean_and_save(worker)
    changes = diff(before, snapshot(worker, _AUDITED))
    if changes:
        audit_record(
            actor=actor,
            action=action,
            entity_type="worker",
            entity_id=worker.pk,
            area_code=worker.area_code,
            changes=changes,
            summary=worker.name,
        )
        recompute_compliance(worker.community, _term_years(old_term, (worker.start_date, worker.end_date)))
    return worker


def worker_end(*, actor: Any, worker: Worker, end_date: dt.date) -> Worker:
    """The term ends (resignation, recall, dismissal, retirement); a wrong end date is corrected the same way."""
    if _date(end_date) is None:
        raise ValidationFailed(_("请填写任职结束日期"), details={"end_date": [_("请填写任职结束日期")]})
    return _update(actor, worker, {"end_date": end_date}, action="worker.end")


@transaction.atomic
def worker_delete(*, actor: Any, worker: Worker) -> None:
    """Only for an entry made by mistake: a worker with evaluations keeps the record (end the term instead)."""
    require_change(actor, worker.area_code)
    if worker.evaluations.exists():
        raise Conflict(_("该工作人员已有评议记录，不能删除；如已离任，请填写任职结束日期"))
    before = snapshot(worker, _AUDITED)
    term = (worker.start_date, worker.end_date)
    community = worker.community
    pk = worker.pk
    worker.delete()
    audit_record(
        actor=actor,
        action="worker.delete",
        entity_type="worker",
        entity_id=pk,
        area_code=community.code,
        changes=diff(before, {}),
        summary=before.get("name") or "",
    )
    recompute_compliance(community, _term_years(term))
