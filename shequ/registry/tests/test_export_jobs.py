"""Large resident exports run as background jobs (progress page, then a download); the household-kind filter."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shequ.core.models import AccessLog, BackgroundJob
from shequ.core.testing.clients import login
from shequ.core.testing.factories import make_id_number
from shequ.registry import services
from shequ.registry.importing.testing import read_xlsx

URL = reverse("imports:export_residents")
API = "/api/v1/registry/exports/residents"


def _names(content: bytes) -> set[str]:
    return {row[0] for row in read_xlsx(content)[1:]}


@pytest.fixture
def big(settings, tmp_path):
    """Every export counts as large: more rows than the synchronous maximum."""
    settings.SHEQU_EXPORT_SYNC_MAX_ROWS = 1
    settings.SHEQU_EXPORT_DIR = tmp_path / "exports"
    settings.SHEQU_TASK_BACKEND = "sync"
    return tmp_path / "exports"


def test_household_kind_filter_is_applied_and_logged(world):
    floating = services.household_create(actor=world.admin, community=world.community, kind="floating")
    services.resident_create(actor=world.admin, name="流动甲", id_number=make_id_number(), household=floating)
    client = login(world.worker)
    assert _names(b"".join(client.get(URL, {"hkind": "floating"}).streaming_content)) == {"流动甲"}
    assert _names(b"".join(client.get(URL, {"hkind": "permanent"}).streaming_content)) == {"王小明", "李娜"}
    assert _names(b"".join(client.get(API, {"hkind": "floating"}).streaming_content)) == {"流动甲"}
    assert AccessLog.objects.filter(kind="export", query__hkind="floating").count() == 2


def test_a_large_export_becomes_a_job_with_a_progress_page_and_a_download(world, big,
                                                                            django_capture_on_commit_callbacks):
    client = login(world.worker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(URL, {"area": world.community.code})
    job = BackgroundJob.objects.get(kind="registry.export")
    assert response.status_code == 302 and response["Location"] == reverse("imports:export_job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == "succeeded" and job.result["row_count"] == 2 and job.progress_done == 2
    page = client.get(response["Location"]).content.decode()
    download_url = reverse("imports:export_download", args=[job.pk])
    assert download_url in page and "hx-get" not in page
    download = client.get(download_url)
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    rows = read_xlsx(b"".join(download.streaming_content))
    assert {r[0] for r in rows[1:]} == {"王小明", "李娜"}
    assert all("*" in r[1] for r in rows[1:])  # masked
    log = AccessLog.objects.get(kind="export")
    assert log.actor == world.worker and log.row_count == 2 and log.query["job"] == str(job.pk)
    assert log.fields == ""
    # nobody else sees the job or its file
    other = login(world.subdistrict_officer)
    assert other.get(response["Location"]).status_code == 404
    assert other.get(download_url).status_code == 404
    assert other.get(f"/api/v1/registry/exports/jobs/{job.pk}/download").status_code == 404


def test_an_unmasked_large_export_needs_the_reason_and_logs_it(world, big, django_capture_on_commit_callbacks):
    client = login(world.worker)
    assert client.get(URL, {"unmask": "1", "reason": "查"}).status_code == 422
    assert not BackgroundJob.objects.filter(kind="registry.export").exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.get(URL, {"unmask": "1", "reason": "低保复核入户走访"})
    job = BackgroundJob.objects.get(kind="registry.export")
    rows = read_xlsx(b"".join(client.get(reverse("imports:export_download", args=[job.pk])).streaming_content))
    assert world.wang.id_number in {r[1] for r in rows}
    log = AccessLog.objects.get(kind="export")
    assert log.fields == "id_number,phone" and log.reason == "低保复核入户走访"


def test_refusals_happen_before_any_job(world, big):
    assert login(world.grid_worker).get(URL).status_code == 403
    assert login(world.analyst).get(URL, {"unmask": "1", "reason": "统计核对需要"}).status_code == 403
    assert not BackgroundJob.objects.filter(kind="registry.export").exists()
    assert not AccessLog.objects.exists()


def test_a_running_export_is_polled(world, big):
    job = BackgroundJob.objects.create(
        kind="registry.export", created_by=world.worker, status="running", progress_done=2000,
        progress_total=50000, params={"total": 50000, "filters": {}},
    )
    page = login(world.worker).get(reverse("imports:export_job", args=[job.pk])).content.decode()
    assert reverse("imports:export_job_status", args=[job.pk]) in page and 'aria-valuenow="4"' in page
    assert login(world.worker).get(reverse("imports:export_download", args=[job.pk])).status_code == 404


def test_small_exports_stay_synchronous(world, settings):
    settings.SHEQU_EXPORT_SYNC_MAX_ROWS = 2
    response = login(world.worker).get(URL, {"area": world.community.code})
    assert response.status_code == 200 and _names(b"".join(response.streaming_content)) == {"王小明", "李娜"}
    assert not BackgroundJob.objects.filter(kind="registry.export").exists()


def test_api_large_export_answers_202_then_the_file(world, big, django_capture_on_commit_callbacks):
    client = login(world.worker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(API, {"area": world.community.code})
    assert response.status_code == 202
    body = response.json()
    status = client.get(body["status_url"]).json()
    assert status["status"] == "succeeded" and status["row_count"] == 2 and status["download_url"]
    download = client.get(status["download_url"])
    assert download.status_code == 200 and _names(b"".join(download.streaming_content)) == {"王小明", "李娜"}
