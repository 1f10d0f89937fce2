"""The import pages in Debian's Chromium: upload, dry-run report, commit; the progress bar polled by HTMX."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.core.models import BackgroundJob
from shequ.core.testing.browser import BROWSER_MARKS, log_in
from shequ.core.testing.factories import make_id_number
from shequ.registry.importing.testing import resident_row, write_csv
from shequ.registry.models import Resident

sync_api = pytest.importorskip("playwright.sync_api")  # in requirements-dev.txt
pytestmark = BROWSER_MARKS


@pytest.fixture
def page(page_for: Any, live_server: Any, world: Any, settings: Any, tmp_path: Any) -> Any:
    settings.SHEQU_IMPORT_DIR = tmp_path / "imports"
    settings.SHEQU_TASK_BACKEND = "sync"
    tab = page_for()
    log_in(tab, live_server.url, "community_worker")
    return tab


def test_upload_dry_run_report_and_commit(page, live_server, tmp_path):
    number = make_id_number()
    path = write_csv(tmp_path / "居民.csv", [resident_row("欧阳明", number, household="B1", relation="户主"),
                                             resident_row("坏号", "12345")], encoding="gbk")
    page.goto(f"{live_server.url}/registry/import/")
    sync_api.expect(page.get_by_test_id("template-residents")).to_be_visible()
    page.locator("#import-file").set_input_files(str(path))
    page.get_by_role("button", name="上传并试运行").click()
    outcome = page.get_by_test_id("import-outcome")
    sync_api.expect(outcome).to_contain_text("试运行完成")
    sync_api.expect(page.locator("#import-status")).to_contain_text("身份号码应为 18 位")
    sync_api.expect(page.locator("[data-count=refused] b")).to_have_text("1")
    with page.expect_download() as download:
        page.get_by_test_id("report-link").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert not Resident.objects.filter(id_number=number).exists()
    page.get_by_test_id("commit").click()
    sync_api.expect(page.get_by_test_id("import-outcome")).to_contain_text("已写入")
    assert Resident.objects.get(id_number=number).household.number == "B1"


def test_progress_bar_is_polled_until_the_job_ends(page, live_server, world):
    job = BackgroundJob.objects.create(
        kind="registry.import", created_by=world.worker, status="running", progress_done=30, progress_total=100,
        params={"kind": "residents", "filename": "big.csv", "dry_run": True},
    )
    page.goto(f"{live_server.url}/registry/import/jobs/{job.pk}/")
    sync_api.expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "30")
    BackgroundJob.objects.filter(pk=job.pk).update(progress_done=70)
    sync_api.expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "70")
    BackgroundJob.objects.filter(pk=job.pk).update(
        status="succeeded", progress_done=100, result={"counts": {"rows": 5, "created": 5, "valid": 5}}
    )
    sync_api.expect(page.get_by_test_id("import-outcome")).to_contain_text("试运行完成")
    sync_api.expect(page.locator("[data-count=created] b")).to_have_text("5")
    sync_api.expect(page.get_by_test_id("commit")).to_be_visible()
