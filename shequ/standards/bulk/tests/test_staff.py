"""Staff (社区工作人员) with their yearly evaluations; the registry link by ID number."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shequ.governance.models import ActionItem, Evaluation, Worker
from shequ.standards.bulk.tests.helpers import STAFF_HEADER, reasons, run, staff_row, write


@pytest.fixture
def files(world, tmp_path):
    return tmp_path


def test_happy_path_creates_workers_and_evaluations(world, files):
    rows = [
        staff_row(id_number=world.wang.id_number, name="王小明", start=dt.datetime(2020, 1, 5)),  # an Excel date
        staff_row(name="李四", position="委员", committee="社区党组织", start="2019年3月1日", end="2021-12-31",
                  pay="1,200", r2022=""),
        staff_row(name="赵五", position="工作人员", committee="不属于两委", start="20210301", pay="2000",
                  r2021="不称职", r2022="不称职"),
    ]
    result = run(world.worker, "staff", write(files, "staff", rows, fmt="xlsx"))
    assert reasons(result) == [] and result.counts["created"] == 3 and result.counts["evaluations"] == 5
    wang = Worker.objects.get(name="王小明")
    assert wang.resident == world.wang and wang.start_date == dt.date(2020, 1, 5) and wang.position == "director"
    li = Worker.objects.get(name="李四")
    assert li.end_date == dt.date(2021, 12, 31) and li.monthly_base_pay == Decimal("1200")
    assert li.committee == "party" and li.start_date == dt.date(2019, 3, 1)
    assert dict(Evaluation.objects.filter(worker=wang).values_list("year", "rating")) == {
        2021: "competent", 2022: "excellent"}
    zhao = Worker.objects.get(name="赵五")
    assert zhao.start_date == dt.date(2021, 3, 1)
    # two years 不称职 in a row: the governance service opened the action item
    assert ActionItem.objects.filter(worker=zhao, first_year=2021, second_year=2022, status="open").exists()


def test_reimport_is_unchanged_and_a_new_rating_updates(world, files):
    path = write(files, "staff", [staff_row()])
    run(world.worker, "staff", path)
    again = run(world.worker, "staff", path)
    assert again.counts["unchanged"] == 1 and again.counts["evaluations"] == 0
    changed = write(files, "staff", [staff_row(r2022="基本称职", end="2023-06-30")], name="b.csv")
    result = run(world.worker, "staff", changed)
    assert result.counts["updated"] == 1 and result.counts["evaluations"] == 1
    worker = Worker.objects.get()
    assert worker.end_date == dt.date(2023, 6, 30)
    assert Evaluation.objects.get(worker=worker, year=2022).rating == "basic"


def test_bad_rows(world, files):
    outsider_id = world.zhao.id_number  # a resident of community2, not of the worker's community
    rows = [
        staff_row(start="2022-01-01"),  # rated for 2021, not served
        staff_row(name="钱六", start="2021-02-30"),
        staff_row(name="孙七", id_number=outsider_id),
        staff_row(name="周八", id_number="123"),
        staff_row(name="吴九", position="组长"),
        staff_row(name="郑十", r2021="很好"),
        staff_row(name="王小明", id_number=world.li.id_number),  # a resident, but another name
        staff_row(name="冯一", pay="-1"),
    ]
    result = run(world.worker, "staff", write(files, "staff", rows))
    by_row = {row: (column, value, reason) for row, column, value, reason in reasons(result)}
    assert by_row[2][:2] == ("2021年评议", "称职") and "不在任" in by_row[2][2]
    assert by_row[3][:2] == ("任职开始", "2021-02-30") and "日期不存在" in by_row[3][2]
    assert by_row[4][:2] == ("公民身份号码", outsider_id)
    assert by_row[5][:2] == ("公民身份号码", "123")
    assert by_row[6][:2] == ("职务", "组长")
    assert by_row[7][:2] == ("2021年评议", "很好")
    assert by_row[8][0] == "公民身份号码" and "姓名" in by_row[8][2]
    assert by_row[9][:2] == ("月基本报酬（元）", "-1")
    assert not Worker.objects.exists() and not Evaluation.objects.exists()


def test_a_refused_evaluation_rolls_back_its_whole_row(world, files):
    # the worker itself is fine; its 2022 rating is not (term ended in 2021): nothing of the row is kept
    result = run(world.worker, "staff", write(files, "staff", [staff_row(start="2020-01-01", end="2021-06-30")]))
    assert [(r[0], r[1]) for r in reasons(result)] == [(2, "2022年评议")]
    assert not Worker.objects.exists()


def test_english_headers_and_more_year_columns(world, files):
    header = ["community_code", "name", "id_number", "position", "committee", "start_date", "end_date",
              "monthly_base_pay", "evaluation 2023"]
    path = write(files, "staff", [[world.community.code, "Lin", "", "deputy", "residents", "2023-01-01", "",
                                   "1400", "excellent"]], header=header)
    result = run(world.worker, "staff", path)
    assert reasons(result) == [] and result.counts["created"] == 1
    assert Evaluation.objects.get().year == 2023


def test_id_number_with_legacy_15_digits_links_the_upgraded_resident(world, files):
    from shequ.registry import services
    from shequ.registry.idnumbers import upgrade_legacy

    legacy = "431302850304001"  # upgraded to 18 digits by the registry's normalisation

    resident = services.resident_create(actor=world.admin, name="老号", id_number=upgrade_legacy(legacy),
                                        household=world.household, relation="other")
    path = write(files, "staff", [staff_row(name="老号", id_number=legacy)], header=STAFF_HEADER)
    result = run(world.worker, "staff", path)
    assert reasons(result) == []
    assert Worker.objects.get().resident == resident


def test_compliance_is_recomputed_once_per_community_not_per_row(world, files):
    from unittest import mock

    import shequ.standards.compliance as compliance

    rows = [staff_row(name=f"人{i}", position="工作人员", committee="不属于两委") for i in range(4)]
    rows.append(staff_row("431302001002", name="他人"))
    path = write(files, "staff", rows)
    with mock.patch.object(compliance, "compliance_recompute_community",
                           wraps=compliance.compliance_recompute_community) as recompute:
        run(world.subdistrict_officer, "staff", path, dry_run=True)
        assert recompute.call_count == 0  # a dry run leaves the results alone
        result = run(world.subdistrict_officer, "staff", path)
    assert result.counts["created"] == 5
    assert sorted(c.kwargs["community"].code for c in recompute.call_args_list) == ["431302001001", "431302001002"]
