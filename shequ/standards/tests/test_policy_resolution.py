"""Which version judges a community in a year: the seed, 31 December, the deepest jurisdiction, the bulk resolver."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shequ.standards import policy
from shequ.standards.models import PolicyParameter, PolicySet, PolicyVersion
from shequ.standards.policy import LOUDI_SET, RULE_PARAMS, TOPIC, PolicyResolver, params, version_for
from shequ.standards.tests.engine_helpers import ensure_loudi_policy

pytestmark = pytest.mark.django_db

COMMUNITY = "431302001001"
OTHER = "431381001001"


@pytest.fixture(autouse=True)
def _policy() -> None:
    ensure_loudi_policy()


def add_version(
    set_code: str, number: int, start: dt.date, end: dt.date | None = None, **values: object
) -> PolicyVersion:
    version = PolicyVersion.objects.create(
        policy_set=PolicySet.objects.get(code=set_code), number=number, effective_from=start, effective_to=end,
        citation="测试文件",
    )  # fmt: skip
    base = params(PolicyVersion.objects.get(policy_set__code=LOUDI_SET, number=2))
    for key, value in {**base, **values}.items():
        stored = value if isinstance(value, list) else str(value)
        PolicyParameter.objects.create(version=version, key=key, kind=policy.PARAM_KINDS[key], value=stored)
    return version


def test_seed_has_two_versions_with_the_documented_numbers() -> None:
    loudi = PolicySet.objects.get(code=LOUDI_SET)
    assert (loudi.topic, loudi.jurisdiction_code) == (TOPIC, "4313")
    v1, v2 = loudi.versions.order_by("number")
    assert (v1.effective_from, v1.effective_to) == (dt.date(2015, 1, 1), dt.date(2015, 12, 31))
    assert (v2.effective_from, v2.effective_to) == (dt.date(2016, 1, 1), None)
    assert "娄发〔2015〕12号" in v1.citation and "娄民发〔2016〕58号" in v2.citation
    p1, p2 = params(v1), params(v2)
    assert p1["premises_min_m2"] == Decimal(400) and p1["premises_min_m2_new"] == Decimal(600)
    assert p1["plaques"] == ["社区党组织", "社区居民委员会", "社区服务中心"]
    assert len(p1["functional_rooms"]) == 7 and len(p1["unifications"]) == 5  # type: ignore[arg-type]
    assert (p1["staff_min"], p1["staff_max"], p1["staff_households_per_worker"]) == (5, 9, 200)
    assert "operating_funds_min_urban" not in p1 and "base_pay_director" not in p1
    assert p2["operating_funds_min_central_urban"] == Decimal(250000) and p2["base_pay_member"] == Decimal(1200)
    assert set(p1) < set(p2)
    every_key = {k for keys in RULE_PARAMS.values() for k in keys} | set(policy.OTHER_PARAMS)
    assert every_key == set(p2) == set(policy.PARAM_KINDS)
    assert all(p.label for p in PolicyParameter.objects.filter(version=v2))


def test_version_in_force_on_31_december() -> None:
    assert version_for(TOPIC, COMMUNITY, 2014) is None
    assert version_for(TOPIC, COMMUNITY, 2015).number == 1  # type: ignore[union-attr]
    assert version_for(TOPIC, COMMUNITY, 2016).number == 2  # type: ignore[union-attr]
    assert version_for(TOPIC, COMMUNITY, 2030).number == 2  # type: ignore[union-attr]
    assert version_for("other_topic", COMMUNITY, 2020) is None
    assert version_for(TOPIC, "4314001001001", 2020) is None  # another city: no set applies


def test_a_new_version_from_2020_judges_2020_onwards_only() -> None:
    PolicyVersion.objects.filter(policy_set__code=LOUDI_SET, number=2).update(effective_to=dt.date(2020, 6, 30))
    v3 = add_version(LOUDI_SET, 3, dt.date(2020, 7, 1), premises_min_m2=500)
    assert version_for(TOPIC, COMMUNITY, 2019).number == 2  # type: ignore[union-attr]
    assert version_for(TOPIC, COMMUNITY, 2020) == v3  # in force on 31 December 2020
    assert params(version_for(TOPIC, COMMUNITY, 2021))["premises_min_m2"] == Decimal(500)


def test_the_deepest_jurisdiction_wins_and_shallower_sets_fill_its_gaps() -> None:
    PolicySet.objects.create(code="louxing", topic=TOPIC, name="娄星区标准", jurisdiction_code="431302")
    district = add_version("louxing", 1, dt.date(2020, 1, 1), staff_max=11)
    assert version_for(TOPIC, COMMUNITY, 2020) == district
    assert version_for(TOPIC, "431302", 2021) == district
    assert version_for(TOPIC, OTHER, 2020).policy_set.code == LOUDI_SET  # type: ignore[union-attr]
    assert version_for(TOPIC, COMMUNITY, 2019).policy_set.code == LOUDI_SET  # type: ignore[union-attr]
    # Only a prefix matches: a neighbouring district is not covered by 431302.
    assert version_for(TOPIC, "431303001001", 2020).policy_set.code == LOUDI_SET  # type: ignore[union-attr]


def test_params_parse_numbers_exactly() -> None:
    v = add_version(LOUDI_SET, 7, dt.date(2040, 1, 1), premises_min_m2="400.50")
    PolicyParameter.objects.filter(version=v, key="staff_min").update(value=6)  # a bare JSON number
    got = params(v)
    assert got["premises_min_m2"] == Decimal("400.50") and got["staff_min"] == Decimal(6)
    assert params(None) == {}


def test_resolver_agrees_with_version_for_in_a_few_queries(django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    PolicySet.objects.create(code="louxing", topic=TOPIC, name="娄星区标准", jurisdiction_code="431302")
    add_version("louxing", 1, dt.date(2018, 1, 1), dt.date(2021, 12, 31), staff_max=11)
    codes = [COMMUNITY, OTHER, "431302001002", "431381", "4313", "4314001001001"]
    years = list(range(2013, 2027))
    with django_assert_max_num_queries(3):
        resolver = PolicyResolver(TOPIC)
        answers = {(c, y): resolver.version_for(c, y) for c in codes for y in years}
        timelines = {c: resolver.timeline(c, years) for c in codes}
        got = {(c, y): resolver.params(v) for (c, y), v in answers.items() if v is not None}
    for (code, year), version in answers.items():
        assert version == version_for(TOPIC, code, year), (code, year)
        if version is not None:
            assert got[(code, year)] == params(version)
    for code, timeline in timelines.items():
        assert timeline == [(y, answers[(code, y)]) for y in years if answers[(code, y)] is not None]
    assert resolver.first_year() == 2015
    assert resolver.version_for(COMMUNITY, 2020).policy_set.code == "louxing"  # type: ignore[union-attr]
    assert resolver.version_for(COMMUNITY, 2022).policy_set.code == LOUDI_SET  # type: ignore[union-attr]
