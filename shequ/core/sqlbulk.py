"""Set-based UPDATE of many rows with different values: the rows go into a temporary table (PostgreSQL COPY,
executemany on SQLite) and one UPDATE … FROM joins it. Django's bulk_update writes a CASE per column and batch,
which is fine for hundreds of rows and far too slow for the hundreds of thousands a city-wide regrid moves."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models


def _column(model: type[models.Model], name: str) -> str:
    field: Any = model._meta.get_field(name)
    return str(field.column)


def update_from_rows(model: type[models.Model], key: str, columns: Sequence[str], rows: Iterable[Sequence[Any]],
                     constants: dict[str, Any] | None = None) -> int:
    """UPDATE `model` SET columns = the row's values (and each of `constants`) WHERE key = the row's first value.

    `rows` are (key, *columns) in database form (ids for foreign keys, JSON as text). Returns the rows updated.
    """
    rows = list(rows)
    if not rows:
        return 0
    quote = connection.ops.quote_name
    target = quote(model._meta.db_table)
    names = [_column(model, n) for n in (key, *columns)]
    temp = quote(f"shequ_upd_{model._meta.db_table}")
    select = ", ".join(quote(n) for n in names)
    sets = [f"{quote(n)} = t.{quote(n)}" for n in names[1:]]
    params: list[Any] = []
    for name, value in (constants or {}).items():
        field: Any = model._meta.get_field(name)
        sets.append(f"{quote(field.column)} = %s")
        params.append(field.get_db_prep_value(value, connection))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        # the same column types as the target, so the join and the assignment need no casts
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} AS SELECT {select} FROM {target} WHERE 1 = 0")  # noqa: S608
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {temp} ({select}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(f"ANALYZE {temp}")
        else:
            marks = ", ".join(["%s"] * len(names))
            cursor.executemany(f"INSERT INTO {temp} ({select}) VALUES ({marks})", rows)  # noqa: S608
        cursor.execute(
            f"UPDATE {target} SET {', '.join(sets)} FROM {temp} AS t "  # noqa: S608 - names from the models
            f"WHERE {target}.{quote(names[0])} = t.{quote(names[0])}",
            params,
        )
        updated = cursor.rowcount
        cursor.execute(f"DROP TABLE {temp}")
    return int(updated)
