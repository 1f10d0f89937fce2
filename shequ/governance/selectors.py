"""Reads of staff, evaluations and action items: always cut to the viewer's subtree (Perm.STANDARDS_VIEW).

Every `*_get` answers NotFound both for a missing row and for a row outside the viewer's scope.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area, Level
from shequ.core.errors import NotFound
from shequ.core.roles import Perm
from shequ.governance.models import ActionItem, ActionStatus, Evaluation, Position, Worker
from shequ.governance.services.common import today

_POSITION_ORDER = Case(
    *(When(position=p, then=Value(i)) for i, p in enumerate(Position.values)), output_field=IntegerField()
)
_STATUS_ORDER = Case(
    When(status=ActionStatus.OPEN, then=Value(0)),
    When(status=ActionStatus.DONE, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def _scope(viewer: Any, field: str = "area_code") -> Q:
    return viewer_scope(viewer).q(Perm.STANDARDS_VIEW, field)


def _pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


def _prefix(code: str) -> str:
    code = str(code or "").strip()
    return code if code.isdigit() else ""


def in_post_q(on: dt.date | None = None) -> Q:
    day = on or today()
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))


# -- communities -------------------------------------------------------------------------------------


def community_get(*, viewer: Any, code: Any) -> Area:
    code = _prefix(code)
    area = (
        Area.objects.filter(_scope(viewer, "code"), code=code, level=Level.COMMUNITY).select_related("parent").first()
        if code
        else None
    )
    if area is None:
        raise NotFound()
    return area


def community_list(*, viewer: Any, area_code: str = "", q: str = "") -> QuerySet[Area]:
    """Communities in scope (for the staff index); counts come from `staff_counts` for one page at a time."""
    qs = Area.objects.filter(_scope(viewer, "code"), level=Level.COMMUNITY)
    code = _prefix(area_code)
    if code:
        qs = qs.filter(code__startswith=code)
    if q.strip():
        qs = qs.filter(name__contains=q.strip())
    return qs.select_related("parent").order_by("code")


def staff_counts(*, viewer: Any, codes: list[str]) -> dict[str, dict[str, int]]:
    """{community code: {"current": n, "open_items": m}} for the given communities."""
    counts: dict[str, dict[str, int]] = {c: {"current": 0, "open_items": 0} for c in codes}
    rows = (
        Worker.objects.filter(_scope(viewer), in_post_q(), area_code__in=codes)
        .values("area_code")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts[row["area_code"]]["current"] = row["n"]
    items = (
        ActionItem.objects.filter(_scope(viewer), area_code__in=codes, status=ActionStatus.OPEN)
        .values("area_code")
        .annotate(n=Count("pk"))
    )
    for row in items:
        counts[row["area_code"]]["open_items"] = row["n"]
    return counts


# -- workers -----------------------------------------------------------------------------------------


def worker_list(
    *, viewer: Any, community: Area | None = None, area_code: str = "", status: str = ""
) -> QuerySet[Worker]:
    """`status`: "current" (in post today), "past" (term ended), anything else: all."""
    qs = Worker.objects.filter(_scope(viewer))
    if community is not None:
        qs = qs.filter(community=community)
    code = _prefix(area_code)
    if code:
        qs = qs.filter(area_code__startswith=code)
    if status == "current":
        qs = qs.filter(in_post_q())
    elif status == "past":
        qs = qs.filter(end_date__lt=today())
    return qs.select_related("community", "resident").order_by("area_code", _POSITION_ORDER, "start_date", "pk")


def worker_get(*, viewer: Any, pk: Any) -> Worker:
    worker = Worker.objects.filter(_scope(viewer), pk=_pk(pk)).select_related("community", "resident").first()
    if worker is None:
        raise NotFound()
    return worker


# -- evaluations -------------------------------------------------------------------------------------


def evaluation_list(
    *, viewer: Any, worker: Worker | None = None, community: Area | None = None, year: int | None = None
) -> QuerySet[Evaluation]:
    qs = Evaluation.objects.filter(_scope(viewer))
    if worker is not None:
        qs = qs.filter(worker=worker)
    if community is not None:
        qs = qs.filter(worker__community=community)
    if year is not None:
        qs = qs.filter(year=year)
    return qs.select_related("worker").order_by("worker_id", "-year")


def evaluation_get(*, viewer: Any, pk: Any) -> Evaluation:
    evaluation = Evaluation.objects.filter(_scope(viewer), pk=_pk(pk)).select_related("worker").first()
    if evaluation is None:
        raise NotFound()
    return evaluation


# -- action items ------------------------------------------------------------------------------------


def action_item_list(
    *, viewer: Any, status: str = "", area_code: str = "", worker: Worker | None = None
) -> QuerySet[ActionItem]:
    """The worklist: open items first (oldest first), then those dealt with, then the withdrawn."""
    qs = ActionItem.objects.filter(_scope(viewer))
    if status in ActionStatus.values:
        qs = qs.filter(status=status)
    code = _prefix(area_code)
    if code:
        qs = qs.filter(area_code__startswith=code)
    if worker is not None:
        qs = qs.filter(worker=worker)
    return qs.select_related("worker", "worker__community", "worker__community__parent", "closed_by").order_by(
        _STATUS_ORDER, "opened_at", "pk"
    )


def action_item_get(*, viewer: Any, pk: Any) -> ActionItem:
    item = (
        ActionItem.objects.filter(_scope(viewer), pk=_pk(pk))
        .select_related("worker", "worker__community", "closed_by")
        .first()
    )
    if item is None:
        raise NotFound()
    return item


def age_days(item: ActionItem, now: dt.datetime | None = None) -> int:
    """How long the item has been (or was) open, in whole days."""
    from django.utils import timezone

    end = item.closed_at or now or timezone.now()
    return max(0, (end - item.opened_at).days)
