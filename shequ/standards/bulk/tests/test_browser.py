"""In a real browser, at phone width: choose a kind, upload, dry run, read the errors, commit."""

from __future__ import annotations

from django.urls import reverse

from shequ.core.testing.browser import browser_test, log_in
from shequ.funding.models import OperatingFund
from shequ.standards.bulk.tests.helpers import fund_row, write


@browser_test
def test_upload_dry_run_and_commit_on_a_phone(live_server, world, page_for, tmp_path, settings):
    settings.SHEQU_IMPORT_DIR = tmp_path / "imports"
    path = write(tmp_path, "funds", [fund_row(year="2021"), fund_row(year="2022", amount="abc")], fmt="xlsx")
    page = page_for(viewport={"width": 375, "height": 740}, is_mobile=True)
    log_in(page, live_server.url, world.worker.username)
    page.goto(live_server.url + reverse("bulk:index"))
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    page.select_option("#bulk-kind", "funds")
    page.set_input_files("#bulk-file", str(path))
    page.locator("[data-testid=dry-run]").click()
    page.wait_for_selector("[data-testid=bulk-outcome]")
    assert "不是有效的数字" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    assert not OperatingFund.objects.exists()
    page.locator("[data-testid=commit]").click()
    page.wait_for_selector("text=有效的行已写入")
    assert list(OperatingFund.objects.values_list("year", flat=True)) == [2021]
