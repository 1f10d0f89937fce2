"""The per-sub-district rollup: kept by every recompute, equal to aggregating the results themselves, and not
trusted once results were written some other way."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from shequ.standards.compliance import compliance_recompute, compliance_recompute_community
from shequ.standards.compliance_rollup import rollup_fresh
from shequ.standards.models import ComplianceResult, ComplianceRollup, RollupState
from shequ.standards.selectors.figures import figures_digest
from shequ.standards.tests.engine_helpers import add_fund, add_households, add_premises, ensure_loudi_policy

pytestmark = pytest.mark.django_db
POSTGRES = connection.vendor == "postgresql"
YEARS = [2015, 2016, 2017]


def _both(viewer, area):  # type: ignore[no-untyped-def]
    """The digest from the rollup and from the results (the rollup's state made stale for the second)."""
    with override_settings(SHEQU_DASHBOARD_CACHE_SECONDS=0):
        assert rollup_fresh()
        from_rollup = figures_digest(viewer=viewer, area=area, kind="")
        version = RollupState.objects.get().results_version
        RollupState.objects.update(results_version="stale")
        from_results = figures_digest(viewer=viewer, area=area, kind="")
        RollupState.objects.update(results_version=version)
    return from_rollup, from_results


def test_rollup_equals_the_results_after_full_and_community_recomputes(world):
    ensure_loudi_policy()
    add_premises(world.community, area="380", year_from=2012)
    add_households(world.community, 450)
    add_fund(world.community2, 2016, "150000")
    compliance_recompute(actor=None, area_code="", years=YEARS)
    assert ComplianceRollup.objects.filter(sub_code=world.subdistrict.code).exists()
    for area in (world.city, world.district):
        from_rollup, from_results = _both(world.admin, area)
        assert from_rollup == from_results and from_rollup.by_year

    add_fund(world.community, 2017, "260000")
    compliance_recompute_community(community=world.community, years=YEARS)
    from_rollup, from_results = _both(world.admin, world.city)
    assert from_rollup == from_results
    funds = from_rollup.by_year[2017]["operating_funds"]
    assert funds.meets >= 1


def test_results_written_outside_the_recompute_make_the_rollup_stale(world):
    ensure_loudi_policy()
    compliance_recompute(actor=None, area_code="", years=YEARS)
    assert rollup_fresh()
    ComplianceResult.objects.filter(community=world.community_b, year=2017, rule="premises_area").delete()
    ComplianceResult.objects.create(community=world.community_b, area_code=world.community_b.code, year=2017,
                                    rule="premises_area", status=2, measured=Decimal("10"),
                                    threshold=Decimal("400"), gap=Decimal("390"), computed_at=timezone.now())
    assert not rollup_fresh()
    with override_settings(SHEQU_DASHBOARD_CACHE_SECONDS=0):
        digest = figures_digest(viewer=world.admin, area=world.city, kind="")
    assert digest.by_year[2017]["premises_area"].short >= 1
    # a recompute of one community does not vouch for rows it did not write
    compliance_recompute_community(community=world.community, years=YEARS)
    assert not rollup_fresh()
    compliance_recompute(actor=None, area_code="", years=YEARS)
    assert rollup_fresh()


def test_only_the_sub_districts_and_years_that_changed_are_refreshed(world):
    ensure_loudi_policy()
    add_households(world.community, 450)
    compliance_recompute(actor=None, area_code="", years=YEARS)
    assert rollup_fresh()

    def ids():  # type: ignore[no-untyped-def]
        return dict(ComplianceRollup.objects.values_list("id", "sub_code"))

    before = ids()
    compliance_recompute(actor=None, area_code="", years=YEARS)  # nothing changed: nothing refreshed (PostgreSQL)
    assert rollup_fresh()
    if POSTGRES:
        assert ids() == before

    add_fund(world.community2, 2016, "150000")
    compliance_recompute(actor=None, area_code="", years=YEARS)
    if POSTGRES:  # SQLite rewrites the whole scope, and so its rollup
        after = ComplianceRollup.objects.values_list("id", "sub_code", "year")
        replaced = {(sub, year) for pk, sub, year in after if pk not in before}
        assert replaced == {(world.subdistrict2.code, 2016)}
        assert {pk for pk, sub, year in after if (sub, year) != (world.subdistrict2.code, 2016)} <= set(before)
    from_rollup, from_results = _both(world.admin, world.city)
    assert from_rollup == from_results
    assert from_rollup.by_year[2016]["operating_funds"].short >= 1


def _rollup_rows() -> list[tuple[object, ...]]:
    return sorted(ComplianceRollup.objects.values_list(
        "sub_code", "year", "rule", "status", "community_kind", "threshold", "n", "gap_sum", "measured_sum",
        "absent", "zero_gap"), key=repr)


@pytest.mark.skipif(not POSTGRES, reason="only PostgreSQL's whole-table rebuild sums the rollup while writing")
def test_the_rollup_summed_while_rebuilding_equals_the_one_read_back(world):
    from django.test.utils import CaptureQueriesContext

    from shequ.areas.models import Area, AreaStats, Level
    from shequ.standards.compliance_rollup import rollup_rebuild

    ensure_loudi_policy()
    # Four more communities of one sub-district with the same shortfalls: results shared between communities are
    # summed once per object and multiplied by their count, which is what this compares.
    twins = []
    for i in range(3, 7):
        twin = Area.objects.create(code=f"43130200100{i}", name=f"同样社区{i}", level=Level.COMMUNITY,
                                   parent=world.subdistrict, urban_rural_class="111", community_kind="central_urban")
        AreaStats.objects.create(area=twin)
        twins.append(twin)
    for community in (world.community, *twins):
        add_premises(community, area="380.25", year_from=2012)
        add_households(community, 450)
        add_fund(community, 2016, "150000")
    add_premises(world.community2, area="650.5", year_from=2014)
    add_households(world.community_b, 1210)
    add_fund(world.community, 2017, "260000.55")
    with CaptureQueriesContext(connection) as queries:
        compliance_recompute(actor=None, area_code="", years=YEARS)
    sql = [q["sql"] for q in queries.captured_queries]
    assert any(q.startswith("TRUNCATE") for q in sql)  # the rebuild path
    assert not any(q.startswith("INSERT INTO \"standards_compliancerollup\"") for q in sql)  # summed, not read
    summed = _rollup_rows()
    assert rollup_fresh() and len(summed) > 20
    assert any(row[6] > 1 and row[7] for row in summed)  # a gap shared by several communities
    assert any(row[6] > 1 and row[10] == row[6] and row[7] == 0 for row in summed)  # zero gaps, not missing ones
    rollup_rebuild()  # the GROUP BY over the stored rows
    assert _rollup_rows() == summed
