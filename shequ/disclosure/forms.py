"""The staff form for a free-form entry: parsing and rendering only; the service validates."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.disclosure.models import Category
from shequ.registry.forms import ServiceErrorsMixin

MAX_CHOICES = 300


class PublishForm(ServiceErrorsMixin, forms.Form):
    community = forms.CharField(label=_("社区（村）"), max_length=15)
    category = forms.ChoiceField(label=_("类别"), choices=[("", "—"), *Category.choices])
    title = forms.CharField(label=_("标题"), max_length=200)
    body = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 10}),
                           help_text=_("公开后不能修改或删除；如有错误，请发布一条更正记录。"))
    corrects = forms.IntegerField(required=False, widget=forms.HiddenInput())

    def __init__(self, *args: Any, communities: list[Any] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if communities is not None and len(communities) <= MAX_CHOICES:
            # A select when the viewer's communities fit in one; otherwise the code is typed.
            self.fields["community"] = forms.ChoiceField(
                label=_("社区（村）"),
                choices=[("", "—"), *((a.code, f"{a.parent.name if a.parent else ''} · {a.name}")
                                      for a in communities)],
            )
        else:
            self.fields["community"].help_text = _("请输入 12 位社区（村）区划代码")
