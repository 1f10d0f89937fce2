"""The two-year rule as a pure computation: which years close a run of 不称职."""

from __future__ import annotations

import datetime as dt

from shequ.governance.rules import Due, due_years, runs, served_years

BAD, OK = "incompetent", "competent"


def two(_year: int) -> int:
    return 2


def test_two_consecutive_years_are_due():
    assert due_years({2019: BAD, 2020: BAD}, two) == [Due(2019, 2020)]


def test_a_gap_year_breaks_the_run():
    assert due_years({2018: BAD, 2020: BAD}, two) == []
    assert due_years({2018: BAD, 2019: OK, 2020: BAD}, two) == []


def test_three_years_make_one_run_with_two_due_years():
    due = due_years({2018: BAD, 2019: BAD, 2020: BAD, 2022: BAD, 2023: BAD}, two)
    assert due == [Due(2018, 2019), Due(2019, 2020), Due(2022, 2023)]
    assert [[d.second_year for d in run] for run in runs(due)] == [[2019, 2020], [2023]]


def test_the_number_of_years_comes_from_the_policy_of_the_later_year():
    ratings = {2014: BAD, 2015: BAD, 2016: BAD, 2017: BAD}
    three_from_2017 = {2015: 2, 2016: 2, 2017: 3}.get  # no policy before 2015
    assert due_years(ratings, three_from_2017) == [Due(2014, 2015), Due(2015, 2016), Due(2015, 2017)]
    assert due_years(ratings, lambda y: None) == []


def test_served_years():
    today = dt.date(2024, 6, 1)
    assert list(served_years(dt.date(2019, 12, 31), dt.date(2021, 1, 1), today)) == [2019, 2020, 2021]
    assert list(served_years(dt.date(2022, 5, 1), None, today)) == [2022, 2023, 2024]
    assert list(served_years(dt.date(2025, 1, 1), None, today)) == []
