"""The audit pages: writes (who, when, what, old → new) and access events, for auditors' subtrees; and
"我的查看记录" (tab=mine), every signed-in user's own access events."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from shequ.accounts.scope import require, viewer_scope
from shequ.core import audit_selectors
from shequ.core.audit_selectors import LogFilters
from shequ.core.models import AccessLog
from shequ.core.roles import Perm

PAGE_SIZE = 50


class LogFilterForm(forms.Form):
    tab = forms.ChoiceField(
        choices=[("access", _("访问日志")), ("writes", _("修改记录")), ("mine", _("我的查看记录"))], required=False
    )
    date_from = forms.DateField(label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    actor = forms.CharField(label=_("操作人"), required=False, max_length=150)
    action = forms.CharField(label=_("操作"), required=False, max_length=64)
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部")), *AccessLog.Kind.choices])
    entity_type = forms.CharField(label=_("对象类型"), required=False, max_length=64)
    entity_id = forms.CharField(label=_("对象编号"), required=False, max_length=64)
    area = forms.CharField(label=_("区划代码"), required=False, max_length=15)


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    form = LogFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    tab = request.GET.get("tab", "")
    tab = tab if tab in {"access", "writes", "mine"} else "access"
    can_audit = viewer_scope(request.user).has(Perm.AUDIT_VIEW)
    if tab != "mine":
        require(request.user, Perm.AUDIT_VIEW)
    filters = LogFilters(
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        actor=data.get("actor", ""),
        action=data.get("action", "") if tab == "writes" else data.get("kind", ""),
        entity_type=data.get("entity_type", ""),
        entity_id=data.get("entity_id", ""),
        area=data.get("area", ""),
    )
    qs: QuerySet[Any]
    if tab == "writes":
        qs = audit_selectors.audit_list(viewer=request.user, filters=filters)
    elif tab == "mine":
        qs = audit_selectors.own_access_list(viewer=request.user, filters=filters)
    else:
        qs = audit_selectors.access_list(viewer=request.user, filters=filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows: list[Any] = list(page.object_list)  # the page's rows get what the template shows
    present = audit_selectors.present_writes if tab == "writes" else audit_selectors.present_accesses
    for row, shown in zip(rows, present(request.user, rows), strict=True):
        row.shown = shown
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_log.html",
        {
            "page": page,
            "tab": tab,
            "can_audit": can_audit,
            "form": form if form.is_bound else LogFilterForm(),
            "actions": audit_selectors.action_choices(viewer=request.user) if tab == "writes" else [],
            "query": query.urlencode(),
            "errors": form.errors if form.is_bound else {},
        },
    )
