"""Browser tests: Debian's Chromium driven by Playwright against the live server.

The worker's daily path — log in, find a resident by pinyin initials, open the record, see the ID number
masked, unmask it with a reason, and find that view in the access log — and the pages on a phone screen.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from shequ.core.models import AccessLog
from shequ.core.testing.browser import MASKED_ID, browser_test, log_in

sync_api = pytest.importorskip("playwright.sync_api")  # in requirements-dev.txt


def search_and_open(page: Any, base_url: str, query: str, name: str) -> None:
    page.goto(f"{base_url}/registry/residents/")
    box = page.locator("form.search input[name=q]")
    box.fill(query)
    box.press("Enter")
    page.wait_for_url(re.compile(r"[?&]q=" + re.escape(query)))
    results = page.locator("#results")
    sync_api.expect(results.get_by_role("link", name=name, exact=True)).to_be_visible()
    sync_api.expect(results.locator("tbody tr")).to_have_count(1)  # that one resident, nobody else
    results.get_by_role("link", name=name, exact=True).click()
    sync_api.expect(page.locator("h1")).to_contain_text(name)


@browser_test
def test_worker_finds_unmasks_and_sees_the_access_log(live_server, world, page_for):
    w = world
    full_id = w.wang.id_number
    page = page_for()
    log_in(page, live_server.url, "community_worker")

    # "wxm" (pinyin initials) finds 王小明, and only him.
    search_and_open(page, live_server.url, "wxm", "王小明")
    assert re.search(rf"/registry/residents/{w.wang.pk}/$", page.url)

    identity = page.locator("[data-testid=id-number]")
    masked = identity.inner_text().strip()
    assert MASKED_ID.match(masked), masked
    assert masked[:4] == full_id[:4] and masked[-4:] == full_id[-4:]
    assert full_id not in page.content()

    # Unmask with a stated reason (the form is swapped in place by HTMX).
    reason = "核实低保申请材料"
    page.locator("form.unmask input[name=reason]").fill(reason)
    page.locator("form.unmask button[type=submit]").click()
    sync_api.expect(identity).to_have_text(full_id)
    sync_api.expect(page.locator("[data-testid=phone]")).to_have_text(w.wang.phone)
    logged = AccessLog.objects.get(kind=AccessLog.Kind.UNMASK, entity_id=str(w.wang.pk))
    assert logged.actor_id == w.worker.pk and logged.reason == reason

    # The worker finds that view in the access log ("我的查看记录").
    page.goto(f"{live_server.url}/audit/?tab=mine")
    rows = page.locator("tr.access-row")
    sync_api.expect(rows).to_have_count(1)
    row = rows.first
    sync_api.expect(row).to_contain_text(reason)
    sync_api.expect(row).to_contain_text(f"resident #{w.wang.pk}")
    sync_api.expect(row).to_contain_text("community_worker")
    assert full_id not in page.content()


@browser_test
def test_auditor_sees_the_workers_unmask_in_the_subtree_log(live_server, world, page_for):
    """The auditor of the district finds the worker's view, reason included, in the access log."""
    w = world
    from shequ.registry.privacy import resident_unmask

    resident_unmask(actor=w.worker, resident=w.wang, reason="上门走访核对")
    page = page_for()
    log_in(page, live_server.url, "auditor")
    page.goto(f"{live_server.url}/audit/?tab=access")
    row = page.locator("tr.access-row", has_text="上门走访核对")
    sync_api.expect(row).to_have_count(1)
    sync_api.expect(row).to_contain_text("community_worker")


def _no_horizontal_overflow(page: Any) -> None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"page is {width[0]}px wide in a {width[1]}px viewport: {page.url}"


@browser_test
def test_phone_screen_has_no_horizontal_overflow(live_server, world, page_for):
    page = page_for(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    log_in(page, live_server.url, "community_worker")
    assert page.evaluate("window.innerWidth") == 375

    page.goto(f"{live_server.url}/registry/residents/")
    sync_api.expect(page.locator("#results")).to_contain_text("王小明")
    _no_horizontal_overflow(page)

    search_and_open(page, live_server.url, "wxm", "王小明")
    sync_api.expect(page.locator("[data-testid=id-number]")).to_be_visible()
    _no_horizontal_overflow(page)

    # The language switcher in the header: English labels are longer, and must fit too.
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    with page.expect_navigation():
        page.locator("form.langform select[name=language]").select_option("en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert re.search(rf"/registry/residents/{world.wang.pk}/$", page.url)
    sync_api.expect(page.locator("form.unmask button[type=submit]")).to_have_text("Show full details")
    _no_horizontal_overflow(page)
    page.goto(f"{live_server.url}/registry/residents/")
    sync_api.expect(page.locator("h1")).to_contain_text("Residents")
    _no_horizontal_overflow(page)


def test_my_access_log_lists_only_my_own_entries(world, client):
    """我的查看记录 (the page the worker uses above) is open to every user, and holds only their own
    entries; the auditors' tabs still need audit.view."""
    w = world
    from shequ.registry.privacy import resident_unmask

    resident_unmask(actor=w.worker, resident=w.wang, reason="核对户籍信息")
    resident_unmask(actor=w.subdistrict_officer, resident=w.li, reason="走访慰问登记")

    client.force_login(w.worker)
    mine = client.get("/audit/", {"tab": "mine"})
    assert mine.status_code == 200
    text = mine.content.decode()
    assert text.count('class="access-row"') == 1
    assert "核对户籍信息" in text and "走访慰问登记" not in text
    for tab in ("access", "writes", ""):
        assert client.get("/audit/", {"tab": tab}).status_code == 403

    client.force_login(w.grid_worker)
    assert client.get("/audit/", {"tab": "mine"}).content.decode().count('class="access-row"') == 0
    assert client.get("/audit/").status_code == 403

    client.force_login(w.auditor)
    text = client.get("/audit/", {"tab": "access"}).content.decode()
    assert "核对户籍信息" in text and "走访慰问登记" in text
    assert client.get("/audit/", {"tab": "mine"}).content.decode().count('class="access-row"') == 0
