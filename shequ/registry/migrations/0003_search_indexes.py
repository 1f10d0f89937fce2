"""Search indexes for PostgreSQL (a no-op on SQLite and any other database).

- Trigram GIN indexes (pg_trgm) on Building.address and Building.compound: the address search is a
  "contains" match (`LIKE '%虎坳村%'`), which a B-tree cannot serve; without them it is a scan of every
  building (docs/benchmarks.md, "Search"). pg_trgm treats 汉字 as word characters, so a term of three or
  more characters uses the index; shorter terms still work, by a scan.
- A covering B-tree (name_initials, area_code) INCLUDE (name_pinyin, id) for pinyin-initials searches: the
  capped count and the page's ids (ordered by name_pinyin, id) are then index-only scans instead of a visit
  to one table page per matching resident, scattered over the whole table.
- No parallel scans of registry_building (`parallel_workers = 0`): the trigram estimate of an address match
  is loose (1,879 rows expected, 441 found), so the planner started a parallel worker for a sub-millisecond
  look-up and the request waited 14–30 ms for it on a busy server (docs/benchmarks.md). A web request
  never wants a parallel plan on this table; without the index (terms under three characters) a serial
  scan of the buildings is still bounded.

Raw SQL guarded by the connection's vendor rather than model Meta indexes: the model state (models.py)
stays database-neutral and SQLite never sees an operator class it does not have. The extension needs the
CREATE privilege on the database (pg_trgm is a trusted extension since PostgreSQL 13); if it cannot be
created the trigram indexes are skipped with a warning and the search works as before, only slower.
"""

from __future__ import annotations

import warnings

from django.db import migrations

TRIGRAM_INDEXES = [
    "CREATE INDEX IF NOT EXISTS building_address_trgm_idx ON registry_building USING gin (address gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS building_compound_trgm_idx ON registry_building USING gin (compound gin_trgm_ops)",
]
BTREE_INDEXES = [
    "CREATE INDEX IF NOT EXISTS resident_initials_cover_idx ON registry_resident "
    "(name_initials varchar_pattern_ops, area_code varchar_pattern_ops) INCLUDE (name_pinyin, id)",
]
NAMES = ["building_address_trgm_idx", "building_compound_trgm_idx", "resident_initials_cover_idx"]
TABLE_SETTINGS = ["ALTER TABLE registry_building SET (parallel_workers = 0)"]


def create_indexes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        has_trgm = cursor.fetchone() is not None
        if not has_trgm:
            cursor.execute("SAVEPOINT shequ_pg_trgm")
            try:
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            except Exception as exc:  # no privilege: the indexes are an optimisation, not a requirement
                cursor.execute("ROLLBACK TO SAVEPOINT shequ_pg_trgm")
                warnings.warn(
                    f"pg_trgm could not be created ({exc}); address search runs without trigram indexes. "
                    "Run CREATE EXTENSION pg_trgm as a superuser, then migrate registry 0002 and 0003 again.",
                    stacklevel=1,
                )
            else:
                has_trgm = True
            cursor.execute("RELEASE SAVEPOINT shequ_pg_trgm")
    for sql in (TRIGRAM_INDEXES if has_trgm else []) + BTREE_INDEXES + TABLE_SETTINGS:
        schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in NAMES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("ALTER TABLE registry_building RESET (parallel_workers)")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0002_default_tags"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
