"""社区工作人员 with their 民主评议: one row per term of office; (community, 姓名, 任职开始) identifies an existing
one, which is updated. Year columns ("2021年评议") record that year's rating through evaluation_record, which
refuses a year the worker did not serve.

A 公民身份号码 links the worker to the registry: it must be a resident of that community (the number is
normalised as the registry does, 15-digit numbers upgraded) whose name is the row's 姓名.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from shequ.core.errors import ApplicationError
from shequ.registry.idnumbers import IdNumberError, parse_id_number
from shequ.standards.bulk import cells
from shequ.standards.bulk.base import CREATED, UNCHANGED, UPDATED, Kind, Parsed, RowError, RowRefused
from shequ.standards.bulk.columns import COMMITTEE, POSITION, RATING, STAFF

NAME_LIMIT = 50


def _id_number(text: str) -> str:
    try:
        return parse_id_number(text).number
    except IdNumberError as exc:
        raise cells.CellError(str(exc.message)) from None


class StaffKind(Kind):
    kind = STAFF
    fields = {
        "community": "area_code", "name": "name", "position": "position", "committee": "committee",
        "start_date": "start_date", "end_date": "end_date", "monthly_base_pay": "monthly_base_pay",
        "resident": "id_number",
    }

    def parse_row(self, row_no: int, texts: dict[str, str], errors: list[RowError]) -> Parsed | None:
        community = self.community(texts, errors)
        name = " ".join(texts.get("name", "").split())
        if not name:
            if not any(e[0] == self.header_of("name") for e in errors):
                errors.append((self.header_of("name"), "", _("此项必填")))
        elif len(name) > NAME_LIMIT:
            errors.append((self.header_of("name"), name, _("内容过长（最多 %(n)d 个字）") % {"n": NAME_LIMIT}))
        values: dict[str, Any] = {
            "name": name,
            "id_number": self.convert(texts, "id_number", errors, _id_number),
            "position": self.convert(texts, "position", errors,
                                     lambda t: cells.choice(POSITION, t, "正职、副职、委员、工作人员"), required=True),
            "committee": self.convert(texts, "committee", errors,
                                      lambda t: cells.choice(COMMITTEE, t, "社区党组织、社区居民委员会、不属于两委"),
                                      required=True),
            "start_date": self.convert(texts, "start_date", errors, cells.date, required=True),
            "end_date": self.convert(texts, "end_date", errors, cells.date),
            "monthly_base_pay": self.convert(texts, "monthly_base_pay", errors, cells.number, required=True),
        }
        ratings: dict[str, str] = {}
        for key in self.header.years:
            rating = self.convert(texts, key, errors, lambda t: cells.choice(RATING, t, "优秀、称职、基本称职、不称职"))
            if rating is not None:
                ratings[key] = rating
        if errors or community is None:
            return None
        return Parsed(row_no, community, {k: v for k, v in values.items() if v is not None}, texts,
                      extra={"ratings": ratings})

    def natural_key(self, row: Parsed) -> tuple[tuple[Any, ...], str, str]:
        return (row.community.pk, row.values["name"], row.values["start_date"]), "name", _("社区代码、姓名和任职开始")

    def _resident(self, row: Parsed) -> Any:
        from shequ.registry.models import Resident

        number = row.values.get("id_number")
        if number is None:
            return None
        resident = Resident.objects.filter(id_number=number, community=row.community).first()
        column, text = self.header_of("id_number"), row.texts.get("id_number", "")
        if resident is None:
            raise RowRefused([(column, text, _("本社区的居民信息库中没有这个公民身份号码"))])
        if resident.name != row.values["name"]:
            raise RowRefused([(column, text, _("居民信息库中该号码的姓名与本行的姓名不一致"))])
        return resident

    def write(self, row: Parsed, counts: dict[str, int]) -> str:
        from shequ.governance.models import Evaluation, Worker
        from shequ.governance.services import evaluation_record, worker_create, worker_update

        values, actor = row.values, self.ctx.actor
        found = list(Worker.objects.filter(
            community=row.community, name=values["name"], start_date=values["start_date"]).order_by("pk")[:2])
        if len(found) > 1:
            raise RowRefused([(self.header_of("name"), values["name"], _(
                "已登记了多条姓名和任职开始日期都相同的任职记录，无法确定更新哪一条；请先在工作人员页面处理"))])
        resident = self._resident(row)
        outcome = UNCHANGED
        if not found:
            worker = worker_create(
                actor=actor, community=row.community, name=values["name"], position=values["position"],
                committee=values["committee"], start_date=values["start_date"],
                monthly_base_pay=values["monthly_base_pay"], end_date=values.get("end_date"), resident=resident)
            outcome = CREATED
        else:
            worker = found[0]
            changes: dict[str, Any] = {
                key: values[key] for key in ("position", "committee", "monthly_base_pay", "end_date")
                if key in values and values[key] != getattr(worker, key)
            }
            if resident is not None and resident.pk != worker.resident_id:
                changes["resident"] = resident
            if changes:
                worker = worker_update(actor=actor, worker=worker, **changes)
                outcome = UPDATED
        recorded = dict(Evaluation.objects.filter(worker=worker).values_list("year", "rating"))
        errors: list[RowError] = []
        evaluations = 0
        for key, rating in sorted(row.extra["ratings"].items()):
            year = self.header.years[key]
            if recorded.get(year) == rating:
                continue
            try:
                evaluation_record(actor=actor, worker=worker, year=year, rating=rating)
            except ApplicationError as exc:  # the service's own savepoint is rolled back; try the other years
                errors.extend(self.refusal(row, exc, column_key=key))
            else:
                evaluations += 1
        if errors:
            raise RowRefused(errors)
        if evaluations:
            counts["evaluations"] = counts.get("evaluations", 0) + evaluations
            outcome = UPDATED if outcome == UNCHANGED else outcome
        return outcome
