"""A small, hand-written set of compliance results for the dashboard tests (the `cworld` fixture), and checks
that it says what the other dashboard tests assume.

The figures are chosen so every number on the pages can be worked out by hand:

2024 (policy v2)          长青社区 (central)     花园社区 (central)    矿山社区 (urban, other district)
premises_area   400 m²    short 352 (gap 48)    meets 450             short 300 (gap 100)
service_centre  50 m²     meets 60              short 0 (no centre)   no data
functional_rooms 7        short 5 (missing 2)   meets 7               short 6 (missing 1)
operating_funds           short 200,000/250,000 meets 260,000/250,000 short 150,000/200,000
project_funds   200,000   short 150,000         no data               —
staffing                  short 4/5 (gap 1)     meets 5/5             meets 6/5
base_pay                  short: 2 people, 2,400 yuan   meets         no data
2023: premises_area       short 352 (gap 48)    short 380 (gap 20)    meets 420
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from shequ.areas.models import Area, AreaStats, Level
from shequ.standards.models import ComplianceResult, ComplianceStatus, PolicySet, PolicyVersion

MEETS, SHORT, NO_DATA = ComplianceStatus.MEETS, ComplianceStatus.SHORT, ComplianceStatus.NO_DATA
LOUDI = "loudi-community-standards"


def loudi_version(number: int = 2) -> PolicyVersion:
    """The seeded Loudi version (migration 0002), or a stand-in when a flushed database lacks it."""
    version = PolicyVersion.objects.filter(policy_set__code=LOUDI, number=number).select_related("policy_set").first()
    if version is not None:
        return version
    policy_set, _ = PolicySet.objects.get_or_create(
        code=LOUDI,
        defaults={"topic": "community_standards", "name": "娄底市社区建设标准", "jurisdiction_code": "4313"},
    )
    return PolicyVersion.objects.create(
        policy_set=policy_set,
        number=number,
        effective_from=dt.date(2015 + number - 1, 1, 1),
        effective_to=dt.date(2015, 12, 31) if number == 1 else None,
        citation="娄发〔2015〕12号；娄民发〔2016〕58号",
    )


def result(
    community: Area,
    year: int,
    rule: str,
    status: int,
    measured: Any = None,
    threshold: Any = None,
    gap: Any = None,
    detail: dict[str, Any] | None = None,
    version: PolicyVersion | None = None,
) -> ComplianceResult:
    def dec(v: Any) -> Decimal | None:
        return None if v is None else Decimal(str(v))

    return ComplianceResult.objects.create(
        community=community,
        area_code=community.code,
        community_kind=community.community_kind,
        year=year,
        rule=rule,
        status=status,
        measured=dec(measured),
        threshold=dec(threshold),
        gap=dec(gap),
        policy_version=version or loudi_version(),
        detail=detail or {},
        computed_at=timezone.now(),
    )


def add_community(parent: Area, seq: int, kind: str = "central_urban") -> Area:
    area = Area.objects.create(
        code=f"{parent.code}{seq:03d}", name=f"测试{seq}社区", level=Level.COMMUNITY, parent=parent, community_kind=kind
    )
    AreaStats.objects.create(area=area)
    return area


def fill_year(community: Area, year: int, *, short: bool) -> None:
    """A plausible full set of results for one more community (used to show query counts stay flat)."""
    v = loudi_version()
    status = SHORT if short else MEETS
    result(community, year, "premises_area", status, 350 if short else 420, 400, 50 if short else 0, version=v)
    result(community, year, "service_centre", MEETS, 60, 50, 0, version=v)
    result(
        community,
        year,
        "functional_rooms",
        status,
        6 if short else 7,
        7,
        1 if short else 0,
        {"missing": ["警务室"]} if short else {"missing": []},
        version=v,
    )
    result(
        community,
        year,
        "operating_funds",
        status,
        240000 if short else 260000,
        250000,
        10000 if short else 0,
        version=v,
    )
    result(community, year, "staffing", MEETS, 5, 5, 0, version=v)


def build(world: Any) -> SimpleNamespace:
    """The table above, on top of the shared `world` fixture."""
    from shequ.standards.selectors import cache_clear

    cache_clear()  # figures cached by an earlier test (the cache outlives each test's transaction)
    w = world
    v = loudi_version()
    c, b, c2 = w.community, w.community_b, w.community2
    rows: list[tuple[Any, ...]] = [
        (c, "premises_area", SHORT, 352, 400, 48, {}),
        (b, "premises_area", MEETS, 450, 400, 0, {}),
        (c2, "premises_area", SHORT, 300, 400, 100, {}),
        (c, "service_centre", MEETS, 60, 50, 0, {}),
        (b, "service_centre", SHORT, 0, 50, 50, {"no_centre": True}),
        (c2, "service_centre", NO_DATA, None, 50, None, {}),
        (c, "functional_rooms", SHORT, 5, 7, 2, {"missing": ["调解室", "慈善超市"]}),
        (b, "functional_rooms", MEETS, 7, 7, 0, {"missing": []}),
        (c2, "functional_rooms", SHORT, 6, 7, 1, {"missing": ["调解室"]}),
        (c, "operating_funds", SHORT, 200000, 250000, 50000, {}),
        (b, "operating_funds", MEETS, 260000, 250000, 0, {}),
        (c2, "operating_funds", SHORT, 150000, 200000, 50000, {}),
        (c, "project_funds", SHORT, 150000, 200000, 50000, {}),
        (b, "project_funds", NO_DATA, None, 200000, None, {}),
        (c, "staffing", SHORT, 4, 5, 1, {"households": 820}),
        (b, "staffing", MEETS, 5, 5, 0, {}),
        (c2, "staffing", MEETS, 6, 5, 0, {}),
        (
            c,
            "base_pay",
            SHORT,
            2,
            0,
            2400,
            {
                "below": [
                    {
                        "name": "周建国",
                        "position": "member",
                        "pay": "1000",
                        "standard": "1200",
                        "months": 6,
                        "shortfall": "1200",
                    },
                    {
                        "name": "吴丽",
                        "position": "member",
                        "pay": "1000",
                        "standard": "1200",
                        "months": 6,
                        "shortfall": "1200",
                    },
                ]
            },
        ),
        (b, "base_pay", MEETS, 0, 0, 0, {}),
        (c2, "base_pay", NO_DATA, None, 0, None, {}),
    ]
    for area, rule, status, measured, threshold, gap, detail in rows:
        result(area, 2024, rule, status, measured, threshold, gap, detail, v)
    result(c, 2023, "premises_area", SHORT, 352, 400, 48, version=v)
    result(b, 2023, "premises_area", SHORT, 380, 400, 20, version=v)
    result(c2, 2023, "premises_area", MEETS, 420, 400, 0, version=v)
    return SimpleNamespace(world=w, version=v)


@pytest.fixture
def cworld(world):  # type: ignore[no-untyped-def]
    return build(world)


def test_fixture_holds_the_rows_the_tests_assume(cworld):
    assert ComplianceResult.objects.filter(year=2024).count() == 20
    assert ComplianceResult.objects.filter(year=2023).count() == 3
    assert cworld.version.citation
    assert ComplianceResult.objects.filter(area_code__startswith="431381").count() == 7
