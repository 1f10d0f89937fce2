"""The per-sub-district rollup of the compliance results (models.ComplianceRollup), kept by the recompute.

A city dashboard cold from cache aggregated every result row (~400,000 for Loudi at 10 years); the rollup holds
the same sums per sub-district (a few thousand rows), so a city or district figure is one small GROUP BY. The
rollup is trusted only while `RollupState.results_version` equals the current results version: rows written
by anything but the recompute (a test, a bench loading rows directly) make the dashboards fall back to the
results themselves until the next full rebuild (`rollup_rebuild`, also run by `recompute_compliance`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Subquery

from shequ.standards.compliance_eval import _fixed
from shequ.standards.models import ComplianceResult, ComplianceRollup, RollupState

if TYPE_CHECKING:
    from shequ.standards.compliance_eval import Block

SUB_LENGTH = 9  # a sub-district's code: the first 9 digits of its communities' codes
STATE_KEY = "compliance"

_INSERT = (
    "INSERT INTO {rollup} (sub_code, year, rule, status, community_kind, threshold, n, gap_sum, measured_sum, "
    "absent, zero_gap) "
    "SELECT substr(area_code, 1, {length}), year, rule, status, community_kind, threshold, count(*), sum(gap), "
    "sum(measured), sum(CASE WHEN measured IS NULL OR measured = 0 THEN 1 ELSE 0 END), "
    "sum(CASE WHEN gap IS NULL OR gap = 0 THEN 1 ELSE 0 END) "
    "FROM {results} WHERE {where} GROUP BY substr(area_code, 1, {length}), year, rule, status, community_kind, "
    "threshold"
)


_COLUMNS = ("sub_code", "year", "rule", "status", "community_kind", "threshold", "n", "gap_sum", "measured_sum",
            "absent", "zero_gap")
Totals = tuple[str, int, Decimal | None, Decimal | None, Decimal | None]  # rule, status, threshold, gap, measured
RollupRow = tuple[str, int, str, int, str, Decimal | None, int, Decimal | None, Decimal | None, int, int]


def _stored(value: Decimal | None) -> Decimal | None:
    """The value as its numeric(14, 2) column holds it: the writer's own COPY text of it, read back."""
    return None if value is None else Decimal(_fixed(value))


class RollupSums:
    """The rollup rows of the blocks a whole-table rewrite COPYs, summed as they go by: the figures `_INSERT`'s
    GROUP BY would read back from those rows. Each (sub-district, year, kind) counts its results by what the
    rollup sums of them (`Rendered.totals`, numbered by the Sink), so each distinct one is summed once."""

    def __init__(self, totals: dict[tuple[Any, ...], int]) -> None:
        self._totals = totals  # the Sink's: (rule, status, measured, threshold, gap) → number
        self._counts: dict[tuple[str, int, str], Counter[int]] = {}

    def add(self, block: Block) -> None:
        key = (block.code[:SUB_LENGTH], block.year, block.kind)
        counts = self._counts.get(key)
        if counts is None:
            counts = self._counts[key] = Counter()
        counts.update(map(_TOTALS, block.results))

    def rows(self) -> list[RollupRow]:
        values: list[Totals] = [("", 0, None, None, None)] * len(self._totals)
        for (rule, status, measured, threshold, gap), number in self._totals.items():
            values[number] = (rule, status, _stored(threshold), _stored(gap), _stored(measured))
        sums: dict[tuple[str, int, str, int, str, Decimal | None], list[Any]] = {}
        for (sub, year, kind), counts in self._counts.items():
            for number, n in counts.items():
                rule, status, threshold, gap, measured = values[number]
                key = (sub, year, rule, status, kind, threshold)
                acc = sums.get(key)
                if acc is None:
                    acc = sums[key] = [0, None, None, 0, 0]
                acc[0] += n
                if gap is not None:
                    acc[1] = (acc[1] or 0) + gap * n
                if measured is not None:
                    acc[2] = (acc[2] or 0) + measured * n
                if not measured:
                    acc[3] += n
                if not gap:
                    acc[4] += n
        return [(*key, n, gap_sum, measured_sum, absent, zero_gap)
                for key, (n, gap_sum, measured_sum, absent, zero_gap) in sums.items()]


_TOTALS = attrgetter("totals")


def _version() -> str:
    from shequ.standards.selectors.base import results_version

    return results_version()


def rollup_fresh() -> bool:
    """True when the rollup was built from the results as they are now (one query: the state and the newest
    result, whose id and time make the version — see selectors.base.results_version)."""
    latest = ComplianceResult.objects.order_by("-id")
    row = (
        RollupState.objects.filter(key=STATE_KEY)
        .annotate(latest_id=Subquery(latest.values("id")[:1]), latest_at=Subquery(latest.values("computed_at")[:1]))
        .values_list("results_version", "latest_id", "latest_at")
        .first()
    )
    if row is None:
        return False
    from shequ.standards.selectors.base import version_of

    state, latest_id, latest_at = row
    return bool(state == version_of(latest_id, latest_at))


def _mark(version: str) -> None:
    RollupState.objects.update_or_create(key=STATE_KEY, defaults={"results_version": version})


def _delete(prefix: str, years: Sequence[int] | None, subs: Sequence[str] | None = None) -> None:
    stale = ComplianceRollup.objects.filter(sub_code__startswith=prefix) if prefix else ComplianceRollup.objects.all()
    if years is not None:
        stale = stale.filter(year__in=list(years))
    if subs is not None:
        stale = stale.filter(sub_code__in=list(subs))
    stale._raw_delete(connection.alias)


def _replace(prefix: str, years: Sequence[int], rows: Iterable[RollupRow]) -> None:
    """The rollup rows under `prefix` for `years` become `rows` (summed while the results were written). A DELETE,
    not a TRUNCATE: the dashboards keep reading the rollup while the results are rewritten."""
    _delete(prefix, years)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in _COLUMNS)
    with connection.cursor() as cursor, cursor.cursor.copy(
        f"COPY {quote(ComplianceRollup._meta.db_table)} ({columns}) FROM STDIN"
    ) as copy:
        for row in rows:
            copy.write_row(row)


def _refresh(prefix: str, years: Sequence[int] | None, subs: Sequence[str] | None = None) -> None:
    """Rebuild the rollup rows under `prefix` for `years` (None: all), only of the sub-districts `subs` if given."""
    _delete(prefix, years, subs)
    where: list[str] = ["1 = 1"]
    params: list[str | int] = []
    if prefix:
        where.append("area_code LIKE %s")
        params.append(prefix + "%")
    if years is not None:
        where.append(f"year IN ({', '.join(['%s'] * len(years))})" if years else "1 = 0")
        params.extend(years)
    if subs is not None:
        where.append(f"substr(area_code, 1, {SUB_LENGTH}) IN ({', '.join(['%s'] * len(subs))})" if subs else "1 = 0")
        params.extend(subs)
    quote = connection.ops.quote_name
    sql = _INSERT.format(rollup=quote(ComplianceRollup._meta.db_table), results=quote(ComplianceResult._meta.db_table),
                         length=SUB_LENGTH, where=" AND ".join(where))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def rollup_rebuild() -> None:
    """Rebuild the whole rollup from the results (call inside a transaction)."""
    _refresh("", None)
    _mark(_version())


def rollup_after_write(
    *, area_code: str, years: Sequence[int], was_fresh: bool, touched: set[tuple[str, int]] | None = None,
    sums: RollupSums | None = None,
) -> None:
    """After the recompute replaced the results of `area_code` (a community's code, a larger area's, or "")
    for `years`: refresh the rollup rows that cover them — when the rollup was fresh and the writer says which
    (community code, year) blocks it `touched`, only those sub-districts' years (none when nothing changed).
    Fresh again only if it was fresh before the write or this refresh covered every result (no result lies
    outside the area and the years)."""
    prefix = area_code[:SUB_LENGTH]
    if was_fresh and touched is not None:
        by_year: dict[int, set[str]] = {}
        for code, year in touched:
            by_year.setdefault(year, set()).add(code[:SUB_LENGTH])
        for year, subs in sorted(by_year.items()):
            _refresh(prefix, [year], sorted(subs))
        if touched:
            _mark(_version())
        return
    if sums is not None:  # the whole table was rewritten from the scope: its rows were summed on the way
        _replace(prefix, years, sums.rows())
        covers_all = True
    else:
        _refresh(prefix, years)
        outside = ComplianceResult.objects.exclude(year__in=list(years))
        if prefix:
            outside = ComplianceResult.objects.exclude(year__in=list(years), area_code__startswith=prefix)
        covers_all = not outside.exists()
    if was_fresh or covers_all:
        _mark(_version())
