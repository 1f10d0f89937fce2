"""The communities behind a figure, one community's evidence and the problems report."""

from __future__ import annotations

import re

import pytest

from shequ.standards import problems, selectors
from shequ.standards.tests import test_dashboard_data as data


@pytest.fixture
def cworld(world):  # type: ignore[no-untyped-def]
    return data.build(world)


def _codes(html: str) -> list[str]:
    return re.findall(r'<tr data-code="(\d+)">', html)


def test_drill_down_lists_exactly_the_short_communities(client, cworld):
    client.force_login(cworld.world.admin)
    response = client.get("/standards/rule/premises_area/", {"area": "4313", "year": "2024", "status": "short"})
    assert response.status_code == 200
    html = response.content.decode()
    # largest gap first: 矿山社区 (100 m²) then 长青社区 (48 m²); 花园社区 meets and is not listed
    assert _codes(html) == ["431381001001", "431302001001"]
    assert "300 平方米" in html and "400 平方米" in html and "100 平方米" in html
    assert cworld.version.citation in html and "娄底市社区建设标准 v2" in html
    assert "乐坪街道" in html  # the sub-district column
    assert 'href="/standards/community/431302001001/?year=2024"' in html


def test_drill_down_status_sort_kind_and_default_status(client, cworld):
    client.force_login(cworld.world.admin)
    base = {"area": "4313", "year": "2024"}
    assert _codes(client.get("/standards/rule/premises_area/", base).content.decode()) == [
        "431381001001",
        "431302001001",
    ]
    assert _codes(client.get("/standards/rule/premises_area/", {**base, "sort": "gap"}).content.decode()) == [
        "431302001001",
        "431381001001",
    ]
    assert _codes(client.get("/standards/rule/premises_area/", {**base, "status": "meets"}).content.decode()) == [
        "431302001002"
    ]
    assert _codes(client.get("/standards/rule/service_centre/", {**base, "status": "no_data"}).content.decode()) == [
        "431381001001"
    ]
    everyone = client.get("/standards/rule/premises_area/", {**base, "status": "all", "sort": "code"})
    assert _codes(everyone.content.decode()) == ["431302001001", "431302001002", "431381001001"]
    central = client.get("/standards/rule/premises_area/", {**base, "kind": "central_urban"})
    assert _codes(central.content.decode()) == ["431302001001"]
    district = client.get("/standards/rule/premises_area/", {"area": "431302"})  # default year: the latest
    assert _codes(district.content.decode()) == ["431302001001"]
    older = client.get("/standards/rule/premises_area/", {"area": "431302", "year": "2023"})
    assert _codes(older.content.decode()) == ["431302001001", "431302001002"]  # gaps 48, 20


def test_drill_down_details_and_bad_input(client, cworld):
    client.force_login(cworld.world.admin)
    html = client.get("/standards/rule/functional_rooms/", {"area": "4313"}).content.decode()
    assert "缺少：调解室、慈善超市" in html
    assert client.get("/standards/rule/no_such_rule/").status_code == 404
    assert client.get("/standards/rule/premises_area/", {"status": "bad"}).status_code == 422
    assert client.get("/standards/rule/premises_area/", {"area": "99"}).status_code == 404


def test_drill_down_paginates(client, cworld):
    for seq in range(10, 70):
        data.fill_year(data.add_community(cworld.world.subdistrict, seq), 2024, short=True)
    client.force_login(cworld.world.admin)
    first = client.get("/standards/rule/premises_area/", {"area": "4313"}).content.decode()
    assert len(_codes(first)) == 50 and 'rel="next"' in first
    second = client.get("/standards/rule/premises_area/", {"area": "4313", "page": "2"}).content.decode()
    assert len(_codes(second)) == 12


def test_community_evidence(client, cworld):
    w = cworld.world
    client.force_login(w.worker)
    response = client.get("/standards/community/431302001001/")
    assert response.status_code == 200
    html = response.content.decode()
    row = re.search(r'<tr data-rule="premises_area">(.*?)</tr>', html, re.S).group(1)  # type: ignore[union-attr]
    assert "352 平方米" in row and "400 平方米" in row and "48 平方米" in row
    assert cworld.version.citation in row
    # every rule of the year is there, with its detail
    assert len(re.findall(r'<tr data-rule="', html.split("dash-trend")[0])) == 7
    assert "周建国（月基本报酬 1,000 元，标准 1,200 元，6 个月）" in html
    assert "未设服务中心" not in html  # that is 花园社区's
    # the trend across years
    assert 'href="?year=2023"' in html and "community-chart-data" in html
    older = client.get("/standards/community/431302001001/", {"year": "2023"}).content.decode()
    assert len(re.findall(r'<tr data-rule="', older.split("dash-trend")[0])) == 1


def test_community_links_to_facilities_staff_and_funds_when_those_pages_exist(client, cworld):
    from django.urls import NoReverseMatch, reverse

    client.force_login(cworld.world.worker)
    html = client.get("/standards/community/431302001001/").content.decode()
    for name in ("facilities:community", "governance:staff", "funding:community"):
        try:
            url = reverse(name, args=["431302001001"])
        except NoReverseMatch:
            continue  # not built yet: the page leaves the link out instead of failing
        assert f'href="{url}"' in html


def test_community_page_only_for_communities(client, cworld):
    client.force_login(cworld.world.admin)
    assert client.get("/standards/community/431302001/").status_code == 404
    assert client.get("/standards/community/abc/").status_code == 404


def test_problems_report_text(cworld):
    w = cworld.world
    area = selectors.standards_area(viewer=w.admin, code="4313")
    report = problems.problems_report(viewer=w.admin, area=area, year=2024)
    assert report.title == "娄底市 2024 年社区建设达标问题报告"
    assert report.intro.startswith("对照社区建设标准，比对 娄底市 3 个社区（村） 2024 年度数据")
    by_rule = {p.rule: p for p in report.paragraphs}
    assert list(by_rule) == [
        "premises_area",
        "service_centre",
        "functional_rooms",
        "staffing",
        "operating_funds",
        "project_funds",
        "base_pay",
    ]
    premises = by_rule["premises_area"]
    assert premises.number == "一、"
    assert premises.text == "共 2 个社区（村）公共服务用房面积低于标准（400 平方米），合计差 148 平方米。"
    assert [(ln.area.name, ln.count, ln.names) for ln in premises.lines] == [
        ("娄星区", 1, ["长青社区（差 48 平方米）"]),
        ("冷水江市", 1, ["矿山社区（差 100 平方米）"]),
    ]
    assert by_rule["service_centre"].text.startswith("共 1 个社区（村）社区服务中心不达标：1 个未设服务中心，0 个")
    assert "调解室 2 个、慈善超市 1 个" in by_rule["functional_rooms"].text
    funds = by_rule["operating_funds"].text
    assert "缺口合计 100,000 元" in funds and "1 个中心城区社区低于 250,000 元" in funds
    assert "1 个城市社区低于 200,000 元" in funds
    assert "2 名两委成员基本报酬低于标准，全年差额合计 2,400 元" in by_rule["base_pay"].text
    assert "无数据" not in report.closing and "社区服务中心面积 1 个" in report.closing


def test_problems_page_at_each_level(client, cworld):
    w = cworld.world
    client.force_login(w.admin)
    html = client.get("/standards/problems/", {"area": "4313"}).content.decode()
    assert "娄底市 2024 年社区建设达标问题报告" in html
    assert "娄星区 1 个：" in html and "长青社区（差 48 平方米）" in html
    assert 'href="/standards/rule/premises_area/?area=4313&amp;year=2024&amp;status=short"' in html
    sub = client.get("/standards/problems/", {"area": "431302001"}).content.decode()
    assert "长青社区（差 48 平方米）" in sub and "矿山社区" not in sub
    one = client.get("/standards/problems/", {"area": "431302001001"})
    assert one.status_code == 200 and "长青社区 2024 年社区建设达标问题报告" in one.content.decode()
    clean = client.get("/standards/problems/", {"area": "4313", "year": "2010"}).content.decode()
    assert "未发现不达标情况" in clean


def test_problems_report_caps_the_names_and_counts_the_rest(cworld):
    for seq in range(10, 50):
        data.fill_year(data.add_community(cworld.world.subdistrict, seq), 2024, short=True)
    area = selectors.standards_area(viewer=cworld.world.admin, code="4313")
    report = problems.problems_report(viewer=cworld.world.admin, area=area, year=2024)
    line = report.paragraphs[0].lines[0]
    assert line.count == 41 and len(line.names) == selectors.NAMES_PER_GROUP and line.more == 41 - 30
