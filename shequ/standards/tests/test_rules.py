"""The compliance rules at their boundaries, with the parameters the Loudi seed migration writes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shequ.standards import rules
from shequ.standards.policy import RULES, rule_applies
from shequ.standards.rules import MEETS, NO_DATA, SHORT, Facts, PremisesFacts, WorkerFacts
from shequ.standards.tests.engine_helpers import loudi_params

P = loudi_params()
P1 = loudi_params(version=1)
ROOMS = frozenset(P["functional_rooms"])  # type: ignore[arg-type]
UNIFIED = frozenset(P["unifications"])  # type: ignore[arg-type]
PLAQUES = frozenset(P["plaques"])  # type: ignore[arg-type]
TODAY = dt.date(2026, 11, 30)
D = Decimal


def premises(area: str = "450", **kw: object) -> PremisesFacts:
    values: dict = {"year_from": 2010, "service_centre_m2": D("60"), "rooms": ROOMS, "unifications": UNIFIED,
                    "plaques": PLAQUES}  # fmt: skip
    values.update(kw)
    return PremisesFacts(floor_area_m2=D(area), **values)


def facts(year: int = 2020, kind: str = "central_urban", **kw: object) -> Facts:
    return Facts(year=year, community_kind=kind, today=TODAY, **kw)  # type: ignore[arg-type]


def worker(i: int = 1, position: str = "member", pay: str = "1200", start: dt.date = dt.date(2010, 1, 1),
           end: dt.date | None = None) -> WorkerFacts:  # fmt: skip
    return WorkerFacts(i, f"w{i}", position, start, end, D(pay))


# -- premises ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("area", "new", "status", "threshold", "gap"),
    [
        ("400", False, MEETS, "400", "0"),
        ("400.00", False, MEETS, "400", "0"),
        ("399.99", False, SHORT, "400", "0.01"),
        ("600", True, MEETS, "600", "0"),
        ("599.99", True, SHORT, "600", "0.01"),
        ("450", True, SHORT, "600", "150"),
    ],
)
def test_premises_area_boundaries(area: str, new: bool, status: int, threshold: str, gap: str) -> None:
    result = rules.premises_area(facts(premises=[premises(area, newly_built=new)]), P)
    assert (result.status, result.measured, result.threshold, result.gap) == (status, D(area), D(threshold), D(gap))


def test_premises_area_sums_premises_in_use_that_year_only() -> None:
    both = [premises("250", year_from=2015, year_to=2019), premises("200", year_from=2018)]
    assert rules.premises_area(facts(2018, premises=both), P).measured == D("450")
    assert rules.premises_area(facts(2019, premises=both), P).status == MEETS  # year_to is inclusive
    assert rules.premises_area(facts(2020, premises=both), P)[:3] == (SHORT, D("200"), D("400"))
    assert rules.premises_area(facts(2014, premises=both), P).status == NO_DATA


def test_premises_rules_without_premises_in_use_have_no_data() -> None:
    f = facts(2020, premises=[premises(year_from=2021)])
    for rule in rules.PREMISES_RULES:
        result = rules.RULE_FUNCTIONS[rule](f, P)
        assert result.status == NO_DATA and result.measured is None and result.gap is None, rule


@pytest.mark.parametrize(
    ("centre", "status", "gap"), [("50", MEETS, "0"), ("49.99", SHORT, "0.01"), (None, SHORT, "50")]
)
def test_service_centre(centre: str | None, status: int, gap: str) -> None:
    p = premises(service_centre_m2=None if centre is None else D(centre))
    result = rules.service_centre(facts(premises=[p]), P)
    assert (result.status, result.gap, result.threshold) == (status, D(gap), D("50"))
    assert result.detail == ({"no_centre": True} if centre is None else {})


def test_service_centre_takes_the_largest_centre_in_use() -> None:
    ps = [premises(service_centre_m2=D("30")), premises(service_centre_m2=D("55")), premises(service_centre_m2=None)]
    assert rules.service_centre(facts(premises=ps), P)[:2] == (MEETS, D("55"))


def test_functional_rooms_missing_one_and_union_over_premises() -> None:
    missing = "慈善超市"
    result = rules.functional_rooms(facts(premises=[premises(rooms=ROOMS - {missing})]), P)
    assert result == (SHORT, D(6), D(7), D(1), {"missing": [missing]})
    two = [premises(rooms=ROOMS - {missing}), premises("10", rooms=frozenset({missing, "图书室"}))]
    assert rules.functional_rooms(facts(premises=two), P) == (MEETS, D(7), D(7), D(0), {"missing": []})


def test_five_unifications_lists_what_is_missing_in_policy_order() -> None:
    result = rules.five_unifications(facts(premises=[premises(unifications=frozenset({"宣传栏目", "社区标识"}))]), P)
    assert result.status == SHORT and result.measured == D(2) and result.gap == D(3)
    assert result.detail == {"missing": ["外墙装饰", "机构门牌", "服务窗口"]}


def test_plaques_exactly_the_three() -> None:
    assert rules.plaques(facts(premises=[premises()]), P) == (MEETS, D(3), D(3), D(0), {"missing": [], "extra": []})
    extra = rules.plaques(facts(premises=[premises(plaques=PLAQUES | {"老年协会"})]), P)
    assert extra == (SHORT, D(4), D(3), D(1), {"missing": [], "extra": ["老年协会"]})
    missing = rules.plaques(facts(premises=[premises(plaques=PLAQUES - {"社区服务中心"})]), P)
    assert missing == (SHORT, D(2), D(3), D(1), {"missing": ["社区服务中心"], "extra": []})
    both = rules.plaques(facts(premises=[premises(plaques=frozenset({"社区党组织", "物业公司"}))]), P)
    assert both.gap == D(3) and both.detail == {"missing": ["社区居民委员会", "社区服务中心"], "extra": ["物业公司"]}


# -- staffing ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("households", "required"),
    [(0, 5), (199, 5), (200, 5), (201, 5), (1000, 5), (1001, 6), (1400, 7), (1600, 8), (1800, 9), (1801, 9), (9999, 9)],
)
def test_staff_required(households: int, required: int) -> None:
    assert rules.staff_required(households, P) == required


@pytest.mark.parametrize(
    ("households", "staff", "status", "gap", "excess"),
    [
        (1000, 5, MEETS, 0, None),
        (1000, 4, SHORT, 1, None),
        (1001, 5, SHORT, 1, None),
        (1800, 9, MEETS, 0, None),
        (1800, 10, SHORT, 0, 1),
        (100, 9, MEETS, 0, None),
        (100, 10, SHORT, 0, 1),
    ],
)
def test_staffing(households: int, staff: int, status: int, gap: int, excess: int | None) -> None:
    workers = [worker(i) for i in range(staff)]
    result = rules.staffing(facts(2020, households=households, workers=workers), P)
    assert (result.status, result.measured, result.gap) == (status, D(staff), D(gap))
    assert result.detail.get("excess") == excess
    assert result.detail["households"] == households
    assert "on" not in result.detail  # 31 December: nothing to say


def test_staffing_counts_workers_in_post_on_31_december_or_today() -> None:
    workers = [worker(i) for i in range(4)] + [
        worker(10, end=dt.date(2020, 12, 30)),  # left before the year end
        worker(11, end=dt.date(2020, 12, 31)),  # still there on the day
        worker(12, start=dt.date(2021, 1, 1)),  # not yet
        worker(13, start=dt.date(2026, 12, 1)),  # starts after today, in the running year
    ]
    assert rules.staffing(facts(2020, households=100, workers=workers), P).measured == D(5)
    running = rules.staffing(facts(2026, households=100, workers=workers), P)
    assert running.measured == D(5)  # 4 + worker 12; 13 not yet on 30 November
    assert running.detail["on"] == "2026-11-30"


def test_staffing_without_any_worker_recorded_has_no_data() -> None:
    result = rules.staffing(facts(households=1001), P)
    assert (result.status, result.measured, result.threshold) == (NO_DATA, None, D(6))
    gone = rules.staffing(facts(2020, households=1001, workers=[worker(end=dt.date(2015, 1, 1))]), P)
    assert (gone.status, gone.measured, gone.gap) == (SHORT, D(0), D(6))


# -- funds ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "amount", "status", "threshold", "gap"),
    [
        ("central_urban", "250000", MEETS, "250000", "0"),
        ("central_urban", "249999.99", SHORT, "250000", "0.01"),
        ("urban", "200000", MEETS, "200000", "0"),
        ("urban", "199999.99", SHORT, "200000", "0.01"),
        ("township", "100000", MEETS, "100000", "0"),
        ("township", "99999", SHORT, "100000", "1"),
        ("village", "80000", MEETS, "80000", "0"),
        ("village", "0", SHORT, "80000", "80000"),
    ],
)
def test_operating_funds_by_kind(kind: str, amount: str, status: int, threshold: str, gap: str) -> None:
    result = rules.operating_funds(facts(kind=kind, operating_funds=D(amount)), P)
    assert result[:4] == (status, D(amount), D(threshold), D(gap))


def test_funds_without_rows_have_no_data() -> None:
    assert rules.operating_funds(facts(kind="urban"), P)[:3] == (NO_DATA, None, D("200000"))
    assert rules.project_funds(facts(), P)[:3] == (NO_DATA, None, D("200000"))


def test_project_funds_boundary_and_only_central_urban() -> None:
    assert rules.project_funds(facts(project_funds=D("200000")), P).status == MEETS
    assert rules.project_funds(facts(project_funds=D("199999.99")), P)[::3] == (SHORT, D("0.01"))
    assert rule_applies("project_funds", P, "central_urban")
    for kind in ("urban", "township", "village", ""):
        assert not rule_applies("project_funds", P, kind)


def test_funds_and_pay_rules_do_not_apply_under_the_2015_version() -> None:
    applicable = [r for r in RULES if rule_applies(r, P1, "central_urban")]
    assert applicable == ["premises_area", "service_centre", "functional_rooms", "five_unifications", "plaques",
                          "staffing"]  # fmt: skip
    assert [r for r in RULES if rule_applies(r, P, "central_urban")] == list(RULES)
    assert not rule_applies("operating_funds", P, "")  # a community of unknown kind


# -- base pay ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("position", "pay", "status", "gap"),
    [
        ("director", "1500", MEETS, "0"),
        ("director", "1499.99", SHORT, "0.12"),
        ("deputy", "1400", MEETS, "0"),
        ("deputy", "1300", SHORT, "1200"),
        ("member", "1200", MEETS, "0"),
        ("member", "1250", MEETS, "0"),
        ("member", "1100", SHORT, "1200"),
    ],
)
def test_base_pay_boundaries(position: str, pay: str, status: int, gap: str) -> None:
    result = rules.base_pay(facts(2020, workers=[worker(position=position, pay=pay)]), P)
    assert (result.status, result.gap, result.threshold) == (status, D(gap), D(0))
    assert result.measured == D(1 if status == SHORT else 0)


def test_base_pay_counts_months_served_and_ignores_plain_workers() -> None:
    half = worker(1, "director", "1000", start=dt.date(2020, 7, 15))  # July–December: 6 months
    left = worker(2, "deputy", "1400", end=dt.date(2020, 3, 1))
    staff = worker(3, "worker", "900")  # no standard for plain workers
    result = rules.base_pay(facts(2020, workers=[half, left, staff]), P)
    assert (result.status, result.measured, result.gap) == (SHORT, D(1), D(3000))
    assert result.detail == {
        "below": [{"worker": 1, "name": "w1", "position": "director", "pay": "1000", "standard": "1500", "months": 6,
                   "shortfall": "3000"}]
    }  # fmt: skip
    running = rules.base_pay(facts(2026, workers=[worker(1, "member", "1100")]), P)
    assert running.gap == D(1100)  # January–November so far


def test_base_pay_without_committee_members_has_no_data() -> None:
    assert rules.base_pay(facts(2020, workers=[worker(position="worker", pay="100")]), P).status == NO_DATA
    assert (
        rules.base_pay(facts(2020, workers=[worker(position="member", start=dt.date(2021, 1, 1))]), P).status == NO_DATA
    )


# -- memo keys: equal keys, equal results ------------------------------------------------------------------------


def test_rule_keys_separate_what_the_results_separate() -> None:
    a = facts(2020, households=1000, workers=[worker(i) for i in range(5)])
    b = facts(2021, households=1000, workers=[worker(i + 10) for i in range(5)])
    assert rules.RULE_KEYS["staffing"](a, P) == rules.RULE_KEYS["staffing"](b, P)
    assert rules.staffing(a, P) == rules.staffing(b, P)
    c = facts(2020, households=1001, workers=a.workers)
    assert rules.RULE_KEYS["staffing"](a, P) != rules.RULE_KEYS["staffing"](c, P)
    low = facts(2020, workers=[worker(1, "member", "1100")])
    ok = facts(2020, workers=[worker(1, "member", "1200")])
    assert rules.RULE_KEYS["base_pay"](ok, P) == ()
    assert rules.RULE_KEYS["base_pay"](low, P) != rules.RULE_KEYS["base_pay"](ok, P)
    assert rules.RULE_KEYS["base_pay"](facts(2020), P) is None
