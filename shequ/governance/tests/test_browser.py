"""On a phone screen, in Debian's Chromium: a community worker links a new deputy to the registry (HTMX
lookup) and enters two 不称职 ratings from the grid; the sub-district officer finds the item on the worklist
and records the outcome."""

from __future__ import annotations

import os
from typing import Any

from shequ.core.testing.browser import browser_test, log_in
from shequ.governance.models import ActionItem, Worker

SCREENSHOTS = os.environ.get("SHEQU_SCREENSHOTS", "")
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}


def _shot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"governance-{name}.png"), full_page=True)


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert width <= 1, f"the page scrolls sideways by {width}px"


@browser_test
def test_staff_evaluation_and_worklist_on_a_phone(live_server, gov, page_for):  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page = page_for(**PHONE)
    log_in(page, live_server.url, gov.worker.username)
    page.goto(f"{live_server.url}/governance/community/{gov.community.code}/staff/")
    expect(page.locator("h1")).to_contain_text(gov.community.name)
    _no_sideways_scroll(page)

    page.get_by_role("link", name="登记工作人员").click()
    page.locator("#resident-q").fill("李")
    page.locator("#resident-results button", has_text="李娜").click()
    expect(page.locator("#id_resident_id")).to_have_value(str(gov.li.pk))
    page.locator("#id_position").select_option("deputy")
    page.locator("#id_committee").select_option("party")
    page.locator("#id_start_date").fill("2018-01-01")
    page.locator("#id_monthly_base_pay").fill("1300")
    _no_sideways_scroll(page)
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("李娜")
    deputy = Worker.objects.get(position="deputy")
    assert deputy.resident_id == gov.li.pk
    expect(page.locator("tr.gov-below")).to_contain_text("李娜")  # 1,300 is below the deputy's 1,400
    _no_sideways_scroll(page)

    for year in (2019, 2020):
        page.locator(f"a[href$='/workers/{deputy.pk}/evaluations/?year={year}']").click()
        page.get_by_label("不称职", exact=True).check()
        page.get_by_role("button", name="保存评议").click()
    expect(page.locator(".messages")).to_contain_text("已列入街道工作清单")
    expect(page.locator("#actions")).to_contain_text("2019–2020")
    _shot(page, "staff")

    officer = page_for(**PHONE)
    log_in(officer, live_server.url, gov.subdistrict_officer.username)
    officer.goto(f"{live_server.url}/governance/worklist/")
    row = officer.locator("table.gov-worklist tbody tr", has_text="李娜")
    expect(row).to_contain_text("2019–2020")
    _no_sideways_scroll(officer)
    row.locator("summary").click()
    row.get_by_label("解聘").check()
    row.locator("textarea").fill("2021年1月依合同解聘")
    row.get_by_role("button", name="提交").click()
    expect(officer.locator(".messages")).to_contain_text("李娜")
    _shot(officer, "worklist")
    item = ActionItem.objects.get()
    assert item.status == "done" and item.outcome == "dismissed" and item.closed_by_id == gov.subdistrict_officer.pk
