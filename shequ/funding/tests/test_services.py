"""Fund services: validation (every refusal saves nothing), scope by role, audit rows, compliance kept current."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from shequ.core.errors import NotFound, PermissionDenied, ValidationFailed
from shequ.core.models import AuditLog
from shequ.facilities.common import current_year
from shequ.funding import services
from shequ.funding.models import OperatingFund, ProjectFund
from shequ.standards.models import ComplianceResult, ComplianceStatus


def op(world, actor=None, **overrides):
    fields = {"year": 2020, "source": "district", "amount": Decimal("150000"), "received_on": dt.date(2020, 3, 1)}
    fields.update(overrides)
    return services.operating_fund_create(actor=actor or world.worker, community=world.community, **fields)


def proj(world, actor=None, **overrides):
    fields = {"year": 2020, "name": "老旧小区改造", "amount": Decimal("120000")}
    fields.update(overrides)
    return services.project_fund_create(actor=actor or world.worker, community=world.community, **fields)


def test_create_sets_community_code_and_audits(world):
    fund = op(world, note="第一批")
    assert fund.area_code == world.community.code and fund.amount == Decimal("150000.00")
    row = AuditLog.objects.get(entity_type="operating_fund")
    assert row.action == "operating_fund.create" and row.area_code == world.community.code
    assert row.changes["amount"] == [None, "150000.00"] and row.entity_id == str(fund.pk)
    project = proj(world)
    assert AuditLog.objects.get(entity_type="project_fund").entity_id == str(project.pk)


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("amount", {"amount": Decimal("-1")}),
        ("amount", {"amount": 0}),
        ("amount", {"amount": Decimal("1000000000")}),
        ("amount", {"amount": "1e12"}),
        ("amount", {"amount": "12.345"}),
        ("amount", {"amount": "很多"}),
        ("amount", {"amount": "Infinity"}),
        ("amount", {"amount": None}),
        ("year", {"year": 1948}),
        ("year", {"year": current_year() + 2}),
        ("year", {"year": "2020年"}),
        ("source", {"source": "lottery"}),
        ("received_on", {"received_on": timezone.localdate() + dt.timedelta(days=1)}),
        ("received_on", {"received_on": "2020-02-30"}),
        ("note", {"note": "备" * 201}),
    ],
)
def test_operating_bad_input_refused(world, field, overrides):
    count = AuditLog.objects.count()
    with pytest.raises(ValidationFailed) as info:
        op(world, **overrides)
    assert field in info.value.details
    assert not OperatingFund.objects.exists() and AuditLog.objects.count() == count


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("amount", {"amount": Decimal("-500")}),
        ("amount", {"amount": Decimal("0")}),
        ("amount", {"amount": Decimal("5000000000")}),
        ("name", {"name": "   "}),
        ("name", {"name": "项" * 201}),
        ("year", {"year": 3000}),
    ],
)
def test_project_bad_input_refused(world, field, overrides):
    with pytest.raises(ValidationFailed) as info:
        proj(world, **overrides)
    assert field in info.value.details
    assert not ProjectFund.objects.exists()


def test_community_must_be_a_community(world):
    with pytest.raises(ValidationFailed):
        services.operating_fund_create(
            actor=world.admin, community=world.subdistrict, year=2020, source="city", amount=1
        )


@pytest.mark.parametrize(
    ("role", "error"),
    [("outsider", NotFound), ("grid_worker", NotFound), ("resident_user", NotFound), ("analyst", PermissionDenied)],
)
def test_writes_refused_by_role_and_scope(world, role, error):
    actor = getattr(world, role)
    fund, project = op(world), proj(world)
    count = AuditLog.objects.count()
    with pytest.raises(error):
        op(world, actor=actor)
    with pytest.raises(error):
        proj(world, actor=actor)
    with pytest.raises(error):
        services.operating_fund_update(actor=actor, fund=fund, amount=1)
    with pytest.raises(error):
        services.project_fund_update(actor=actor, fund=project, amount=1)
    with pytest.raises(error):
        services.operating_fund_delete(actor=actor, fund=fund)
    with pytest.raises(error):
        services.project_fund_delete(actor=actor, fund=project)
    assert OperatingFund.objects.get().amount == Decimal("150000.00")
    assert ProjectFund.objects.get().amount == Decimal("120000.00")
    assert AuditLog.objects.count() == count


def test_update_and_delete_audit_and_validate(world):
    fund = op(world)
    services.operating_fund_update(actor=world.worker, fund=fund, amount="160000.50", received_on=None)
    fund.refresh_from_db()
    assert fund.amount == Decimal("160000.50") and fund.received_on is None
    row = AuditLog.objects.get(action="operating_fund.update")
    assert row.changes == {"amount": ["150000.00", "160000.50"], "received_on": ["2020-03-01", None]}
    with pytest.raises(ValidationFailed):
        services.operating_fund_update(actor=world.worker, fund=fund, amount=0)
    with pytest.raises(TypeError):
        services.operating_fund_update(actor=world.worker, fund=fund, community=world.community2)
    pk = fund.pk
    services.operating_fund_delete(actor=world.worker, fund=fund)
    assert AuditLog.objects.filter(action="operating_fund.delete", entity_id=str(pk)).exists()
    project = proj(world)
    services.project_fund_update(actor=world.worker, fund=project, name="慈善超市")
    assert AuditLog.objects.get(action="project_fund.update").changes == {"name": ["老旧小区改造", "慈善超市"]}
    services.project_fund_delete(actor=world.worker, fund=project)
    assert not ProjectFund.objects.exists()


def _status(world, year, rule):
    return ComplianceResult.objects.get(community=world.community, year=year, rule=rule)


def test_compliance_recomputed_after_each_write(world):
    fund = op(world)  # 150,000 < 250,000 for a central-city community
    assert _status(world, 2020, "operating_funds").status == ComplianceStatus.SHORT
    assert _status(world, 2020, "operating_funds").gap == Decimal("100000")
    op(world, source="city", amount=Decimal("100000"))
    assert _status(world, 2020, "operating_funds").status == ComplianceStatus.MEETS
    services.operating_fund_update(actor=world.worker, fund=fund, year=2021)
    assert _status(world, 2020, "operating_funds").status == ComplianceStatus.SHORT
    assert _status(world, 2021, "operating_funds").status == ComplianceStatus.SHORT
    project = proj(world, amount=Decimal("200000"))
    assert _status(world, 2020, "project_funds").status == ComplianceStatus.MEETS
    services.project_fund_delete(actor=world.worker, fund=project)
    assert _status(world, 2020, "project_funds").status == ComplianceStatus.NO_DATA
