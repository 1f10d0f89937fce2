"""Forms only parse input; every rule is checked again by shequ.accounts.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.accounts.models import WorkLine
from shequ.core.errors import ApplicationError
from shequ.core.roles import Role


class RoleChoicesMixin:
    """The role select offers only `roles` (those the viewer may grant) when given."""

    fields: dict[str, forms.Field]

    def limit_roles(self, roles: list[str] | None) -> None:
        if roles is not None:
            field = self.fields["role"]
            assert isinstance(field, forms.ChoiceField)
            labels = dict(Role.choices)
            field.choices = [(r, labels[r]) for r in roles]


class UserCreateForm(RoleChoicesMixin, forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    display_name = forms.CharField(label=_("姓名"), max_length=64, required=False)
    phone = forms.CharField(label=_("电话"), max_length=20, required=False)
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput, required=False)
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    area = forms.CharField(label=_("区划代码"), max_length=15)
    work_lines = forms.MultipleChoiceField(
        label=_("业务条线"), choices=WorkLine.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    resident_id_number = forms.CharField(label=_("居民身份号码（居民账号必填）"), max_length=18, required=False)

    def __init__(self, *args: Any, roles: list[str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.limit_roles(roles)


class UserEditForm(forms.Form):
    display_name = forms.CharField(label=_("姓名"), max_length=64, required=False)
    phone = forms.CharField(label=_("电话（留空则不修改）"), max_length=20, required=False)
    work_lines = forms.MultipleChoiceField(
        label=_("业务条线"), choices=WorkLine.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class RoleAddForm(RoleChoicesMixin, forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    area = forms.CharField(label=_("区划代码"), max_length=15)
    resident_id_number = forms.CharField(label=_("居民身份号码"), max_length=18, required=False)

    def __init__(self, *args: Any, roles: list[str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.limit_roles(roles)


class PasswordResetForm(forms.Form):
    new_password = forms.CharField(label=_("新密码"), widget=forms.PasswordInput)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("原密码"), widget=forms.PasswordInput)
    new_password = forms.CharField(label=_("新密码"), widget=forms.PasswordInput)
    new_password2 = forms.CharField(label=_("再次输入新密码"), widget=forms.PasswordInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致"))
        return data


class TokenCreateForm(forms.Form):
    token_name = forms.CharField(label=_("令牌名称"), max_length=100)


def apply_error(form: forms.Form, exc: ApplicationError, aliases: dict[str, str] | None = None) -> None:
    """Put a service refusal on the form: per field when it names one, else on the whole form."""
    details = exc.details if isinstance(exc.details, dict) else {}
    placed = False
    for field, messages in details.items():
        name = (aliases or {}).get(field, field)
        if name in form.fields:
            for message in messages if isinstance(messages, list) else [messages]:
                form.add_error(name, str(message))
            placed = True
    if not placed:
        form.add_error(None, str(exc.message))
