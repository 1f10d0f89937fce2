"""Pagination whose count stays cheap on big tables: beyond COUNT_CAP rows the count reads "10,000+".

Counting a million scoped rows exactly costs more than the page itself; a capped count is a
`SELECT COUNT(*) FROM (SELECT 1 … LIMIT cap+1)`, bounded whatever the table size.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.utils.functional import cached_property

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def count_cap() -> int:
    return int(getattr(settings, "SHEQU_LIST_COUNT_CAP", 10_000))


class CappedPaginator(Paginator):
    def __init__(self, object_list: Any, per_page: int = PAGE_SIZE, cap: int | None = None, **kwargs: Any):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap if cap is not None else count_cap()

    @cached_property
    def _capped(self) -> tuple[int, bool]:
        qs = self.object_list
        n = qs.order_by()[: self.cap + 1].count() if hasattr(qs, "order_by") else len(qs)
        return min(n, self.cap), n <= self.cap

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        return self._capped[0]

    @property
    def count_exact(self) -> bool:
        return self._capped[1]


def paginate(qs: Any, page: Any, per_page: int = PAGE_SIZE) -> Page:
    per_page = max(1, min(int(per_page or PAGE_SIZE), MAX_PAGE_SIZE))
    return CappedPaginator(qs, per_page).get_page(page)
