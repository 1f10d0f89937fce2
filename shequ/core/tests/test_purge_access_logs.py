"""Access logs are kept at least six months: the purge never goes below the floor."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from shequ.core.models import AccessLog, AuditLog
from shequ.core.retention import ACCESS_LOG_RETENTION_FLOOR_DAYS, access_log_retention_days


def _log(age_days: float) -> AccessLog:
    row = AccessLog.objects.create(kind=AccessLog.Kind.EXPORT, entity_type="resident", reason="导出", area_code="4313")
    AccessLog.objects.filter(pk=row.pk).update(at=timezone.now() - dt.timedelta(days=age_days))
    return row


def _run(*args: str) -> str:
    out = StringIO()
    call_command("purge_access_logs", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def rows(db):
    return {age: _log(age) for age in (10, 182, 184, 300, 400, 800)}


def test_floor_is_six_months():
    assert ACCESS_LOG_RETENTION_FLOOR_DAYS >= 183
    assert access_log_retention_days(30) == ACCESS_LOG_RETENTION_FLOOR_DAYS
    assert access_log_retention_days(400) == 400


def test_dry_run_counts_and_deletes_nothing(rows, settings):
    settings.SHEQU_ACCESS_LOG_RETENTION_DAYS = 365
    output = _run("--dry-run")
    assert "删除 2 条" in output
    assert AccessLog.objects.count() == 6
    assert not AuditLog.objects.filter(action="access_log.purge").exists()


def test_purge_deletes_only_rows_past_the_configured_retention(rows, settings):
    settings.SHEQU_ACCESS_LOG_RETENTION_DAYS = 365
    output = _run()
    assert "删除 2 条" in output
    assert set(AccessLog.objects.values_list("pk", flat=True)) == {rows[a].pk for a in (10, 182, 184, 300)}
    purge = AuditLog.objects.get(action="access_log.purge")
    assert purge.changes["deleted"] == [None, 2]


@pytest.mark.parametrize("configured", [0, 30, 90, 182])
def test_a_setting_below_the_floor_keeps_six_months(rows, settings, configured):
    settings.SHEQU_ACCESS_LOG_RETENTION_DAYS = configured
    _run()
    remaining = set(AccessLog.objects.values_list("pk", flat=True))
    assert remaining == {rows[10].pk, rows[182].pk}  # everything younger than 183 days survives


def test_days_option_cannot_go_below_the_floor(rows):
    out, err = StringIO(), StringIO()
    call_command("purge_access_logs", "--days", "7", stdout=out, stderr=err)
    assert str(ACCESS_LOG_RETENTION_FLOOR_DAYS) in err.getvalue()
    assert rows[182].pk in set(AccessLog.objects.values_list("pk", flat=True))
    assert rows[184].pk not in set(AccessLog.objects.values_list("pk", flat=True))
