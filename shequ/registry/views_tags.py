"""The tags page (重点人群标签): every signed-in user reads the tags its work lines may see; the city administrator
creates tags and changes their names, owner line, visible lines and sensitivity (services.tags)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.accounts.models import WorkLine
from shequ.core.errors import PermissionDenied
from shequ.registry import selectors
from shequ.registry.forms import ServiceErrorsMixin
from shequ.registry.models import Tag
from shequ.registry.services.tags import EDITABLE, can_manage_tags, tag_create, tag_for_change, tag_update
from shequ.registry.viewutils import form_status, run_service


class TagForm(ServiceErrorsMixin, forms.Form):
    code = forms.CharField(
        label=gettext_lazy("代码"),
        max_length=32,
        help_text=gettext_lazy("小写字母、数字和 _，如 dibao；保存后不能修改"),
    )
    name = forms.CharField(label=gettext_lazy("名称"), max_length=32)
    name_en = forms.CharField(label=gettext_lazy("英文名称"), max_length=64, required=False)
    owner_line = forms.ChoiceField(label=gettext_lazy("主管条线"), choices=WorkLine.choices)
    visible_lines = forms.MultipleChoiceField(
        label=gettext_lazy("可见条线"),
        choices=WorkLine.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("不选则所有条线可见；主管条线总能看到"),
    )
    sensitive = forms.BooleanField(
        label=gettext_lazy("敏感标签"),
        required=False,
        help_text=gettext_lazy("涉及特定身份等敏感个人信息：居民和审计员看不到"),
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]

    def changes(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in EDITABLE}


def _line_label(code: str) -> str:
    return str(dict(WorkLine.choices).get(code, code))


def _rows(tags: Any) -> list[dict[str, Any]]:
    return [
        {
            "tag": t,
            "owner": _line_label(t.owner_line),
            "visible": [_line_label(line) for line in t.visible_lines or []],
        }
        for t in tags
    ]


def _page(request: HttpRequest, form: TagForm | None, editing: Tag | None = None, status: int = 200) -> HttpResponse:
    return render(
        request,
        "registry/tags.html",
        {
            "rows": _rows(selectors.tag_list(viewer=request.user)),
            "form": form,
            "editing": editing,
            "can_manage": can_manage_tags(request.user),
        },
        status=status,
    )


@login_required
def tag_list(request: HttpRequest) -> HttpResponse:
    manage = can_manage_tags(request.user)
    if request.method == "POST" and not manage:
        raise PermissionDenied(_("只有市级管理员可以新增或修改标签。"))
    form = TagForm(request.POST or None) if manage else None
    if form is not None and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = run_service(form, lambda: tag_create(actor=request.user, code=data["code"], **form.changes()))
        if created is not None:
            messages.success(request, _("已新增标签：%(name)s") % {"name": created.name})
            return redirect("registry:tag_list")
    return _page(request, form, status=form_status(form) if form is not None else 200)


@login_required
def tag_edit(request: HttpRequest, code: str) -> HttpResponse:
    tag = tag_for_change(actor=request.user, code=code)
    initial = {k: getattr(tag, k) for k in EDITABLE}
    form = TagForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if run_service(form, lambda: tag_update(actor=request.user, tag=tag, **changes)) is not None:
            messages.success(request, _("已保存"))
            return redirect("registry:tag_list")
    return _page(request, form, editing=tag, status=form_status(form))
