"""Dry run, all-or-nothing, valid rows only; file-level errors; encodings; the .xlsx report."""

from __future__ import annotations

from pathlib import Path

import pytest

from shequ.core.models import AuditLog
from shequ.facilities.models import Premises
from shequ.funding.models import OperatingFund
from shequ.registry.importing.testing import read_xlsx
from shequ.standards.bulk.engine import run_bulk
from shequ.standards.bulk.report import write_report
from shequ.standards.bulk.tests.helpers import FUNDS_HEADER, fund_row, premises_row, reasons, run, write


@pytest.fixture
def files(world, tmp_path):
    return tmp_path


def _mixed(files: Path) -> Path:
    return write(files, "funds", [fund_row(year="2021"), fund_row(year="2022", amount="-3"), fund_row(year="2023")])


def test_dry_run_checks_through_the_services_and_writes_nothing(world, files):
    audits = AuditLog.objects.count()
    result = run(world.worker, "funds", _mixed(files), dry_run=True)
    assert result.counts["created"] == 2 and result.counts["refused"] == 1 and result.counts["valid"] == 2
    assert [(r[0], r[1]) for r in reasons(result)] == [(3, "金额（元）")]
    assert not result.committed and not OperatingFund.objects.exists()
    assert AuditLog.objects.count() == audits  # the services' audit rows were rolled back too


def test_all_or_nothing_writes_nothing_when_one_row_is_bad(world, files):
    result = run(world.worker, "funds", _mixed(files), all_or_nothing=True)
    assert not result.committed and result.counts["refused"] == 1
    assert not OperatingFund.objects.exists()
    assert not AuditLog.objects.filter(action="standards.bulk_import").exists()


def test_all_or_nothing_writes_everything_when_all_rows_are_good(world, files):
    path = write(files, "funds", [fund_row(year="2021"), fund_row(year="2022")])
    result = run(world.worker, "funds", path, all_or_nothing=True)
    assert result.committed and OperatingFund.objects.count() == 2
    assert AuditLog.objects.filter(action="standards.bulk_import").count() == 1


def test_valid_rows_only_writes_the_good_rows(world, files):
    result = run(world.worker, "funds", _mixed(files))
    assert result.committed and result.counts["created"] == 2
    assert sorted(OperatingFund.objects.values_list("year", flat=True)) == [2021, 2023]
    summary = AuditLog.objects.get(action="standards.bulk_import")
    assert summary.changes["counts"][1]["refused"] == 1 and summary.entity_type == "bulk_import"


def test_missing_and_misnamed_columns_are_a_file_error_naming_them(world, files):
    header = [h for h in FUNDS_HEADER if h != "年度"]
    header[header.index("金额（元）")] = "总金额（元）"
    path = write(files, "funds", [["431302001001", "运转经费", "区县财政", "", "1", "", ""]], header=header)
    result = run(world.worker, "funds", path)
    assert "缺少必填列“年度”" in result.file_error and "“总金额（元）”是否就是此列" in result.file_error
    assert result.file_error_details["missing"] == ["年度", "金额（元）"]
    assert result.counts["rows"] == 0 and not OperatingFund.objects.exists()


def test_gbk_csv_and_a_title_row_above_the_header(world, files):
    path = files / "gbk.csv"
    lines = ["经费录入表,,,,,,,", ",".join(FUNDS_HEADER), ",".join(fund_row(note="街道拨付"))]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    result = run(world.worker, "funds", path)
    assert reasons(result) == [] and result.counts["created"] == 1
    assert OperatingFund.objects.get().note == "街道拨付"


def test_formula_and_merged_cells_and_blank_rows(world, files):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(FUNDS_HEADER)
    ws.append(fund_row(year="2021"))
    ws.append([])
    ws.append(fund_row(year="2022", amount="=1+1"))
    ws.append(fund_row(year="2023", note="甲"))
    ws.append(fund_row(year="2020", note="乙"))
    ws.merge_cells("H5:H6")
    path = files / "f.xlsx"
    wb.save(path)
    result = run(world.worker, "funds", path)
    errors = reasons(result)
    assert (4, "金额（元）") in [(r[0], r[1]) for r in errors] and "公式" in errors[0][3]
    assert {r[0] for r in errors if "合并单元格" in r[3]} == {5, 6}
    assert result.counts["blank"] == 1 and result.counts["created"] == 1


def test_unknown_extension_and_empty_file(world, files):
    bad = files / "x.txt"
    bad.write_text("社区代码")
    assert "不支持的文件类型" in run(world.worker, "funds", bad).file_error
    empty = files / "e.csv"
    empty.write_bytes(b"")
    assert run(world.worker, "funds", empty).file_error == "文件是空的"


def test_the_report_lists_row_column_value_reason(world, files):
    result = run_bulk(kind="premises", path=write(files, "premises", [premises_row(), premises_row(area="-5",
                                                                                                 address="乙")]),
                      filename="p.csv", actor=world.worker, dry_run=True)
    target = files / "report.xlsx"
    write_report(result, target)
    result.discard_spool()
    rows = read_xlsx(target.read_bytes())
    assert rows[0] == ["文件", "行", "列", "值", "原因"]
    assert rows[1][:4] == ["p.csv", 3, "面积（平方米）", "-5"] and "大于 0" in rows[1][4]
    assert len(rows) == 2


def test_nothing_in_the_file_is_written_in_another_community_of_the_same_run(world, files):
    # an officer of the sub-district: both of its communities, not the other district's
    path = write(files, "premises", [premises_row(), premises_row("431302001002"), premises_row("431381001001")])
    result = run(world.subdistrict_officer, "premises", path)
    assert result.counts["created"] == 2 and [r[0] for r in reasons(result)] == [4]
    assert set(Premises.objects.values_list("area_code", flat=True)) == {"431302001001", "431302001002"}


def test_roles_without_standards_change_are_refused(world, files):
    from shequ.core.errors import PermissionDenied

    path = write(files, "funds", [fund_row()])
    for user in (world.grid_worker, world.analyst, world.auditor, world.resident_user):
        with pytest.raises(PermissionDenied):
            run(user, "funds", path)
    assert not OperatingFund.objects.exists()
