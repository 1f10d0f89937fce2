"""Annual democratic evaluation (民主评议) and the action items that follow from it.

After every change to a worker's ratings the worker's action items are recomputed from scratch
(`action_items_recompute`): the ratings decide which runs of 不称职 are due; an open item whose run is gone is
withdrawn; an item with a recorded outcome (done) is history and never touched.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.audit import audit_record, diff, snapshot
from shequ.core.errors import ValidationFailed, validation_error_from_django
from shequ.governance.models import ActionItem, ActionStatus, Evaluation, Rating, Worker
from shequ.governance.policies import require_change
from shequ.governance.rules import due_years, required_years, runs, served_years
from shequ.governance.services.common import invalid, today
from shequ.governance.services.workers import years_label

KIND = "incompetent_twice"
_AUDITED = ["worker_id", "year", "rating", "note"]


def _year(value: Any) -> int:
    if isinstance(value, bool):
        raise invalid("year", _("年度必须是整数"))
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise invalid("year", _("年度必须是整数")) from None
    return year


@transaction.atomic
def evaluation_record(*, actor: Any, worker: Worker, year: int, rating: str, note: str = "") -> Evaluation:
    """Record the rating of `year`, or correct it if one is already recorded."""
    require_change(actor, worker.area_code)
    # One writer per worker at a time, so two corrections cannot both miss each other's item.
    worker = Worker.objects.select_for_update().get(pk=worker.pk)
    year = _year(year)
    problems: dict[str, list[str]] = {}
    if year > today().year:
        problems["year"] = [_("不能录入未来年度（%(year)s 年）的评议") % {"year": year}]
    elif year not in served_years(worker.start_date, worker.end_date, today()):
        problems["year"] = [
            _("%(name)s 的任职年份为 %(years)s，%(year)s 年不在任，不能录入该年度的评议")
            % {"name": worker.name, "years": years_label(worker.start_date, worker.end_date), "year": year}
        ]
    rating = str(rating or "").strip()
    if rating not in Rating.values:
        problems["rating"] = [_("请选择评议结果：优秀、称职、基本称职或不称职")]
    note = str(note or "").strip()
    if len(note) > 200:
        problems["note"] = [_("备注不能超过 %(n)s 个字") % {"n": 200}]
    if problems:
        raise ValidationFailed(next(iter(problems.values()))[0], details=problems)

    evaluation = Evaluation.objects.filter(worker=worker, year=year).first()
    before = snapshot(evaluation, _AUDITED) if evaluation else {}
    if evaluation is None:
        evaluation = Evaluation(worker=worker, year=year)
    evaluation.area_code = worker.area_code
    evaluation.rating = rating
    evaluation.note = note
    try:
        # The (worker, year) pair is unique by construction: the row was looked up under the worker's lock.
        evaluation.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise validation_error_from_django(exc) from None
    changes = diff(before, snapshot(evaluation, _AUDITED))
    if changes:
        evaluation.save()
        audit_record(
            actor=actor,
            action="evaluation.correct" if before else "evaluation.record",
            entity_type="evaluation",
            entity_id=evaluation.pk,
            area_code=evaluation.area_code,
            changes=changes,
            summary=f"{worker.name} {year}",
        )
        action_items_recompute(actor=actor, worker=worker)
    return evaluation


@transaction.atomic
def evaluation_delete(*, actor: Any, evaluation: Evaluation) -> None:
    require_change(actor, evaluation.area_code)
    worker = Worker.objects.select_for_update().get(pk=evaluation.worker_id)
    before = snapshot(evaluation, _AUDITED)
    pk = evaluation.pk
    evaluation.delete()
    audit_record(
        actor=actor,
        action="evaluation.delete",
        entity_type="evaluation",
        entity_id=pk,
        area_code=worker.area_code,
        changes=diff(before, {}),
        summary=f"{worker.name} {before['year']}",
    )
    action_items_recompute(actor=actor, worker=worker)


def _audit_item(actor: Any, item: ActionItem, action: str, changes: dict[str, Any], worker: Worker) -> None:
    audit_record(
        actor=actor,
        action=action,
        entity_type="action_item",
        entity_id=item.pk,
        area_code=item.area_code,
        changes=changes,
        summary=f"{worker.name} {item.first_year}–{item.second_year}",
    )


@transaction.atomic
def action_items_recompute(*, actor: Any, worker: Worker) -> list[ActionItem]:
    """Bring the worker's items in line with its ratings; returns the items opened.

    Per run of due years: items with an outcome stay; at most one item stays open (the earliest), the others
    are withdrawn; with none open, one is opened for the first due years wholly after the last item dealt
    with (so a run that goes on after an outcome such as a warning yields a new item once two more years are
    rated 不称职, never counting a year twice) — unless the worker has already left. Open items outside every
    run are withdrawn.
    """
    ratings = dict(Evaluation.objects.filter(worker=worker).values_list("year", "rating"))
    cache: dict[int, int | None] = {}

    def required(year: int) -> int | None:
        if year not in cache:
            cache[year] = required_years(worker.area_code, year)
        return cache[year]

    items = list(
        ActionItem.objects.select_for_update()
        .filter(worker=worker, kind=KIND)
        .exclude(status=ActionStatus.WITHDRAWN)
        .order_by("second_year", "pk")
    )
    keep: set[int] = set()
    opened: list[ActionItem] = []
    for run in runs(due_years(ratings, required)):
        years = {d.second_year for d in run}
        in_run = [i for i in items if i.second_year in years]
        done = [i for i in in_run if i.status == ActionStatus.DONE]
        still_open = [i for i in in_run if i.status == ActionStatus.OPEN]
        keep.update(i.pk for i in done)
        if still_open:
            keep.add(still_open[0].pk)
            continue
        if worker.end_date is not None and worker.end_date < today():
            continue  # already gone (historical records): nobody left to ask to resign, recall or dismiss
        dealt_until = max((i.second_year for i in done), default=0)
        due = next((d for d in run if d.first_year > dealt_until), None)
        if due is None:
            continue
        item = ActionItem.objects.create(
            worker=worker, area_code=worker.area_code, kind=KIND, first_year=due.first_year,
            second_year=due.second_year,
        )
        keep.add(item.pk)
        opened.append(item)
        _audit_item(actor, item, "action_item.open", diff({}, snapshot(item, ["worker_id", "first_year",
                                                                              "second_year", "status"])), worker)
    for item in items:
        if item.status == ActionStatus.OPEN and item.pk not in keep:
            item.status = ActionStatus.WITHDRAWN
            item.closed_at = timezone.now()
            item.save(update_fields=["status", "closed_at"])
            _audit_item(actor, item, "action_item.withdraw", {"status": [ActionStatus.OPEN, ActionStatus.WITHDRAWN]},
                        worker)
    return opened


def action_items_recompute_area(*, actor: Any, area_code: str) -> int:
    """After a policy change (e.g. a new version with another `incompetent_years`): recompute every worker
    under `area_code` who has a 不称职 rating or an open item. Returns the number of workers looked at."""
    workers = Worker.objects.filter(area_code__startswith=area_code).filter(
        Q(evaluations__rating=Rating.INCOMPETENT) | Q(action_items__status=ActionStatus.OPEN)
    )
    count = 0
    for worker in workers.distinct().order_by("pk").iterator():
        with transaction.atomic():
            locked = Worker.objects.select_for_update().get(pk=worker.pk)
            action_items_recompute(actor=actor, worker=locked)
        count += 1
    return count
