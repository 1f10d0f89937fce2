"""Shequ rows in GeoReport v2 shapes (field names, order and meaning as the spec defines them)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shequ.incidents.models import Category, Incident, Status
from shequ.incidents.open311 import selectors

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
_KEYWORD_SPLIT = re.compile(r"[\s,，、;；]+")


def w3c(value: dt.datetime | None) -> str | None:
    """W3C datetime with the offset of the server's time zone, e.g. 2026-03-02T09:15:00+08:00."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def english() -> bool:
    return (translation.get_language() or "").lower().startswith("en")


def service_name(name: str, name_en: str) -> str:
    return name_en if english() and name_en else name


def service_notice(days: int | None) -> str | None:
    if days is None:
        return None
    return _("立案后 %(days)s 个工作日内办结") % {"days": days}


def keywords(text: str) -> str:
    """Category keywords are kept space-separated; the spec wants a comma-separated list."""
    return ", ".join(word for word in _KEYWORD_SPLIT.split(text or "") if word)


def service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": service_name(category.name, category.name_en),
        "description": category.description,
        # No extra attributes are asked for: a call to the service definition is not needed.
        "metadata": False,
        "type": "realtime",
        "keywords": keywords(category.keywords),
        "group": category.group,
    }


def service_definition(category: Category) -> dict[str, Any]:
    return {"service_code": category.code, "attributes": []}


def _status_notes(incident: Incident) -> str | None:
    note = getattr(incident, "status_note", None)
    if note:
        return note
    if incident.status == Status.MERGED and incident.merged_into is not None:
        return _("重复事件，已合并到 %(number)s") % {"number": incident.merged_into.number}
    return None


def _agency(incident: Incident) -> str | None:
    department = incident.department or incident.category.department
    return department.name if department is not None else None


def request(incident: Incident, media_url: str | None = None) -> dict[str, Any]:
    """One service request as the public sees it: no reporter name, phone or account is ever part of it."""
    building = incident.building
    row: dict[str, Any] = {
        "service_request_id": incident.number,
        "status": "closed" if selectors.is_closed(incident) else "open",
        "status_notes": _status_notes(incident),
        "service_name": service_name(incident.category.name, incident.category.name_en),
        "service_code": incident.category.code,
        "description": incident.description,
        "agency_responsible": _agency(incident),
        "service_notice": service_notice(incident.category.time_limit_days),
        "requested_datetime": w3c(incident.reported_at),
        "updated_datetime": w3c(selectors.updated_at(incident)),
        "expected_datetime": w3c(incident.due_at),
        "address": incident.address or (building.address if building is not None else None) or None,
        "address_id": incident.building_id,
        "zipcode": None,
        "lat": incident.latitude,
        "long": incident.longitude,
    }
    if media_url:
        row["media_url"] = media_url
    return row


def created(incident: Incident) -> dict[str, Any]:
    """The POST answer: the id at once (every service here is realtime), so no token is returned — GeoReport v2's
    POST response table says service_request_id "should not be returned if token is returned" and token "should
    not be returned if service_request_id is returned". A client follows the request by its id (requests/{id})."""
    return {
        "service_request_id": incident.number,
        "service_notice": service_notice(incident.category.time_limit_days),
        # Shequ keeps no separate citizen accounts to name here.
        "account_id": None,
    }


def token(incident: Incident) -> dict[str, Any]:
    return {"service_request_id": incident.number, "token": incident.token}


def discovery(*, url: str, changeset: dt.datetime, contact: str, key_service: str, kind: str) -> dict[str, Any]:
    stamp = timezone.localtime(changeset).strftime("%Y-%m-%d %H:%M")
    return {
        "changeset": stamp,
        "contact": contact,
        "key_service": key_service,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": stamp,
                "type": kind,
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
