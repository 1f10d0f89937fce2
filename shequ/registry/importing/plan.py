"""Deciding, row by row, what an import does to the registry: create, update, move, leave unchanged or
refuse. Existing records are looked up in chunks (one query per chunk and table, none per row); households
and buildings met in the file are remembered, so later rows agree with earlier ones.

In commit mode every decision is written to the staging tables (see staging.py); apply.py then writes them
to the registry set-based. Statistics deltas are summed here, per area code.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from shequ.registry.importing.columns import HeaderMap
from shequ.registry.importing.fastpath import pinyin_keys_fast
from shequ.registry.importing.rows import AreaRef, BuildingRow, Context, HouseholdRow, ResidentRow, RowError
from shequ.registry.importing.staging import Staging
from shequ.registry.models import Building, Household, HouseholdKind, Relation, Resident, ResidentStatus, ResidentTag


@dataclass(slots=True)
class HH:
    number: str
    id: int | None
    community_id: int
    community_code: str
    grid_id: int | None
    area_code: str
    kind: str
    building_address: str
    room: str
    head_id: int | None = None
    orig: tuple[str, str, str] | None = None  # (kind, building address, room) in the database
    sources: dict[str, int] = field(default_factory=dict)  # attribute -> row that set it
    head_row: int = 0
    head_id_number: str = ""  # the head named in the file, when it changes the household's head
    head_resident_id: int | None = None  # that head's id when already registered
    first_row: int = 0

    @property
    def is_new(self) -> bool:
        return self.id is None


@dataclass(slots=True)
class Existing:
    id: int
    name: str
    phone: str
    relation: str
    status: str
    household_number: str
    community_id: int
    grid_id: int | None
    area_code: str
    tags: set[int]


def compatible(area: AreaRef, community_id: int, area_code: str) -> bool:
    """A row's community/grid code fits a place: the same grid, or the same community when no grid is given."""
    return area.area_code == area_code or (area.grid_id is None and area.community_id == community_id)


class Planner:
    def __init__(self, ctx: Context, staging: Staging | None, header: HeaderMap):
        self.ctx = ctx
        self.staging = staging
        self.header_of = header.header_of
        self.counts: Counter[str] = Counter()
        self.stats: dict[str, list[int]] = {}  # area code -> [buildings, households, residents]
        self.tag_deltas: Counter[tuple[str, int]] = Counter()
        self.buildings: dict[int, dict[str, tuple[int | None, int | None, str]]] = {}
        self.buildings_empty = not Building.objects.exists()

    # --- shared helpers ---------------------------------------------------------------------------------

    def stat(self, code: str, index: int, delta: int) -> None:
        self.stats.setdefault(code, [0, 0, 0])[index] += delta

    def stage(self, name: str, row: tuple[Any, ...]) -> None:
        if self.staging is not None:
            self.staging.add(name, row)

    def audit(self, entity_type: str, entity_id: int, action: str, area_code: str, summary: str,
              changes: dict[str, Any]) -> None:
        self.stage("audit", (entity_type, str(entity_id), action, area_code, summary[:255],
                             json.dumps(changes, ensure_ascii=False)))

    def community_buildings(self, community_id: int) -> dict[str, tuple[int | None, int | None, str]]:
        cached = self.buildings.get(community_id)
        if cached is None:
            cached = {}
            if not self.buildings_empty:
                for address, pk, grid_id, code in Building.objects.filter(community_id=community_id).values_list(
                    "address", "id", "grid_id", "area_code"
                ):
                    cached[address] = (pk, grid_id, code)
            self.buildings[community_id] = cached
        return cached

    def ensure_building(self, community_id: int, grid_id: int | None, area_code: str, address: str) -> None:
        known = self.community_buildings(community_id)
        if address in known:
            return
        known[address] = (None, grid_id, area_code)
        self.counts["buildings_created"] += 1
        self.stat(area_code, 0, 1)
        self.stage("bld", ("C", None, community_id, grid_id, area_code, address, "", "", None, None))

    def finish(self) -> None:
        """Called once every row is planned."""


class HouseholdsMixin:
    """Households met in the file or looked up, keyed by number (shared by residents and households)."""

    ctx: Context
    households: dict[str, HH]
    households_empty: bool

    def load_households(self, numbers: set[str]) -> None:
        wanted = [n for n in numbers if n not in self.households]
        if not wanted or self.households_empty:
            return
        rows = Household.objects.filter(number__in=wanted).values_list(
            "id", "number", "community_id", "community__code", "grid_id", "area_code", "kind", "building__address",
            "room", "head_id",
        )
        for pk, number, community_id, community_code, grid_id, code, kind, address, room, head_id in rows:
            self.households[number] = HH(
                number, pk, community_id, community_code, grid_id, code, kind, address or "", room, head_id,
                orig=(kind, address or "", room),
            )

    def household_checks(self, hh: HH, area: AreaRef, values: dict[str, str | None], row_no: int,
                         header_of: Any) -> list[RowError]:
        """Scope and place of an existing household; agreement with earlier rows of the same 户号."""
        errors: list[RowError] = []
        if hh.id is not None and not self.ctx.in_scope(hh.area_code):
            return [(header_of("household_number"), hh.number, _(
                "户号 %(n)s 已在其他辖区使用，请核对户号") % {"n": hh.number})]
        if not compatible(area, hh.community_id, hh.area_code):
            if hh.is_new:
                reason = _("与第 %(row)d 行（同一户号）的社区代码 %(code)s 不一致") % {
                    "row": hh.first_row, "code": hh.area_code}
            else:
                reason = _("户号 %(n)s 登记在 %(area)s，与本行的社区代码不一致") % {
                    "n": hh.number, "area": self.ctx.area_name(hh.area_code)}
            errors.append((header_of("area_code"), area.area_code, reason))
        for attr, column in (("kind", "household_kind"), ("building_address", "building_address"), ("room", "room")):
            value = values.get(attr)
            source = hh.sources.get(attr, 0)
            if value is not None and source and getattr(hh, attr) != value:
                errors.append((header_of(column), value, _(
                    "与第 %(row)d 行（同一户号）的“%(col)s”不一致（%(value)s）") % {
                        "row": source, "col": header_of(column), "value": getattr(hh, attr)}))
        return errors

    def adopt(self, hh: HH, values: dict[str, str | None], row_no: int) -> None:
        for attr, value in values.items():
            if value is not None and not hh.sources.get(attr):
                setattr(hh, attr, value)
                hh.sources[attr] = row_no

    def new_household(self, number: str, area: AreaRef, values: dict[str, str | None], row_no: int) -> HH:
        hh = HH(number, None, area.community_id, area.community_code, area.grid_id, area.area_code,
                HouseholdKind.PERMANENT, "", "", first_row=row_no)
        self.adopt(hh, values, row_no)
        self.households[number] = hh
        return hh

    def stage_households(self, planner: Planner) -> None:
        for hh in self.households.values():
            changed = hh.orig is not None and hh.orig != (hh.kind, hh.building_address, hh.room)
            if hh.is_new:
                action = "C"
                planner.counts["households_created"] += 1
                planner.stat(hh.area_code, 1, 1)
                if hh.building_address:
                    planner.ensure_building(hh.community_id, hh.grid_id, hh.area_code, hh.building_address)
            elif changed:
                action = "U"
                planner.counts["households_updated"] += 1
                assert hh.orig is not None and hh.id is not None
                if hh.building_address:
                    planner.ensure_building(hh.community_id, hh.grid_id, hh.area_code, hh.building_address)
                names = ("kind", "building", "room")
                new = (hh.kind, hh.building_address, hh.room)
                planner.audit("household", hh.id, "household.update", hh.area_code, hh.number,
                              {n: [o, v] for n, o, v in zip(names, hh.orig, new, strict=True) if o != v})
            elif hh.head_id_number:
                action = "N"  # only the head changes
            else:
                continue
            planner.stage("hh", (hh.number, action, hh.id, hh.community_id, hh.grid_id, hh.area_code, hh.kind,
                                 hh.building_address, hh.room, hh.head_id_number, hh.head_resident_id))


class ResidentPlanner(HouseholdsMixin, Planner):
    def __init__(self, ctx: Context, staging: Staging | None, header: HeaderMap):
        super().__init__(ctx, staging, header)
        self.households: dict[str, HH] = {}
        self.residents_empty = not Resident.objects.exists()
        self.households_empty = not Household.objects.exists()

    def _existing(self, rows: list[ResidentRow]) -> dict[str, Existing]:
        """The registered residents among a chunk's ID numbers, with household number and tags: one query."""
        if self.residents_empty:
            return {}
        numbers = [r.id.number for r in rows]
        res, hh, tag = Resident._meta.db_table, Household._meta.db_table, ResidentTag._meta.db_table
        # Table names come from the models; values are parameters.
        params: list[Any]
        if connection.vendor == "postgresql":
            tags_sql = f"ARRAY(SELECT t.tag_id FROM {tag} t WHERE t.resident_id = r.id)"  # noqa: S608
            where, params = "r.id_number = ANY(%s)", [numbers]
        else:
            tags_sql = f"(SELECT group_concat(t.tag_id) FROM {tag} t WHERE t.resident_id = r.id)"  # noqa: S608
            where, params = f"r.id_number IN ({', '.join(['%s'] * len(numbers))})", numbers
        sql = (
            f"SELECT r.id, r.id_number, r.name, r.phone, r.relation, r.status, h.number, r.community_id, r.grid_id, "  # noqa: S608
            f"r.area_code, {tags_sql} FROM {res} r LEFT JOIN {hh} h ON h.id = r.household_id WHERE {where}"
        )
        found: dict[str, Existing] = {}
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for pk, number, name, phone, relation, status, hh_number, community_id, grid_id, code, tags in cursor:
                tag_ids = {int(t) for t in tags.split(",") if t} if isinstance(tags, str) else set(tags or ())
                found[number] = Existing(pk, name, phone, relation, status, hh_number or "", community_id, grid_id,
                                         code, tag_ids)
        return found

    def plan_chunk(self, rows: list[ResidentRow]) -> list[tuple[int, list[RowError]]]:
        existing = self._existing(rows)
        self.load_households(
            {r.household_number for r in rows if r.household_number}
            | {e.household_number for e in existing.values() if e.household_number}
        )
        refused = []
        for row in rows:
            errors = self.plan_row(row, existing.get(row.id.number))
            if errors:
                refused.append((row.row_no, errors))
        return refused

    def plan_row(self, row: ResidentRow, ex: Existing | None) -> list[RowError]:
        h = self.header_of
        if ex is not None and not self.ctx.in_scope(ex.area_code):
            return [(h("id_number"), row.id.number, _("该公民身份号码已在其他辖区登记，请联系上级核实"))]
        values = {"kind": row.household_kind, "building_address": row.building_address, "room": row.room}
        hh: HH | None = None
        errors: list[RowError] = []
        if row.household_number:
            hh = self.households.get(row.household_number)
            if hh is not None:
                errors = self.household_checks(hh, row.area, values, row.row_no, h)
        elif ex is not None and ex.household_number:
            hh = self.households[ex.household_number]
            if not compatible(row.area, hh.community_id, hh.area_code):
                errors.append((h("area_code"), row.area.area_code, _(
                    "该居民现属户 %(n)s（%(area)s）；迁往其他社区或网格时请同时填写新的户号") % {
                        "n": hh.number, "area": self.ctx.area_name(hh.area_code)}))
        relation = row.relation
        target_number = row.household_number or (hh.number if hh else "")
        same_household = ex is not None and bool(target_number) and ex.household_number == target_number
        if target_number:
            if relation is None:
                relation = ex.relation if same_household and ex is not None and ex.relation else Relation.OTHER
            if relation == Relation.HEAD and hh is not None and hh.head_row and hh.head_row != row.row_no:
                errors.append((h("relation"), row.relation or "", _("户号 %(n)s 已有户主（第 %(row)d 行）") % {
                                   "n": target_number, "row": hh.head_row}))
        else:
            relation = ex.relation if ex is not None else ""
        if errors:
            return errors
        if row.household_number and hh is None:
            hh = self.new_household(row.household_number, row.area, values, row.row_no)
        elif row.household_number and hh is not None:
            self.adopt(hh, values, row.row_no)
        if hh is not None and relation == Relation.HEAD:
            hh.head_row = row.row_no
            if hh.is_new or ex is None or hh.head_id != ex.id:
                hh.head_id_number = row.id.number
                hh.head_resident_id = ex.id if ex is not None else None
        if hh is not None:
            community_id, grid_id, code = hh.community_id, hh.grid_id, hh.area_code
        else:
            community_id, grid_id, code = row.area.community_id, row.area.grid_id, row.area.area_code
        self._decide(row, ex, hh, relation or "", community_id, grid_id, code)
        return []

    def _decide(self, row: ResidentRow, ex: Existing | None, hh: HH | None, relation: str, community_id: int,
                grid_id: int | None, code: str) -> None:
        number = row.id.number
        target_number = hh.number if hh is not None else ""
        if row.id.upgraded_from:
            self.counts["ids_upgraded"] += 1
        if ex is None:
            new_id = self.staging.next_resident_id() if self.staging is not None else None
            if hh is not None and hh.head_id_number == number:
                hh.head_resident_id = new_id
            self.counts["created"] += 1
            self.stat(code, 2, 1)
            for tag_id in row.tag_ids:
                self.tag_deltas[(code, tag_id)] += 1
                self.stage("tag", (number, tag_id))
            self.counts["tags_added"] += len(row.tag_ids)
            self._stage_resident(row, "C", new_id, row.phone or "", relation, target_number, community_id, grid_id,
                                 code, moved=bool(hh), rel_changed=False)
            return
        phone = row.phone if row.phone is not None else ex.phone
        new_tags = [t for t in row.tag_ids if t not in ex.tags]
        changes: dict[str, list[Any]] = {}
        for name, old, new in (
            ("name", ex.name, row.name), ("phone", ex.phone, phone), ("relation", ex.relation, relation),
            ("household", ex.household_number or None, target_number or None), ("area_code", ex.area_code, code),
        ):
            if old != new:
                changes[name] = [old, new]
        if new_tags:
            changes["tags"] = [None, [self.ctx.tag_codes.get(t, t) for t in new_tags]]
        if not changes:
            self.counts["unchanged"] += 1
            return
        moved = "household" in changes
        self.counts["updated"] += 1
        if moved:
            self.counts["moved"] += 1
        active = ex.status == ResidentStatus.ACTIVE
        if active and code != ex.area_code:
            self.stat(ex.area_code, 2, -1)
            self.stat(code, 2, 1)
            for tag_id in ex.tags:
                self.tag_deltas[(ex.area_code, tag_id)] -= 1
                self.tag_deltas[(code, tag_id)] += 1
        for tag_id in new_tags:
            if active:
                self.tag_deltas[(code, tag_id)] += 1
            self.stage("tag", (number, tag_id))
        self.counts["tags_added"] += len(new_tags)
        self.audit("resident", ex.id, "resident.move" if moved else "resident.update", code, row.name, changes)
        self._stage_resident(row, "U", ex.id, phone, relation, target_number, community_id, grid_id, code,
                             moved=moved, rel_changed="relation" in changes)

    def _stage_resident(self, row: ResidentRow, action: str, resident_id: int | None, phone: str, relation: str,
                        household_number: str, community_id: int, grid_id: int | None, code: str, *, moved: bool,
                        rel_changed: bool) -> None:
        if self.staging is None:
            return
        pinyin, initials = pinyin_keys_fast(row.name)
        number = row.id.number
        self.staging.add("res", (
            row.row_no, action, resident_id, number, number[::-1], row.name, pinyin, initials, row.id.sex,
            row.id.birth_date, phone, phone[::-1], relation, household_number, community_id, grid_id, code,
            "Y" if moved else "N", "Y" if rel_changed else "N",
        ))

    def finish(self) -> None:
        self.stage_households(self)


class HouseholdPlanner(HouseholdsMixin, Planner):
    def __init__(self, ctx: Context, staging: Staging | None, header: HeaderMap):
        super().__init__(ctx, staging, header)
        self.households = {}
        self.households_empty = not Household.objects.exists()

    def plan_chunk(self, rows: list[HouseholdRow]) -> list[tuple[int, list[RowError]]]:
        self.load_households({r.household_number for r in rows})
        refused = []
        for row in rows:
            values = {"kind": row.household_kind, "building_address": row.building_address, "room": row.room}
            hh = self.households.get(row.household_number)
            if hh is not None:
                errors = self.household_checks(hh, row.area, values, row.row_no, self.header_of)
                if errors:
                    refused.append((row.row_no, errors))
                    continue
                self.adopt(hh, values, row.row_no)
                if hh.orig == (hh.kind, hh.building_address, hh.room):
                    self.counts["unchanged"] += 1
                else:
                    self.counts["updated"] += 1
            else:
                self.new_household(row.household_number, row.area, values, row.row_no)
                self.counts["created"] += 1
        return refused

    def finish(self) -> None:
        self.stage_households(self)


class BuildingPlanner(Planner):
    def __init__(self, ctx: Context, staging: Staging | None, header: HeaderMap):
        super().__init__(ctx, staging, header)
        self.details: dict[int, tuple[str, str, float | None, float | None]] = {}

    def community_buildings(self, community_id: int) -> dict[str, tuple[int | None, int | None, str]]:
        if community_id not in self.buildings and not self.buildings_empty:
            for pk, compound, number, lat, lng in Building.objects.filter(community_id=community_id).values_list(
                "id", "compound", "number", "latitude", "longitude"
            ):
                self.details[pk] = (compound, number, lat, lng)
        return super().community_buildings(community_id)

    def plan_chunk(self, rows: list[BuildingRow]) -> list[tuple[int, list[RowError]]]:
        for row in rows:
            known = self.community_buildings(row.area.community_id)
            area = row.area
            current = known.get(row.address)
            if current is None:
                known[row.address] = (None, area.grid_id, area.area_code)
                self.counts["created"] += 1
                self.stat(area.area_code, 0, 1)
                self.stage("bld", ("C", None, area.community_id, area.grid_id, area.area_code, row.address,
                                   row.compound or "", row.number or "", row.latitude, row.longitude))
                continue
            self._update(row, current)
        return []

    def _update(self, row: BuildingRow, current: tuple[int | None, int | None, str]) -> None:
        pk, grid_id, code = current
        if pk is None:  # created earlier in this file (duplicates are refused by the validator)
            return
        compound, number, latitude, longitude = self.details[pk]
        new_grid, new_code = grid_id, code
        if row.area.grid_id is not None and row.area.grid_id != grid_id:
            new_grid, new_code = row.area.grid_id, row.area.area_code
        target = {
            "compound": row.compound if row.compound is not None else compound,
            "number": row.number if row.number is not None else number,
            "latitude": row.latitude if row.latitude is not None else latitude,
            "longitude": row.longitude if row.longitude is not None else longitude,
            "area_code": new_code,
        }
        before = {"compound": compound, "number": number, "latitude": latitude, "longitude": longitude,
                  "area_code": code}
        changes = {k: [before[k], v] for k, v in target.items() if before[k] != v}
        if not changes:
            self.counts["unchanged"] += 1
            return
        self.counts["updated"] += 1
        if new_code != code:
            self.stat(code, 0, -1)
            self.stat(new_code, 0, 1)
        self.audit("building", pk, "building.update", new_code, row.address, changes)
        self.stage("bld", ("U", pk, row.area.community_id, new_grid, new_code, row.address, target["compound"],
                           target["number"], target["latitude"], target["longitude"]))
