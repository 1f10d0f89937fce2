"""./manage.py import_registry: counts on stdout, exit status 0 when every row is valid, 1 otherwise."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from shequ.core.models import AuditLog
from shequ.core.testing.factories import make_id_number
from shequ.registry.importing.testing import resident_row, write_csv
from shequ.registry.models import Resident


def _call(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("import_registry", *args, stdout=out, stderr=io.StringIO())
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_exit_0_when_every_row_is_valid(world, tmp_path):
    path = write_csv(tmp_path / "ok.csv", [resident_row("甲", make_id_number()),
                                           resident_row("乙", make_id_number(), area="431381001001")])
    code, out = _call("residents", str(path))
    assert code == 0
    assert "created                       2" in out and "refused                       0" in out
    assert Resident.objects.filter(name__in=["甲", "乙"]).count() == 2
    assert AuditLog.objects.get(action="registry.import").actor is None  # system, city-wide


def test_exit_1_when_a_row_is_refused_and_report_written(world, tmp_path):
    path = write_csv(tmp_path / "bad.csv", [resident_row("甲", make_id_number()), resident_row("坏", "123")])
    report = tmp_path / "report.xlsx"
    code, out = _call("residents", str(path), "--report", str(report))
    assert code == 1
    assert "refused                       1" in out and "第 3 行" in out
    rows = list(load_workbook(report, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[1][1:4] == (3, "公民身份号码", "123")
    assert Resident.objects.filter(name="甲").exists()


def test_dry_run_and_all_or_nothing_write_nothing(world, tmp_path):
    path = write_csv(tmp_path / "bad.csv", [resident_row("甲", make_id_number()), resident_row("坏", "123")])
    assert _call("residents", str(path), "--dry-run")[0] == 1
    assert _call("residents", str(path), "--all-or-nothing")[0] == 1
    assert not Resident.objects.filter(name="甲").exists()
    code, out = _call("residents", str(write_csv(tmp_path / "ok.csv", [resident_row("丙", make_id_number())])),
                      "--dry-run")
    assert code == 0 and "created                       1" in out and not Resident.objects.filter(name="丙").exists()


def test_actor_scope_applies(world, tmp_path):
    path = write_csv(tmp_path / "scope.csv", [resident_row("甲", make_id_number(), area="431381001001")])
    code, out = _call("residents", str(path), "--actor", "community_worker")
    assert code == 1 and "不在您的管辖范围内" in out
    with pytest.raises(CommandError):
        _call("residents", str(path), "--actor", "nobody")
    with pytest.raises(CommandError):
        _call("residents", str(path), "--actor", "grid_worker")  # no import permission


def test_file_error_exits_1(world, tmp_path):
    path = tmp_path / "x.pdf"
    path.write_bytes(b"%PDF")
    assert _call("households", str(path))[0] == 1
