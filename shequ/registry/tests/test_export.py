"""Exporting a filtered resident list to .xlsx: scoped, masked unless unmasked with a reason, access-logged."""

from __future__ import annotations

from django.urls import reverse

from shequ.core.models import AccessLog
from shequ.core.roles import Role
from shequ.core.testing.clients import login
from shequ.core.testing.factories import make_user
from shequ.registry.importing.engine import run_import
from shequ.registry.importing.testing import read_xlsx

URL = reverse("imports:export_residents")
API = "/api/v1/registry/exports/residents"


def _rows(response):
    assert response.status_code == 200, response.content[:300]
    rows = read_xlsx(b"".join(response.streaming_content))
    header = rows[0]
    return header, {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}


def test_masked_export_is_scoped_and_logged(world):
    header, rows = _rows(login(world.worker).get(URL, {"area": "431302"}))
    assert header[:10] == ["姓名", "公民身份号码", "联系电话", "户号", "与户主关系", "户别", "社区代码", "楼栋地址",
                           "门牌/房号", "标签"]
    assert set(rows) == {"王小明", "李娜"}
    wang = rows["王小明"]
    assert wang["公民身份号码"] == world.wang.id_number[:4] + "*" * 10 + world.wang.id_number[-4:]
    assert wang["联系电话"] == "138****5678" and wang["与户主关系"] == "户主" and wang["标签"] == "党员"
    assert wang["户号"] == world.household.number and wang["楼栋地址"] == "长青路1号1栋" and wang["户别"] == "常住"
    log = AccessLog.objects.get(kind="export")
    assert log.actor == world.worker and log.row_count == 2 and log.fields == "" and log.entity_type == "resident"
    assert log.query == {
        "q": "", "kind": "auto", "area": "431302", "tag": "", "status": "", "hkind": "", "unmask": False
    }
    assert log.area_code == "431302"


def test_unmasked_export_needs_a_reason_and_logs_it(world):
    client = login(world.worker)
    form = client.get(URL, {"unmask": "1", "q": "wxm"})
    assert form.status_code == 200 and 'name="reason"' in form.content.decode()
    assert not AccessLog.objects.exists()
    short = client.get(URL, {"unmask": "1", "q": "wxm", "reason": "查"})
    assert short.status_code == 422 and not AccessLog.objects.exists()
    _header, rows = _rows(client.get(URL, {"unmask": "1", "q": "wxm", "reason": "低保复核入户走访"}))
    assert set(rows) == {"王小明"}
    assert rows["王小明"]["公民身份号码"] == world.wang.id_number and rows["王小明"]["联系电话"] == "13812345678"
    log = AccessLog.objects.get(kind="export")
    assert log.fields == "id_number,phone" and log.reason == "低保复核入户走访" and log.row_count == 1
    assert log.query["q"] == "wxm" and log.query["unmask"] is True


def test_unmask_without_the_permission_is_refused(world):
    client = login(world.analyst)
    assert client.get(URL, {"unmask": "1", "reason": "统计核对需要"}).status_code == 403
    _header, rows = _rows(client.get(URL))
    assert set(rows) == {"王小明", "李娜", "赵强"} and "*" in rows["赵强"]["公民身份号码"]
    assert AccessLog.objects.filter(kind="export").count() == 1


def test_roles_without_export_permission_are_refused(world):
    assert login(world.grid_worker).get(URL).status_code == 403
    assert login(world.auditor).get(URL).status_code == 403
    assert not AccessLog.objects.exists()


def test_filters_are_the_resident_lists(world):
    client = login(world.admin)
    assert set(_rows(client.get(URL, {"tag": "dibao"}))[1]) == {"赵强"}
    assert set(_rows(client.get(URL, {"q": "李娜"}))[1]) == {"李娜"}
    assert set(_rows(client.get(URL, {"status": "moved_out"}))[1]) == set()
    assert set(_rows(client.get(URL, {"area": world.community2.code}))[1]) == {"赵强"}


def test_tags_outside_the_viewers_work_lines_are_not_exported(world):
    labour = make_user("labour_worker", Role.COMMUNITY_WORKER, world.community, work_lines=["labour"])
    _header, rows = _rows(login(labour).get(URL))
    assert not rows["王小明"]["标签"] and rows["王小明"]["姓名"] == "王小明"


def test_api_export_masked_and_unmasked(world):
    client = login(world.worker)
    _header, rows = _rows(client.get(API))
    assert "*" in rows["李娜"]["公民身份号码"]
    _header, rows = _rows(client.get(API, {"unmask": "true", "reason": "换届选举选民登记"}))
    assert rows["李娜"]["公民身份号码"] == world.li.id_number
    assert AccessLog.objects.filter(kind="export").count() == 2
    refused = client.get(API, {"unmask": "true"})
    assert refused.status_code == 422 and refused.json()["code"] == "validation_failed"
    denied = login(world.grid_worker).get(API)
    assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"


def test_an_unmasked_export_imports_back_unchanged(world, tmp_path):
    response = login(world.worker).get(URL, {"unmask": "1", "reason": "数据核对测试"})
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    result = run_import(kind="residents", path=path, filename=path.name, actor=world.worker, dry_run=True)
    assert result.all_valid and result.counts["unchanged"] == 2 and result.counts["created"] == 0
