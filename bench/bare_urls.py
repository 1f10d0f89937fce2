"""The app's URLs plus two bare reference views for bench/list_rps.py (not part of the product).

Both are served by the same gunicorn, settings and middleware as the real pages; neither touches the
session, so no session or user query runs (the middleware is lazy).

- GET /bench/bare/ answers 50 residents' names as plain HTML: one query, no auth, no scope, no masking,
  no template — the trivial Django view.
- GET /bench/bare-rows/?area=<code>&order=pinyin|area[&format=json] answers the same 50 rows the resident list
  shows for a viewer bound to <code> (the same filter on area_code, the same order, the same columns, joins
  and tags), the way a plain Django view would: `select_related` + `prefetch_related` model instances,
  written out with string joins (HTML table) or `JsonResponse`. No login, no scope derivation, no
  masking, no count or pager, no tag visibility, no template, no translation.
- POST /bench/bare-insert/ stores the request body as one row of `bench_bare_insert` (a table bench/vote_bench.py
  creates) and answers its id as JSON: the reference for the online-voting API (no auth, no checks, no CSRF).
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as app_urlpatterns
from shequ.registry.models import Resident


def bare_residents(request: HttpRequest) -> HttpResponse:
    names = Resident.objects.order_by("id").values_list("name", flat=True)[:50]
    body = "".join(f"<li>{escape(n)}</li>" for n in names)
    return HttpResponse(f"<!doctype html><title>bare</title><ul>{body}</ul>")


def bare_rows(request: HttpRequest) -> HttpResponse:
    area = request.GET.get("area", "")
    order = ("area_code", "id") if request.GET.get("order") == "area" else ("name_pinyin", "id")
    qs = Resident.objects.select_related("community", "grid", "household").prefetch_related("resident_tags__tag")
    if area:
        qs = qs.filter(area_code__startswith=area)
    rows = list(qs.order_by(*order)[:50])
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "results": [
                    {
                        "id": r.pk,
                        "name": r.name,
                        "id_number": r.id_number,
                        "phone": r.phone,
                        "sex": r.sex,
                        "birth_date": r.birth_date,
                        "household_id": r.household_id,
                        "household_number": r.household.number if r.household else None,
                        "relation": r.relation,
                        "status": r.status,
                        "community_code": r.community.code,
                        "community_name": r.community.name,
                        "grid_code": r.grid.code if r.grid else None,
                        "area_code": r.area_code,
                        "tags": [{"code": t.tag.code, "name": t.tag.name} for t in r.resident_tags.all()],
                    }
                    for r in rows
                ]
            }
        )
    cells = []
    for r in rows:
        fields = (
            f'<a href="/registry/residents/{r.pk}/">{escape(r.name)}</a>',
            r.sex,
            str(r.birth_date),
            r.id_number,
            escape(r.phone),
            escape(r.community.name) + (f" · {escape(r.grid.name)}" if r.grid else ""),
            escape(r.household.number) + " " + r.relation if r.household else "—",
            " ".join(escape(t.tag.name) for t in r.resident_tags.all()),
        )
        cells.append("<tr>" + "".join(f"<td>{f}</td>" for f in fields) + "</tr>")
    return HttpResponse(f"<!doctype html><title>bare rows</title><table>{''.join(cells)}</table>")


@csrf_exempt
def bare_insert(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_bare_insert (body) VALUES (%s) RETURNING id", [request.body.decode()])
        (row_id,) = cursor.fetchone()
    return JsonResponse({"id": row_id})


urlpatterns = [
    *app_urlpatterns,
    path("bench/bare/", bare_residents, name="bench-bare"),
    path("bench/bare-rows/", bare_rows, name="bench-bare-rows"),
    path("bench/bare-insert/", bare_insert, name="bench-bare-insert"),
]
