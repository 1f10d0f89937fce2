"""Small helpers shared by the registry pages (thin views: parse → selector/service → render)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode

from shequ.areas.models import Area
from shequ.areas.selectors import area_get
from shequ.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied

T = TypeVar("T")


def base_query(request: HttpRequest, drop: tuple[str, ...] = ("page",)) -> str:
    """The current filters as a query string without `drop` (for pager links)."""
    pairs = [(k, v) for k, v in request.GET.items() if k not in drop and v]
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
