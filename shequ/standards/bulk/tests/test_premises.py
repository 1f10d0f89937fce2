"""Premises (社区服务用房) from a file: create, update by natural key, refusals named by row and column."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shequ.core.models import AuditLog
from shequ.facilities.models import Premises
from shequ.standards.bulk.tests.helpers import C1, C2, premises_row, reasons, run, write


@pytest.fixture
def files(world, tmp_path):
    return tmp_path


def test_happy_path_creates_premises_with_rooms_and_lists(world, files):
    path = write(files, "premises", [premises_row(), premises_row(address="长青路9号", year_from="2015",
                                                                    year_to="2019", new="是", tenure="租用",
                                                                    centre="", rooms="", plaques="")], fmt="xlsx")
    result = run(world.worker, "premises", path)
    assert result.file_error == "" and reasons(result) == []
    assert result.committed and result.counts["created"] == 2 and result.counts["valid"] == 2
    first = Premises.objects.get(address="长青路8号")
    assert first.area_code == C1 and first.floor_area_m2 == Decimal("620") and first.year_to is None
    assert first.unifications == ["社区标识", "机构门牌"] and first.service_centre_m2 == Decimal("80")
    assert {r.name: r.floor_area_m2 for r in first.rooms.all()} == {
        "党群活动室": Decimal("60"), "调解室": Decimal("20"), "警务室": None}
    second = Premises.objects.get(address="长青路9号")
    assert second.newly_built and second.tenure == "rented" and second.year_to == 2019
    assert second.service_centre_m2 is None and second.plaques == []
    summary = AuditLog.objects.get(action="standards.bulk_import")
    assert summary.changes["counts"][1]["created"] == 2 and summary.changes["kind"][1] == "premises"


def test_reimport_changes_nothing_and_a_changed_row_updates(world, files):
    path = write(files, "premises", [premises_row()])
    run(world.worker, "premises", path)
    audits = AuditLog.objects.count()
    again = run(world.worker, "premises", path)
    assert again.counts["unchanged"] == 1 and again.counts["created"] == again.counts["updated"] == 0
    assert Premises.objects.count() == 1
    assert AuditLog.objects.count() == audits  # nothing written, not even the summary row
    changed = write(files, "premises", [premises_row(area="700", rooms="调解室(25)", centre="")], name="b.csv")
    result = run(world.worker, "premises", changed)
    assert result.counts["updated"] == 1 and reasons(result) == []
    premises = Premises.objects.get()
    # a blank cell keeps what is recorded; a filled list replaces the whole list
    assert premises.floor_area_m2 == Decimal("700") and premises.service_centre_m2 == Decimal("80")
    assert [(r.name, r.floor_area_m2) for r in premises.rooms.all()] == [("调解室", Decimal("25"))]


def test_bad_cells_are_reported_by_row_and_column(world, files):
    rows = [
        premises_row("431302009999"),  # unknown community
        premises_row(C2),  # exists, outside the worker's community: answered the same way
        premises_row(area="-5"),
        premises_row(address="甲路1号", area="很多"),
        premises_row(address="乙路1号", rooms="调解室、会客厅"),
        premises_row(address="丙路1号", plaques="社区党组织、某某公司"),
        premises_row(address="丁路1号", year_from="二〇一六"),
        premises_row(address="戊路1号", new="也许"),
        premises_row(address="己路1号", year_from="2018", year_to="2017"),
    ]
    result = run(world.worker, "premises", write(files, "premises", rows))
    errors = reasons(result)
    by_row = {row: (column, value, reason) for row, column, value, reason in errors}
    assert by_row[2][:2] == ("社区代码", "431302009999") and "不在您的管辖范围内" in by_row[2][2]
    assert by_row[3][2] == by_row[2][2].replace("431302009999", C2)
    assert by_row[4][:2] == ("面积（平方米）", "-5") and "大于 0" in by_row[4][2]
    assert by_row[5][:2] == ("面积（平方米）", "很多")
    assert by_row[6][:2] == ("功能室", "调解室、会客厅") and "会客厅" in by_row[6][2]
    assert by_row[7][0] == "对外牌匾" and "某某公司" in by_row[7][2]
    assert by_row[8][:2] == ("启用年份", "二〇一六")
    assert by_row[9][:2] == ("是否新建", "也许")
    assert by_row[10][0] == "停用年份"
    assert result.counts["refused"] == 9 and result.counts["created"] == 0
    assert not Premises.objects.exists()
