"""经费: 运转经费 by source and 惠民项目资金 by project. (community, 年度, 来源) identifies an operating fund and
(community, 年度, 项目名称) a project fund; an existing one is updated. Blank optional cells keep what is
recorded."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from shequ.standards.bulk import cells
from shequ.standards.bulk.base import CREATED, UNCHANGED, UPDATED, Kind, Parsed, RowError, RowRefused
from shequ.standards.bulk.columns import CATEGORY, FUNDS, OPERATING, PROJECT, SOURCE

PROJECT_LIMIT = 200
NOTE_LIMIT = 200


class FundsKind(Kind):
    kind = FUNDS
    fields = {
        "community": "area_code", "year": "year", "source": "source", "name": "project", "amount": "amount",
        "received_on": "received_on", "note": "note",
    }

    def parse_row(self, row_no: int, texts: dict[str, str], errors: list[RowError]) -> Parsed | None:
        community = self.community(texts, errors)
        category = self.convert(texts, "category", errors,
                                lambda t: cells.choice(CATEGORY, t, "运转经费、惠民项目资金"), required=True)
        values: dict[str, Any] = {
            "category": category,
            "year": self.convert(texts, "year", errors, cells.year, required=True),
            "source": self.convert(texts, "source", errors,
                                   lambda t: cells.choice(SOURCE, t, "市级财政、区县财政、街道（乡镇）、其他来源")),
            "amount": self.convert(texts, "amount", errors, cells.number, required=True),
            "received_on": self.convert(texts, "received_on", errors, cells.date),
        }
        for key, limit in (("project", PROJECT_LIMIT), ("note", NOTE_LIMIT)):
            text = " ".join(texts.get(key, "").split())
            if len(text) > limit:
                errors.append((self.header_of(key), text, _("内容过长（最多 %(n)d 个字）") % {"n": limit}))
            elif text:
                values[key] = text
        if category == OPERATING:
            if texts.get("source", "") == "" and not any(e[0] == self.header_of("source") for e in errors):
                errors.append((self.header_of("source"), "", _("运转经费必须填写来源")))
            if values.get("project"):
                errors.append((self.header_of("project"), values["project"], _(
                    "运转经费不填写项目名称（惠民项目资金才填写）")))
        elif category == PROJECT:
            if not values.get("project") and not any(e[0] == self.header_of("project") for e in errors):
                errors.append((self.header_of("project"), "", _("惠民项目资金必须填写项目名称")))
            if texts.get("source"):
                errors.append((self.header_of("source"), texts["source"], _(
                    "惠民项目资金不按来源登记，请将来源留空")))
            if texts.get("received_on"):
                errors.append((self.header_of("received_on"), texts["received_on"], _(
                    "惠民项目资金不登记到账日期，请留空")))
        if errors or community is None:
            return None
        return Parsed(row_no, community, {k: v for k, v in values.items() if v is not None}, texts)

    def natural_key(self, row: Parsed) -> tuple[tuple[Any, ...], str, str]:
        values = row.values
        if values["category"] == OPERATING:
            return (row.community.pk, values["year"], OPERATING, values["source"]), "source", _("社区代码、年度和来源")
        return (row.community.pk, values["year"], PROJECT, values["project"]), "project", _("社区代码、年度和项目名称")

    def write(self, row: Parsed, counts: dict[str, int]) -> str:
        from shequ.funding.models import OperatingFund, ProjectFund
        from shequ.funding.services import (
            operating_fund_create,
            operating_fund_update,
            project_fund_create,
            project_fund_update,
        )

        values, actor = row.values, self.ctx.actor
        operating = values["category"] == OPERATING
        found: list[Any]
        optional: tuple[str, ...]
        if operating:
            found = list(OperatingFund.objects.filter(
                community=row.community, year=values["year"], source=values["source"]).order_by("pk")[:2])
            optional = ("amount", "received_on", "note")
        else:
            found = list(ProjectFund.objects.filter(
                community=row.community, year=values["year"], name=values["project"]).order_by("pk")[:2])
            optional = ("amount", "note")
        if len(found) > 1:
            key = "source" if operating else "project"
            raise RowRefused([(self.header_of(key), row.texts.get(key, ""), _(
                "已登记了多条相同年度、相同来源（或项目）的经费，无法确定更新哪一条；请先在经费页面处理"))])
        if not found:
            if operating:
                operating_fund_create(actor=actor, community=row.community, year=values["year"],
                                      source=values["source"], amount=values["amount"],
                                      received_on=values.get("received_on"), note=values.get("note", ""))
            else:
                project_fund_create(actor=actor, community=row.community, year=values["year"],
                                    name=values["project"], amount=values["amount"], note=values.get("note", ""))
            return CREATED
        fund = found[0]
        changes = {key: values[key] for key in optional if key in values and values[key] != getattr(fund, key)}
        if not changes:
            return UNCHANGED
        if operating:
            operating_fund_update(actor=actor, fund=fund, **changes)
        else:
            project_fund_update(actor=actor, fund=fund, **changes)
        return UPDATED
