"""Funding pages: per-community yearly tables with totals and the policy minimums, the list by community for a
year, the forms; scope by role."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from shequ.areas.models import Area, Level
from shequ.funding import services
from shequ.funding.models import OperatingFund, ProjectFund


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def funds(world):
    a = services.operating_fund_create(actor=world.worker, community=world.community, year=2020, source="district",
                                       amount=Decimal("150000"))
    b = services.operating_fund_create(actor=world.worker, community=world.community, year=2020, source="city",
                                       amount=Decimal("60000.5"))
    c = services.project_fund_create(actor=world.worker, community=world.community, year=2020, name="老旧小区改造",
                                     amount=Decimal("210000"))
    d = services.operating_fund_create(actor=world.admin, community=world.community2, year=2020, source="city",
                                       amount=Decimal("99999"))
    return a, b, c, d


def test_community_page_totals_and_minimums(world, funds):
    body = login(world.worker).get(reverse("funding:community", args=[world.community.code])).content.decode()
    assert 'id="year-2020"' in body
    assert "210,000.50" in body  # operating total
    assert "150,000.00" in body and "60,000.50" in body
    assert "标准 250,000 元" in body and "未达标" in body  # central-city minimum, short
    assert "标准 200,000 元" in body and "达标" in body  # project funds meet
    assert "老旧小区改造" in body
    assert reverse("funding:operating_edit", args=[funds[0].pk]) in body


def test_list_by_community_for_a_year(world, funds):
    client = login(world.admin)
    body = client.get(reverse("funding:index")).content.decode()  # defaults to the latest year with funds
    assert "2020 年度" in body
    assert world.community.name in body and world.community2.name in body and world.community_b.name in body
    assert "210,000.50" in body and "99,999.00" in body
    assert "309,999.50" in body and "210,000.00" in body  # totals: operating, project
    assert "3 个社区（村）" in body
    body = client.get(reverse("funding:index"), {"subdistrict": world.subdistrict2.code}).content.decode()
    assert world.community2.name in body and world.community.name not in body
    body = client.get(reverse("funding:index"), {"year": "2019"}).content.decode()
    assert "210,000.50" not in body


def test_list_is_paginated_and_scoped(world, funds):
    for i in range(55):
        Area.objects.create(code=f"431302001{100 + i}", name=f"测试社区{i}", level=Level.COMMUNITY,
                            parent=world.subdistrict)
    client = login(world.subdistrict_officer)
    first = client.get(reverse("funding:index")).content.decode()
    assert 'rel="next"' in first and world.community2.name not in first
    assert "测试社区54" in client.get(reverse("funding:index"), {"page": 2}).content.decode()


@pytest.mark.parametrize(
    ("role", "index", "page"),
    [
        ("analyst", 200, 200),
        ("worker", 200, 200),
        ("outsider", 200, 404),
        ("grid_worker", 403, 404),
        ("resident_user", 403, 404),
        ("auditor", 403, 404),
    ],
)
def test_pages_by_role(world, funds, role, index, page):
    client = login(getattr(world, role))
    assert client.get(reverse("funding:index")).status_code == index
    assert client.get(reverse("funding:community", args=[world.community.code])).status_code == page


def test_create_edit_delete_through_the_forms(world):
    client = login(world.worker)
    url = reverse("funding:operating_new", args=[world.community.code])
    assert 'value="2019"' in client.get(url, {"year": 2019}).content.decode()
    data = {"year": "2021", "source": "subdistrict", "amount": "88000", "received_on": "2021-05-01"}
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"].endswith("#year-2021")
    fund = OperatingFund.objects.get()
    assert fund.source == "subdistrict" and fund.amount == Decimal("88000")
    edit = reverse("funding:operating_edit", args=[fund.pk])
    assert 'value="88000.00"' in client.get(edit).content.decode()
    data = {"year": "2021", "source": "city", "amount": "90000", "received_on": ""}
    assert client.post(edit, data).status_code == 302
    fund.refresh_from_db()
    assert fund.source == "city" and fund.received_on is None
    delete = reverse("funding:operating_delete", args=[fund.pk])
    assert client.get(delete).status_code == 200 and OperatingFund.objects.exists()
    assert client.post(delete).status_code == 302 and not OperatingFund.objects.exists()

    url = reverse("funding:project_new", args=[world.community.code])
    assert client.post(url, {"year": "2021", "name": "助老食堂", "amount": "50000"}).status_code == 302
    project = ProjectFund.objects.get()
    assert client.post(reverse("funding:project_edit", args=[project.pk]),
                       {"year": "2021", "name": "助老食堂", "amount": "55000"}).status_code == 302
    assert client.post(reverse("funding:project_delete", args=[project.pk])).status_code == 302
    assert not ProjectFund.objects.exists()


def test_form_errors_shown_nothing_saved(world):
    client = login(world.worker)
    url = reverse("funding:operating_new", args=[world.community.code])
    response = client.post(url, {"year": "1900", "source": "city", "amount": "-5"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "年份必须在" in body and "金额必须大于 0" in body
    response = client.post(reverse("funding:project_new", args=[world.community.code]),
                           {"year": "2020", "name": "项目", "amount": "1000000000"})
    assert response.status_code == 422 and "金额必须小于" in response.content.decode()
    assert not OperatingFund.objects.exists() and not ProjectFund.objects.exists()


def test_analyst_and_outsider_cannot_write(world, funds):
    fund, _, project, _ = funds
    for role, status in (("analyst", 403), ("outsider", 404), ("grid_worker", 404)):
        client = login(getattr(world, role))
        for url in (
            reverse("funding:operating_new", args=[world.community.code]),
            reverse("funding:project_new", args=[world.community.code]),
            reverse("funding:operating_edit", args=[fund.pk]),
            reverse("funding:operating_delete", args=[fund.pk]),
            reverse("funding:project_edit", args=[project.pk]),
            reverse("funding:project_delete", args=[project.pk]),
        ):
            data = {"year": "2020", "source": "city", "amount": "1", "name": "x"}
            assert client.post(url, data).status_code == status
    assert OperatingFund.objects.count() == 3 and ProjectFund.objects.count() == 1
    assert OperatingFund.objects.get(pk=fund.pk).amount == Decimal("150000")


def test_list_query_count_does_not_grow_with_rows(world, funds, django_assert_max_num_queries):
    client = login(world.admin)
    client.get(reverse("funding:index"))
    for i in range(20):
        area = Area.objects.create(code=f"431302001{300 + i}", name=f"社区{i}", level=Level.COMMUNITY,
                                   parent=world.subdistrict)
        services.operating_fund_create(actor=world.admin, community=area, year=2020, source="city", amount=1)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("funding:index"), {"year": 2020}).status_code == 200
