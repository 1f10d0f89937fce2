"""Replacing the stored results of a scope (communities × years) with freshly computed ones.

PostgreSQL: one query returns, per stored community-year, an md5 of its rows rendered exactly as
`compliance_eval.Rendered.text` renders a new result; a community-year whose digest is unchanged is left alone,
the others are deleted by (community, year) and their new rows go in with one COPY. So a recompute that changes
little writes little — a full rewrite of a city is ~400,000 rows through four indexes, and every insert over a
just-deleted duplicate key has to visit the dead row. `computed_at` is therefore the time a community-year's
results last changed; the audit log records every run. If the text forms ever drifted apart, every block would
look changed and be rewritten: slower, never wrong.

SQLite (the embedded demo): delete the scope and insert everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from shequ.standards.compliance_eval import Block, Sink
from shequ.standards.compliance_io import bulk_insert
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
)
# A stored row as Rendered.text renders a new one; rows of a block joined in rule order (byte order, whatever the
# database's collation).
STORED_TEXT_SQL = (
    "concat_ws(E'\\t', rule, status::text, coalesce(measured::text, '\\N'), coalesce(threshold::text, '\\N'), "
    "coalesce(gap::text, '\\N'), coalesce(policy_version_id::text, '\\N'), detail::text)"
)
DIGESTS_SQL = (
    "SELECT community_id, year, md5(string_agg({row}, E'\\n' ORDER BY rule COLLATE \"C\")) "
    "FROM {table} WHERE {where} GROUP BY community_id, year"
)
# Past this share of changed community-years, deleting the scope at once beats deleting block by block.
FULL_REWRITE_SHARE = 0.9
CHUNK = 20000
LOCK_KEY = 4313_0003  # pg_advisory_xact_lock key of the results table's writers


@dataclass
class WriteCounts:
    deleted: int = 0
    inserted: int = 0
    unchanged: int = 0


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
         b.code, b.kind, now)
        for b in sink.blocks
        for r in b.results
    ]  # fmt: skip
    return WriteCounts(
        deleted=deleted, inserted=bulk_insert(ComplianceResult, COLUMNS, rows, chunk=CHUNK, prepared=True)
    )


def _num(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"


def replace_results(sink: Sink, *, area_code: str, community_id: int | None, years: Sequence[int]) -> WriteCounts:
    """Make the stored rows of the scope equal to `sink` (call inside a transaction)."""
    if not sink.copy:
        return _sqlite_replace(sink, area_code, community_id, years)

    quote = connection.ops.quote_name
    table = quote(ComplianceResult._meta.db_table)
    where, params = _scope_sql(area_code, community_id, years)
    counts = WriteCounts()
    with connection.cursor() as cursor:
        # One writer at a time (until commit): two overlapping recomputes would otherwise both delete a block and
        # both insert it again.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        cursor.execute(DIGESTS_SQL.format(row=STORED_TEXT_SQL, table=table, where=where), params)
        stored = {(cid, year): digest for cid, year, digest in cursor.fetchall()}

        changed: list[Block] = []
        for block in sink.blocks:
            if stored.pop((block.cid, block.year), None) == block.digest:
                counts.unchanged += len(block.results)
            else:
                changed.append(block)
        gone = [(b.cid, b.year) for b in changed] + list(stored)  # stored blocks not produced any more

        if len(gone) > FULL_REWRITE_SHARE * max(1, len(sink.blocks)):
            cursor.execute(f"DELETE FROM {table} WHERE {where}", params)  # noqa: S608 - fixed SQL
            counts.deleted = cursor.rowcount
            changed, counts.unchanged = sink.blocks, 0
        elif gone:
            cursor.execute(
                f"DELETE FROM {table} WHERE (community_id, year) IN "  # noqa: S608 - fixed SQL
                "(SELECT * FROM unnest(%s::bigint[], %s::integer[]))",
                [[cid for cid, _y in gone], [year for _c, year in gone]],
            )
            counts.deleted = cursor.rowcount
        if changed:
            now = sink.now.isoformat()
            cols = ", ".join(quote(c) for c in COLUMNS)
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                lines: list[str] = []
                for block in changed:
                    head = f"{block.cid}\t{block.year}\t"
                    tail = f"\t{block.code}\t{block.kind}\t{now}\n"
                    lines.extend([head + r.copy + tail for r in block.results])
                    counts.inserted += len(block.results)
                    if len(lines) >= CHUNK:
                        copy.write("".join(lines))
                        lines = []
                if lines:
                    copy.write("".join(lines))
    return counts
