"""Funds (经费): operating funds by source, project funds by name."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shequ.funding.models import OperatingFund, ProjectFund
from shequ.standards.bulk.tests.helpers import fund_row, reasons, run, write


@pytest.fixture
def files(world, tmp_path):
    return tmp_path


def test_happy_path_both_categories(world, files):
    rows = [
        fund_row(),
        fund_row(source="市级财政", amount="50000.50", received="2023年5月1日"),
        fund_row(category="惠民项目资金", source="", project="老年食堂", amount="120000", received=""),
    ]
    result = run(world.worker, "funds", write(files, "funds", rows, fmt="xlsx"))
    assert reasons(result) == [] and result.counts["created"] == 3
    city = OperatingFund.objects.get(source="city")
    assert city.amount == Decimal("50000.50") and city.received_on == dt.date(2023, 5, 1) and city.year == 2023
    assert OperatingFund.objects.get(source="district").received_on == dt.date(2023, 3, 15)
    assert ProjectFund.objects.get().name == "老年食堂"


def test_reimport_unchanged_then_amount_updates(world, files):
    path = write(files, "funds", [fund_row(), fund_row(category="惠民项目资金", source="", project="老年食堂",
                                                       received="")])
    assert run(world.worker, "funds", path).counts["created"] == 2
    assert run(world.worker, "funds", path).counts["unchanged"] == 2
    changed = write(files, "funds", [fund_row(amount="210000", received="")], name="b.csv")
    result = run(world.worker, "funds", changed)
    assert result.counts["updated"] == 1
    fund = OperatingFund.objects.get()
    assert fund.amount == Decimal("210000") and fund.received_on == dt.date(2023, 3, 15)  # blank kept


def test_bad_rows(world, files):
    rows = [
        fund_row(year="2016", amount="99999999999"),  # absurd
        fund_row(year="2017", amount="0"),
        fund_row(year="2018", source=""),  # operating funds need a source
        fund_row(year="2019", category="惠民项目资金", source="", project="", received=""),
        fund_row(year="2020", category="其他经费"),
        fund_row(year="2021", received="昨天"),
        fund_row(year="2023.5"),
        fund_row(year="2022", source="其他来源", received="2999-01-01"),
    ]
    result = run(world.worker, "funds", write(files, "funds", rows))
    by_row = {row: (column, value, reason) for row, column, value, reason in reasons(result)}
    assert by_row[2][:2] == ("金额（元）", "99999999999") and "小于" in by_row[2][2]
    assert by_row[3][:2] == ("金额（元）", "0")
    assert by_row[4][0] == "来源"
    assert by_row[5][0] == "项目名称"
    assert by_row[6][:2] == ("类别", "其他经费")
    assert by_row[7][:2] == ("到账日期", "昨天")
    assert by_row[8][:2] == ("年度", "2023.5")
    assert by_row[9][:2] == ("到账日期", "2999-01-01")
    assert not OperatingFund.objects.exists()


def test_duplicate_natural_key_in_the_file(world, files):
    rows = [fund_row(), fund_row(amount="1"), fund_row(source="市级财政")]
    result = run(world.worker, "funds", write(files, "funds", rows))
    assert [(r[0], r[1]) for r in reasons(result)] == [(3, "来源")]
    assert "与第 2 行是同一条记录" in reasons(result)[0][3]
    assert result.counts["created"] == 2  # valid rows only: rows 2 and 4 are written
