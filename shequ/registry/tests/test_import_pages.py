"""The import pages: upload → dry run (HTMX-polled progress) → report → commit."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from shequ.core.models import BackgroundJob
from shequ.core.testing.factories import make_id_number
from shequ.registry.importing.testing import import_tmp, read_xlsx, resident_row, write_csv  # noqa: F401
from shequ.registry.models import Resident


@pytest.fixture
def page(world, import_tmp):  # noqa: F811
    client = Client()
    client.force_login(world.worker)
    return client


def _upload(client, path, **fields):
    with open(path, "rb") as fh:
        return client.post(reverse("imports:upload"), {"kind": "residents", "file": fh, **fields})


def test_index_offers_templates_and_the_upload_form(page):
    response = page.get(reverse("imports:index"))
    body = response.content.decode()
    assert response.status_code == 200
    assert reverse("imports:template", args=["residents"]) in body and 'enctype="multipart/form-data"' in body
    template = page.get(reverse("imports:template", args=["households"]))
    assert read_xlsx(template.content)[0][:2] == ["户号", "户别"]
    assert "attachment" in template["Content-Disposition"]


def test_roles_without_import_permission_are_refused(world, import_tmp):  # noqa: F811
    client = Client()
    client.force_login(world.grid_worker)
    assert client.get(reverse("imports:index")).status_code == 403


def test_upload_dry_run_page_then_commit(page, tmp_path, django_capture_on_commit_callbacks):
    path = write_csv(tmp_path / "r.csv", [resident_row("甲", make_id_number()), resident_row("坏", "123")])
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(page, path)
    assert response.status_code == 302
    job = BackgroundJob.objects.get()
    assert response["Location"] == reverse("imports:job", args=[job.pk])
    body = page.get(response["Location"]).content.decode()
    assert "试运行完成" in body and "身份号码应为 18 位" in body and "hx-get" not in body
    assert reverse("imports:report", args=[job.pk]) in body and reverse("imports:commit", args=[job.pk]) in body
    report = page.get(reverse("imports:report", args=[job.pk]))
    assert read_xlsx(b"".join(report.streaming_content))[1][1:3] == [3, "公民身份号码"]
    assert not Resident.objects.filter(name="甲").exists()
    with django_capture_on_commit_callbacks(execute=True):
        committed = page.post(reverse("imports:commit", args=[job.pk]))
    assert committed.status_code == 302
    assert "已写入" in page.get(committed["Location"]).content.decode()
    assert Resident.objects.filter(name="甲").exists()


def test_running_job_polls_its_status_with_htmx(page, world):
    job = BackgroundJob.objects.create(
        kind="registry.import", created_by=world.worker, status="running", progress_done=40, progress_total=100,
        params={"kind": "residents", "filename": "r.csv", "dry_run": True},
    )
    status_url = reverse("imports:job_status", args=[job.pk])
    body = page.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert f'hx-get="{status_url}"' in body and 'hx-trigger="every 1s"' in body and "40 / 100" in body
    partial = page.get(status_url, HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<div id="import-status"') and 'aria-valuenow="40"' in partial
    job.status, job.progress_done, job.result = "succeeded", 100, {"counts": {"created": 5, "valid": 5}}
    job.save()
    finished = page.get(status_url).content.decode()
    assert "hx-get" not in finished and 'data-count="created"' in finished


def test_file_errors_are_shown_on_the_job_page(page, tmp_path, django_capture_on_commit_callbacks):
    path = write_csv(tmp_path / "r.csv", [["甲", "431302001001"]], header=["姓名", "社区代码"])
    with django_capture_on_commit_callbacks(execute=True):
        location = _upload(page, path)["Location"]
    body = page.get(location).content.decode()
    assert "缺少必填列“公民身份号码”" in body and reverse("imports:commit", args=[BackgroundJob.objects.get().pk]) \
        not in body


def test_oversize_upload_page_says_the_limit(page, tmp_path, settings):
    settings.SHEQU_IMPORT_MAX_BYTES = 100
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * 200_000)
    response = _upload(page, big)
    assert response.status_code == 413 and "超过上传上限" in response.content.decode()
    assert not BackgroundJob.objects.exists()


def test_upload_page_refusals_render_the_form_with_the_message(page, tmp_path):
    response = page.post(reverse("imports:upload"), {"kind": "residents"})
    assert response.status_code == 422 and "请选择要导入的" in response.content.decode()
    doc = tmp_path / "x.docx"
    doc.write_bytes(b"PK")
    response = _upload(page, doc)
    assert response.status_code == 422 and ".docx" in response.content.decode()


def test_upload_checks_csrf_after_the_size_check(world, import_tmp, tmp_path):  # noqa: F811
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.worker)
    path = write_csv(tmp_path / "r.csv", [resident_row("甲", make_id_number())])
    assert _upload(client, path).status_code == 403
    assert not BackgroundJob.objects.exists()


def test_jobs_of_other_users_are_not_found(page, world, tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _upload(page, write_csv(tmp_path / "r.csv", [resident_row("甲", make_id_number())]))
    job = BackgroundJob.objects.get()
    other = Client()
    other.force_login(world.outsider)
    for name in ("imports:job", "imports:job_status", "imports:report"):
        assert other.get(reverse(name, args=[job.pk])).status_code == 404
    assert other.post(reverse("imports:commit", args=[job.pk])).status_code == 404
    assert page.get(reverse("imports:job", args=[uuid.uuid4()])).status_code == 404
