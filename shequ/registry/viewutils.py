"""Small helpers shared by the registry pages (thin views: parse → selector/service → render)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.areas.models import Area
from shequ.areas.selectors import area_get
from shequ.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied

PLACE_TRUNCATED = gettext_lazy("可选范围过多，仅列出部分；请从区域页面进入以缩小范围")


class Record(Protocol):
    pk: Any


T = TypeVar("T")
R = TypeVar("R", bound=Record)


def base_query(request: HttpRequest, drop: tuple[str, ...] = ("page",)) -> str:
    """The current filters as a query string without `drop` (for pager links)."""
    pairs = [(k, str(v)) for k, v in request.GET.items() if k not in drop and v]
    return urlencode(pairs)


def area_or_none(request: HttpRequest, code: str) -> Area | None:
    """The area named by a filter, if the viewer may see it (an invalid one simply filters nothing)."""
    if not code:
        return None
    try:
        return area_get(viewer=request.user, code=code)
    except NotFound:
        return None


def run_service(form: Any, call: Callable[[], T]) -> T | None:
    """Call a service; its validation and conflict errors land on the form (None is returned).

    NotFound and PermissionDenied are not form errors: they propagate to the error page.
    """
    try:
        return call()
    except (NotFound, PermissionDenied):
        raise
    except ApplicationError as exc:
        form.add_service_error(exc)
        form.service_status = exc.status
        if isinstance(exc, Conflict) and isinstance(exc.details, dict):
            form.existing_id = exc.details.get("existing_id")
        return None


def form_status(form: Any) -> int:
    return getattr(form, "service_status", 422) if form.is_bound and form.errors else 200


def render_form(
    request: HttpRequest,
    form: Any,
    *,
    title: str,
    cancel_url: str,
    crumbs: list[tuple[str, str]] | None = None,
    submit_label: str = "",
    hint: str = "",
    template: str = "registry/form.html",
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    context = {
        "form": form,
        "title": title,
        "cancel_url": cancel_url,
        "crumbs": crumbs or [],
        "submit_label": submit_label,
        "hint": hint,
        "existing_id": getattr(form, "existing_id", None),
        **(extra or {}),
    }
    return render(request, template, context, status=form_status(form))


@dataclass(frozen=True)
class RecordPages:
    """The list and detail pages of one kind of record: breadcrumbs, cancel links and redirects."""

    list_name: str
    detail_name: str
    label: str | Promise

    def list_url(self) -> str:
        return reverse(self.list_name)

    def detail_url(self, record: Record) -> str:
        return reverse(self.detail_name, args=[record.pk])

    def crumbs(self, record: Record | None = None, name: str = "") -> list[tuple[str, str]]:
        crumbs = [(self.list_url(), str(self.label))]
        if record is not None:
            crumbs.append((self.detail_url(record), name or str(record)))
        return crumbs


def create_page(
    request: HttpRequest,
    form: Any,
    pages: RecordPages,
    *,
    create: Callable[[], R],
    title: str,
    done: Callable[[R], str],
) -> HttpResponse:
    """A create page: a valid post calls `create` (a service) and shows the new record; otherwise the form,
    with the service's errors next to their fields and a hint when the list of places was cut short."""
    if request.method == "POST" and form.is_valid():
        record = run_service(form, create)
        if record is not None:
            messages.success(request, done(record))
            return redirect(pages.detail_name, pk=record.pk)
    hint = str(PLACE_TRUNCATED) if getattr(form, "place_truncated", False) else ""
    return render_form(request, form, title=title, cancel_url=pages.list_url(), crumbs=pages.crumbs(), hint=hint)


def edit_page(
    request: HttpRequest,
    form: Any,
    pages: RecordPages,
    record: Any,
    *,
    update: Callable[[dict[str, Any]], Any],
    title: str,
    name: str = "",
) -> HttpResponse:
    """An edit page: a valid post sends `form.changes()` to `update` (a service) and shows the record again."""
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if run_service(form, lambda: update(changes)) is not None:
            messages.success(request, _("已保存"))
            return redirect(pages.detail_name, pk=record.pk)
        record.refresh_from_db()  # a refused change may have been half applied to the instance, never saved
    return render_form(
        request, form, title=title, cancel_url=pages.detail_url(record), crumbs=pages.crumbs(record, name)
    )
