"""Writes of a community's yearly money: operating funds (运转经费, by source) and project funds (惠民项目资金).
Validated (nothing saved while any field is wrong), audited, and followed by a compliance recompute of the
years touched."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from shequ.areas.models import Area
from shequ.core.audit import audit_record, diff, snapshot
from shequ.core.validation import Problems, check_text, clean_and_save
from shequ.facilities.common import FIRST_YEAR, check_amount, check_year, community_for_write, require_change
from shequ.funding.models import FundSource, OperatingFund, ProjectFund

OPERATING_FIELDS = ("year", "source", "amount", "received_on", "note")
PROJECT_FIELDS = ("year", "name", "amount", "note")


def _recompute(community: Area, years: Iterable[int]) -> None:
    from shequ.standards.compliance import compliance_recompute_after_write

    compliance_recompute_after_write(community=community, years=years)


def _check_date(problems: Problems, field: str, value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = parse_date(str(value).strip())
        except ValueError:
            value = None
        if value is None:
            problems.add(field, _("日期格式应为 YYYY-MM-DD"))
            return None
    if value > timezone.localdate():
        problems.add(field, _("到账日期不能晚于今天"))
        return None
    if value.year < FIRST_YEAR:
        problems.add(field, _("日期不能早于 %(year)s 年") % {"year": FIRST_YEAR})
        return None
    return value


def _clean_operating(raw: dict[str, Any]) -> dict[str, Any]:
    problems = Problems()
    state = {
        "year": check_year(problems, "year", raw.get("year")),
        "source": raw.get("source") or "",
        "amount": check_amount(problems, "amount", raw.get("amount")),
        "received_on": _check_date(problems, "received_on", raw.get("received_on")),
        "note": check_text(problems, "note", raw.get("note"), max_length=200),
    }
    if state["source"] not in FundSource.values:
        problems.add("source", _("来源只能是：%(v)s") % {"v": "、".join(str(label) for label in FundSource.labels)})
    problems.raise_if_any()
    return state


def _clean_project(raw: dict[str, Any]) -> dict[str, Any]:
    problems = Problems()
    state = {
        "year": check_year(problems, "year", raw.get("year")),
        "name": check_text(problems, "name", raw.get("name"), max_length=200, required=True),
        "amount": check_amount(problems, "amount", raw.get("amount")),
        "note": check_text(problems, "note", raw.get("note"), max_length=200),
    }
    problems.raise_if_any()
    return state


def _check_fields(fields: dict[str, Any], allowed: tuple[str, ...], service: str) -> None:
    for key in fields:
        if key not in allowed:
            raise TypeError(f"{service}() got an unexpected keyword argument {key!r}")


def _summary(fund: OperatingFund | ProjectFund) -> str:
    label = fund.get_source_display() if isinstance(fund, OperatingFund) else fund.name
    return f"{fund.year} {label} {fund.amount}"


# -- shared create / update / delete -----------------------------------------------------------------
# The two kinds of fund differ only in their fields and how those are cleaned; one implementation of each write.


@dataclass(frozen=True)
class _Kind:
    model: type[OperatingFund] | type[ProjectFund]
    entity: str  # audit entity type and action prefix
    fields: tuple[str, ...]
    clean: Callable[[dict[str, Any]], dict[str, Any]]


def _create(kind: _Kind, *, actor: Any, community: Area, values: dict[str, Any]) -> Any:
    area = community_for_write(actor, community)
    fund = kind.model(community=area, area_code=area.code, **kind.clean(values))
    clean_and_save(fund)
    audit_record(
        actor=actor, action=f"{kind.entity}.create", entity_type=kind.entity, entity_id=fund.pk,
        area_code=area.code, changes=diff({}, snapshot(fund, list(kind.fields))), summary=_summary(fund),
    )
    _recompute(area, [fund.year])
    return fund


def _update(kind: _Kind, *, actor: Any, fund: Any, fields: dict[str, Any]) -> Any:
    _check_fields(fields, kind.fields, f"{kind.entity}_update")
    require_change(actor, fund.area_code)
    fund = kind.model.objects.select_for_update().select_related("community").get(pk=fund.pk)
    before = snapshot(fund, list(kind.fields))
    old_year = fund.year
    state = kind.clean({**{k: getattr(fund, k) for k in kind.fields}, **fields})
    for key, value in state.items():
        setattr(fund, key, value)
    clean_and_save(fund)
    changes = diff(before, snapshot(fund, list(kind.fields)))
    if changes:
        audit_record(
            actor=actor, action=f"{kind.entity}.update", entity_type=kind.entity, entity_id=fund.pk,
            area_code=fund.area_code, changes=changes, summary=_summary(fund),
        )
    _recompute(fund.community, [old_year, fund.year])
    return fund


def _delete(kind: _Kind, *, actor: Any, fund: Any) -> None:
    require_change(actor, fund.area_code)
    fund = kind.model.objects.select_for_update().select_related("community").get(pk=fund.pk)
    audit_record(
        actor=actor, action=f"{kind.entity}.delete", entity_type=kind.entity, entity_id=fund.pk,
        area_code=fund.area_code, changes=diff(snapshot(fund, list(kind.fields)), {}), summary=_summary(fund),
    )
    community, year = fund.community, fund.year
    fund.delete()
    _recompute(community, [year])


_OPERATING = _Kind(OperatingFund, "operating_fund", OPERATING_FIELDS, _clean_operating)
_PROJECT = _Kind(ProjectFund, "project_fund", PROJECT_FIELDS, _clean_project)


# -- operating funds ---------------------------------------------------------------------------------


@transaction.atomic
def operating_fund_create(
    *,
    actor: Any,
    community: Area,
    year: int,
    source: str,
    amount: Any,
    received_on: dt.date | None = None,
    note: str = "",
) -> OperatingFund:
    values = {"year": year, "source": source, "amount": amount, "received_on": received_on, "note": note}
    fund: OperatingFund = _create(_OPERATING, actor=actor, community=community, values=values)
    return fund


@transaction.atomic
def operating_fund_update(*, actor: Any, fund: OperatingFund, **fields: Any) -> OperatingFund:
    updated: OperatingFund = _update(_OPERATING, actor=actor, fund=fund, fields=fields)
    return updated


@transaction.atomic
def operating_fund_delete(*, actor: Any, fund: OperatingFund) -> None:
    _delete(_OPERATING, actor=actor, fund=fund)


# -- project funds -----------------------------------------------------------------------------------


@transaction.atomic
def project_fund_create(
    *, actor: Any, community: Area, year: int, name: str, amount: Any, note: str = ""
) -> ProjectFund:
    values = {"year": year, "name": name, "amount": amount, "note": note}
    fund: ProjectFund = _create(_PROJECT, actor=actor, community=community, values=values)
    return fund


@transaction.atomic
def project_fund_update(*, actor: Any, fund: ProjectFund, **fields: Any) -> ProjectFund:
    updated: ProjectFund = _update(_PROJECT, actor=actor, fund=fund, fields=fields)
    return updated


@transaction.atomic
def project_fund_delete(*, actor: Any, fund: ProjectFund) -> None:
    _delete(_PROJECT, actor=actor, fund=fund)
