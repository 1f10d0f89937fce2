"""A grid worker's round on a phone screen, in Debian's Chromium: area → residents → register a new
resident (a wrong ID number is refused next to the field) → tag them (HTMX) → move them → history."""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Any

import pytest

from shequ.core.testing.browser import browser_test, log_in
from shequ.core.testing.factories import make_id_number
from shequ.registry import services
from shequ.registry.models import HouseholdMembership, Resident

sync_api = pytest.importorskip("playwright.sync_api")  # in requirements-dev.txt
SCREENSHOTS = os.environ.get("SHEQU_SCREENSHOTS", "")
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}


def shot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def fits(page: Any) -> None:
    scroll, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{page.url}: {scroll}px wide in a {inner}px screen"


@browser_test
def test_grid_worker_round_on_a_phone(live_server, world, page_for):
    expect = sync_api.expect
    target = services.household_create(actor=world.admin, building=world.building, room="202")
    page = page_for(**PHONE)
    log_in(page, live_server.url, "grid_worker")

    # the area tree starts at the worker's grid, with its counts and links into the registry
    page.goto(f"{live_server.url}/areas/")
    page.get_by_role("link", name="长青社区第一网格").click()
    expect(page.locator("[data-testid=stat-residents]")).to_have_text("2")
    shot(page, "area-grid")
    fits(page)
    page.locator("nav.links").get_by_role("link", name="登记居民").click()

    # a wrong ID number comes back next to its field, in Chinese; nothing is saved
    page.locator("#id_name").fill("王小宝")
    page.locator("#id_id_number").fill("431302201009311234")
    page.locator("#id_household_number").fill(world.household.number)
    page.locator("#id_relation").select_option("child")
    page.locator("form.form button[type=submit]").click()
    error = page.locator(".field.has-error .field-error")
    expect(error).to_have_count(1)
    expect(page.locator(".field.has-error label")).to_contain_text("公民身份号码")
    shot(page, "resident-form-error")
    fits(page)
    assert not Resident.objects.filter(name="王小宝").exists()

    number = make_id_number(dt.date(2010, 9, 9))
    page.locator("#id_id_number").fill(number)
    page.locator("form.form button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("王小宝")
    created = Resident.objects.get(id_number=number)
    assert re.search(rf"/registry/residents/{created.pk}/$", page.url)
    assert number not in page.content()

    # tag them without leaving the page (HTMX swaps the tag box)
    page.locator("#tags-box select[name=tag]").select_option("left_behind")
    page.locator("#tags-box").get_by_role("button", name="添加标签").click()
    expect(page.locator("#tags-box .tag")).to_have_text("留守")
    assert created.resident_tags.filter(tag__code="left_behind").exists()

    # move them to the other household of the grid, with a reason; the history shows both
    page.get_by_role("link", name="迁移到其他户").click()
    page.locator("#id_household_number").fill(target.number)
    page.locator("#id_reason").fill("随祖父母居住")
    page.locator("form.form button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("王小宝")
    expect(page.locator("table.responsive tbody tr")).to_have_count(2)
    expect(page.locator("table.responsive")).to_contain_text("随祖父母居住")
    shot(page, "resident-detail")
    fits(page)
    assert HouseholdMembership.objects.filter(resident=created).count() == 2

    # search by the last four digits of the ID number finds them (list results are swapped in by HTMX)
    page.goto(f"{live_server.url}/registry/residents/")
    page.locator("form.search input[name=q]").fill(number[-4:])
    page.locator("form.search input[name=q]").press("Enter")
    expect(page.locator("#results").get_by_role("link", name="王小宝")).to_be_visible()
    shot(page, "resident-list")
    fits(page)
