"""Display helpers of the incident pages: category names in the page's language, statuses, durations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from shequ.incidents.states import EVENT_LABELS

register = template.Library()


def english() -> bool:
    return (get_language() or "").lower().startswith("en")


@register.filter
def cat_name(category: Any) -> str:
    """A Category (or a dict with name/name_en) named in the page's language."""
    if category is None:
        return ""
    if isinstance(category, dict):
        name, name_en = category.get("name", ""), category.get("name_en", "")
    else:
        name, name_en = category.name, category.name_en
    return name_en if english() and name_en else name


@register.filter
def event_label(action: str) -> str:
    return str(EVENT_LABELS.get(action, action))


@register.filter
def duration(value: dt.timedelta | None) -> str:
    if value is None:
        return "—"
    hours = value.total_seconds() / 3600
    if hours < 24:
        return _("%(n)s 小时") % {"n": f"{hours:.1f}"}
    return _("%(days)s 天") % {"days": f"{hours / 24:.1f}"}


@register.inclusion_tag("incidents/_nav.html", takes_context=True)
def incident_nav(context: Any, current: str = "") -> dict[str, Any]:
    """The incident pages' own tabs, each shown only to viewers who may use it."""
    from shequ.accounts.scope import viewer_scope
    from shequ.core.roles import Perm
    from shequ.incidents import access

    user = context["request"].user
    scope = viewer_scope(user)
    return {
        "current": current,
        "can_list": scope.has(Perm.INCIDENT_VIEW) or scope.has(Perm.INCIDENT_REPORT),
        "can_report": scope.has(Perm.INCIDENT_REPORT),
        "can_dashboard": scope.has(Perm.INCIDENT_VIEW),
        "can_configure": access.can_configure(user),
    }


@register.filter
def status_name(value: str) -> str:
    from shequ.incidents.models import Status

    return str(Status(value).label) if value in Status.values else value
