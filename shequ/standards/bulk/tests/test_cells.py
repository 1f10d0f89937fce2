"""Cell parsers and header matching (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shequ.registry.importing.columns import HeaderError
from shequ.standards.bulk import cells
from shequ.standards.bulk.columns import COMMITTEE, POSITION, SOURCE, match_headers
from shequ.standards.bulk.tests.helpers import STAFF_HEADER


@pytest.mark.parametrize("text", ["2024-01-05", "2024/1/5", "2024.1.5", "2024年1月5日", "20240105",
                                  "2024-01-05 00:00:00", "45296", "２０２４－０１－０５"])
def test_common_date_forms(text):
    assert cells.date(text) == dt.date(2024, 1, 5)


@pytest.mark.parametrize("text", ["2024-13-01", "2023-02-29", "昨天", "5/1/2024", "2024"])
def test_bad_dates(text):
    with pytest.raises(cells.CellError):
        cells.date(text)


def test_numbers_years_and_lists():
    assert cells.number("1,234.50") == Decimal("1234.50")
    assert cells.number("620㎡") == Decimal("620") and cells.number("200000元") == Decimal("200000")
    assert cells.number("１２０") == Decimal("120") and cells.number("-5") == Decimal("-5")
    for bad in ("abc", "NaN", "Infinity", "1.2.3"):
        with pytest.raises(cells.CellError):
            cells.number(bad)
    assert cells.year("2016") == 2016 and cells.year("2016年") == 2016
    with pytest.raises(cells.CellError):
        cells.year("16")
    assert cells.names("社区标识、机构门牌；服务窗口,社区标识") == ["社区标识", "机构门牌", "服务窗口"]
    assert cells.rooms("党群活动室(60)、调解室（20㎡）;警务室") == {
        "党群活动室": Decimal("60"), "调解室": Decimal("20"), "警务室": None}
    for bad in ("调解室(很大)", "调解室、调解室(3)"):
        with pytest.raises(cells.CellError):
            cells.rooms(bad)


def test_vocabularies_accept_chinese_synonyms_and_codes():
    assert cells.choice(POSITION, "书记", "") == "director" and cells.choice(POSITION, "deputy", "") == "deputy"
    assert cells.choice(COMMITTEE, "居委会", "") == "residents"
    assert cells.choice(SOURCE, "街道（乡镇）", "") == cells.choice(SOURCE, "乡镇", "") == "subdistrict"
    with pytest.raises(cells.CellError, match="可填：a、b"):
        cells.choice(POSITION, "组长", "a、b")


def test_headers_with_year_columns_english_names_and_notes_in_brackets():
    header = match_headers("staff", [*STAFF_HEADER[:-2], "2019 评议", "evaluation 2020", "备注"])
    assert header.years == {"eval_2019": 2019, "eval_2020": 2020}
    assert header.header_of("eval_2019") == "2019 评议" and "未识别的列“备注”已忽略" in header.warnings
    english = match_headers("funds", ["community_code", "year", "category", "source", "amount"])
    assert set(english.positions) == {"area_code", "year", "category", "source", "amount"}
    assert set(match_headers("premises", ["社区代码", "地址", "面积(平方米)", "启用年份"]).positions) == {
        "area_code", "address", "floor_area_m2", "year_from"}


def test_duplicate_and_missing_headers():
    with pytest.raises(HeaderError) as missing:
        match_headers("staff", ["社区代码", "姓名"])
    assert missing.value.details["missing"] == ["职务", "所属班子", "任职开始", "月基本报酬（元）"]
    with pytest.raises(HeaderError, match="都对应"):
        match_headers("funds", ["社区代码", "年度", "年份", "类别", "金额"])
