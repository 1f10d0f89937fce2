"""Writes of the governance app: `<entity>_<verb>(*, actor, ...)`, atomic, validated, audited."""

from shequ.governance.services.actions import action_item_resolve
from shequ.governance.services.common import compliance_deferred
from shequ.governance.services.evaluations import (
    action_items_recompute,
    action_items_recompute_area,
    evaluation_delete,
    evaluation_record,
)
from shequ.governance.services.workers import worker_create, worker_delete, worker_end, worker_update

__all__ = [
    "action_item_resolve",
    "action_items_recompute",
    "action_items_recompute_area",
    "compliance_deferred",
    "evaluation_delete",
    "evaluation_record",
    "worker_create",
    "worker_delete",
    "worker_end",
    "worker_update",
]
