"""How the recompute writes its results: only what changed, whatever was written some other way again, and a
rewrite of the whole table as a truncate-and-rebuild that leaves the table's indexes and constraints as they
were and never touches a row outside the scope."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from shequ.areas.models import Area
from shequ.standards import compliance_write
from shequ.standards.compliance import compliance_recompute
from shequ.standards.models import ComplianceResult
from shequ.standards.tests.engine_helpers import add_fund, add_households, add_premises, ensure_loudi_policy

pytestmark = pytest.mark.django_db
POSTGRES = connection.vendor == "postgresql"
YEARS = [2015, 2016, 2017]
TABLE = ComplianceResult._meta.db_table


@pytest.fixture
def facts(world):  # type: ignore[no-untyped-def]
    ensure_loudi_policy()
    add_premises(world.community, area="380", year_from=2012)
    add_households(world.community, 450)
    add_fund(world.community2, 2016, "150000")
    return world


FIELDS = ("area_code", "year", "rule", "status", "measured", "threshold", "gap", "policy_version_id", "detail",
          "community_kind")  # fmt: skip


def _rows() -> list[tuple[Any, ...]]:
    return sorted(ComplianceResult.objects.values_list(*FIELDS))


def _truncated(queries: CaptureQueriesContext) -> bool:
    return any(q["sql"].startswith("TRUNCATE") for q in queries.captured_queries)


def _catalogue() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
            "UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
            "ORDER BY 1",
            [TABLE, TABLE],
        )
        return cursor.fetchall()


def test_rows_missing_or_written_some_other_way_are_written_again(facts) -> None:  # type: ignore[no-untyped-def]
    compliance_recompute(actor=None, area_code="", years=YEARS)
    before = _rows()
    block = ComplianceResult.objects.filter(community=facts.community, year=2016)
    size = block.count()
    block.filter(rule="staffing").delete()
    ComplianceResult.objects.filter(community=facts.community2, year=2017, rule="premises_area").update(
        block_digest=""
    )
    again = compliance_recompute(actor=None, area_code="", years=YEARS)
    assert _rows() == before
    if POSTGRES:
        other = ComplianceResult.objects.filter(community=facts.community2, year=2017).count()
        assert (again.deleted, again.inserted) == (size - 1 + other, size + other)


def test_the_community_kind_is_part_of_what_is_compared(facts) -> None:  # type: ignore[no-untyped-def]
    """2015 judges premises and staffing only, the same for an urban community and a township one: the results
    are equal, yet the rows must follow the community's new kind."""
    compliance_recompute(actor=None, area_code="", years=[2015])
    Area.objects.filter(pk=facts.community2.pk).update(community_kind="township")
    compliance_recompute(actor=None, area_code="", years=[2015])
    kinds = set(ComplianceResult.objects.filter(community=facts.community2).values_list("community_kind", flat=True))
    assert kinds == {"township"}


@pytest.mark.skipif(not POSTGRES, reason="the rebuild is PostgreSQL's; SQLite always deletes and inserts the scope")
def test_a_rewrite_of_the_whole_table_is_a_rebuild_with_the_same_indexes(facts, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    catalogue = _catalogue()
    assert len(catalogue) >= 7  # primary key, unique constraint and its index, 3 secondary indexes, checks
    with CaptureQueriesContext(connection) as queries:
        first = compliance_recompute(actor=None, area_code="", years=YEARS)
    assert _truncated(queries)
    assert first.inserted == first.rows > 0 and first.unchanged == 0
    assert _catalogue() == catalogue
    rebuilt = _rows()

    # the same rows as block by block
    ComplianceResult.objects.all().delete()
    monkeypatch.setattr(compliance_write, "REBUILD_SHARE", 2.0)
    with CaptureQueriesContext(connection) as queries:
        compliance_recompute(actor=None, area_code="", years=YEARS)
    assert not _truncated(queries)
    assert _rows() == rebuilt

    row = ComplianceResult.objects.first()
    assert row is not None
    row.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()  # (community, year, rule) is still unique


@pytest.mark.skipif(not POSTGRES, reason="the rebuild is PostgreSQL's")
def test_rows_outside_the_scope_survive_a_rewrite_of_the_whole_scope(facts) -> None:  # type: ignore[no-untyped-def]
    compliance_recompute(actor=None, area_code="", years=[2015, 2016])
    kept = _rows()
    with CaptureQueriesContext(connection) as queries:
        summary = compliance_recompute(actor=None, area_code="", years=[2017])  # every block of the scope is new
    assert not _truncated(queries)
    assert summary.inserted == summary.rows > 0
    assert [r for r in _rows() if r[1] != 2017] == kept

    others = [r for r in _rows() if not r[0].startswith(facts.district2.code)]
    ComplianceResult.objects.filter(area_code__startswith=facts.district2.code).delete()
    with CaptureQueriesContext(connection) as queries:
        summary = compliance_recompute(actor=None, area_code=facts.district2.code, years=[2015, 2016, 2017])
    assert not _truncated(queries)  # the other district's rows are outside the scope
    assert summary.inserted == summary.rows > 0
    assert [r for r in _rows() if not r[0].startswith(facts.district2.code)] == others
