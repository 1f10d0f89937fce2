"""The version form of the policy pages: one input per parameter (numbers as text, item lists one per line),
dates, citation and note. Parsing and rendering only: the services judge values and dates, and their errors
come back next to the field they concern (`add_service_error`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import ApplicationError
from shequ.standards.models import ParamKind, PolicyVersion
from shequ.standards.policy_checks import KEY_RE
from shequ.standards.policy_selectors import UNITS, display_value, key_order, parameter_label

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


@dataclass
class ParamSpec:
    key: str
    kind: str
    label: str
    value: Any


def specs_of(version: PolicyVersion | None) -> list[ParamSpec]:
    if version is None:
        return []
    return [
        ParamSpec(key=p.key, kind=p.kind, label=parameter_label(p.key, p.label), value=p.value)
        for p in sorted(version.parameters.all(), key=lambda p: key_order(p.key))
    ]


def _as_text(kind: str, value: Any) -> str:
    if kind == ParamKind.ITEMS and isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return "" if value is None else str(value)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class PolicyVersionForm(forms.Form):
    effective_from = forms.DateField(label=_("生效日期"), widget=_DATE)
    effective_to = forms.DateField(
        label=_("失效日期"), required=False, widget=_DATE, help_text=_("留空表示长期有效（只有最后一个版本可以留空）。")
    )
    citation = forms.CharField(
        label=_("依据文件"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), help_text=_("文件名称和文号。")
    )
    note = forms.CharField(
        label=_("修订说明"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    new_key = forms.CharField(
        label=_("参数代码"), required=False, max_length=64, help_text=_("小写字母、数字和下划线，如 grid_people。")
    )
    new_kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", "—"), *ParamKind.choices])
    new_label = forms.CharField(label=_("说明"), required=False, max_length=200)
    new_value = forms.CharField(
        label=_("取值"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("项目清单每行一项。"),
    )

    def __init__(self, data: Any = None, *, specs: list[ParamSpec], edit: bool, initial: dict | None = None):
        self.specs = specs
        self.edit = edit
        initial = dict(initial or {})
        for spec in specs:
            initial.setdefault(f"p_{spec.key}", _as_text(spec.kind, spec.value))
        super().__init__(data, initial=initial)
        for spec in specs:
            if spec.kind == ParamKind.ITEMS:
                rows = min(12, (len(spec.value) if isinstance(spec.value, list) else 2) + 1)
                widget: forms.Widget = forms.Textarea(attrs={"rows": rows})
            else:
                widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
            self.fields[f"p_{spec.key}"] = forms.CharField(label=spec.label, required=False, widget=widget)
            self.fields[f"rm_{spec.key}"] = forms.BooleanField(label=_("移除此参数"), required=False)
        if edit:
            self.fields["shift_neighbours"] = forms.BooleanField(
                label=_("同时调整相邻版本的起止日期"),
                required=False,
                help_text=_("改动本版本的生效或失效日期时，紧邻的版本随之结束或开始，版本之间不留空档。"),
            )

    def param_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "spec": spec,
                "field": self[f"p_{spec.key}"],
                "remove": self[f"rm_{spec.key}"],
                "unit": UNITS.get(spec.kind, ""),
                "kind_label": ParamKind(spec.kind).label if spec.kind in ParamKind.values else spec.kind,
                "was": display_value(spec.kind, spec.value),
                "is_items": spec.kind == ParamKind.ITEMS,
            }
            for spec in self.specs
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        key = (data.get("new_key") or "").strip()
        if key:
            if not KEY_RE.match(key):
                self.add_error("new_key", _("参数代码只能包含小写字母、数字和下划线，并以字母开头。"))
            elif key in {s.key for s in self.specs}:
                self.add_error("new_key", _("该参数已存在。"))
            if not data.get("new_kind"):
                self.add_error("new_kind", _("请选择类型。"))
        elif data.get("new_value") or data.get("new_kind"):
            self.add_error("new_key", _("请填写参数代码。"))
        return data

    def service_kwargs(self) -> dict[str, Any]:
        """What the services take: all parameters (kept keys), the ones to remove, dates and texts."""
        data = self.cleaned_data
        parameters: dict[str, Any] = {}
        remove_keys = []
        for spec in self.specs:
            if data.get(f"rm_{spec.key}"):
                remove_keys.append(spec.key)
                continue
            raw = data.get(f"p_{spec.key}", "")
            parameters[spec.key] = _lines(raw) if spec.kind == ParamKind.ITEMS else raw.strip()
        key = (data.get("new_key") or "").strip()
        if key:
            kind = data.get("new_kind", "")
            raw = data.get("new_value", "")
            parameters[key] = {
                "kind": kind,
                "value": _lines(raw) if kind == ParamKind.ITEMS else raw.strip(),
                "label": data.get("new_label", ""),
            }
        kwargs: dict[str, Any] = {
            "effective_from": data["effective_from"],
            "effective_to": data.get("effective_to"),
            "citation": data.get("citation", ""),
            "note": data.get("note", ""),
            "parameters": parameters,
            "remove_keys": remove_keys,
        }
        if self.edit:
            kwargs["shift_neighbours"] = bool(data.get("shift_neighbours"))
        return kwargs

    def add_service_error(self, exc: ApplicationError) -> None:
        """Each problem next to its field ("parameters.<key>" → that parameter's input); the rest on top."""
        details = exc.details if isinstance(exc.details, dict) else {}
        new_key = (self.cleaned_data.get("new_key") or "").strip() if hasattr(self, "cleaned_data") else ""
        placed = False
        for where, messages in details.items():
            name = where
            if where.startswith("parameters."):
                key = where.split(".", 1)[1]
                name = "new_value" if key == new_key else f"p_{key}"
            if name not in self.fields:
                name = None  # type: ignore[assignment]
            for message in messages if isinstance(messages, (list, tuple)) else [messages]:
                self.add_error(name, str(message))
                placed = True
        if not placed:
            self.add_error(None, str(exc.message))


def default_start(latest: PolicyVersion | None, today: dt.date) -> dt.date:
    """Where a new version most likely starts: the day after the last one ends, else next 1 January."""
    if latest is None:
        return dt.date(today.year, 1, 1)
    if latest.effective_to is not None:
        return latest.effective_to + dt.timedelta(days=1)
    return dt.date(max(today.year, latest.effective_from.year) + 1, 1, 1)
