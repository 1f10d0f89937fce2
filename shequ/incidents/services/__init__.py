"""Writes of grid incidents (网格事件): reporting, the state machine, merging duplicates, configuration.

The names re-exported here are the contract the Open311 layer (shequ.incidents.open311) builds on."""

from shequ.incidents.services.config import (
    calendar_day_delete,
    calendar_day_set,
    category_create,
    category_update,
    department_create,
    department_update,
)
from shequ.incidents.services.duplicates import DEFAULT_RADIUS_M, duplicates_for, duplicates_near
from shequ.incidents.services.merge import incident_merge
from shequ.incidents.services.report import incident_report
from shequ.incidents.services.transition import allowed_actions, department_choices, incident_transition

__all__ = [
    "DEFAULT_RADIUS_M",
    "allowed_actions",
    "calendar_day_delete",
    "calendar_day_set",
    "category_create",
    "category_update",
    "department_choices",
    "department_create",
    "department_update",
    "duplicates_for",
    "duplicates_near",
    "incident_merge",
    "incident_report",
    "incident_transition",
]
