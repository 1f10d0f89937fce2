"""Tags (重点人群标签): created and re-scoped by the city administrator only.

A tag is owned by one work line (`owner_line`) and visible to the lines in `visible_lines` (empty: every line);
the lines are `accounts.models.WorkLine`. Who sees a tag is decided on every read by `selectors.tag_list`, so a
change here takes effect on the next request: a line that loses a tag no longer sees it on any resident, list,
filter, count or export. The code is the tag's key for the API, imports and exports: set once, never changed.

Who may: REGISTRY_CHANGE granted at the city (the city administrator; a superuser), the way the incident
categories are gated (`incidents.access.can_configure_city`). A tag the actor cannot see answers 404, a
visible tag the actor may not change 403 (nothing is revealed).
"""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shequ.accounts.models import WorkLine
from shequ.accounts.scope import viewer_scope
from shequ.areas.models import CODE_LENGTH, Area, Level
from shequ.core.audit import audit_record, diff, snapshot
from shequ.core.errors import NotFound, PermissionDenied, ValidationFailed
from shequ.core.roles import Perm
from shequ.core.validation import Problems, check_text, clean_and_save
from shequ.registry.models import Tag

TAG_FIELDS = ["code", "name", "name_en", "owner_line", "visible_lines", "sensitive"]
EDITABLE = ("name", "name_en", "owner_line", "visible_lines", "sensitive")
CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
NAME_MAX = Tag._meta.get_field("name").max_length or 32
NAME_EN_MAX = Tag._meta.get_field("name_en").max_length or 64
CITY_CODE_LENGTH = CODE_LENGTH[Level.CITY]


def _city_grant(actor: Any) -> str | None:
    """The city-level code where the actor may change the registry ("" for a superuser), or None."""
    codes = [c for c in viewer_scope(actor).codes_for(Perm.REGISTRY_CHANGE) if len(c) <= CITY_CODE_LENGTH]
    return min(codes, key=len) if codes else None


def can_manage_tags(viewer: Any) -> bool:
    return _city_grant(viewer) is not None


def _require_manage(actor: Any) -> str:
    """The area code the audit row carries (the city), or 403."""
    code = _city_grant(actor)
    if code is None:
        raise PermissionDenied(_("只有市级管理员可以新增或修改标签。"))
    if not code:  # a superuser: the city it administers, so the city's auditors read the row
        code = Area.objects.filter(level=Level.CITY).order_by("code").values_list("code", flat=True).first() or ""
    return code


def tag_for_change(*, actor: Any, code: str) -> Tag:
    """The tag `code` for an edit: 404 when the actor's lines cannot see it (or there is none), else 403 when
    the actor may not change tags."""
    from shequ.registry.selectors import tag_list

    tag = tag_list(viewer=actor).filter(code=str(code or "").strip()).first()
    if tag is None:
        raise NotFound()
    _require_manage(actor)
    return tag


def _lines(problems: Problems, value: Any) -> list[str]:
    """Known work lines, once each, in the order given."""
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, (list, tuple, set)):
        problems.add("visible_lines", _("可见条线必须是业务条线代码的列表"))
        return []
    chosen = [str(v).strip() for v in value]
    unknown = [v for v in chosen if v not in WorkLine.values]
    if unknown:
        problems.add("visible_lines", _("未知的业务条线：%(line)s") % {"line": "、".join(unknown)})
    return list(dict.fromkeys(v for v in chosen if v in WorkLine.values))


def _state(problems: Problems, fields: dict[str, Any], exclude_pk: int | None) -> dict[str, Any]:
    others = Tag.objects.exclude(pk=exclude_pk) if exclude_pk is not None else Tag.objects.all()
    name = check_text(problems, "name", fields.get("name"), max_length=NAME_MAX, required=True)
    if name and others.filter(name=name).exists():
        problems.add("name", _("名称“%(name)s”已被其他标签使用") % {"name": name})
    name_en = check_text(problems, "name_en", fields.get("name_en"), max_length=NAME_EN_MAX)
    if name_en and others.filter(name_en__iexact=name_en).exists():
        problems.add("name_en", _("英文名称“%(name)s”已被其他标签使用") % {"name": name_en})
    owner = str(fields.get("owner_line") or "").strip()
    if not owner:
        problems.add("owner_line", _("此项必填"))
    elif owner not in WorkLine.values:
        problems.add("owner_line", _("未知的业务条线：%(line)s") % {"line": owner})
    sensitive = fields.get("sensitive", False)
    if not isinstance(sensitive, bool):
        problems.add("sensitive", _("必须是 true 或 false"))
    return {
        "name": name,
        "name_en": name_en,
        "owner_line": owner,
        "visible_lines": _lines(problems, fields.get("visible_lines")),
        "sensitive": bool(sensitive),
    }


def _save(tag: Tag) -> None:
    try:
        with transaction.atomic():
            clean_and_save(tag)
    except IntegrityError:  # a concurrent create of the same code
        message = _("代码“%(code)s”已被使用") % {"code": tag.code}
        raise ValidationFailed(message, details={"code": [message]}) from None


@transaction.atomic
def tag_create(
    *,
    actor: Any,
    code: str,
    name: str,
    owner_line: str,
    name_en: str = "",
    visible_lines: list[str] | None = None,
    sensitive: bool = False,
) -> Tag:
    area_code = _require_manage(actor)
    problems = Problems()
    code = str(code or "").strip().lower()
    if not CODE.match(code):
        problems.add("code", _("代码须以小写字母开头，只能由小写字母、数字和 _ 组成，最长 32 个字符"))
    elif Tag.objects.filter(code=code).exists():
        problems.add("code", _("代码“%(code)s”已被使用") % {"code": code})
    state = _state(
        problems,
        {"name": name, "name_en": name_en, "owner_line": owner_line, "visible_lines": visible_lines,
         "sensitive": sensitive},
        exclude_pk=None,
    )
    problems.raise_if_any()
    tag = Tag(code=code, **state)
    _save(tag)
    audit_record(
        actor=actor,
        action="tag.create",
        entity_type="tag",
        entity_id=tag.pk,
        area_code=area_code,
        changes=diff({}, snapshot(tag, TAG_FIELDS)),
        summary=f"{tag.code} {tag.name}",
    )
    return tag


@transaction.atomic
def tag_update(*, actor: Any, tag: Tag, **fields: Any) -> Tag:
    """Names, owner line, visible lines, sensitivity; every field not given keeps its value."""
    area_code = _require_manage(actor)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(", ".join(sorted(unknown)))
    tag = Tag.objects.select_for_update().get(pk=tag.pk)
    before = snapshot(tag, TAG_FIELDS)
    problems = Problems()
    state = _state(problems, {**{k: getattr(tag, k) for k in EDITABLE}, **fields}, exclude_pk=tag.pk)
    problems.raise_if_any()
    for key, value in state.items():
        setattr(tag, key, value)
    _save(tag)
    changes = diff(before, snapshot(tag, TAG_FIELDS))
    if changes:
        audit_record(
            actor=actor,
            action="tag.update",
            entity_type="tag",
            entity_id=tag.pk,
            area_code=area_code,
            changes=changes,
            summary=f"{tag.code} {tag.name}",
        )
    return tag
