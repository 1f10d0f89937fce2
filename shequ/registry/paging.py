"""Pagination that stays cheap on big tables.

- The count is capped: beyond COUNT_CAP rows it reads "10,000+" (`count_exact` is False). A capped count is
  `SELECT COUNT(*) FROM (SELECT id … LIMIT cap+1)`, bounded whatever the table size.
- A result too big to count is shown in an order an index can give (`big_ordering`, by default area code then
  id: grouped by grid) instead of sorting every matching row by name.
- A page is fetched in two steps: the ids of the page (ordered, no joins), then those rows with their
  select_related joins and prefetches — so joins never run over rows that are sorted away. `rows` replaces
  both steps by one query: it gets the page's ids as a sub-query (`pk IN (SELECT id … ORDER BY … LIMIT n)`,
  the joins still run over the page's rows only) and the ordering, and returns the rows in that order
  (e.g. plain dicts from a selector instead of model instances).
- A count that hit the cap is remembered for a short while (`SHEQU_LIST_COUNT_CACHE_SECONDS`, default cache;
  keyed by the SQL, so by viewer scope and filters): it reads "10,000+" either way, and counting the
  first 10,001 rows of a big subtree is the dearest query of a city-level list. Exact counts are never cached.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
BIG_ORDERING = ("area_code", "id")
# rows(ids, ordering): `ids` is a sliced values("pk") queryset (the page), `ordering` the order_by to keep
RowsFetcher = Callable[[QuerySet, tuple[Any, ...]], list[Any]]


def count_cap() -> int:
    return int(getattr(settings, "SHEQU_LIST_COUNT_CAP", 10_000))


def count_cache_seconds() -> int:
    return int(getattr(settings, "SHEQU_LIST_COUNT_CACHE_SECONDS", 60))


def _count_upto(qs: QuerySet, limit: int) -> int:
    """min(rows, limit), remembered for a while when it reaches `limit` (see the module's docstring).

    The inner query is compiled once and serves both as the cache key and as the SQL that is run.
    Querysets with grouping, annotations, DISTINCT or a combinator are simply counted (never cached).
    """
    query = qs.query
    seconds = count_cache_seconds()
    if seconds <= 0 or query.combinator or query.group_by is not None or query.annotations or query.distinct:
        return qs[:limit].count()
    try:
        sql, params = qs.values("pk")[:limit].query.sql_with_params()
    except EmptyResultSet:
        return 0
    key = "shequ:capped-count:" + hashlib.sha256(repr((qs.db, sql, params)).encode()).hexdigest()
    if cache.get(key):
        return limit
    with connections[qs.db].cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) capped", params)  # noqa: S608 - SQL compiled by the ORM
        n = int(cursor.fetchone()[0])
    if n >= limit:
        cache.set(key, True, seconds)
    return n


class CappedPaginator(Paginator):
    def __init__(
        self,
        object_list: Any,
        per_page: int = PAGE_SIZE,
        cap: int | None = None,
        big_ordering: Sequence[str] | None = BIG_ORDERING,
        rows: RowsFetcher | None = None,
        **kwargs: Any,
    ):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap if cap is not None else count_cap()
        self.big_ordering = tuple(big_ordering) if big_ordering else None
        self.rows = rows

    @cached_property
    def _capped(self) -> tuple[int, bool]:
        qs = self.object_list
        if not isinstance(qs, QuerySet):
            n = len(qs)
            return min(n, self.cap), n <= self.cap
        n = _count_upto(qs.order_by(), self.cap + 1)
        return min(n, self.cap), n <= self.cap

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        return self._capped[0]

    @property
    def count_exact(self) -> bool:
        return self._capped[1]

    @property
    def reordered(self) -> bool:
        """True when the rows are shown in `big_ordering` because there are too many to sort by name."""
        return not self.count_exact and self.big_ordering is not None and isinstance(self.object_list, QuerySet)

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        qs = self.object_list
        if not isinstance(qs, QuerySet):
            return Page(qs[bottom : bottom + self.per_page], number, self)
        if self.reordered:
            qs = qs.order_by(*self.big_ordering)  # type: ignore[misc]
        if self.rows is not None:
            if bottom >= self.count:
                return Page([], number, self)  # an empty first page: nothing to ask
            ordering = tuple(qs.query.order_by or qs.model._meta.ordering)
            return Page(self.rows(qs.values("pk")[bottom : bottom + self.per_page], ordering), number, self)
        ids = list(qs.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        by_pk = {row.pk: row for row in qs.order_by().filter(pk__in=ids)} if ids else {}
        return Page([by_pk[pk] for pk in ids if pk in by_pk], number, self)


def paginate(
    qs: Any,
    page: Any,
    per_page: int = PAGE_SIZE,
    *,
    big_ordering: Sequence[str] | None = BIG_ORDERING,
    rows: RowsFetcher | None = None,
) -> Page:
    """`rows(ids_subquery, ordering)` -> the page's rows in that order (default: the queryset's own instances,
    fetched by a list of ids)."""
    per_page = max(1, min(int(per_page or PAGE_SIZE), MAX_PAGE_SIZE))
    return CappedPaginator(qs, per_page, big_ordering=big_ordering, rows=rows).get_page(page)
