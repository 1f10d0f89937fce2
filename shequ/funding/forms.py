"""Forms of the funding pages: parsing and rendering only; the services validate and their errors are shown
next to the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.facilities.common import current_year
from shequ.facilities.forms import ServiceErrors
from shequ.funding.models import FundSource


def _year_field() -> forms.IntegerField:
    return forms.IntegerField(label=_("年度"), initial=current_year)


class OperatingFundForm(ServiceErrors, forms.Form):
    year = _year_field()
    source = forms.ChoiceField(label=_("来源"), choices=FundSource.choices)
    amount = forms.DecimalField(label=_("金额（元）"))
    received_on = forms.DateField(
        label=_("到账日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "year": data.get("year"),
            "source": data.get("source") or "",
            "amount": data.get("amount"),
            "received_on": data.get("received_on"),
            "note": data.get("note") or "",
        }


class ProjectFundForm(ServiceErrors, forms.Form):
    year = _year_field()
    name = forms.CharField(label=_("项目名称"), max_length=200)
    amount = forms.DecimalField(label=_("金额（元）"))
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "year": data.get("year"),
            "name": data.get("name") or "",
            "amount": data.get("amount"),
            "note": data.get("note") or "",
        }
