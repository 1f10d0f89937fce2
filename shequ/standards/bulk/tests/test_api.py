"""The bulk API under /api/v1/standards/bulk: upload (dry run or commit), job, report, commit, templates."""

from __future__ import annotations

import pytest
from django.test import Client

from shequ.funding.models import OperatingFund
from shequ.registry.importing.testing import import_tmp, read_xlsx  # noqa: F401
from shequ.standards.bulk.tests.helpers import fund_row, write

BASE = "/api/v1/standards/bulk"


@pytest.fixture
def api(world, import_tmp):  # noqa: F811
    client = Client()
    client.force_login(world.worker)
    return client


def _upload(client, path, kind="funds", **fields):
    with open(path, "rb") as fh:
        return client.post(f"{BASE}/{kind}", {"file": fh, **fields})


def test_upload_dry_run_job_report_commit(api, tmp_path):
    response = _upload(api, write(tmp_path, "funds", [fund_row(year="2021"), fund_row(year="2022", amount="x")]))
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["dry_run"] is True and job["bulk_kind"] == "funds" and job["status"] == "succeeded"
    assert job["result"]["counts"]["created"] == 1 and job["result"]["counts"]["refused"] == 1
    assert job["result"]["errors"] == [{"row": 3, "column": "金额（元）", "value": "x", "reason": "不是有效的数字"}]
    assert api.get(job["status_url"]).json()["id"] == job["id"]
    report = api.get(job["report_url"])
    assert read_xlsx(b"".join(report.streaming_content))[1][1:4] == [3, "金额（元）", "x"]
    assert not OperatingFund.objects.exists()
    committed = api.post(job["commit_url"], {"all_or_nothing": True}, content_type="application/json")
    assert committed.status_code == 202
    assert committed.json()["result"]["committed"] is False and not OperatingFund.objects.exists()


def test_upload_and_write_in_one_go(api, tmp_path):
    response = _upload(api, write(tmp_path, "funds", [fund_row()]), dry_run="false")
    assert response.status_code == 202 and response.json()["result"]["committed"] is True
    assert response.json()["commit_url"] == "" and OperatingFund.objects.count() == 1


def test_refusals(api, world, tmp_path):
    assert _upload(api, write(tmp_path, "funds", [fund_row()]), kind="pets").json()["code"] == "not_found"
    assert api.post(f"{BASE}/funds").status_code == 422
    assert api.get(f"{BASE}/jobs/00000000-0000-0000-0000-000000000000").status_code == 404
    job = _upload(api, write(tmp_path, "funds", [fund_row()])).json()
    other = Client()
    other.force_login(world.analyst)
    assert other.get(job["status_url"]).status_code == 403
    assert _upload(other, write(tmp_path, "funds", [fund_row()]), dry_run="false").status_code == 403
    outsider = Client()
    outsider.force_login(world.outsider)
    assert outsider.get(job["status_url"]).status_code == 404
    assert not OperatingFund.objects.exists()


def test_template_download(api):
    response = api.get(f"{BASE}/templates/funds", {"format": "csv"})
    assert response.content.decode("utf-8-sig").startswith("社区代码,年度,类别,来源")
    assert read_xlsx(api.get(f"{BASE}/templates/staff").content)[0][:2] == ["社区代码", "姓名"]
