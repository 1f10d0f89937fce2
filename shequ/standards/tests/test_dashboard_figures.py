"""Dashboard figures on the small fixture of test_dashboard_data: counts, rates, gaps, headline sentences,
child areas, trend, year and kind filters — worked out by hand from the fixture's table."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from shequ.standards import problems, selectors
from shequ.standards.tests import test_dashboard_data as data

SHORT = 2


@pytest.fixture
def cworld(world):  # type: ignore[no-untyped-def]
    return data.build(world)


def _summary(w, code="4313", **kw):  # type: ignore[no-untyped-def]
    area = selectors.standards_area(viewer=w.admin, code=code)
    return selectors.compliance_summary(viewer=w.admin, area=area, **kw)


def test_city_figures_per_rule(cworld):
    s = _summary(cworld.world)
    assert s.year == 2024 and s.years == [2023, 2024]
    assert s.communities == 3
    premises = s.tally("premises_area")
    assert (premises.meets, premises.short, premises.no_data) == (1, 2, 0)
    assert premises.rate == 33.3
    assert premises.gap == Decimal(148)
    centre = s.tally("service_centre")
    assert (centre.meets, centre.short, centre.no_data, centre.rate) == (1, 1, 1, 50.0)
    funds = s.tally("operating_funds")
    assert (funds.short, funds.gap) == (2, Decimal(100000))
    assert s.tally("project_funds").gap == Decimal(50000)
    assert s.tally("staffing").gap == Decimal(1)
    pay = s.tally("base_pay")
    assert (pay.short, pay.measured, pay.gap) == (1, Decimal(2), Decimal(2400))
    # rules come in the catalogue's order
    assert [r.code for r, _t in s.rules][:3] == ["premises_area", "service_centre", "functional_rooms"]
    # overall, over the 20 rule results: 7 meet, 10 short, 3 without data
    assert (s.total.meets, s.total.short, s.total.no_data) == (7, 10, 3)
    assert s.total.rate == 41.2


def test_children_and_trend(cworld):
    s = _summary(cworld.world)
    assert [c.area.code for c in s.children] == ["431302", "431381"]
    loudi_central = s.children[0]
    assert loudi_central.rules["premises_area"].short == 1 and loudi_central.rules["premises_area"].meets == 1
    assert loudi_central.rules["premises_area"].rate == 50.0
    other = s.children[1]
    assert other.rules["premises_area"].short == 1 and other.rules["premises_area"].rate == 0.0
    trend = {y: by_rule["premises_area"].rate for y, _t, by_rule in s.trend}
    assert trend == {2023: 33.3, 2024: 33.3}
    district = _summary(cworld.world, code="431302")
    assert [c.area.code for c in district.children] == ["431302001"]
    assert district.tally("premises_area").short == 1


def test_year_and_kind_filters(cworld):
    s2023 = _summary(cworld.world, year=2023)
    assert s2023.year == 2023
    assert (s2023.tally("premises_area").short, s2023.tally("premises_area").gap) == (2, Decimal(68))
    central = _summary(cworld.world, kind="central_urban")
    assert central.communities == 2
    assert central.tally("premises_area").short == 1
    assert central.tally("operating_funds").gap == Decimal(50000)
    empty = _summary(cworld.world, year=2010)
    assert empty.year == 2010 and empty.rules == [] and empty.communities == 0


def test_headlines_take_the_threshold_from_the_results(cworld):
    texts = [h.text for h in problems.headlines(_summary(cworld.world))]
    assert "娄底市 2 个社区（村）服务用房不足 400 平方米" in texts
    assert "娄底市 1 个中心城区社区服务用房不足 400 平方米" in texts
    assert "娄底市 1 个中心城区社区运转经费低于 250,000 元，缺口合计 50,000 元" in texts
    assert "娄底市 1 个城市社区运转经费低于 200,000 元，缺口合计 50,000 元" in texts
    assert "娄底市 1 个社区（村）工作人员配备不达标，共缺 1 人" in texts
    assert "娄底市 1 个社区（村）共 2 名两委成员基本报酬低于标准，全年差额 2,400 元" in texts
    # a new threshold in the data (say a policy revision to 450 m²) shows up in the sentence, no code change
    from shequ.standards.models import ComplianceResult

    ComplianceResult.objects.filter(rule="premises_area", year=2024).update(threshold=450)
    selectors.cache_clear()  # an in-place update is not how results change (the engine replaces rows), so clear by hand
    texts = [h.text for h in problems.headlines(_summary(cworld.world))]
    assert "娄底市 2 个社区（村）服务用房不足 450 平方米" in texts


def test_dashboard_page_shows_figures_links_and_chart_data(client, cworld):
    w = cworld.world
    client.force_login(w.admin)
    response = client.get("/standards/", {"area": "4313", "year": "2024"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "娄底市 2 个社区（村）服务用房不足 400 平方米" in html
    assert "100,000 元" in html  # operating-funds gap
    assert "2,400 元" in html
    # the "short" figure of premises links to the drill-down behind it
    row = re.search(r'<tr data-rule="premises_area">(.*?)</tr>', html, re.S).group(1)  # type: ignore[union-attr]
    link = re.search(r'href="([^"]+)" data-figure="short">2<', row).group(1)  # type: ignore[union-attr]
    assert link.startswith("/standards/rule/premises_area/?") and "status=short" in link and "area=4313" in link
    # child areas link one level down
    assert 'href="/standards/?area=431302&amp;year=2024"' in html
    # charts: the data is in the page, and ECharts comes from our own static files
    data = json.loads(
        re.search(r'<script id="dash-chart-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    )  # type: ignore[union-attr]
    assert data["children"]["names"] == ["娄星区", "冷水江市"]
    assert data["children"]["series"]["premises_area"] == [50.0, 0.0]
    assert data["trend"]["years"] == [2023, 2024]
    assert "vendor/echarts/echarts.min.js" in html and "cdn" not in html.lower()


def test_dashboard_defaults_to_home_area_and_latest_year(client, cworld):
    w = cworld.world
    client.force_login(w.district_officer)
    html = client.get("/standards/").content.decode()
    assert "娄星区" in html and "2024" in html
    assert 'data-testid="stat-communities">2<' in html
    # a community worker's home is a community: the dashboard is its evidence page
    client.force_login(w.worker)
    response = client.get("/standards/")
    assert response.status_code == 302 and response["Location"] == "/standards/community/431302001001/"


def test_subdistrict_dashboard_lists_communities(client, cworld):
    client.force_login(cworld.world.subdistrict_officer)
    html = client.get("/standards/", {"area": "431302001"}).content.decode()
    assert 'href="/standards/community/431302001001/?year=2024"' in html
    assert "花园社区" in html


def test_htmx_filter_swaps_only_the_body(client, cworld):
    client.force_login(cworld.world.admin)
    response = client.get(
        "/standards/", {"area": "4313", "year": "2023"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="dash"
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "娄底市 2 个社区（村）服务用房不足 400 平方米" in html


def test_bad_filters_answer_a_clear_message(client, cworld):
    client.force_login(cworld.world.admin)
    response = client.get("/standards/", {"year": "20x4"})
    assert response.status_code == 422 and "年份应为四位数字" in response.content.decode()
    response = client.get("/standards/", {"kind": "suburb"})
    assert response.status_code == 422 and "社区类别只能是" in response.content.decode()


def test_no_results_yet(client, world):
    client.force_login(world.admin)
    response = client.get("/standards/")
    assert response.status_code == 200
    assert "暂无达标评估结果" in response.content.decode()


def test_results_are_cut_to_the_viewers_scope_whatever_area_is_asked(cworld):
    w = cworld.world
    codes = set(selectors.compliance_results(viewer=w.outsider, area_code="4313").values_list("area_code", flat=True))
    assert codes == {"431381001001"}
    assert not selectors.compliance_results(viewer=w.grid_worker, area_code="4313").exists()
    assert selectors.compliance_results(viewer=w.admin, area_code="431302").count() == 16
