"""The recompute end to end, on PostgreSQL and SQLite: facts in the database → ComplianceResult rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from shequ.core.errors import PermissionDenied
from shequ.core.models import AuditLog, BackgroundJob
from shequ.funding.models import OperatingFund
from shequ.standards.compliance import compliance_recompute, compliance_recompute_community
from shequ.standards.models import ComplianceResult, PolicyParameter, PolicyVersion
from shequ.standards.policy import LOUDI_SET
from shequ.standards.rules import MEETS, NO_DATA, SHORT
from shequ.standards.tasks import compliance_recompute_start
from shequ.standards.tests.engine_helpers import (
    add_fund,
    add_households,
    add_premises,
    add_worker,
    ensure_loudi_policy,
)

pytestmark = pytest.mark.django_db
YEARS = [2014, 2015, 2016, 2017]
POSTGRES = connection.vendor == "postgresql"


@pytest.fixture
def facts(world):  # type: ignore[no-untyped-def]
    """world.community (central urban): premises 400 m² (450 from 2017), 5 staff, funds 2016 short, 2017 met."""
    ensure_loudi_policy()
    add_premises(world.community, area="400", year_from=2012, year_to=2016)
    add_premises(
        world.community,
        area="450",
        year_from=2017,
        plaques=["社区党组织", "社区居民委员会", "社区服务中心", "老年协会"],
    )
    add_households(world.community, 1001)  # + the fixture's one: 1,002 permanent households → 6 staff required
    add_households(world.community, 300, kind="floating")
    add_worker(world.community, name="主任", position="director", pay="1500")
    add_worker(world.community, name="副主任", position="deputy", pay="1300")
    for i in range(3):
        add_worker(world.community, name=f"委员{i}", position="member")
    add_fund(world.community, 2016, "249999.99")
    add_fund(world.community, 2017, "150000")
    add_fund(world.community, 2017, "100000")
    add_fund(world.community, 2017, "200000", project=True)
    # community2 (urban): nothing but 200,000 of funds in 2017.
    add_fund(world.community2, 2017, "200000")
    return world


def results(
    **filters: object,
) -> dict[tuple[str, int, str], tuple[int, Decimal | None, Decimal | None, Decimal | None]]:
    rows = ComplianceResult.objects.filter(**filters).values_list(
        "area_code", "year", "rule", "status", "measured", "threshold", "gap"
    )
    return {(c, y, r): (s, m, t, g) for c, y, r, s, m, t, g in rows}


def test_recompute_writes_every_rule_per_community_and_year(facts) -> None:  # type: ignore[no-untyped-def]
    summary = compliance_recompute(actor=facts.admin, area_code="4313", years=YEARS)
    code = facts.community.code
    got = results()
    assert not [k for k in got if k[1] == 2014]  # no version in force: no rows
    rules_2015 = {k[2] for k in got if k[0] == code and k[1] == 2015}
    assert rules_2015 == {"premises_area", "service_centre", "functional_rooms", "five_unifications", "plaques",
                          "staffing"}  # fmt: skip
    rules_2016 = {k[2] for k in got if k[0] == code and k[1] == 2016}
    assert rules_2016 == rules_2015 | {"operating_funds", "project_funds", "base_pay"}
    assert got[(code, 2016, "premises_area")] == (MEETS, Decimal("400.00"), Decimal("400.00"), Decimal("0.00"))
    assert got[(code, 2017, "premises_area")][:2] == (MEETS, Decimal("450.00"))
    assert got[(code, 2016, "plaques")][0] == MEETS and got[(code, 2017, "plaques")][0] == SHORT
    assert got[(code, 2017, "staffing")] == (SHORT, Decimal(5), Decimal(6), Decimal(1))
    assert got[(code, 2016, "operating_funds")] == (SHORT, Decimal("249999.99"), Decimal(250000), Decimal("0.01"))
    assert got[(code, 2017, "operating_funds")] == (MEETS, Decimal(250000), Decimal(250000), Decimal(0))
    assert got[(code, 2016, "project_funds")][0] == NO_DATA
    assert got[(code, 2017, "project_funds")][0] == MEETS
    assert got[(code, 2017, "base_pay")] == (SHORT, Decimal(1), Decimal(0), Decimal(1200))

    # community2 is urban: no project funds rule; no premises or staff yet.
    other = facts.community2.code
    assert (other, 2017, "project_funds") not in got
    assert got[(other, 2017, "operating_funds")][0] == MEETS
    assert got[(other, 2017, "premises_area")][0] == NO_DATA
    assert got[(other, 2017, "staffing")][0] == NO_DATA
    assert got[(other, 2017, "base_pay")][0] == NO_DATA

    row = ComplianceResult.objects.get(area_code=code, year=2017, rule="base_pay")
    assert row.community_id == facts.community.pk and row.community_kind == "central_urban"
    assert row.policy_version.number == 2  # type: ignore[union-attr]
    assert row.detail["below"][0]["name"] == "副主任" and row.detail["below"][0]["shortfall"] == "1200.00"
    assert ComplianceResult.objects.get(area_code=code, year=2017, rule="plaques").detail == {
        "missing": [],
        "extra": ["老年协会"],
    }
    assert summary.rows == len(got) and summary.communities == 3
    assert summary.meets + summary.short + summary.no_data == summary.rows
    audit = AuditLog.objects.get(action="standards.recompute")
    assert audit.actor == facts.admin and audit.area_code == "4313" and audit.changes["rows"] == summary.rows


def test_recompute_is_idempotent_and_writes_only_what_changed(facts) -> None:  # type: ignore[no-untyped-def]
    first = compliance_recompute(actor=None, area_code="4313", years=YEARS)
    before = results()
    ids = set(ComplianceResult.objects.values_list("pk", flat=True))
    again = compliance_recompute(actor=None, area_code="4313", years=YEARS)
    assert results() == before and again.rows == first.rows
    if POSTGRES:  # rows read back compare equal to fresh ones: nothing rewritten
        assert (again.deleted, again.inserted, again.unchanged) == (0, 0, first.rows)
        assert set(ComplianceResult.objects.values_list("pk", flat=True)) == ids
    else:
        assert again.deleted == again.inserted == first.rows

    OperatingFund.objects.filter(community=facts.community, year=2016).update(amount=Decimal(250000))
    changed = compliance_recompute(actor=None, area_code="4313", years=YEARS)
    after = results()
    assert after[(facts.community.code, 2016, "operating_funds")][0] == MEETS
    assert {k: v for k, v in after.items() if k[:2] != (facts.community.code, 2016)} == {
        k: v for k, v in before.items() if k[:2] != (facts.community.code, 2016)
    }
    if POSTGRES:  # one community-year block rewritten
        assert changed.inserted == changed.deleted == 9


def test_recompute_respects_the_area_and_the_years(facts) -> None:  # type: ignore[no-untyped-def]
    compliance_recompute(actor=None, area_code="4313", years=YEARS)
    sentinel = ComplianceResult.objects.get(area_code=facts.community.code, year=2017, rule="premises_area")
    # changed behind the engine's back, as a row written some other way (without its block's digest)
    ComplianceResult.objects.filter(pk=sentinel.pk).update(status=NO_DATA, block_digest="")
    OperatingFund.objects.filter(community=facts.community2).update(amount=Decimal(1))

    summary = compliance_recompute(actor=facts.admin, area_code="431381", years=[2017])
    assert summary.communities == 1
    assert ComplianceResult.objects.get(pk=sentinel.pk).status == NO_DATA  # 431302: untouched
    assert (
        results(area_code=facts.community2.code, year=2017, rule="operating_funds")[
            (facts.community2.code, 2017, "operating_funds")
        ][0]
        == SHORT
    )
    assert (
        results(area_code=facts.community2.code, year=2016, rule="operating_funds")[
            (facts.community2.code, 2016, "operating_funds")
        ][0]
        == NO_DATA
    )  # 2016 not recomputed, still there

    compliance_recompute_community(community=facts.community, years=[2017])
    assert ComplianceResult.objects.get(area_code=facts.community.code, year=2017, rule="premises_area").status == MEETS
    assert ComplianceResult.objects.filter(area_code=facts.community_b.code).exists()


def test_years_default_from_the_first_policy_year_to_this_year(facts) -> None:  # type: ignore[no-untyped-def]
    summary = compliance_recompute(actor=None, area_code=facts.community.code)
    assert summary.years == list(range(2015, dt.date.today().year + 1))
    assert set(ComplianceResult.objects.values_list("year", flat=True)) == set(summary.years)


def test_a_new_policy_version_changes_only_the_years_it_judges(facts) -> None:  # type: ignore[no-untyped-def]
    compliance_recompute(actor=None, area_code="4313", years=YEARS)
    v2 = PolicyVersion.objects.get(policy_set__code=LOUDI_SET, number=2)
    PolicyVersion.objects.filter(pk=v2.pk).update(effective_to=dt.date(2016, 12, 31))
    v3 = PolicyVersion.objects.create(policy_set=v2.policy_set, number=3, effective_from=dt.date(2017, 1, 1),
                                      citation="测试")  # fmt: skip
    for p in PolicyParameter.objects.filter(version=v2):
        value = "500" if p.key == "premises_min_m2" else p.value
        PolicyParameter.objects.create(version=v3, key=p.key, kind=p.kind, value=value, label=p.label)
    compliance_recompute(actor=None, area_code="4313", years=YEARS)
    code = facts.community.code
    row = ComplianceResult.objects.get(area_code=code, year=2017, rule="premises_area")
    assert (row.status, row.threshold, row.gap, row.policy_version_id) == (SHORT, 500, 50, v3.pk)
    assert ComplianceResult.objects.get(area_code=code, year=2016, rule="premises_area").policy_version_id == v2.pk


def test_special_characters_round_trip(facts) -> None:  # type: ignore[no-untyped-def]
    add_worker(facts.community2, name='王"五\\六\t', position="director", pay="1000")
    first = compliance_recompute(actor=None, area_code=facts.community2.code, years=[2017])
    detail = ComplianceResult.objects.get(area_code=facts.community2.code, year=2017, rule="base_pay").detail
    assert detail["below"][0]["name"] == '王"五\\六\t'
    again = compliance_recompute(actor=None, area_code=facts.community2.code, years=[2017])
    if POSTGRES:
        assert again.inserted == 0 and again.unchanged == first.rows


@pytest.mark.parametrize(
    ("user", "area", "allowed"),
    [
        ("admin", "", True),
        ("admin", "4313", True),
        ("district_officer", "431302", True),
        ("district_officer", "431381", False),
        ("district_officer", "", False),
        ("worker", "431302001001", True),
        ("worker", "431302001", False),
        ("outsider", "431302001001", False),
        ("analyst", "4313", False),
        ("grid_worker", "431302001001", False),
        ("auditor", "431302", False),
        ("resident_user", "431302001001", False),
    ],
)
def test_who_may_recompute(facts, user: str, area: str, allowed: bool) -> None:  # type: ignore[no-untyped-def]
    actor = getattr(facts, user)
    if allowed:
        compliance_recompute(actor=actor, area_code=area, years=[2017])
        assert ComplianceResult.objects.exists()
    else:
        with pytest.raises(PermissionDenied):
            compliance_recompute(actor=actor, area_code=area, years=[2017])
        with pytest.raises(PermissionDenied):
            compliance_recompute_start(actor=actor, area_code=area, years=[2017])
        assert not ComplianceResult.objects.exists()
        assert not BackgroundJob.objects.exists()


def test_background_job_reports_progress_and_result(facts, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        job = compliance_recompute_start(actor=facts.subdistrict_officer, area_code="431302001", years=[2016, 2017])
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.SUCCEEDED, job.error
    assert job.kind == "standards.recompute" and job.area_code == "431302001"
    assert (job.progress_done, job.progress_total) == (2, 2)
    assert job.result["communities"] == 2 and job.result["rows"] == ComplianceResult.objects.count() > 0


def test_management_command(facts) -> None:  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command("recompute_compliance", "--area", "431302", "--years", "2015-2017", stdout=out)
    assert "社区（村）2 个" in out.getvalue() and "2015–2017" in out.getvalue()
    assert set(ComplianceResult.objects.values_list("year", flat=True)) == {2015, 2016, 2017}
    with pytest.raises(CommandError):
        call_command("recompute_compliance", "--years", "2017-2015")
    with pytest.raises(CommandError):
        call_command("recompute_compliance", "--area", "43x")


def _signature() -> list[tuple[object, ...]]:
    from shequ.facilities.models import Premises
    from shequ.funding.models import ProjectFund
    from shequ.governance.models import ActionItem, Evaluation, Worker

    return [
        *Premises.objects.order_by("area_code", "year_from").values_list("area_code", "floor_area_m2", "plaques"),
        *Worker.objects.order_by("area_code", "name", "start_date").values_list("name", "position", "monthly_base_pay"),
        *Evaluation.objects.order_by("area_code", "worker__name", "year").values_list("year", "rating"),
        *ActionItem.objects.order_by("area_code", "second_year").values_list("first_year", "second_year", "status"),
        *OperatingFund.objects.order_by("area_code", "year", "source").values_list("year", "source", "amount"),
        *ProjectFund.objects.order_by("area_code", "year", "name").values_list("year", "name", "amount"),
    ]


def test_generator_is_deterministic_and_feeds_the_recompute(world) -> None:  # type: ignore[no-untyped-def]
    from shequ.standards.generator import generate_standards_facts, standards_facts_delete

    ensure_loudi_policy()
    counts = generate_standards_facts(root_code="4313", years=range(2015, 2019), seed=7)
    assert counts["communities"] == 3
    assert all(counts[k] > 0 for k in ("premises", "rooms", "workers", "evaluations", "operating_funds"))
    assert counts["project_funds"] > 0  # two central-city communities
    first = _signature()
    assert add_premises(world.community2, area="1").pk > 0 and add_worker(world.community2).pk > 0  # keys moved on
    first = _signature()
    summary = compliance_recompute(actor=None, area_code="4313", years=[2015, 2016, 2017, 2018])
    assert summary.rows == ComplianceResult.objects.count() > 3 * 4 * 6
    again = generate_standards_facts(root_code="4313", years=range(2015, 2019), seed=7)
    assert again == counts and _signature() != first  # the hand-made rows are gone
    first = _signature()
    generate_standards_facts(root_code="4313", years=range(2015, 2019), seed=7)
    assert _signature() == first  # regenerated from scratch, same data
    assert not ComplianceResult.objects.exists()  # the generator clears what was derived from the old facts
    generate_standards_facts(root_code="431381", years=range(2015, 2019), seed=8)
    assert _signature() != first

    standards_facts_delete(root_code="4313")
    assert _signature() == []
