"""The pages: index with templates, upload → dry run → report → commit, background progress, permissions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from shequ.core.models import BackgroundJob
from shequ.facilities.models import Premises
from shequ.funding.models import OperatingFund
from shequ.registry.importing.readers import INSTRUCTIONS_SHEET
from shequ.registry.importing.testing import import_tmp, read_xlsx  # noqa: F401
from shequ.standards.bulk import services
from shequ.standards.bulk.tests.helpers import fund_row, premises_row, staff_row, write

PENDING = Path(settings.BASE_DIR) / "locale" / "pending" / "bulk.json"
IDEOGRAPHS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


@pytest.fixture
def page(world, import_tmp):  # noqa: F811
    client = Client()
    client.force_login(world.worker)
    return client


def _upload(client, path, kind="funds", **fields):
    with open(path, "rb") as fh:
        return client.post(reverse("bulk:upload"), {"kind": kind, "file": fh, **fields})


def test_index_offers_every_kind_and_its_templates(page):
    body = page.get(reverse("bulk:index")).content.decode()
    for kind in ("premises", "staff", "funds"):
        assert reverse("bulk:template", args=[kind, "xlsx"]) in body
        assert reverse("bulk:template", args=[kind, "csv"]) in body
    assert 'enctype="multipart/form-data"' in body and 'name="all_or_nothing"' in body


def test_templates_have_chinese_headers_and_instructions(page):
    import io

    from openpyxl import load_workbook

    response = page.get(reverse("bulk:template", args=["premises", "xlsx"]))
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in wb.worksheets[0][1]][:4] == ["社区代码", "名称", "地址", "面积（平方米）"]
    notes = [row[2] for row in wb[INSTRUCTIONS_SHEET].iter_rows(values_only=True)]
    assert any("调解室" in str(n) for n in notes)  # the policy's room names
    staff = page.get(reverse("bulk:template", args=["staff", "csv"])).content.decode("utf-8-sig")
    assert staff.startswith("社区代码,姓名,公民身份号码,职务") and "年评议" in staff
    assert page.get(reverse("bulk:template", args=["pets", "xlsx"])).status_code == 404
    assert page.get(reverse("bulk:template", args=["funds", "pdf"])).status_code == 404


def test_the_downloaded_template_imports_back(page, world, tmp_path):
    from openpyxl import load_workbook

    content = page.get(reverse("bulk:template", args=["funds", "xlsx"])).content
    path = tmp_path / "t.xlsx"
    path.write_bytes(content)
    wb = load_workbook(path)
    wb.worksheets[0].append(fund_row())
    wb.save(path)
    response = _upload(page, path, mode="commit")
    assert response.status_code == 302
    assert OperatingFund.objects.count() == 1


def test_upload_dry_run_then_report_then_commit(page, world, tmp_path):
    path = write(tmp_path, "funds", [fund_row(year="2021"), fund_row(year="2022", amount="abc")])
    response = _upload(page, path)
    assert response.status_code == 302
    job = BackgroundJob.objects.get(kind="standards.bulk")
    assert response["Location"] == reverse("bulk:job", args=[job.pk])
    body = page.get(response["Location"]).content.decode()
    assert "试运行完成" in body and "不是有效的数字" in body and "hx-get" not in body
    assert reverse("bulk:report", args=[job.pk]) in body and reverse("bulk:commit", args=[job.pk]) in body
    report = page.get(reverse("bulk:report", args=[job.pk]))
    assert read_xlsx(b"".join(report.streaming_content))[1][1:4] == [3, "金额（元）", "abc"]
    assert not OperatingFund.objects.exists()
    committed = page.post(reverse("bulk:commit", args=[job.pk]))
    assert committed.status_code == 302
    assert "有效的行已写入" in page.get(committed["Location"]).content.decode()
    assert list(OperatingFund.objects.values_list("year", flat=True)) == [2021]
    again = page.post(reverse("bulk:commit", args=[job.pk]))
    assert again.status_code == 422 and OperatingFund.objects.count() == 1


def test_direct_commit_all_or_nothing(page, world, tmp_path):
    path = write(tmp_path, "premises", [premises_row(), premises_row(address="乙", area="-1")])
    response = _upload(page, path, kind="premises", mode="commit", all_or_nothing="1")
    body = page.get(response["Location"]).content.decode()
    assert "未写入任何数据" in body and not Premises.objects.exists()


def test_big_files_run_in_the_background_with_progress(page, world, tmp_path, monkeypatch,
                                                       django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "INLINE_MAX_ROWS", 2)
    path = write(tmp_path, "funds", [fund_row(year=str(y)) for y in range(2016, 2021)])
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(page, path, mode="commit")
    job = BackgroundJob.objects.get(kind="standards.bulk")
    assert job.params["background"] and job.status == "succeeded" and job.result["counts"]["created"] == 5
    assert job.progress_total == 5 and job.progress_done == 5
    assert OperatingFund.objects.count() == 5 and response.status_code == 302


def test_progress_inside_the_write_transaction_reaches_the_status_page(page, world):
    from django.db import transaction

    job = BackgroundJob.objects.create(kind="standards.bulk", created_by=world.worker, status="running",
                                       params={"kind": "funds", "filename": "f.csv", "dry_run": True})
    publisher = services._Publisher(job)
    with transaction.atomic():
        publisher(30, 120)
        assert services.job_progress_now(job) == (30, 120)
    assert "30 / 120" in page.get(reverse("bulk:job_status", args=[job.pk])).content.decode()
    publisher.finish()
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total) == (30, 120)


def test_a_running_job_polls_its_status(page, world):
    job = BackgroundJob.objects.create(
        kind="standards.bulk", created_by=world.worker, status="running", progress_done=40, progress_total=100,
        params={"kind": "funds", "filename": "f.csv", "dry_run": True},
    )
    status_url = reverse("bulk:job_status", args=[job.pk])
    body = page.get(reverse("bulk:job", args=[job.pk])).content.decode()
    assert f'hx-get="{status_url}"' in body and "40 / 100" in body
    partial = page.get(status_url).content.decode()
    assert partial.startswith('<div id="bulk-status"') and 'aria-valuenow="40"' in partial


def test_roles_without_the_permission_and_other_users_jobs(world, page, tmp_path):
    for user in (world.grid_worker, world.auditor, world.resident_user, world.analyst):
        client = Client()
        client.force_login(user)
        assert client.get(reverse("bulk:index")).status_code == 403
        assert client.get(reverse("bulk:template", args=["funds", "csv"])).status_code == 403
        with open(write(tmp_path, "funds", [fund_row()]), "rb") as fh:
            assert client.post(reverse("bulk:upload"), {"kind": "funds", "file": fh}).status_code == 403
    assert not OperatingFund.objects.exists()
    _upload(page, write(tmp_path, "funds", [fund_row()]))
    job = BackgroundJob.objects.get(kind="standards.bulk")
    other = Client()
    other.force_login(world.outsider)  # allowed to enter data, but not this user's job
    assert other.get(reverse("bulk:job", args=[job.pk])).status_code == 404
    assert other.get(reverse("bulk:report", args=[job.pk])).status_code == 404
    assert other.post(reverse("bulk:commit", args=[job.pk])).status_code == 404
    anonymous = Client().get(reverse("bulk:index"))
    assert anonymous.status_code == 302


def test_upload_errors_stay_on_the_index(page, tmp_path):
    bad = tmp_path / "x.xls"
    bad.write_bytes(b"\xd0\xcf\x11\xe0")
    with open(bad, "rb") as fh:
        response = page.post(reverse("bulk:upload"), {"kind": "funds", "file": fh})
    assert response.status_code == 422 and "xls" in response.content.decode()
    assert page.post(reverse("bulk:upload"), {"kind": "funds"}).status_code == 422
    with open(bad, "rb") as fh:
        assert page.post(reverse("bulk:upload"), {"kind": "pets", "file": fh}).status_code == 404


@pytest.fixture
def english_catalogue():
    """The English catalogue as it will be once locale/pending/bulk.json is merged."""
    from django.utils import translation
    from django.utils.translation import trans_real

    pending = json.loads(PENDING.read_text(encoding="utf-8"))
    catalogue = trans_real.translation("en")._catalog
    for msgid, text in pending.items():
        if msgid not in catalogue:
            catalogue[msgid] = text
    yield pending
    trans_real._translations.clear()
    translation.deactivate()


def test_pending_translations_are_complete_and_keep_placeholders(english_catalogue):
    placeholder = re.compile(r"%\(\w+\)[sd]")
    for msgid, text in english_catalogue.items():
        assert text.strip(), msgid
        assert sorted(placeholder.findall(msgid)) == sorted(placeholder.findall(text)), msgid


def test_pages_are_chinese_by_default_and_english_after_switching(page, world, tmp_path, english_catalogue):
    from shequ.standards.bulk.columns import COLUMNS

    path = write(tmp_path, "staff", [staff_row(position="组长"), staff_row(name="李四")])
    assert "批量录入" in page.get(reverse("bulk:index")).content.decode()
    page.post("/i18n/setlang/", {"language": "en", "next": "/"})
    job_url = _upload(page, path, kind="staff")["Location"]  # messages are kept in the uploader's language
    # Chinese that is data, not interface: column names, examples, accepted words, the file's cells
    data = {"简体中文", world.community.name}
    for columns in COLUMNS.values():
        for col in columns:
            data.update(IDEOGRAPHS.findall(" ".join([col.header, col.example, *col.aliases])))
    data.update(IDEOGRAPHS.findall(path.read_text(encoding="utf-8")))
    data.update(IDEOGRAPHS.findall("正职、副职、委员、工作人员；优秀、称职、基本称职、不称职；年评议"))
    leaks = {}
    for url in (reverse("bulk:index"), job_url):
        response = page.get(url)
        assert response.status_code == 200
        body = re.sub(r"<script.*?</script>", "", response.content.decode(), flags=re.S)
        left = set(IDEOGRAPHS.findall(body)) - data
        if left:
            leaks[url] = sorted(left)
    assert leaks == {}
    assert "Bulk entry" in page.get(reverse("bulk:index")).content.decode()


def test_a_file_with_missing_columns_shows_a_file_error(page, tmp_path):
    path = write(tmp_path, "funds", [["431302001001", "2023"]], header=["社区代码", "年度"])
    body = page.get(_upload(page, path)["Location"]).content.decode()
    assert 'data-testid="file-error"' in body and "缺少必填列“类别”" in body and "缺少必填列“金额（元）”" in body
    assert reverse("bulk:commit", args=[BackgroundJob.objects.get().pk]) not in body
