"""Pagination that stays cheap on big tables.

- The count is capped: beyond COUNT_CAP rows it reads "10,000+" (`count_exact` is False). A capped count is
  `SELECT COUNT(*) FROM (SELECT id … LIMIT cap+1)`, bounded whatever the table size.
- A result too big to count is shown in an order an index can give (`big_ordering`, by default area code then
  id: grouped by grid) instead of sorting every matching row by name.
- A page is fetched in two steps: the ids of the page (ordered, no joins), then those rows with their
  select_related joins and prefetches — so joins never run over rows that are sorted away.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
BIG_ORDERING = ("area_code", "id")


def count_cap() -> int:
    return int(getattr(settings, "SHEQU_LIST_COUNT_CAP", 10_000))


class CappedPaginator(Paginator):
    def __init__(
        self,
        object_list: Any,
        per_page: int = PAGE_SIZE,
        cap: int | None = None,
        big_ordering: Sequence[str] | None = BIG_ORDERING,
        **kwargs: Any,
    ):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap if cap is not None else count_cap()
        self.big_ordering = tuple(big_ordering) if big_ordering else None

    @cached_property
    def _capped(self) -> tuple[int, bool]:
        qs = self.object_list
        n = qs.order_by()[: self.cap + 1].count() if isinstance(qs, QuerySet) else len(qs)
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
            return self._get_page(qs[bottom : bottom + self.per_page], number, self)
        if self.reordered:
            qs = qs.order_by(*self.big_ordering)  # type: ignore[misc]
        ids = list(qs.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        by_pk = {row.pk: row for row in qs.order_by().filter(pk__in=ids)} if ids else {}
        return self._get_page([by_pk[pk] for pk in ids if pk in by_pk], number, self)


def paginate(
    qs: Any, page: Any, per_page: int = PAGE_SIZE, *, big_ordering: Sequence[str] | None = BIG_ORDERING
) -> Page:
    per_page = max(1, min(int(per_page or PAGE_SIZE), MAX_PAGE_SIZE))
    return CappedPaginator(qs, per_page, big_ordering=big_ordering).get_page(page)
