"""Raw statements on the few request paths that run thousands of times a minute (an online ballot, a bearer
token), sent so that PostgreSQL plans them once per connection.

Django binds parameters on the client, so every statement is parsed and planned again: for the ballot's
five-table read and the token's four-table read, planning costs more than executing. On PostgreSQL these
statements go through a server-binding psycopg cursor on Django's own connection (same transaction, errors
turned into Django's) and are prepared on first use; Django's own client-binding cursors never prepare, so
nothing else changes. Not for a pooler in transaction mode (a prepared statement belongs to
a server session) — none is used here. On SQLite they run on Django's cursor.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection


def fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """All rows of a SELECT (or of a statement with RETURNING)."""
    with _executed(sql, params) as cursor:
        return list(cursor.fetchall())


def run(sql: str, params: Sequence[Any]) -> int:
    """Execute a statement without rows to read; its row count."""
    with _executed(sql, params) as cursor:
        return int(cursor.rowcount)


@contextmanager
def _executed(sql: str, params: Sequence[Any]) -> Iterator[Any]:
    """A cursor that has executed `sql`: prepared on PostgreSQL, Django's on SQLite."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            yield cursor
        return
    with connection.wrap_database_errors, _server_cursor() as cursor:
        cursor.execute(sql, params, prepare=True)
        yield cursor


def _server_cursor() -> Any:
    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:  # Django turns preparing off; `prepare=True` is obeyed only when it is on
        raw.prepare_threshold = 5
        # Only these statements are prepared on the connection: plan them once, not per call (PostgreSQL would
        # otherwise keep planning a statement whose generic plan it estimates dearer than a custom one).
        raw.execute("SET plan_cache_mode TO force_generic_plan")
    return psycopg.Cursor(raw)
