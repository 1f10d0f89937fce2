# The SQL below is assembled from model table names and fixed fragments only; every value is a parameter.
# ruff: noqa: S608
"""Writing the staged plan to the registry, set-based: INSERT ... SELECT and UPDATE ... FROM over the
staging tables, the same SQL on PostgreSQL and SQLite (≥ 3.33) but for a few dialect helpers. Runs inside
the caller's transaction; nothing here commits.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.conf import settings
from django.db import connection

from shequ.areas.models import Area, AreaStats, AreaTagCount
from shequ.areas.stats import ancestor_codes
from shequ.core.models import AuditLog
from shequ.registry.importing.staging import table
from shequ.registry.models import Building, Household, HouseholdMembership, Resident, ResidentTag

RES, TAG, HH, BLD, AUDIT = (table(n) for n in ("res", "tag", "hh", "bld", "audit"))
T_RES = Resident._meta.db_table
T_HH = Household._meta.db_table
T_BLD = Building._meta.db_table
T_MEM = HouseholdMembership._meta.db_table
T_TAG = ResidentTag._meta.db_table
T_AUDIT = AuditLog._meta.db_table
T_AREA = Area._meta.db_table
T_STATS = AreaStats._meta.db_table
T_TAGCOUNT = AreaTagCount._meta.db_table


class Dialect:
    def __init__(self) -> None:
        self.pg = connection.vendor == "postgresql"

    def obj(self, pairs: list[tuple[str, str]]) -> str:
        """A JSON object {key: [null, expr]} — the audit log's {field: [old, new]} shape for a creation."""
        fn, arr = ("jsonb_build_object", "jsonb_build_array") if self.pg else ("json_object", "json_array")
        return f"{fn}(" + ", ".join(f"'{key}', {arr}(NULL, {expr})" for key, expr in pairs) + ")"

    def json_param(self, expr: str) -> str:
        return f"CAST({expr} AS jsonb)" if self.pg else expr

    def greatest(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})" if self.pg else f"MAX({a}, {b})"


def _deferred_indexes(cursor: Any, staged_rows: int) -> list[str]:
    """PostgreSQL's advice for initial loads (what pg_restore does): when registry tables are still empty and
    the file is big, drop their plain secondary indexes and foreign keys inside the import transaction and
    build them again at the end — a sorted index build and one set-based foreign-key validation are several
    times faster than a million B-tree insertions and trigger checks. Unique indexes and constraints stay, so
    duplicates are still refused; the foreign keys are validated when they are added back. It all happens in
    the import's transaction: a failure leaves the tables as they were. Returns the statements to run after."""
    threshold = int(getattr(settings, "SHEQU_IMPORT_REBUILD_INDEXES_MIN_ROWS", 100_000))
    if connection.vendor != "postgresql" or staged_rows < threshold:
        return []
    after: list[str] = []
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # settle checks queued earlier in this transaction, if any
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    for model_table in (T_RES, T_HH, T_MEM, T_TAG):
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {model_table})")
        if cursor.fetchone()[0]:
            continue
        cursor.execute(
            """SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s
               AND indexdef NOT LIKE 'CREATE UNIQUE%%'""",
            [model_table],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
            after.append(definition)
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [model_table],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f'ALTER TABLE {model_table} DROP CONSTRAINT "{name}"')
            after.append(f'ALTER TABLE {model_table} ADD CONSTRAINT "{name}" {definition}')
    return after


def apply_plan(*, actor_id: int | None, now: Any, batch_id: str, stats: dict[str, list[int]],
               tag_deltas: Counter[tuple[str, int]], staged_rows: int = 0,
               audit_creates: bool = True) -> dict[str, int]:
    d = Dialect()
    ts = connection.ops.adapt_datetimefield_value(now)
    out: dict[str, int] = {}
    with connection.cursor() as c:

        def run(sql: str, params: list[Any] | tuple[Any, ...] = ()) -> int:
            c.execute(sql, params)
            return c.rowcount

        if d.pg:
            work_mem = str(getattr(settings, "SHEQU_IMPORT_WORK_MEM", "64MB"))
            c.execute("SELECT set_config('work_mem', %s, true)", [work_mem])  # this transaction only
        recreate = _deferred_indexes(c, staged_rows)

        # 0. Ids for new residents, taken before any insert so that new households can name their head (foreign
        #    keys are deferred to the commit on both databases) and no later step has to look residents up.
        #    On PostgreSQL the planner reserved them from the sequence while staging (Staging.next_resident_id).
        if not d.pg:
            run(f"CREATE INDEX IF NOT EXISTS {RES}_idn ON {RES} (id_number)")
            # After both the largest id and the AUTOINCREMENT counter: ids of deleted residents are never reused.
            run(f"""UPDATE {RES} SET resident_id = MAX(
                    (SELECT COALESCE(MAX(id), 0) FROM {T_RES}),
                    COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{T_RES}'), 0)) + row_no
                    WHERE action = 'C'""")
            run(f"""UPDATE {HH} SET head_resident_id = s.resident_id FROM {RES} s
                    WHERE s.id_number = {HH}.head_id_number AND {HH}.head_resident_id IS NULL""")

        # 1. Buildings.
        run(f"""INSERT INTO {T_BLD} (community_id, grid_id, area_code, created_at, updated_at, compound, number,
                address, latitude, longitude)
                SELECT community_id, grid_id, area_code, %s, %s, compound, number, address, latitude, longitude
                FROM {BLD} WHERE action = 'C'""", [ts, ts])
        run(f"""UPDATE {T_BLD} SET compound = s.compound, number = s.number, latitude = s.latitude,
                longitude = s.longitude, grid_id = s.grid_id, area_code = s.area_code, updated_at = %s
                FROM {BLD} s WHERE {T_BLD}.id = s.building_id AND s.action = 'U'""", [ts])
        if audit_creates:
            run(f"""INSERT INTO {T_AUDIT} (at, actor_id, action, entity_type, entity_id, area_code, summary, changes)
                SELECT %s, %s, 'building.create', 'building', CAST(b.id AS TEXT), b.area_code, b.address,
                {d.obj([("address", "b.address"), ("compound", "b.compound"), ("import", "CAST(%s AS TEXT)")])}
                FROM {BLD} s JOIN {T_BLD} b ON b.community_id = s.community_id AND b.address = s.address
                WHERE s.action = 'C'""", [ts, actor_id, batch_id])

        # 2. Households. Heads who move out or stop being head are cleared first; then new households are
        #    inserted with their head, and existing ones get their new attributes and head.
        moved = f"SELECT resident_id FROM {RES} WHERE action = 'U' AND moved = 'Y'"
        run(f"""UPDATE {T_HH} SET head_id = NULL WHERE head_id IN ({moved}) OR head_id IN
                (SELECT resident_id FROM {RES} WHERE action = 'U' AND rel_changed = 'Y' AND relation <> 'head')""")
        run(f"""INSERT INTO {T_HH} (community_id, grid_id, area_code, created_at, updated_at, number, kind,
                building_id, room, head_id, dissolved_at)
                SELECT s.community_id, s.grid_id, s.area_code, %s, %s, s.number, s.kind, b.id, s.room,
                s.head_resident_id, NULL
                FROM {HH} s LEFT JOIN {T_BLD} b ON b.community_id = s.community_id AND b.address = s.building_address
                WHERE s.action = 'C'""", [ts, ts])
        building_of = (f"(SELECT b.id FROM {T_BLD} b WHERE b.community_id = s.community_id "
                       f"AND b.address = s.building_address AND s.building_address <> '')")
        run(f"""UPDATE {T_HH} SET kind = s.kind, room = s.room, building_id = {building_of}, updated_at = %s
                FROM {HH} s WHERE {T_HH}.id = s.household_id AND s.action = 'U'""", [ts])
        run(f"""UPDATE {T_HH} SET head_id = s.head_resident_id FROM {HH} s
                WHERE {T_HH}.id = s.household_id AND s.action <> 'C' AND s.head_resident_id IS NOT NULL""")
        if audit_creates:
            run(f"""INSERT INTO {T_AUDIT} (at, actor_id, action, entity_type, entity_id, area_code, summary, changes)
                SELECT %s, %s, 'household.create', 'household', CAST(h.id AS TEXT), h.area_code, h.number,
                {d.obj([("number", "h.number"), ("kind", "h.kind"), ("building", "NULLIF(s.building_address, '')"),
                        ("room", "h.room"), ("import", "CAST(%s AS TEXT)")])}
                FROM {HH} s JOIN {T_HH} h ON h.number = s.number WHERE s.action = 'C'""", [ts, actor_id, batch_id])

        # 3. Residents.
        household_of = f"(SELECT h.id FROM {T_HH} h WHERE h.number = s.household_number)"
        out["residents_inserted"] = run(f"""INSERT INTO {T_RES} (id, community_id, grid_id, area_code, created_at,
                updated_at, name, name_pinyin, name_initials, id_number, id_number_rev, sex, birth_date, phone,
                phone_rev, household_id, relation, status)
                SELECT s.resident_id, s.community_id, s.grid_id, s.area_code, %s, %s, s.name, s.name_pinyin,
                s.name_initials, s.id_number, s.id_number_rev, s.sex, s.birth_date, s.phone, s.phone_rev, h.id,
                s.relation, 'active'
                FROM {RES} s LEFT JOIN {T_HH} h ON h.number = s.household_number
                WHERE s.action = 'C'""", [ts, ts])
        run(f"""UPDATE {T_RES} SET name = s.name, name_pinyin = s.name_pinyin, name_initials = s.name_initials,
                phone = s.phone, phone_rev = s.phone_rev, relation = s.relation, household_id = {household_of},
                community_id = s.community_id, grid_id = s.grid_id, area_code = s.area_code, updated_at = %s
                FROM {RES} s WHERE {T_RES}.id = s.resident_id AND s.action = 'U'""", [ts])
        if audit_creates:
            run(f"""INSERT INTO {T_AUDIT} (at, actor_id, action, entity_type, entity_id, area_code, summary, changes)
                SELECT %s, %s, 'resident.create', 'resident', CAST(s.resident_id AS TEXT), s.area_code, s.name,
                {d.obj([("name", "s.name"), ("id_number", "s.id_number"), ("phone", "s.phone"),
                        ("household", "NULLIF(s.household_number, '')"), ("relation", "s.relation"),
                        ("area_code", "s.area_code"), ("import", "CAST(%s AS TEXT)")])}
                FROM {RES} s WHERE s.action = 'C'""", [ts, actor_id, batch_id])

        # 4. Memberships: a move ends the current one and starts another (history kept).
        run(f"UPDATE {T_MEM} SET ended_at = %s WHERE ended_at IS NULL AND resident_id IN ({moved})", [ts])
        run(f"""INSERT INTO {T_MEM} (resident_id, household_id, relation, community_code, started_at, ended_at,
                reason)
                SELECT s.resident_id, h.id, s.relation, a.code, %s, NULL, 'import'
                FROM {RES} s JOIN {T_HH} h ON h.number = s.household_number JOIN {T_AREA} a ON a.id = h.community_id
                WHERE s.moved = 'Y'""", [ts])
        run(f"""UPDATE {T_MEM} SET relation = (SELECT s.relation FROM {RES} s
                WHERE s.resident_id = {T_MEM}.resident_id AND s.action = 'U')
                WHERE ended_at IS NULL AND resident_id IN
                (SELECT resident_id FROM {RES} WHERE action = 'U' AND moved = 'N' AND rel_changed = 'Y')""")

        # 5. A former head still in a household that got a new head becomes 其他 (audited).
        demoted = f"""FROM {T_RES} r JOIN {HH} s ON s.household_id = r.household_id
                WHERE s.action <> 'C' AND s.head_resident_id IS NOT NULL AND r.relation = 'head'
                AND r.id <> s.head_resident_id"""
        run(f"""INSERT INTO {T_AUDIT} (at, actor_id, action, entity_type, entity_id, area_code, summary, changes)
                SELECT %s, %s, 'resident.update', 'resident', CAST(r.id AS TEXT), r.area_code, r.name,
                {d.json_param("%s")} {demoted}""", [ts, actor_id, '{"relation": ["head", "other"]}'])
        ids = f"SELECT r.id {demoted}"
        run(f"""UPDATE {T_MEM} SET relation = 'other' WHERE ended_at IS NULL AND resident_id IN ({ids})""")
        out["heads_replaced"] = run(f"UPDATE {T_RES} SET relation = 'other' WHERE id IN ({ids})")

        # 6. Tags (only links that did not exist).
        run(f"""INSERT INTO {T_TAG} (resident_id, tag_id, since, note)
                SELECT s.resident_id, t.tag_id, NULL, '' FROM {TAG} t JOIN {RES} s ON s.id_number = t.id_number""")

        # 7. Audit rows of updates, prepared by the planner with their old → new values.
        run(f"""INSERT INTO {T_AUDIT} (at, actor_id, action, entity_type, entity_id, area_code, summary, changes)
                SELECT %s, %s, action, entity_type, entity_id, area_code, summary, {d.json_param("changes")}
                FROM {AUDIT}""", [ts, actor_id])
        if recreate:
            # Pending deferred foreign-key checks must run before an index can be built on their table.
            c.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for statement in recreate:
                c.execute(statement)
            c.execute("SET CONSTRAINTS ALL DEFERRED")
        out["rebuilt"] = len(recreate)

        # 8. Subtree counts: deltas rolled up to every ancestor, one statement per area touched.
        _apply_stats(c, d, stats, tag_deltas)
    return out


def _apply_stats(cursor: Any, d: Dialect, stats: dict[str, list[int]], tag_deltas: Counter[tuple[str, int]]) -> None:
    rolled: dict[str, list[int]] = {}
    for code, deltas in stats.items():
        for prefix in ancestor_codes(code):
            acc = rolled.setdefault(prefix, [0, 0, 0])
            for i in range(3):
                acc[i] += deltas[i]
    tags: Counter[tuple[str, int]] = Counter()
    for (code, tag_id), n in tag_deltas.items():
        for prefix in ancestor_codes(code):
            tags[(prefix, tag_id)] += n
    codes = set(rolled) | {code for code, _tag in tags}
    area_ids = dict(Area.objects.filter(code__in=codes).values_list("code", "id")) if codes else {}
    params = [
        (b, h, r, area_ids[code]) for code, (b, h, r) in rolled.items() if code in area_ids and (b or h or r)
    ]
    if params:
        cursor.executemany(
            f"""UPDATE {T_STATS} SET buildings = {d.greatest("0", "buildings + %s")},
                households = {d.greatest("0", "households + %s")}, residents = {d.greatest("0", "residents + %s")}
                WHERE area_id = %s""",
            params,
        )
    up = [(area_ids[code], tag_id, n) for (code, tag_id), n in tags.items() if n > 0 and code in area_ids]
    down = [(-n, area_ids[code], tag_id) for (code, tag_id), n in tags.items() if n < 0 and code in area_ids]
    if up:
        cursor.executemany(
            f"""INSERT INTO {T_TAGCOUNT} (area_id, tag_id, residents) VALUES (%s, %s, %s)
                ON CONFLICT (area_id, tag_id) DO UPDATE SET residents = {T_TAGCOUNT}.residents + excluded.residents""",
            up,
        )
    if down:
        cursor.executemany(
            f"""UPDATE {T_TAGCOUNT} SET residents = {d.greatest("0", "residents - %s")}
                WHERE area_id = %s AND tag_id = %s""",
            down,
        )
