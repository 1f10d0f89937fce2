"""Old uploaded import files, reports and exports (they hold ID numbers) are deleted by purge_imports."""

from __future__ import annotations

import os
import time
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shequ.core.models import AuditLog, BackgroundJob

DAY = 24 * 3600


def _file(path, age_days):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"4313021985...")
    then = time.time() - age_days * DAY
    os.utime(path, (then, then))
    if path.parent.parent.name == "uploads":  # an upload is judged by its folder too
        os.utime(path.parent, (then, then))
    return path


@pytest.fixture
def files(tmp_path, settings, db):
    settings.SHEQU_IMPORT_DIR = tmp_path / "imports"
    settings.SHEQU_EXPORT_DIR = tmp_path / "exports"
    settings.SHEQU_IMPORT_RETENTION_DAYS = 7
    imports = tmp_path / "imports"
    running = BackgroundJob.objects.create(
        kind="registry.import", status="running", params={"upload_id": "c" * 32, "ext": ".csv"}
    )
    return {
        "old_upload": _file(imports / "uploads" / ("a" * 32) / "upload.csv", 10),
        "new_upload": _file(imports / "uploads" / ("b" * 32) / "upload.csv", 2),
        "running_upload": _file(imports / "uploads" / ("c" * 32) / "upload.csv", 30),
        "old_report": _file(imports / "reports" / f"{uuid.uuid4()}.xlsx", 8),
        "new_report": _file(imports / "reports" / f"{uuid.uuid4()}.xlsx", 1),
        "old_export": _file(tmp_path / "exports" / f"{uuid.uuid4()}.xlsx", 9),
        "new_export": _file(tmp_path / "exports" / f"{uuid.uuid4()}.xlsx", 0),
        "running": running,
    }


def _run(*args):
    out = StringIO()
    call_command("purge_imports", *args, stdout=out)
    return out.getvalue()


def test_files_past_the_retention_are_deleted_and_audited(files):
    output = _run()
    assert not files["old_upload"].exists() and not files["old_upload"].parent.exists()
    assert not files["old_report"].exists() and not files["old_export"].exists()
    assert files["new_upload"].exists() and files["new_report"].exists() and files["new_export"].exists()
    assert files["running_upload"].exists()  # its job is still running
    assert "1" in output and "7" in output
    audit = AuditLog.objects.get(action="imports.purge")
    assert audit.changes["uploads"] == [None, 1] and audit.changes["exports"] == [None, 1]


def test_days_option_and_dry_run(files):
    _run("--days", "1", "--dry-run")
    assert files["new_upload"].exists() and files["old_upload"].exists()
    assert not AuditLog.objects.filter(action="imports.purge").exists()
    _run("--days", "1")
    assert not files["new_upload"].exists() and not files["new_report"].exists()
    assert files["new_export"].exists()  # written today
    assert files["running_upload"].exists()


def test_the_setting_is_the_default(files, settings):
    settings.SHEQU_IMPORT_RETENTION_DAYS = 60
    _run()
    assert files["old_upload"].exists() and files["old_export"].exists()


def test_negative_days_are_refused(files):
    with pytest.raises(CommandError):
        _run("--days", "-1")


def test_settings_are_declared():
    from django.conf import settings

    assert settings.SHEQU_IMPORT_RETENTION_DAYS == 7  # the documented default
    for name in ("SHEQU_IMPORT_DIR", "SHEQU_IMPORT_REBUILD_INDEXES_MIN_ROWS", "SHEQU_IMPORT_WORK_MEM",
                 "SHEQU_IMPORT_AUDIT_EACH_MAX", "SHEQU_EXPORT_SYNC_MAX_ROWS", "SHEQU_EXPORT_DIR"):
        assert hasattr(settings, name), name
