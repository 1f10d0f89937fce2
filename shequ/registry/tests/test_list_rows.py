"""The resident list's fast path: a fixed number of queries whatever the page size, rows written out the
same way the template did (masked, escaped, translated), the capped count remembered, the API unchanged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shequ.core.testing.factories import make_id_number, make_user
from shequ.registry import selectors, services
from shequ.registry.models import Tag
from shequ.registry.paging import paginate

URL = "/registry/residents/"
API = "/api/v1/registry/residents"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # capped counts are remembered in the default cache
    yield
    cache.clear()


def login(user, language: str | None = None) -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies["django_language"] = language
    return client


def add_residents(world, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        services.resident_create(
            actor=world.admin,
            name=f"批量{i:03d}",
            id_number=make_id_number(dt.date(1960, 1, 1) + dt.timedelta(days=i)),
            household=world.household,
            relation="child",
            tags=["elderly", "party_member"] if i % 3 == 0 else [],
        )


def queries(client: Client, url: str, **params) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return len(ctx.captured_queries), response.content.decode()


# -- query counts ------------------------------------------------------------------------------------


def test_page_and_api_use_a_fixed_number_of_queries(world):
    client = login(world.worker)
    client.get(URL)  # warm-up: content types, translations
    few_page, body = queries(client, URL)
    few_api, _ = queries(client, API)
    assert body.count('data-label="姓名"') == 2
    add_residents(world, 60)
    many_page, body = queries(client, URL)
    many_api, _ = queries(client, API, page_size=100)
    assert body.count('data-label="姓名"') == 50
    # session, user, role assignments, count, rows (ids as a sub-query), tags for the filter, row tags
    assert few_page == many_page == 7
    # the same without the filter's tag list (the row tags query joins the visible tags itself)
    assert few_api == many_api == 6


def test_searches_use_the_same_queries_as_the_plain_list(world):
    add_residents(world, 55)
    client = login(world.worker)
    client.get(URL)
    for params in ({"q": "pl"}, {"q": "批量"}, {"q": "1111", "kind": "phone"}, {"tag": "elderly"}, {"page": "2"}):
        n, body = queries(client, URL, **params)
        assert n == 7, params
        assert 'data-label="姓名"' in body, params
    # an address (or a name that may be one) first looks up the households on the matching buildings
    for params in ({"q": "长青路", "kind": "address"}, {"q": "批量0"}):
        n, body = queries(client, URL, **params)
        assert n == 8, params
        assert 'data-label="姓名"' in body, params


def test_an_empty_result_skips_the_rows_query(world):
    client = login(world.worker)
    client.get(URL)
    n, body = queries(client, URL, q="zzzz")
    assert n == 5  # session, user, roles, count (0), tags for the filter: no rows to fetch
    assert "没有找到符合条件的居民。" in body


# -- what a row shows --------------------------------------------------------------------------------


def test_rows_show_what_the_template_showed(world):
    services.resident_update(actor=world.admin, resident=world.li, status="moved_out")
    orphan = services.resident_create(
        actor=world.admin,
        name="无户居民",
        id_number=make_id_number(dt.date(2001, 2, 3)),
        community=world.community,
    )
    body = login(world.worker).get(URL).content.decode()
    wang_url = reverse("registry:resident_detail", args=[world.wang.pk])
    household_url = reverse("registry:household_detail", args=[world.household.pk])
    masked_id = world.wang.id_number[:4] + "*" * 10 + world.wang.id_number[-4:]
    assert (
        f'<tr><td data-label="姓名"><a href="{wang_url}">王小明</a></td><td data-label="性别">男</td>'
        f'<td data-label="出生日期">1985-03-04</td><td data-label="公民身份号码">{masked_id}</td>'
        f'<td data-label="联系电话">138****5678</td><td data-label="社区">长青社区 · 长青社区第一网格</td>'
        f'<td data-label="户"><a href="{household_url}">{world.household.number}</a> 户主</td>'
        f'<td data-label="标签"><span class="tag">党员</span> </td></tr>'
    ) in body
    assert '>李娜</a> <span class="muted">已迁出</span></td>' in body
    orphan_url = reverse("registry:resident_detail", args=[orphan.pk])
    assert f'<a href="{orphan_url}">无户居民</a></td><td data-label="性别">男</td>' in body
    row = body[body.index(orphan_url) :]
    row = row[: row.index("</tr>")]
    assert '<td data-label="户">—</td>' in row and '<td data-label="联系电话">—</td>' in row
    assert '<td data-label="社区">长青社区</td>' in row and '<td data-label="标签">—</td>' in row
    assert world.wang.id_number not in body and world.wang.phone not in body


def test_rows_are_escaped(world):
    Tag.objects.create(code="odd", name="<b>&奇</b>", name_en="x", owner_line="civil_affairs")
    services.resident_tag_add(actor=world.admin, resident=world.wang, tag="odd")
    body = login(world.worker).get(URL).content.decode()
    assert '<span class="tag">&lt;b&gt;&amp;奇&lt;/b&gt;</span>' in body
    assert "<b>&奇</b>" not in body


def test_rows_follow_the_language(world):
    body = login(world.worker, "en").get(URL).content.decode()
    assert '<td data-label="Name">' in body and '<td data-label="Sex">Male</td>' in body
    assert '<span class="tag">Party member</span>' in body and "</a> Head of household</td>" in body


def test_rows_show_only_the_tags_the_line_may_see(world):
    party = make_user("party_line", "community_worker", world.community, work_lines=["party"])
    services.resident_tag_add(actor=world.admin, resident=world.wang, tag="dibao")
    body = login(party).get(URL).content.decode()
    assert "党员" in body and "低保" not in body
    api = login(party).get(API).json()
    wang = next(r for r in api["results"] if r["id"] == world.wang.pk)
    assert [t["code"] for t in wang["tags"]] == ["party_member"]


def test_htmx_results_are_the_same_rows(world):
    client = login(world.worker)
    full = client.get(URL, {"q": "wxm"}).content.decode()
    part = client.get(URL, {"q": "wxm"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results").content.decode()
    row = part[part.index("<tr><td") : part.index("</tbody>")]
    assert row in full and "<html" not in part


# -- paging with the rows hook -----------------------------------------------------------------------


def test_api_rows_equal_model_built_rows(world):
    from shequ.registry.schemas import ResidentOut

    add_residents(world, 7)
    body = login(world.worker).get(API, {"page_size": 5, "page": 2}).json()
    qs = selectors.resident_list(viewer=world.worker, with_tags=True)
    expected = [ResidentOut.build(r).model_dump(mode="json") for r in list(qs)[5:10]]
    assert body["results"] == expected
    assert (body["count"], body["num_pages"], body["page"]) == (9, 2, 2)


def test_a_page_past_the_end_shows_the_last_page(world):
    add_residents(world, 3)
    body = login(world.worker).get(API, {"page_size": 2, "page": 99}).json()
    assert body["page"] == 3 and len(body["results"]) == 1


def test_a_capped_count_is_remembered_and_an_exact_one_is_not(world, settings):
    add_residents(world, 4)
    settings.SHEQU_LIST_COUNT_CAP = 3
    client = login(world.worker)
    client.get(URL)
    cache.clear()
    first, body = queries(client, URL)
    second, again = queries(client, URL)
    assert "超过 3 条" in body and "超过 3 条" in again
    assert second == first - 1  # no COUNT the second time
    settings.SHEQU_LIST_COUNT_CACHE_SECONDS = 0
    assert queries(client, URL)[0] == first
    settings.SHEQU_LIST_COUNT_CACHE_SECONDS = 60
    settings.SHEQU_LIST_COUNT_CAP = 100
    exact1, body = queries(client, URL)
    exact2, _ = queries(client, URL)
    assert exact1 == exact2 == first and "共 6 条" in body


def test_the_count_cache_is_per_viewer_scope_and_filter(world, settings):
    settings.SHEQU_LIST_COUNT_CAP = 1
    login(world.admin).get(URL)  # city-wide: 3 residents, over the cap
    body = login(world.outsider).get(URL).content.decode()  # one resident in 矿山社区: exact
    assert "共 1 条" in body
    body = login(world.admin).get(URL, {"q": "zq"}).content.decode()
    assert "共 1 条" in body


def test_paginate_without_rows_keeps_model_instances(world):
    page = paginate(selectors.resident_list(viewer=world.worker), 1)
    assert {r.name for r in page.object_list} == {"王小明", "李娜"}
