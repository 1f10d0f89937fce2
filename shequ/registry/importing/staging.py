"""Temporary staging tables the planner fills while it reads the file, and the two ways to fill them:
PostgreSQL COPY (psycopg 3 cursor.copy) and executemany on SQLite.

Staging tables are session-local temporary tables, so they are filled in autocommit while the file is
read (progress stays visible to the page) and then written to the registry in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

# (name, PostgreSQL type, SQLite type). Every text column is TEXT on SQLite: digits-only codes must not
# take numeric affinity.
_TABLES: dict[str, list[tuple[str, str, str]]] = {
    "res": [
        ("row_no", "integer", "INTEGER"),
        ("action", "text", "TEXT"),
        ("resident_id", "bigint", "INTEGER"),
        ("id_number", "text", "TEXT"),
        ("id_number_rev", "text", "TEXT"),
        ("name", "text", "TEXT"),
        ("name_pinyin", "text", "TEXT"),
        ("name_initials", "text", "TEXT"),
        ("sex", "text", "TEXT"),
        ("birth_date", "date", "TEXT"),
        ("phone", "text", "TEXT"),
        ("phone_rev", "text", "TEXT"),
        ("relation", "text", "TEXT"),
        ("household_number", "text", "TEXT"),
        ("community_id", "bigint", "INTEGER"),
        ("grid_id", "bigint", "INTEGER"),
        ("area_code", "text", "TEXT"),
        ("moved", "text", "TEXT"),
        ("rel_changed", "text", "TEXT"),
    ],
    "tag": [("id_number", "text", "TEXT"), ("tag_id", "bigint", "INTEGER")],
    "hh": [
        ("number", "text", "TEXT"),
        ("action", "text", "TEXT"),
        ("household_id", "bigint", "INTEGER"),
        ("community_id", "bigint", "INTEGER"),
        ("grid_id", "bigint", "INTEGER"),
        ("area_code", "text", "TEXT"),
        ("kind", "text", "TEXT"),
        ("building_address", "text", "TEXT"),
        ("room", "text", "TEXT"),
        ("head_id_number", "text", "TEXT"),
        ("head_resident_id", "bigint", "INTEGER"),
    ],
    "bld": [
        ("action", "text", "TEXT"),
        ("building_id", "bigint", "INTEGER"),
        ("community_id", "bigint", "INTEGER"),
        ("grid_id", "bigint", "INTEGER"),
        ("area_code", "text", "TEXT"),
        ("address", "text", "TEXT"),
        ("compound", "text", "TEXT"),
        ("number", "text", "TEXT"),
        ("latitude", "double precision", "REAL"),
        ("longitude", "double precision", "REAL"),
    ],
    "audit": [
        ("entity_type", "text", "TEXT"),
        ("entity_id", "text", "TEXT"),
        ("action", "text", "TEXT"),
        ("area_code", "text", "TEXT"),
        ("summary", "text", "TEXT"),
        ("changes", "text", "TEXT"),
    ],
}
PREFIX = "shequ_imp_"
FLUSH_ROWS = 5000


def table(name: str) -> str:
    return PREFIX + name


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


class Staging:
    """Buffers rows per staging table and loads them in blocks."""

    def __init__(self) -> None:
        self.postgres = is_postgres()
        self.buffers: dict[str, list[Sequence[Any]]] = {name: [] for name in _TABLES}
        self.counts: dict[str, int] = dict.fromkeys(_TABLES, 0)
        self.created = False
        self._ids: list[int] = []

    def next_resident_id(self) -> int | None:
        """PostgreSQL: an id for a new resident, reserved from its sequence in blocks (values left unused by an
        import that is not committed are gaps, as after any rollback). SQLite: None; apply.py numbers the new
        rows inside the write transaction instead."""
        if not self.postgres:
            return None
        if not self._ids:
            from shequ.registry.models import Resident

            table_name = Resident._meta.db_table
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table_name, FLUSH_ROWS],
                )
                self._ids = [row[0] for row in cursor.fetchall()][::-1]
        return self._ids.pop()

    def create(self) -> None:
        with connection.cursor() as cursor:
            for name, columns in _TABLES.items():
                cursor.execute(f"DROP TABLE IF EXISTS {table(name)}")
                cols = ", ".join(f"{c} {pg if self.postgres else lite}" for c, pg, lite in columns)
                cursor.execute(f"CREATE TEMPORARY TABLE {table(name)} ({cols})")
        self.created = True

    def drop(self) -> None:
        if not self.created:
            return
        with connection.cursor() as cursor:
            for name in _TABLES:
                cursor.execute(f"DROP TABLE IF EXISTS {table(name)}")
        self.created = False

    def add(self, name: str, row: Sequence[Any]) -> None:
        buffer = self.buffers[name]
        buffer.append(row)
        if len(buffer) >= FLUSH_ROWS:
            self.flush(name)

    def flush(self, name: str | None = None) -> None:
        for key in [name] if name else list(self.buffers):
            rows = self.buffers[key]
            if not rows:
                continue
            self._load(key, rows)
            self.counts[key] += len(rows)
            self.buffers[key] = []

    def _load(self, name: str, rows: list[Sequence[Any]]) -> None:
        columns = [c for c, _pg, _lite in _TABLES[name]]
        with connection.cursor() as cursor:
            if self.postgres:
                raw = cursor.cursor
                with raw.copy(f"COPY {table(name)} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                sql = f"INSERT INTO {table(name)} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - fixed names
                cursor.executemany(sql, rows)

    def analyze(self) -> None:
        if self.postgres:
            with connection.cursor() as cursor:
                for name in _TABLES:
                    if self.counts[name]:
                        cursor.execute(f"ANALYZE {table(name)}")
