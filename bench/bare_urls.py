"""The app's URLs plus one bare reference view for bench/list_rps.py (not part of the product).

GET /bench/bare/ answers 50 residents' names as plain HTML: one query, no auth, no scope, no masking,
no template. It is served by the same gunicorn, settings and middleware as the real pages.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.html import escape

from config.urls import urlpatterns as app_urlpatterns
from shequ.registry.models import Resident


def bare_residents(request: HttpRequest) -> HttpResponse:
    names = Resident.objects.order_by("id").values_list("name", flat=True)[:50]
    body = "".join(f"<li>{escape(n)}</li>" for n in names)
    return HttpResponse(f"<!doctype html><title>bare</title><ul>{body}</ul>")


urlpatterns = [*app_urlpatterns, path("bench/bare/", bare_residents, name="bench-bare")]
