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

from collections.abc import Sequence
from typing import Any

from django.db import connection


def fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """All rows of a SELECT (or of a statement with RETURNING)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
    with connection.wrap_database_errors, _server_cursor() as cursor:
        cursor.execute(sql, params, prepare=True)
        return list(cursor.fetchall())


def run(sql: str, params: Sequence[Any]) -> int:
    """Execute a statement without rows to read; its row count."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return int(cursor.rowcount)
    with connection.wrap_database_errors, _server_cursor() as cursor:
        cursor.execute(sql, params, prepare=True)
        return int(cursor.rowcount)


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
