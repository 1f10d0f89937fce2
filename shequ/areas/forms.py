"""Forms of the area pages (parsing and rendering; the services validate)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.areas.models import CommunityKind, Level, UrbanRuralClass
from shequ.registry.forms import ServiceErrorsMixin


class AreaKindForm(ServiceErrorsMixin, forms.Form):
    community_kind = forms.ChoiceField(label=_("社区类别"), choices=CommunityKind.choices)


class AreaChildForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    code = forms.CharField(
        label=_("区划代码"), max_length=15, required=False, help_text=_("留空则按上级代码自动编号")
    )
    urban_rural_class = forms.ChoiceField(
        label=_("城乡分类代码"), choices=[("", "—"), *UrbanRuralClass.choices], required=False
    )
    central_city = forms.BooleanField(
        label=_("位于中心城区"), required=False, help_text=_("主城区、城乡结合区的社区据此定为中心城区社区")
    )

    def __init__(self, *args: Any, level: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if level != Level.COMMUNITY:
            del self.fields["urban_rural_class"]
            del self.fields["central_city"]
