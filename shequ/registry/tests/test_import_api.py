"""The import API under /api/v1/registry/imports: upload, dry run, job status, report, commit, templates."""

from __future__ import annotations

import pytest
from django.test import Client

from shequ.accounts.models import ApiToken
from shequ.core.models import BackgroundJob
from shequ.core.testing.factories import make_id_number
from shequ.registry.importing.testing import import_tmp, read_xlsx, resident_row, write_csv  # noqa: F401
from shequ.registry.models import Resident

BASE = "/api/v1/registry/imports"


@pytest.fixture
def api(world, import_tmp):  # noqa: F811
    client = Client()
    client.force_login(world.worker)
    return client


def _upload(client, path, kind="residents", **fields):
    with open(path, "rb") as fh:
        return client.post(f"{BASE}/{kind}", {"file": fh, **fields})


def test_template_downloads(api):
    response = api.get(f"{BASE}/templates/residents")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = read_xlsx(response.content)
    assert rows[0][:3] == ["姓名", "公民身份号码", "联系电话"]
    csv_response = api.get(f"{BASE}/templates/buildings", {"format": "csv"})
    assert csv_response.content.decode("utf-8-sig").startswith("社区代码,楼栋地址")
    missing = api.get(f"{BASE}/templates/pets")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_upload_dry_run_status_report_and_commit(api, world, tmp_path, django_capture_on_commit_callbacks):
    path = write_csv(tmp_path / "r.csv", [resident_row("甲", make_id_number(), household="A1", relation="户主"),
                                          resident_row("坏", "123")])
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(api, path)
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["dry_run"] is True and job["import_kind"] == "residents"
    status = api.get(job["status_url"]).json()
    assert status["status"] == "succeeded" and status["percent"] == 100
    result = status["result"]
    assert result["counts"]["created"] == 1 and result["counts"]["refused"] == 1 and not result["committed"]
    assert result["errors"] == [{"row": 3, "column": "公民身份号码", "value": "123",
                                 "reason": "身份号码应为 18 位（或旧式 15 位），实际 3 位"}]
    assert not Resident.objects.filter(name="甲").exists()
    report = api.get(job["report_url"])
    assert report.status_code == 200
    assert read_xlsx(b"".join(report.streaming_content))[1][1:4] == [3, "公民身份号码", "123"]
    with django_capture_on_commit_callbacks(execute=True):
        committed = api.post(job["commit_url"], {}, content_type="application/json")
    assert committed.status_code == 202
    final = api.get(committed.json()["status_url"]).json()
    assert final["result"]["committed"] is True and final["dry_run"] is False
    assert Resident.objects.filter(name="甲", household__number="A1").exists()
    again = api.post(job["commit_url"], {}, content_type="application/json")
    assert again.status_code == 422 and again.json()["code"] == "already_committed"


def test_all_or_nothing_commit_writes_nothing(api, tmp_path, django_capture_on_commit_callbacks):
    path = write_csv(tmp_path / "r.csv", [resident_row("甲", make_id_number()), resident_row("坏", "123")])
    with django_capture_on_commit_callbacks(execute=True):
        job = _upload(api, path).json()
    with django_capture_on_commit_callbacks(execute=True):
        committed = api.post(job["commit_url"], {"all_or_nothing": True}, content_type="application/json").json()
    final = api.get(committed["status_url"]).json()
    assert final["all_or_nothing"] is True and final["result"]["committed"] is False
    assert not Resident.objects.filter(name="甲").exists()


def test_one_shot_import_with_dry_run_false(api, tmp_path, django_capture_on_commit_callbacks):
    path = write_csv(tmp_path / "r.csv", [resident_row("甲", make_id_number())])
    with django_capture_on_commit_callbacks(execute=True):
        job = _upload(api, path, dry_run="false").json()
    assert api.get(job["status_url"]).json()["result"]["committed"] is True and job["commit_url"] == ""


def test_oversize_upload_is_413_naming_the_limit(api, tmp_path, settings):
    settings.SHEQU_IMPORT_MAX_BYTES = 1000
    path = write_csv(tmp_path / "big.csv", [resident_row("甲" * 10, make_id_number())] * 30)
    response = _upload(api, path)  # refused by the file's size
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "file_too_large" and "1000" in body["message"] and body["details"]["limit"] == 1000
    settings.SHEQU_IMPORT_MAX_BYTES = 10
    big = tmp_path / "huge.csv"
    big.write_bytes(b"x" * (70 * 1024))
    response = _upload(api, big)  # refused by Content-Length, before the body is parsed
    assert response.status_code == 413 and response.json()["details"]["limit"] == 10
    assert not BackgroundJob.objects.exists()


def test_upload_refusals_are_clean(api, world, tmp_path):
    assert api.post(f"{BASE}/residents", {}).status_code == 422
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF")
    response = _upload(api, pdf)
    assert response.status_code == 422 and response.json()["code"] == "unsupported_file"
    assert _upload(api, pdf, kind="pets").status_code == 404
    grid = Client()
    grid.force_login(world.grid_worker)
    denied = _upload(grid, write_csv(tmp_path / "r.csv", [resident_row("甲", make_id_number())]))
    assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"


def test_jobs_of_other_users_are_not_found(api, world, tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = _upload(api, write_csv(tmp_path / "r.csv", [resident_row("甲", make_id_number())])).json()
    other = Client()
    other.force_login(world.subdistrict_officer)
    for url in (job["status_url"], job["report_url"]):
        assert other.get(url).status_code == 404
    assert other.post(job["commit_url"], {}, content_type="application/json").status_code == 404
    assert api.get(f"{BASE}/jobs/not-a-uuid").status_code == 404


def test_bearer_token_clients_can_import(world, import_tmp, tmp_path, django_capture_on_commit_callbacks):  # noqa: F811
    ApiToken.objects.create(user=world.worker, name="etl", key_hash=ApiToken.hash_key("secret-token"), prefix="secret")
    client = Client(HTTP_AUTHORIZATION="Bearer secret-token", enforce_csrf_checks=True)
    path = write_csv(tmp_path / "r.csv", [resident_row("乙", make_id_number())])
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, path, dry_run="false")
    assert response.status_code == 202 and Resident.objects.filter(name="乙").exists()


def test_background_job_reports_progress_and_result(api, tmp_path, monkeypatch, django_capture_on_commit_callbacks):
    from shequ.registry.importing import engine, services

    monkeypatch.setattr(engine, "CHUNK_ROWS", 2)
    seen: list[tuple[int, int]] = []
    original = services.job_progress

    def spy(job, *, done, total=None):
        seen.append((done, total))
        original(job, done=done, total=total)

    monkeypatch.setattr(services, "job_progress", spy)
    rows = [resident_row(f"人{i}", make_id_number()) for i in range(7)]
    with django_capture_on_commit_callbacks(execute=True):
        job = _upload(api, write_csv(tmp_path / "r.csv", rows)).json()
    assert [d for d, _t in seen] == [2, 4, 6, 7] and all(t >= d for d, t in seen)
    stored = BackgroundJob.objects.get(pk=job["id"])
    assert stored.status == "succeeded" and stored.progress_done == stored.progress_total == 7
    assert stored.result["counts"]["created"] == 7 and stored.finished_at is not None
