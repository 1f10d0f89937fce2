"""In Chromium, on results computed the real way (generated facts → compliance_recompute): from the city
dashboard, click the figure of communities short on premises → the list of those communities → one of them →
its evidence shows the measured area, the threshold and the policy citation. Charts draw from the data
embedded in the page."""

from __future__ import annotations

from decimal import Decimal

from shequ.core.testing.browser import browser_test, log_in

YEARS = list(range(2016, 2025))


def _facts_and_results(world) -> None:  # type: ignore[no-untyped-def]
    from shequ.facilities.models import Premises
    from shequ.standards.compliance import compliance_recompute
    from shequ.standards.generator import generate_standards_facts

    generate_standards_facts(root_code="4313", years=range(YEARS[0], YEARS[-1] + 1), seed=7)
    # 长青社区 gets one old premises of 352 m² in use all along: short of the 400 m² minimum every year.
    premises = list(Premises.objects.filter(community=world.community).order_by("pk"))
    Premises.objects.filter(pk__in=[p.pk for p in premises[1:]]).delete()
    Premises.objects.filter(pk=premises[0].pk).update(
        floor_area_m2=Decimal("352.00"), newly_built=False, year_from=2010, year_to=None
    )
    compliance_recompute(actor=None, area_code="4313", years=YEARS)


@browser_test
def test_click_from_city_figure_to_a_communitys_evidence(live_server, world, page_for):
    from playwright.sync_api import expect

    from shequ.standards.models import ComplianceResult, PolicyVersion

    _facts_and_results(world)
    mine = ComplianceResult.objects.get(community=world.community, year=2024, rule="premises_area")
    assert mine.status == 2 and mine.measured == Decimal("352.00") and mine.threshold == Decimal("400.00")
    citation = PolicyVersion.objects.get(pk=mine.policy_version_id).citation

    page = page_for(viewport={"width": 1280, "height": 900})
    log_in(page, live_server.url, "city_admin")
    page.goto(f"{live_server.url}/standards/?area=4313")
    expect(page.locator("h1")).to_contain_text("娄底市")
    # the charts drew (ECharts puts a canvas into each chart box) without any further request
    expect(page.locator('[data-chart="children"] canvas')).to_have_count(1)
    expect(page.locator('[data-chart="trend"] canvas')).to_have_count(1)
    headline = page.locator(".dash-headlines li", has_text="服务用房不足 400 平方米").first
    expect(headline).to_be_visible()

    page.locator('tr[data-rule="premises_area"] a[data-figure="short"]').click()
    page.wait_for_url("**/standards/rule/premises_area/**")
    expect(page.locator("h1")).to_contain_text("公共服务用房面积")
    row = page.locator(f'tr[data-code="{world.community.code}"]')
    expect(row).to_contain_text("352 平方米")
    expect(page.locator("tr[data-code] td:nth-child(3)").first).to_have_text("未达标")

    row.get_by_role("link", name=world.community.name).click()
    page.wait_for_url(f"**/standards/community/{world.community.code}/**")
    evidence = page.locator('[data-testid="evidence-table"] tr[data-rule="premises_area"]')
    expect(evidence.locator('[data-testid="measured"]')).to_have_text("352 平方米")
    expect(evidence.locator('[data-testid="threshold"]')).to_have_text("400 平方米")
    expect(evidence.locator('[data-testid="policy"]')).to_contain_text(citation)
    expect(page.locator('[data-chart="community-trend"] canvas')).to_have_count(1)
    # the evidence behind the figures: the community's premises, staff and funds pages
    from django.urls import NoReverseMatch, reverse

    for name in ("facilities:community", "governance:staff", "funding:community"):
        try:
            url = reverse(name, args=[world.community.code])
        except NoReverseMatch:  # pragma: no cover - built by other apps
            continue
        expect(page.locator(f'main a[href="{url}"]')).to_be_visible()


@browser_test
def test_dashboard_on_a_phone_and_the_year_filter(live_server, world, page_for):
    from playwright.sync_api import expect

    _facts_and_results(world)
    page = page_for(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    log_in(page, live_server.url, "district_officer")
    page.goto(f"{live_server.url}/standards/")
    expect(page.locator("h1")).to_contain_text("娄星区")
    expect(page.locator("h1")).to_contain_text("2024")
    # nothing wider than the screen but the scrollable tables
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, width
    # the year filter swaps the figures in place (HTMX) and redraws the charts
    page.locator(".dash-filters select[name=year]").select_option("2018")
    expect(page.locator("h1")).to_contain_text("2018")
    assert "year=2018" in page.url
    expect(page.locator('[data-chart="trend"] canvas')).to_have_count(1)
