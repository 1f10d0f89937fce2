"""/api/v1/governance: workers (CRUD and end of term), evaluations (record, correct, delete), action items
(list, resolve). Thin: parse → selector/service → serialise; errors in the one {code, message, details} shape."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from shequ.core.errors import NotFound, ValidationFailed
from shequ.governance import policies, selectors, services
from shequ.governance.schemas import (
    ActionItemFilters,
    ActionItemOut,
    ActionItemPage,
    EndIn,
    EvaluationFilters,
    EvaluationIn,
    EvaluationOut,
    EvaluationPage,
    ResolveIn,
    WorkerFilters,
    WorkerIn,
    WorkerOut,
    WorkerPage,
    WorkerPatch,
)
from shequ.governance.services.common import today
from shequ.registry.paging import paginate
from shequ.registry.schemas import PageMeta

router = Router(tags=["governance"])


def _resident(request: HttpRequest, pk: int | None) -> Any:
    if pk is None:
        return None
    from shequ.registry.selectors import resident_get

    try:
        return resident_get(viewer=request.user, pk=pk)
    except NotFound:
        message = _("找不到该居民档案")
        raise ValidationFailed(message, details={"resident_id": [message]}) from None


def _worker_out(request: HttpRequest, pk: int) -> WorkerOut:
    return WorkerOut.build(selectors.worker_get(viewer=request.user, pk=pk), today())


def _require_viewer(request: HttpRequest) -> None:
    if not policies.can_view(request.user):
        raise NotFound()


# -- workers -----------------------------------------------------------------------------------------


@router.get("/workers", response=WorkerPage, url_name="governance_workers")
def list_workers(request: HttpRequest, filters: Query[WorkerFilters]) -> WorkerPage:
    _require_viewer(request)
    qs = selectors.worker_list(viewer=request.user, area_code=filters.community, status=filters.status)
    page = paginate(qs, filters.page, filters.page_size, big_ordering=None)
    day = today()
    return WorkerPage(**PageMeta.of(page), results=[WorkerOut.build(w, day) for w in page.object_list])


@router.post("/workers", response={201: WorkerOut}, url_name="governance_workers")
def create_worker(request: HttpRequest, payload: WorkerIn) -> Status:
    fields = payload.dict(exclude={"community_code", "resident_id"})
    worker = services.worker_create(
        actor=request.user,
        community=payload.community_code.strip(),  # a code: resolved and scoped by the service
        resident=_resident(request, payload.resident_id),
        **fields,
    )
    return Status(201, _worker_out(request, worker.pk))


@router.get("/workers/{worker_id}", response=WorkerOut, url_name="governance_worker")
def get_worker(request: HttpRequest, worker_id: int) -> WorkerOut:
    return _worker_out(request, worker_id)


@router.patch("/workers/{worker_id}", response=WorkerOut, url_name="governance_worker")
def update_worker(request: HttpRequest, worker_id: int, payload: WorkerPatch) -> WorkerOut:
    worker = selectors.worker_get(viewer=request.user, pk=worker_id)
    policies.require_change(request.user, worker.area_code)
    sent = payload.dict(exclude_unset=True)
    fields = {k: v for k, v in sent.items() if k != "resident_id" and (v is not None or k == "end_date")}
    if "resident_id" in sent:
        fields["resident"] = _resident(request, sent["resident_id"])
    services.worker_update(actor=request.user, worker=worker, **fields)
    return _worker_out(request, worker_id)


@router.post("/workers/{worker_id}/end", response=WorkerOut, url_name="governance_worker_end")
def end_worker(request: HttpRequest, worker_id: int, payload: EndIn) -> WorkerOut:
    worker = selectors.worker_get(viewer=request.user, pk=worker_id)
    services.worker_end(actor=request.user, worker=worker, end_date=payload.end_date)
    return _worker_out(request, worker_id)


@router.delete("/workers/{worker_id}", response={204: None}, url_name="governance_worker")
def delete_worker(request: HttpRequest, worker_id: int) -> Status:
    services.worker_delete(actor=request.user, worker=selectors.worker_get(viewer=request.user, pk=worker_id))
    return Status(204, None)


# -- evaluations -------------------------------------------------------------------------------------


@router.get("/workers/{worker_id}/evaluations", response=list[EvaluationOut], url_name="governance_worker_evaluations")
def list_worker_evaluations(request: HttpRequest, worker_id: int) -> list[EvaluationOut]:
    worker = selectors.worker_get(viewer=request.user, pk=worker_id)
    return [EvaluationOut.build(e) for e in selectors.evaluation_list(viewer=request.user, worker=worker)]


@router.post(
    "/workers/{worker_id}/evaluations", response=EvaluationOut, url_name="governance_worker_evaluations"
)
def record_evaluation(request: HttpRequest, worker_id: int, payload: EvaluationIn) -> EvaluationOut:
    """Record the rating of a year, or correct it: the same call either way (the worker's action items follow)."""
    worker = selectors.worker_get(viewer=request.user, pk=worker_id)
    evaluation = services.evaluation_record(
        actor=request.user, worker=worker, year=payload.year, rating=payload.rating, note=payload.note
    )
    return EvaluationOut.build(selectors.evaluation_get(viewer=request.user, pk=evaluation.pk))


@router.get("/evaluations", response=EvaluationPage, url_name="governance_evaluations")
def list_evaluations(request: HttpRequest, filters: Query[EvaluationFilters]) -> EvaluationPage:
    _require_viewer(request)
    qs = selectors.evaluation_list(viewer=request.user, year=filters.year)
    if filters.community.strip().isdigit():
        qs = qs.filter(area_code__startswith=filters.community.strip())
    page = paginate(qs, filters.page, filters.page_size, big_ordering=None)
    return EvaluationPage(**PageMeta.of(page), results=[EvaluationOut.build(e) for e in page.object_list])


@router.get("/evaluations/{evaluation_id}", response=EvaluationOut, url_name="governance_evaluation")
def get_evaluation(request: HttpRequest, evaluation_id: int) -> EvaluationOut:
    return EvaluationOut.build(selectors.evaluation_get(viewer=request.user, pk=evaluation_id))


@router.delete("/evaluations/{evaluation_id}", response={204: None}, url_name="governance_evaluation")
def delete_evaluation(request: HttpRequest, evaluation_id: int) -> Status:
    evaluation = selectors.evaluation_get(viewer=request.user, pk=evaluation_id)
    services.evaluation_delete(actor=request.user, evaluation=evaluation)
    return Status(204, None)


# -- action items ------------------------------------------------------------------------------------


@router.get("/action-items", response=ActionItemPage, url_name="governance_action_items")
def list_action_items(request: HttpRequest, filters: Query[ActionItemFilters]) -> ActionItemPage:
    """The worklist of the caller's subtree: open items first (oldest first)."""
    _require_viewer(request)
    qs = selectors.action_item_list(viewer=request.user, status=filters.status, area_code=filters.area)
    page = paginate(qs, filters.page, filters.page_size, big_ordering=None)
    now = timezone.now()
    return ActionItemPage(
        **PageMeta.of(page),
        results=[ActionItemOut.build(i, selectors.age_days(i, now)) for i in page.object_list],
    )


@router.get("/action-items/{item_id}", response=ActionItemOut, url_name="governance_action_item")
def get_action_item(request: HttpRequest, item_id: int) -> ActionItemOut:
    item = selectors.action_item_get(viewer=request.user, pk=item_id)
    return ActionItemOut.build(item, selectors.age_days(item))


@router.post("/action-items/{item_id}/resolve", response=ActionItemOut, url_name="governance_action_resolve")
def resolve_action_item(request: HttpRequest, item_id: int, payload: ResolveIn) -> ActionItemOut:
    item = selectors.action_item_get(viewer=request.user, pk=item_id)
    services.action_item_resolve(actor=request.user, item=item, outcome=payload.outcome, note=payload.note)
    item = selectors.action_item_get(viewer=request.user, pk=item_id)
    return ActionItemOut.build(item, selectors.age_days(item))
