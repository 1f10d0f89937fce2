"""Writes to the disclosure record: publish (append) only. There is no update or delete: a correction is a new
entry naming the one it corrects, and `disclosure_verify` finds any entry altered or removed behind the
services' back."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.areas.models import Area, Level
from shequ.core.audit import audit_record
from shequ.core.errors import Conflict, NotFound, ValidationFailed
from shequ.core.models import AuditLog
from shequ.disclosure import policies
from shequ.disclosure.models import Category, Disclosure

ENTITY = "disclosure.Disclosure"
ACTION_PUBLISH = "publish"
ACTION_RESET = "reset"  # only the demo build's wipe writes it: the record starts again from 1
_RETRIES = 3  # a concurrent publisher that took the same sequence makes us retry (the row lock should prevent it)


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details={field: [message]})


def _utc_iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def entry_digest(entry: Disclosure, community_code: str | None = None) -> str:
    """SHA-256 over a canonical serialisation of everything published, chained to the previous entry."""
    payload = {
        "sequence": entry.sequence,
        "community": community_code if community_code is not None else entry.area_code,
        "category": entry.category,
        "title": entry.title,
        "body": entry.body,
        "source": [entry.source_type, entry.source_id],
        "corrects": entry.corrects_id,
        "published_at": _utc_iso(entry.published_at),
        "previous": entry.previous_digest,
    }
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _community(community: Area | str) -> Area:
    code = community.code if isinstance(community, Area) else str(community or "").strip()
    area = Area.objects.filter(code=code, level=Level.COMMUNITY).first() if code.isdigit() else None
    if area is None:
        raise NotFound()
    return area


def _validate(*, category: str, title: str, body: str, source_type: str, source_id: str) -> None:
    if category not in Category.values:
        raise _invalid("category", _("请选择公开类别。"))
    if not title:
        raise _invalid("title", _("请填写标题。"))
    if len(title) > 200:
        raise _invalid("title", _("标题不能超过 %(n)d 个字。") % {"n": 200})
    if not body:
        raise _invalid("body", _("请填写公开内容。"))
    if len(source_type) > 64 or len(source_id) > 64:
        raise _invalid("source_id", _("来源标识过长。"))


def _corrected(community: Area, corrects: Disclosure | int | None) -> Disclosure | None:
    if corrects is None or corrects == "":
        return None
    pk = corrects.pk if isinstance(corrects, Disclosure) else corrects
    old = Disclosure.objects.filter(pk=pk, community=community).first()
    if old is None:
        raise _invalid("corrects", _("要更正的公开记录不存在，或不属于这个社区。"))
    if old.corrections.exists():
        raise _invalid("corrects", _("第 %(n)d 号公开记录已经更正过，请更正最新的那一条。") % {"n": old.sequence})
    return old


@transaction.atomic
def disclosure_publish(
    *, actor: Any, community: Area | str, category: str, title: str, body: str, source_type: str = "",
    source_id: str = "", corrects: Disclosure | int | None = None,
) -> Disclosure:
    """Append an entry to the community's record: the next sequence, chained to the last entry's digest."""
    area = _community(community)
    policies.require_publish(actor, area.code)
    title, body = (title or "").strip(), (body or "").strip()
    source_type, source_id = str(source_type or "").strip(), str(source_id or "").strip()
    _validate(category=category, title=title, body=body, source_type=source_type, source_id=source_id)
    # The community row is the lock serialising publishers of one community (no-op on SQLite, which serialises
    # writers anyway); the unique (community, sequence) constraint is the backstop.
    Area.objects.select_for_update().filter(pk=area.pk).first()
    old = _corrected(area, corrects)
    for attempt in range(_RETRIES):
        last = Disclosure.objects.filter(community=area).order_by("-sequence").first()
        entry = Disclosure(
            community=area, area_code=area.code, category=category, title=title, body=body,
            source_type=source_type, source_id=source_id, corrects=old,
            # Whole seconds: the ISO text in the digest must survive any database's round trip unchanged.
            published_at=timezone.now().replace(microsecond=0),
            published_by=actor if getattr(actor, "pk", None) else None,
            sequence=(last.sequence + 1) if last else 1,
            previous_digest=last.digest if last else "",
        )
        entry.digest = entry_digest(entry, area.code)
        try:
            with transaction.atomic():
                entry.save(force_insert=True)
            break
        except IntegrityError:
            if attempt == _RETRIES - 1:
                raise Conflict(_("同时有其他人在公开记录，请稍后重试。"), code="busy") from None
    audit_record(
        actor=actor, action=ACTION_PUBLISH, entity_type=ENTITY, entity_id=entry.pk, area_code=area.code,
        changes={"sequence": entry.sequence, "digest": entry.digest, "category": category,
                 "corrects": old.pk if old else None, "source": [source_type, source_id]},
        summary=title,
    )
    return entry


@dataclass(frozen=True)
class Problem:
    sequence: int
    kind: str  # "altered", "broken_link", "missing", "truncated"
    message: str


def disclosure_verify(community: Area | str) -> list[Problem]:
    """Recompute the community's chain. [] when every entry is as published; otherwise what is wrong, where.

    An edited entry no longer matches its digest; an entry removed from the middle leaves a gap in the sequence
    and a broken link; removing the newest entries is caught against the digest the audit log recorded for the
    last publication.
    """
    area = _community(community)
    entries = list(Disclosure.objects.filter(community=area).order_by("sequence"))
    problems: list[Problem] = []
    expected = 1
    previous_digest = ""
    for entry in entries:
        if entry.sequence > expected:
            problems.append(Problem(expected, "missing", _("第 %(a)d 至 %(b)d 号记录缺失（被删除）。")
                                    % {"a": expected, "b": entry.sequence - 1}))
        if entry.previous_digest != previous_digest:
            problems.append(Problem(entry.sequence, "broken_link",
                                    _("第 %(n)d 号记录与前一条记录的链接不符。") % {"n": entry.sequence}))
        if entry.digest != entry_digest(entry, area.code) or entry.area_code != area.code:
            problems.append(Problem(entry.sequence, "altered",
                                    _("第 %(n)d 号记录的内容在公开后被改动。") % {"n": entry.sequence}))
        expected = entry.sequence + 1
        previous_digest = entry.digest
    anchor = (
        AuditLog.objects.filter(entity_type=ENTITY, action__in=[ACTION_PUBLISH, ACTION_RESET], area_code=area.code)
        .order_by("-id").values_list("action", "changes").first()
    )
    last = anchor[1] if anchor and anchor[0] == ACTION_PUBLISH else None
    if isinstance(last, dict) and last.get("digest"):
        head = entries[-1] if entries else None
        recorded = int(last.get("sequence") or 0)
        if head is None or (head.sequence < recorded):
            problems.append(Problem(expected, "truncated", _("最新的第 %(a)d 至 %(b)d 号记录缺失（被删除）。")
                                    % {"a": expected, "b": recorded}))
        elif head.sequence == recorded and head.digest != last["digest"]:
            problems.append(Problem(head.sequence, "altered",
                                    _("第 %(n)d 号记录与公开时登记的摘要不符。") % {"n": head.sequence}))
    return problems

