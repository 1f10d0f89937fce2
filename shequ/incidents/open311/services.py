"""Filing a case from an Open311 client: the incident services do the work; this adds what Open311 carries beyond
Shequ's report form (a media_url and an e-mail address), kept as a note in the case's history for its handlers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from shequ.areas.models import Area
from shequ.core.audit import audit_record
from shequ.core.errors import ValidationFailed
from shequ.incidents.models import Category, Event, Incident, Source
from shequ.incidents.open311.selectors import OPEN311_NOTE
from shequ.incidents.services import incident_report
from shequ.registry.models import Building

MAX_URL = 500
MAX_EMAIL = 254


def _check_extras(media_url: str, email: str) -> None:
    details: dict[str, list[str]] = {}
    if media_url:
        try:
            if len(media_url) > MAX_URL:
                raise ValidationError("too long")
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            details["media_url"] = [_("必须是不超过 %(n)s 个字符的 http 或 https 网址") % {"n": MAX_URL}]
    if email:
        try:
            if len(email) > MAX_EMAIL:
                raise ValidationError("too long")
            validate_email(email)
        except ValidationError:
            details["email"] = [_("不是有效的电子邮件地址")]
    if details:
        raise ValidationFailed(next(iter(details.values()))[0], details=details)


def reporter_name(first_name: str, last_name: str) -> str:
    """Chinese names read family name first with no space; others "first last"."""
    first, last = first_name.strip(), last_name.strip()
    if first and last and all("\u4e00" <= ch <= "\u9fff" for ch in first + last):
        return last + first
    return " ".join(part for part in (first, last) if part)


@transaction.atomic
def open311_request_create(
    *,
    actor: Any,
    category: Category,
    description: str,
    latitude: float | None = None,
    longitude: float | None = None,
    building: Building | None = None,
    community: Area | None = None,
    address: str = "",
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    email: str = "",
    media_url: str = "",
    photos: Sequence[Any] = (),
) -> Incident:
    # Checked before the report so a refusal leaves no stored photo behind.
    _check_extras(media_url, email)
    incident = incident_report(
        actor=actor,
        category=category,
        description=description,
        source=Source.OPEN311,
        community=community,
        building=building,
        latitude=latitude,
        longitude=longitude,
        address=address,
        photos=photos,
        reporter_name=reporter_name(first_name, last_name),
        reporter_phone=phone,
    )
    if media_url or email:
        lines = [f"media_url: {media_url}" if media_url else "", f"email: {email}" if email else ""]
        Event.objects.create(
            incident=incident,
            actor=actor if getattr(actor, "pk", None) else None,
            action=OPEN311_NOTE,
            note="\n".join(line for line in lines if line),
            data={"source": Source.OPEN311, "media_url": media_url, "email": email},
        )
        # The audit row says what was added, not the e-mail address itself.
        audit_record(
            actor=actor,
            action=f"incident.{OPEN311_NOTE}",
            entity_type="incident",
            entity_id=incident.pk,
            area_code=incident.area_code,
            changes={"media_url": [None, media_url or None], "email": [None, "***" if email else None]},
            summary=f"{incident.number} Open311",
        )
    return incident
