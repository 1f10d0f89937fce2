"""Replacing the stored results of a scope (communities × years) with freshly computed ones.

PostgreSQL: every row carries its community-year's digest (`block_digest`, compliance_eval.Block.digest). One
aggregate returns, per stored community-year, its digests and row count; a block whose digest and count are
unchanged is left alone, the others are deleted by (community, year) and their new rows go in with one COPY. So a
recompute that changes little writes little. `computed_at` is therefore the time a community-year's results last
changed; the audit log records every run. Rows written some other way carry no digest and are always rewritten.

A rewrite of most of the table (the first computation of a city, a policy change) is cheaper as a rebuild: the
table is truncated, its secondary indexes dropped, every row COPYed, the indexes built again from their own
definitions (sorting 400,000 keys once instead of inserting them one by one). Readers of the results wait for
that transaction; the rollup and the dashboards' cache keep answering.

SQLite (the embedded demo): delete the scope and insert everything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from shequ.standards.compliance_eval import Block, Sink
from shequ.standards.compliance_io import bulk_insert
from shequ.standards.compliance_rollup import RollupSums
from shequ.standards.models import ComplianceResult

# The column order of the rows written (COPY and INSERT).
COLUMNS = (
    "community_id",
    "year",
    "rule",
    "status",
    "measured",
    "threshold",
    "gap",
    "policy_version_id",
    "detail",
    "area_code",
    "community_kind",
    "computed_at",
    "block_digest",
)
DIGESTS_SQL = (
    "SELECT community_id, year, min(area_code), min(block_digest), max(block_digest), count(*) "
    "FROM {table} WHERE {where} GROUP BY community_id, year"
)
# Past this share of changed community-years, deleting the scope at once beats deleting block by block.
FULL_REWRITE_SHARE = 0.9
# Past this share, when the scope is the whole table, truncating and rebuilding the indexes beats both.
REBUILD_SHARE = 0.5
CHUNK = 20000
LOCK_KEY = 4313_0003  # pg_advisory_xact_lock key of the results table's writers
# For this transaction only: the digest aggregate and the rollup's GROUP BY hash ~400,000 rows in memory instead
# of sorting them on disk (the default 4 MB), and the rebuilt indexes sort in memory.
# The results are derived data: should the server crash just after the commit, the next recompute writes them
# again, so the commit need not wait for its WAL to reach the disk (atomicity is unchanged).
SESSION_SETTINGS = (
    "SET LOCAL work_mem = '64MB'",
    "SET LOCAL maintenance_work_mem = '256MB'",
    "SET LOCAL synchronous_commit = off",
)


@dataclass
class WriteCounts:
    deleted: int = 0
    inserted: int = 0
    unchanged: int = 0
    # (community code, year) of every block deleted or written; None when the whole scope was rewritten.
    touched: set[tuple[str, int]] | None = field(default_factory=set)
    # The rollup of the rows written, when the whole table was rewritten from the scope.
    sums: RollupSums | None = None


def _scope_sql(area_code: str, community_id: int | None, years: Sequence[int]) -> tuple[str, list[Any]]:
    where = "year = ANY(%s)"
    params: list[Any] = [list(years)]
    if community_id is not None:
        where += " AND community_id = %s"
        params.append(community_id)
    elif area_code:
        where += " AND area_code LIKE %s"
        params.append(area_code.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    return where, params


def _sqlite_replace(sink: Sink, area_code: str, community_id: int | None, years: Sequence[int]) -> WriteCounts:
    qs = ComplianceResult.objects.filter(year__in=list(years))
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    elif area_code:
        qs = qs.filter(area_code__startswith=area_code)
    deleted = qs._raw_delete(connection.alias)
    now = connection.ops.adapt_datetimefield_value(sink.now)
    rows = [
        (b.cid, b.year, r.rule, r.status, _num(r.measured), _num(r.threshold), _num(r.gap), r.version_id, r.detail,
         b.code, b.kind, now, b.digest)
        for b in sink.blocks
        for r in b.results
    ]  # fmt: skip
    inserted = bulk_insert(ComplianceResult, COLUMNS, rows, chunk=CHUNK, prepared=True)
    return WriteCounts(deleted=deleted, inserted=inserted, touched=None)


def _num(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"


def replace_results(sink: Sink, *, area_code: str, community_id: int | None, years: Sequence[int]) -> WriteCounts:
    """Make the stored rows of the scope equal to `sink` (call inside a transaction)."""
    if not sink.copy:
        return _sqlite_replace(sink, area_code, community_id, years)

    table = connection.ops.quote_name(ComplianceResult._meta.db_table)
    where, params = _scope_sql(area_code, community_id, years)
    counts = WriteCounts()
    with connection.cursor() as cursor:
        # One writer at a time (until commit): two overlapping recomputes would otherwise both delete a block and
        # both insert it again.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        for statement in SESSION_SETTINGS:
            cursor.execute(statement)
        cursor.execute(DIGESTS_SQL.format(table=table, where=where), params)
        stored = {(cid, year): (code, low, high, n) for cid, year, code, low, high, n in cursor.fetchall()}
        in_scope = sum(n for _code, _low, _high, n in stored.values())

        changed: list[Block] = []
        for block in sink.blocks:
            old = stored.pop((block.cid, block.year), None)
            if old is not None and old[1] == old[2] == block.digest and old[3] == len(block.results):
                counts.unchanged += len(block.results)
            else:
                changed.append(block)
        gone = [(b.cid, b.year) for b in changed] + list(stored)  # stored blocks not produced any more
        share = len(gone) / max(1, len(sink.blocks))

        if share >= REBUILD_SHARE and not _rows_outside(cursor, table, where, params):
            with _indexes_rebuilt(cursor, table):
                cursor.execute(f"TRUNCATE {table}")
                counts.deleted, counts.unchanged, counts.touched = in_scope, 0, None
                counts.sums = RollupSums(sink.totals)
                counts.inserted = _copy(cursor, table, sink.blocks, sink.now, freeze=True, sums=counts.sums)
            return counts
        if share > FULL_REWRITE_SHARE:
            cursor.execute(f"DELETE FROM {table} WHERE {where}", params)  # noqa: S608 - fixed SQL
            counts.deleted, counts.unchanged, counts.touched = cursor.rowcount, 0, None
            changed = sink.blocks
        elif gone:
            cursor.execute(
                f"DELETE FROM {table} WHERE (community_id, year) IN "  # noqa: S608 - fixed SQL
                "(SELECT * FROM unnest(%s::bigint[], %s::integer[]))",
                [[cid for cid, _y in gone], [year for _c, year in gone]],
            )
            counts.deleted = cursor.rowcount
            counts.touched = {(b.code, b.year) for b in changed} | {
                (old[0], year) for (_c, year), old in stored.items()
            }
        counts.inserted = _copy(cursor, table, changed, sink.now, freeze=False)
    return counts


def _rows_outside(cursor: Any, table: str, where: str, params: list[Any]) -> bool:
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE NOT ({where}))", params)  # noqa: S608 - fixed SQL
    return bool(cursor.fetchone()[0])


@contextmanager
def _indexes_rebuilt(cursor: Any, table: str) -> Iterator[None]:
    """Drop the table's secondary indexes and unique constraints, run the block, create them again exactly as
    they were (their definitions read from the catalogue, so migrations stay the only source of truth)."""
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), pg_get_indexdef(i.indexrelid) "
        "FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary ORDER BY 1",
        [table],
    )
    indexes = cursor.fetchall()
    quote = connection.ops.quote_name
    for index, constraint, _constraint_sql, _index_sql in indexes:
        if constraint:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(constraint)}")
        else:
            cursor.execute(f"DROP INDEX {index}")
    yield
    for _index, constraint, constraint_sql, index_sql in indexes:
        if constraint:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(constraint)} {constraint_sql}")
        else:
            cursor.execute(index_sql)


def _copy(
    cursor: Any, table: str, blocks: Sequence[Block], now: dt.datetime, *, freeze: bool, sums: RollupSums | None = None
) -> int:
    """COPY the rows of `blocks`; `freeze` when the table was truncated in this transaction (the rows are
    written frozen: no hint-bit rewrite or freezing vacuum later); `sums` adds up their rollup on the way."""
    if not blocks:
        return 0
    stamp = now.isoformat()
    cols = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    written = 0
    with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN{' WITH (FREEZE)' if freeze else ''}") as copy:
        lines: list[str] = []
        for block in blocks:
            head = f"{block.cid}\t{block.year}\t"
            tail = f"\t{block.code}\t{block.kind}\t{stamp}\t{block.digest}\n"
            lines.extend([head + r.copy + tail for r in block.results])
            written += len(block.results)
            if sums is not None:
                sums.add(block)
            if len(lines) >= CHUNK:
                copy.write("".join(lines))
                lines = []
        if lines:
            copy.write("".join(lines))
    return written
