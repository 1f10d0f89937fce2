"""Forms of the governance pages: parsing and rendering only; the services validate what matters and their
errors land next to the field (ServiceErrorsMixin)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.governance.models import ActionOutcome, CommitteeKind, Position, Rating
from shequ.registry.forms import ServiceErrorsMixin

_BLANK = [("", "—")]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any):
        super().__init__(format="%Y-%m-%d", **kwargs)


class WorkerForm(ServiceErrorsMixin, forms.Form):
    error_map = {"resident": "resident_id"}

    resident_id = forms.IntegerField(
        label=_("居民档案编号"),
        required=False,
        min_value=1,
        help_text=_("可选：关联本社区的居民档案（可在下方按姓名查找）；关联后姓名默认取居民档案中的姓名"),
    )
    name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    position = forms.ChoiceField(label=_("职务"), choices=_BLANK + list(Position.choices))
    committee = forms.ChoiceField(
        label=_("所属班子"),
        choices=_BLANK + list(CommitteeKind.choices),
        help_text=_("正职、副职和委员属于社区党组织或社区居民委员会；工作人员不属于两委"),
    )
    start_date = forms.DateField(label=_("任职开始"), widget=DateInput())
    end_date = forms.DateField(label=_("任职结束"), required=False, widget=DateInput(), help_text=_("仍在任的留空"))
    monthly_base_pay = forms.DecimalField(label=_("月基本报酬（元）"), max_digits=10, decimal_places=2)

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("resident_id", None)
        return data


class EndForm(ServiceErrorsMixin, forms.Form):
    end_date = forms.DateField(label=_("任职结束日期"), widget=DateInput())


class EvaluationForm(ServiceErrorsMixin, forms.Form):
    year = forms.IntegerField(label=_("年度"))
    rating = forms.ChoiceField(label=_("评议结果"), choices=Rating.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class ResolveForm(ServiceErrorsMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("处理结果"), choices=ActionOutcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("处理情况说明"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例如：会议日期、文号、程序进展"),
    )
