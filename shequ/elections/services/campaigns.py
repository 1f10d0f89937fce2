"""Campaigns: the schedule's rows checked, a campaign changed. Creating one is `elections.campaign_create`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.core.audit import audit_record, diff, snapshot
from shequ.core.errors import PermissionDenied
from shequ.elections import policies
from shequ.elections.models import Campaign, Election
from shequ.elections.selectors.common import campaign_get
from shequ.elections.services.common import invalid

_EDITABLE = ["name", "term_label", "starts_on", "ends_on", "schedule", "note"]


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def schedule_clean(rows: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The milestones as stored: [{"key", "label", "due"}] in due order; a row without a label or with a bad date
    is refused with its row number."""
    cleaned: list[dict[str, Any]] = []
    for n, row in enumerate(rows or [], start=1):
        if not isinstance(row, dict):
            raise invalid("schedule", _("工作安排第 %(n)s 行格式不正确。") % {"n": n})
        label = str(row.get("label") or "").strip()
        due = _date(row.get("due"))
        if not label:
            raise invalid("schedule", _("工作安排第 %(n)s 行缺少事项名称。") % {"n": n})
        if due is None:
            raise invalid("schedule", _("工作安排第 %(n)s 行的完成日期无效。") % {"n": n})
        key = str(row.get("key") or "").strip()[:32] or f"m{n}"
        cleaned.append({"key": key, "label": label[:100], "due": due.isoformat()})
    cleaned.sort(key=lambda r: r["due"])
    return cleaned


def _check_dates(campaign: Campaign) -> None:
    if campaign.ends_on < campaign.starts_on:
        raise invalid("ends_on", _("完成期限不能早于开始日期。"))
    for row in campaign.schedule:
        if not campaign.starts_on.isoformat() <= row["due"] <= campaign.ends_on.isoformat():
            raise invalid("schedule", _("工作安排“%(label)s”的日期须在开始日期和完成期限之间。")
                          % {"label": row["label"]})
    outside = (
        Election.objects.filter(campaign=campaign)
        .exclude(election_day__gte=campaign.starts_on, election_day__lte=campaign.ends_on)
        .order_by("election_day")
        .first()
    )
    if outside is not None:
        raise invalid("ends_on", _("“%(title)s”的选举日 %(day)s 将不在换届选举工作期间内。")
                      % {"title": outside.title, "day": outside.election_day.isoformat()})


@transaction.atomic
def campaign_update(*, actor: Any, campaign: Campaign, on: dt.date | None = None, **fields: Any) -> Campaign:
    """Change the name, term, dates, schedule or note. The elections already under the campaign must keep their
    day inside its dates."""
    campaign_get(viewer=actor, pk=campaign.pk)  # NotFound when the actor cannot even see it
    if not policies.can_manage(actor, campaign.area_code):
        # A campaign is visible below its area (a sub-district sees the city's); changing it is the organiser's.
        raise PermissionDenied()
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    before = snapshot(campaign, _EDITABLE)
    for name, value in fields.items():
        if name not in _EDITABLE:
            raise invalid(name, _("该字段不能修改。"))
        if name in ("name", "term_label"):
            value = str(value or "").strip()
            if not value:
                raise invalid(name, _("请填写名称和届次。"))
        elif name in ("starts_on", "ends_on"):
            value = _date(value)
            if value is None:
                raise invalid(name, _("日期无效。"))
        elif name == "schedule":
            value = schedule_clean(value)
        elif name == "note":
            value = str(value or "")
        setattr(campaign, name, value)
    _check_dates(campaign)
    campaign.full_clean(exclude=["area", "created_by"])
    campaign.save(update_fields=list(fields) or None)
    audit_record(actor=actor, action="update", entity_type="elections.Campaign", entity_id=campaign.pk,
                 area_code=campaign.area_code, changes=diff(before, snapshot(campaign, _EDITABLE)),
                 summary=campaign.name)
    return campaign
