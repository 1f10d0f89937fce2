"""Checks of a policy version before it is written: its parameter values by kind, and the chain of versions
it would leave behind (contiguous: each starts the day after the previous ends; the last, and only the last,
open-ended).

Each check returns {field: [messages]} (empty when fine) so a form can show every problem at once, next to
its field; `fail` turns them into the one ValidationFailed, whose message says where and why.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from shequ.core.errors import ValidationFailed
from shequ.standards.models import ParamKind, PolicyVersion
from shequ.standards.policy_selectors import parameter_label

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
ITEM_MAX_CHARS = 100
# Bounds past which a number is a typing mistake rather than a policy.
MAX_VALUE: dict[str, Decimal] = {
    ParamKind.AREA_M2: Decimal(100_000),
    ParamKind.COUNT: Decimal(100_000),
    ParamKind.YUAN: Decimal(1_000_000_000),
    ParamKind.RATIO: Decimal(1),
}
MAX_DECIMALS: dict[str, int] = {ParamKind.AREA_M2: 2, ParamKind.COUNT: 0, ParamKind.YUAN: 2, ParamKind.RATIO: 4}


# -- parameter values -------------------------------------------------------------------------------


def _decimal(raw: Any) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, float):
        raw = repr(raw)
    text = str(raw).strip().replace(",", "").replace("，", "").replace(" ", "")
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def _plain_number(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def clean_value(kind: str, raw: Any) -> tuple[Any, str]:
    """(stored value, "") or (None, the reason it is refused)."""
    if kind == ParamKind.ITEMS:
        return _clean_items(raw)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, _("请填写数值。")
    if isinstance(raw, (list, dict)):
        return None, _("应为一个数字。")
    value = _decimal(raw)
    if value is None:
        return None, _("“%(value)s”不是有效的数字。") % {"value": str(raw)[:40]}
    if value < 0:
        return None, _("不能为负数。")
    if kind == ParamKind.RATIO and value > 1:
        return None, _("比例必须在 0 到 1 之间。")
    if kind == ParamKind.COUNT and value != value.to_integral_value():
        return None, _("必须是整数。")
    limit = MAX_VALUE[kind]
    if value > limit:
        if kind == ParamKind.AREA_M2:
            return None, _("面积不能超过 %(max)s 平方米。") % {"max": f"{limit:,}"}
        if kind == ParamKind.YUAN:
            return None, _("金额不能超过 %(max)s 元。") % {"max": f"{limit:,}"}
        return None, _("数量不能超过 %(max)s。") % {"max": f"{limit:,}"}
    places = MAX_DECIMALS[kind]
    if places and value != value.quantize(Decimal(1).scaleb(-places)):
        return None, _("最多保留 %(n)s 位小数。") % {"n": places}
    return _plain_number(value), ""


def _clean_items(raw: Any) -> tuple[Any, str]:
    if not isinstance(raw, (list, tuple)):
        return None, _("应为项目清单（每项一段文字）。")
    items: list[str] = []
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, str) or not item.strip():
            return None, _("第 %(n)s 项为空。") % {"n": position}
        text = item.strip()
        if len(text) > ITEM_MAX_CHARS:
            return None, _("第 %(n)s 项过长（最多 %(max)s 个字）。") % {"n": position, "max": ITEM_MAX_CHARS}
        if text in items:
            return None, _("“%(item)s”重复出现。") % {"item": text}
        items.append(text)
    if not items:
        return None, _("清单至少要有一项。")
    return items, ""


@dataclass
class Param:
    key: str
    kind: str
    value: Any
    label: str


def resolve_parameters(
    reference: dict[str, Param], parameters: Mapping[str, Any], remove_keys: Iterable[str], *, complete: bool
) -> tuple[dict[str, Param], dict[str, list[str]]]:
    """The parameter set a write leaves: `reference` (the neighbouring or edited version's parameters) with
    `parameters` applied and `remove_keys` dropped. `complete`: every reference key must be given or removed.

    A value is either the value itself, or {"value": ..., "kind": ..., "label": ...}; a key the reference
    lacks needs a kind.
    """
    errors: dict[str, list[str]] = {}
    remove = {str(k) for k in remove_keys}
    unknown = sorted(remove - set(reference))
    if unknown:
        errors["remove_keys"] = [_("无法移除不存在的参数：%(keys)s。") % {"keys": "、".join(unknown)}]
    result = {k: p for k, p in reference.items() if k not in remove}
    if complete:
        for key in sorted(set(result) - set(parameters)):
            errors[f"parameters.{key}"] = [_("缺少此参数；如本版本不再包含它，请明确移除。")]
    for key, given in parameters.items():
        where = f"parameters.{key}"
        if key in remove:
            errors[where] = [_("同一参数不能既填写又移除。")]
            continue
        spec = dict(given) if isinstance(given, Mapping) else {"value": given}
        old = reference.get(key)
        kind = str(spec.get("kind") or (old.kind if old else ""))
        if old is None and not KEY_RE.match(str(key)):
            errors[where] = [_("参数代码只能包含小写字母、数字和下划线，并以字母开头。")]
            continue
        if kind not in ParamKind.values:
            errors[where] = [_("新增参数须注明类型（面积、数量、金额、比例或项目清单）。")]
            continue
        if old is not None and kind != old.kind:
            errors[where] = [_("不能修改已有参数的类型。")]
            continue
        value, problem = clean_value(kind, spec.get("value"))
        if problem:
            errors[where] = [problem]
            continue
        label = str(spec.get("label") or (old.label if old else ""))[:200]
        result[key] = Param(key=key, kind=kind, value=value, label=label)
    if not errors and not result:
        errors["parameters"] = [_("一个版本至少要有一个参数。")]
    return result, errors


def params_of(version: PolicyVersion) -> dict[str, Param]:
    return {p.key: Param(key=p.key, kind=p.kind, value=p.value, label=p.label) for p in version.parameters.all()}


def fail(errors: dict[str, list[str]]) -> ValidationFailed:
    """The first problem as the message, saying which parameter it concerns; all of them in details."""
    where, messages = next(iter(errors.items()))
    message = messages[0]
    if where.startswith("parameters."):
        key = where.split(".", 1)[1]
        message = _("参数“%(label)s”（%(key)s）：%(error)s") % {
            "label": parameter_label(key),
            "key": key,
            "error": message,
        }
    return ValidationFailed(message, details=errors)


# -- the chain --------------------------------------------------------------------------------------


@dataclass
class Span:
    pk: int | None  # None: the version being created
    number: int
    start: dt.date
    end: dt.date | None

    def name(self) -> str:
        return _("第 %(n)s 版") % {"n": self.number} if self.pk is not None else _("新版本")


def chain_errors(spans: list[Span], target: Span) -> dict[str, list[str]]:
    """Problems of the chain, on the target's field that causes them (its start: trouble with the version
    before it; its end: trouble with the version after it, or — for the latest version — any end at all, which
    would leave every later year without a version)."""
    day = dt.timedelta(days=1)
    for span in spans:
        if span.end is not None and span.end < span.start:
            field = "effective_to" if span is target else "__all__"
            return {
                field: [
                    _("%(name)s的失效日期 %(end)s 早于生效日期 %(start)s。")
                    % {"name": span.name(), "end": span.end, "start": span.start}
                ]
            }
    ordered = sorted(spans, key=lambda s: (s.start, s.number))
    for before, after in itertools.pairwise(ordered):
        field = "effective_from" if after is target else "effective_to" if before is target else "__all__"
        if after.start == before.start:
            return {
                field: [
                    _("%(a)s与%(b)s的生效日期相同（%(start)s）。")
                    % {"a": before.name(), "b": after.name(), "start": after.start}
                ]
            }
        if before.end is None:
            return {
                field: [
                    _(
                        "%(a)s自 %(a_start)s 起长期有效，与自 %(start)s 起生效的%(b)s重叠；"
                        "只有最后一个版本可以不设失效日期。"
                    )
                    % {"a": before.name(), "a_start": before.start, "b": after.name(), "start": after.start}
                ]
            }
        if after.start > before.end + day:
            return {
                field: [
                    _("%(a)s于 %(end)s 失效，%(b)s自 %(start)s 起生效：%(gap_from)s 至 %(gap_to)s 没有适用的版本。")
                    % {
                        "a": before.name(),
                        "end": before.end,
                        "b": after.name(),
                        "start": after.start,
                        "gap_from": before.end + day,
                        "gap_to": after.start - day,
                    }
                ]
            }
        if after.start <= before.end:
            overlap_to = before.end if after.end is None else min(before.end, after.end)
            return {
                field: [
                    _("%(a)s（%(a_start)s 至 %(a_end)s）与%(b)s（自 %(start)s 起）在 %(o_from)s 至 %(o_to)s 重叠。")
                    % {
                        "a": before.name(),
                        "a_start": before.start,
                        "a_end": before.end,
                        "b": after.name(),
                        "start": after.start,
                        "o_from": after.start,
                        "o_to": overlap_to,
                    }
                ]
            }
    last = ordered[-1] if ordered else None
    if last is target and last.end is not None:
        # A year is judged by the version in force on 31 December: the first year left without one.
        first = last.end.year + 1 if (last.end.month, last.end.day) == (12, 31) else last.end.year
        return {
            "effective_to": [
                _(
                    "%(name)s是最新的版本，不能设定失效日期：自 %(from)s 起（%(year)s 年及以后各年）将没有适用的"
                    "版本。最新的版本须长期有效；如要改用新的标准，请新增一个版本，本版本会随之结束。"
                )
                % {"name": last.name(), "from": last.end + day, "year": first}
            ]
        }
    return {}


def spans_of(versions: Iterable[PolicyVersion]) -> list[Span]:
    return [Span(pk=v.pk, number=v.number, start=v.effective_from, end=v.effective_to) for v in versions]
