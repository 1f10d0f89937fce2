"""Who may see and do what with a case.

- See: INCIDENT_VIEW over the case's area_code (grid or community), and always the cases one reported (that is
  all a resident sees: residents hold INCIDENT_REPORT but not INCIDENT_VIEW).
- Report: INCIDENT_REPORT over the place — a grid worker's scope is its grid, a resident's its community.
- Handle: INCIDENT_HANDLE over `handling_code`, the level now responsible; after an escalation the community no
  longer covers it and the sub-district (or above) does.
- Evaluate: the reporter or a handler.
- Configure: categories and holidays are city-wide, so INCIDENT_CONFIGURE at the city (a district officer's grant
  lets it keep the departments of its district); departments by INCIDENT_CONFIGURE over their area.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from shequ.accounts.scope import viewer_scope
from shequ.core.roles import Perm, Role
from shequ.incidents.models import Incident, Source

CITY_CODE_LENGTH = 4


def visible_q(viewer: Any) -> Q:
    scope = viewer_scope(viewer)
    query = scope.q(Perm.INCIDENT_VIEW)
    user_id = getattr(viewer, "pk", None) if getattr(viewer, "is_authenticated", False) else None
    if user_id is not None:
        query |= Q(reporter_id=user_id)
    return query


def can_view(viewer: Any, incident: Incident) -> bool:
    if viewer_scope(viewer).has(Perm.INCIDENT_VIEW, incident.area_code):
        return True
    return incident.reporter_id is not None and incident.reporter_id == getattr(viewer, "pk", None)


def can_handle(viewer: Any, incident: Incident) -> bool:
    return viewer_scope(viewer).has(Perm.INCIDENT_HANDLE, incident.handling_code)


def can_evaluate(viewer: Any, incident: Incident) -> bool:
    is_reporter = incident.reporter_id is not None and incident.reporter_id == getattr(viewer, "pk", None)
    return is_reporter or can_handle(viewer, incident)


def can_report(viewer: Any, area_code: str | None = None) -> bool:
    return viewer_scope(viewer).has(Perm.INCIDENT_REPORT, area_code)


def report_codes(viewer: Any) -> list[str]:
    return viewer_scope(viewer).codes_for(Perm.INCIDENT_REPORT)


def can_configure(viewer: Any) -> bool:
    """Any configuration page at all (departments included)."""
    return viewer_scope(viewer).has(Perm.INCIDENT_CONFIGURE)


def can_configure_city(viewer: Any) -> bool:
    """City-wide settings: categories and the holiday calendar."""
    return any(len(code) <= CITY_CODE_LENGTH for code in viewer_scope(viewer).codes_for(Perm.INCIDENT_CONFIGURE))


def can_configure_area(viewer: Any, area_code: str) -> bool:
    return viewer_scope(viewer).has(Perm.INCIDENT_CONFIGURE, area_code)


def default_source(user: Any) -> str:
    """How a case entered the system, from who reported it."""
    scope = viewer_scope(user)
    if scope.has(Perm.INCIDENT_HANDLE):
        return Source.STAFF
    if Role.GRID_WORKER in scope.roles:
        return Source.GRID_WORKER
    if Role.RESIDENT in scope.roles:
        return Source.RESIDENT
    return Source.STAFF
