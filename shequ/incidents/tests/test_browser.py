"""In Chromium on a phone-sized screen: a grid worker reports an incident with a photo — located by the phone's
position, with the nearby open case of the same kind suggested before submitting — and then finds it in the list.
And the dashboard draws its chart and its map of open cases from the data in the page."""

from __future__ import annotations

from shequ.core.testing.browser import browser_test, log_in
from shequ.incidents.tests.helpers import category, png_bytes, report, walk

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@browser_test
def test_grid_worker_reports_from_a_phone(live_server, world, page_for, placed):
    from playwright.sync_api import expect

    from shequ.incidents.models import Incident

    earlier = report(world, description="早先上报的垃圾堆放")
    page = page_for(**PHONE, geolocation={"latitude": 27.73005, "longitude": 112.00005},
                    permissions=["geolocation"])
    log_in(page, live_server.url, "grid_worker")
    page.goto(f"{live_server.url}/incidents/report/")
    expect(page.locator("h1")).to_have_text("上报事件")
    # nothing wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.select_option("#id_category", label="垃圾堆放")
    page.fill("#id_description", "小区门口垃圾堆放，已有异味")
    page.get_by_role("button", name="使用当前位置").click()
    expect(page.locator("#geo-status")).to_contain_text("已定位")
    assert page.input_value("#id_latitude").startswith("27.73")
    # the open case nearby is suggested before submitting
    expect(page.locator("#dups")).to_contain_text(earlier.number)

    photo = page.locator("#id_photos")
    assert photo.get_attribute("accept") == "image/*" and photo.get_attribute("capture") == "environment"
    photo.set_input_files(files=[{"name": "scene.png", "mimeType": "image/png", "buffer": png_bytes()}])
    page.get_by_role("button", name="提交").click()
    page.wait_for_url("**/incidents/*/")
    case = Incident.objects.exclude(pk=earlier.pk).get()
    expect(page.locator(".messages")).to_contain_text(case.number)
    assert case.grid == world.grid and case.building == world.building and case.photos.count() == 1
    thumb = page.locator(".fac-photos img")
    expect(thumb).to_have_count(1)
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", thumb.element_handle())

    page.goto(f"{live_server.url}/incidents/")
    row = page.locator("tr", has_text=case.number)
    expect(row).to_be_visible()
    expect(row).to_contain_text("垃圾堆放")
    row.get_by_role("link", name=case.number).click()
    page.wait_for_url(f"**/incidents/{case.pk}/")
    expect(page.locator(".inc-timeline")).to_contain_text("上报")


@browser_test
def test_dashboard_draws_chart_and_map(live_server, world, page_for, placed):
    from playwright.sync_api import expect

    walk(report(world), world.worker, "open")
    report(world, category=category("noise"))
    page = page_for(**PHONE)
    log_in(page, live_server.url, "community_worker")
    page.goto(f"{live_server.url}/incidents/dashboard/")
    expect(page.locator('[data-figure="open"]')).to_have_text("2")
    expect(page.locator("[data-incident-chart] canvas")).to_have_count(1)
    # two open cases with coordinates → two markers on the (tile-less) Leaflet map
    expect(page.locator("[data-incident-map] path.leaflet-interactive")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
