"""Disclosure pages. The record is public: index, community and entry pages need no login. Publishing a
free-form entry (or a correction) is a staff page. Thin: parse → selector/service → render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area, Level
from shequ.core.errors import NotFound
from shequ.disclosure import policies, selectors, services
from shequ.disclosure.forms import MAX_CHOICES, PublishForm
from shequ.disclosure.models import Category
from shequ.registry.paging import paginate
from shequ.registry.viewutils import base_query, render_form, run_service

PAGE_SIZE = 20


def index(request: HttpRequest) -> HttpResponse:
    filters = {"q": request.GET.get("q", "").strip()[:50], "within": request.GET.get("within", "").strip()[:15]}
    page = paginate(
        selectors.community_search(q=filters["q"], within=filters["within"]), request.GET.get("page"),
        big_ordering=None,
    )
    return render(request, "disclosure/index.html", {
        "page": page, "filters": filters, "base_query": base_query(request),
        "can_publish": policies.can_publish(request.user),
    })


def community(request: HttpRequest, code: str) -> HttpResponse:
    area = selectors.community_get(code=code)
    category = request.GET.get("category", "")
    category = category if category in Category.values else ""
    page = paginate(selectors.disclosure_list(community=area, category=category), request.GET.get("page"),
                    PAGE_SIZE, big_ordering=None)
    return render(request, "disclosure/community.html", {
        "community": area,
        "page": page,
        "category": category,
        "categories": Category.choices,
        "problems": services.disclosure_verify(area),
        "base_query": base_query(request),
        "can_publish": policies.can_publish(request.user, area.code),
    })


def entry(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.disclosure_get(pk=pk)
    problems = services.disclosure_verify(row.community)
    return render(request, "disclosure/entry.html", {
        "entry": row,
        "community": row.community,
        "corrections": selectors.disclosure_corrections(row),
        "problems": [p for p in problems if p.sequence == row.sequence],
        "chain_ok": not problems,
        "can_publish": policies.can_publish(request.user, row.area_code),
    })


def _publishable_communities(request: HttpRequest) -> list[Area]:
    """Communities where the viewer may publish, for the form's select (one more than fits means: type it)."""
    scope = viewer_scope(request.user)
    found: dict[str, Area] = {}
    for perm in policies.PUBLISH_PERMS:
        qs = Area.objects.filter(scope.q(perm, "code"), level=Level.COMMUNITY).select_related("parent")
        for area in qs.order_by("code")[: MAX_CHOICES + 1]:
            found[area.code] = area
        if len(found) > MAX_CHOICES:
            break
    return [found[c] for c in sorted(found)]


def _initial(request: HttpRequest) -> tuple[dict[str, Any], Any]:
    initial: dict[str, Any] = {"community": request.GET.get("community", "").strip()[:15]}
    corrects = request.GET.get("corrects", "").strip()
    old = None
    if corrects:
        old = selectors.disclosure_get(pk=corrects)
        policies.require_publish(request.user, old.area_code)
        initial.update(community=old.area_code, category=old.category, corrects=old.pk,
                       title=_("更正：%(title)s") % {"title": old.title}, body=old.body)
    return initial, old


def _may_publish_in(request: HttpRequest, code: str) -> bool:
    """A typed code that is no community, or one outside the viewer's scope, is a form error (not a 404 page)."""
    try:
        area = selectors.community_get(code=code)
    except NotFound:
        return False
    return policies.can_publish(request.user, area.code)


@login_required
def new(request: HttpRequest) -> HttpResponse:
    if not policies.can_publish(request.user):
        raise NotFound()
    initial, old = _initial(request)
    form = PublishForm(request.POST or None, initial=initial, communities=_publishable_communities(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        published = None
        if not _may_publish_in(request, data["community"]):
            form.add_error("community", _("没有这个社区（村），或您不能在这个社区发布公开记录。"))
        else:
            published = run_service(form, lambda: services.disclosure_publish(
                actor=request.user, community=data["community"], category=data["category"], title=data["title"],
                body=data["body"], corrects=data.get("corrects") or None,
            ))
        if published is not None:
            messages.success(request, _("已公开第 %(n)d 号记录") % {"n": published.sequence})
            return redirect("disclosure:entry", pk=published.pk)
    title = _("更正公开记录") if old is not None or request.POST.get("corrects") else _("发布居务公开")
    cancel_url = reverse("disclosure:entry", args=[old.pk]) if old is not None else reverse("disclosure:index")
    return render_form(
        request, form, title=title, cancel_url=cancel_url,
        submit_label=_("公开"), hint=_("公开后不能修改或删除；如有错误，请发布一条更正记录。"),
        template="disclosure/new.html", extra={"old": old},
    )
