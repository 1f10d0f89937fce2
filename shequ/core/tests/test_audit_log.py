"""Auditors read the audit and access logs of their own subtree only, with personal values masked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from shequ.core import audit_selectors
from shequ.core.audit import access_record
from shequ.core.errors import PermissionDenied
from shequ.core.models import AccessLog, AuditLog
from shequ.core.roles import Role
from shequ.core.testing.factories import make_user
from shequ.registry import services
from shequ.registry.privacy import resident_unmask


@pytest.fixture
def logs(world):
    """Writes and access events in both districts (the fixture's residents are already audited)."""
    services.resident_update(actor=world.worker, resident=world.wang, phone="13800001111")
    services.resident_update(actor=world.outsider, resident=world.zhao, phone="13700009999")
    resident_unmask(actor=world.worker, resident=world.wang, reason="核对低保申请材料")
    resident_unmask(actor=world.outsider, resident=world.zhao, reason="走访核实家庭情况")
    world.auditor2 = make_user("auditor2", Role.AUDITOR, world.district2)
    return world


def test_auditor_of_district_a_never_sees_district_b(logs):
    w = logs
    for viewer, own, other in (
        (w.auditor, w.district.code, w.district2.code),
        (w.auditor2, w.district2.code, w.district.code),
    ):
        writes = list(audit_selectors.audit_list(viewer=viewer))
        access = list(audit_selectors.access_list(viewer=viewer))
        assert writes and access
        assert all(r.area_code.startswith(own) for r in writes + access)
        assert not any(r.area_code.startswith(other) for r in writes + access)
        # filtering by the other district cannot widen the cut
        assert not audit_selectors.audit_list(viewer=viewer, area=other).exists()
        assert not audit_selectors.access_list(viewer=viewer, area=other).exists()
    # the city admin (an auditor city-wide) sees both
    codes = set(audit_selectors.audit_list(viewer=w.admin).values_list("area_code", flat=True))
    assert any(c.startswith(w.district.code) for c in codes) and any(c.startswith(w.district2.code) for c in codes)


def test_roles_without_audit_view_are_refused(logs):
    for viewer in (logs.worker, logs.district_officer, logs.analyst, logs.resident_user):
        with pytest.raises(PermissionDenied):
            audit_selectors.audit_list(viewer=viewer)


def test_api_is_scoped_the_same_way(logs):
    client = Client()
    client.force_login(logs.auditor)
    writes = client.get("/api/v1/audit/writes").json()
    access = client.get("/api/v1/audit/access").json()
    assert writes["count"] == audit_selectors.audit_list(viewer=logs.auditor).count() > 0
    assert {r["area_code"][:6] for r in writes["results"]} == {logs.district.code}
    assert {r["area_code"][:6] for r in access["results"]} == {logs.district.code}
    assert [r["reason"] for r in access["results"]] == ["核对低保申请材料"]
    other = client.get("/api/v1/audit/writes", {"area": logs.district2.code}).json()
    assert other["count"] == 0
    worker = Client()
    worker.force_login(logs.worker)
    refused = worker.get("/api/v1/audit/writes")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"


def test_id_number_and_phone_are_masked_in_changes(logs):
    w = logs
    client = Client()
    client.force_login(w.auditor)
    body = client.get("/api/v1/audit/writes", {"entity_type": "resident", "page_size": 500}).content.decode()
    page = client.get("/audit/", {"tab": "writes"}).content.decode()
    for text in (body, page):
        for secret in (w.wang.id_number, w.li.id_number, "13800001111", "13812345678", "13900001111"):
            assert secret not in text
        assert "138****1111" in text  # the phone change, masked
        assert w.wang.id_number[:4] + "*" * 10 + w.wang.id_number[-4:] in text
    # reversed search copies are personal data too
    shown = audit_selectors.masked_changes(
        {"id_number_rev": ["", w.wang.id_number[::-1]], "phone": ["13812345678", None]}
    )
    assert w.wang.id_number[::-1] not in str(shown)
    assert shown["phone"] == ["138****5678", None]


def test_names_are_masked_for_auditors_but_not_for_registry_viewers(logs):
    w = logs
    row = AuditLog.objects.filter(action="resident.create", entity_id=str(w.wang.pk)).get()
    assert audit_selectors.present_write(w.auditor, row)["summary"] == "王*明"
    assert audit_selectors.present_write(w.auditor, row)["changes"]["name"] == [None, "王*明"]
    assert audit_selectors.present_write(w.admin, row)["summary"] == "王小明"


def test_filters_and_pagination(logs):
    w = logs
    for i in range(5):
        access_record(
            actor=w.worker,
            kind=AccessLog.Kind.EXPORT,
            entity_type="resident",
            reason=f"导出名册{i}",
            area_code=w.community.code,
            row_count=2,
            query={"q": "431302198503041234"},
        )
    old = access_record(
        actor=w.worker,
        kind=AccessLog.Kind.UNMASK,
        entity_type="resident",
        entity_id=w.li.pk,
        reason="旧记录",
        area_code=w.community.code,
    )
    AccessLog.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=40))
    client = Client()
    client.force_login(w.auditor)

    def get(**params):  # type: ignore[no-untyped-def]
        return client.get("/api/v1/audit/access", params).json()

    assert get()["count"] == 7
    assert get(kind="export")["count"] == 5
    assert get(actor="community_worker", kind="unmask")["count"] == 2
    assert get(actor="other_worker")["count"] == 0  # district 2's worker: outside the auditor's subtree
    assert get(entity_id=str(w.li.pk))["count"] == 1
    today = timezone.localdate()
    assert get(date_from=str(today))["count"] == 6
    assert get(date_to=str(today - dt.timedelta(days=1)))["count"] == 1
    first, second = get(page_size=4), get(page_size=4, page=2)
    assert len(first["results"]) == 4 and len(second["results"]) == 3
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
    export = get(kind="export", page_size=1)["results"][0]
    assert export["query"] == {"q": "4313**********1234"}
    writes = client.get("/api/v1/audit/writes", {"action": "resident.update", "entity_type": "resident"}).json()
    assert writes["count"] == 1 and writes["results"][0]["entity_id"] == str(w.wang.pk)

    # the page takes the same filters and paginates
    page = client.get("/audit/", {"tab": "access", "kind": "export"}).content.decode()
    assert page.count('class="access-row"') == 5
    page = client.get("/audit/", {"tab": "writes", "action": "resident.update"}).content.decode()
    assert page.count('class="write-row"') == 1
    bad = client.get("/audit/", {"date_from": "not-a-date"})
    assert bad.status_code == 200


def test_audit_page_needs_audit_view(logs):
    client = Client()
    client.force_login(logs.grid_worker)
    assert client.get("/audit/").status_code == 403
    client.force_login(logs.auditor)
    assert client.get("/audit/").status_code == 200


def test_my_access_events_tab_shows_only_my_own(logs):
    client = Client()
    client.force_login(logs.worker)  # no audit.view: only its own events
    page = client.get("/audit/", {"tab": "mine"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "核对低保申请材料" in body and "走访核实家庭情况" not in body
    assert client.get("/audit/", {"tab": "writes"}).status_code == 403
