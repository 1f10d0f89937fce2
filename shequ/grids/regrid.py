"""Planning and writing regrids: one community (grids_generate) or every community of a district or the city (the
background job) go through the same write, set-based over the communities' range of codes (store_many), so a
city costs a few statements per step rather than a dozen per community.

Callers check the actor's right to change every community they pass (services.community_for_change,
tasks.area_for_bulk) and hold the transaction.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.areas.generator import cn_numeral
from shequ.areas.models import Area, AreaStats, Level
from shequ.core.errors import ApplicationError, ValidationFailed
from shequ.core.models import AuditLog
from shequ.core.sqlbulk import update_from_rows
from shequ.grids import store, store_many
from shequ.grids.models import PartitionRun
from shequ.grids.partition import BuildingIn, Note, PartitionResult, partition
from shequ.registry.models import Building
from shequ.standards.policy import TOPIC, PolicyResolver


@dataclass
class Plan:
    """A community's partition and, for each proposed grid, the area it will be (an existing grid it continues,
    or a new one, unsaved until written)."""

    community: Area
    targets: store.Targets
    result: PartitionResult
    current: dict[int, int | None]  # building id → its grid id now
    old_grids: list[Area]
    areas: list[Area] = field(default_factory=list)
    new: list[Area] = field(default_factory=list)


def match_codes(result: PartitionResult, current: dict[int, int | None], weights: dict[int, int],
                grids: list[Area]) -> list[Area | None]:
    """For each new grid, the existing grid it continues (most households already there), so regenerating
    changes as few codes as possible; None where a new grid area is needed."""
    overlap: list[tuple[int, int, str, int, Area]] = []
    by_id = {g.pk: g for g in grids}
    for index, grid in enumerate(result.grids):
        shared: dict[int, int] = {}
        for bid in grid.buildings:
            old = current.get(bid)
            if old in by_id:
                shared[old] = shared.get(old, 0) + max(1, weights.get(bid, 0))
        overlap += [(-n, index, by_id[g].code, g, by_id[g]) for g, n in shared.items()]
    chosen: list[Area | None] = [None] * len(result.grids)
    used: set[int] = set()
    for _n, index, _code, gid, area in sorted(overlap):
        if chosen[index] is None and gid not in used:
            chosen[index] = area
            used.add(gid)
    spare = [g for g in grids if g.pk not in used]  # existing grids without overlap are reused before new codes
    for index in range(len(chosen)):
        if chosen[index] is None and spare:
            chosen[index] = spare.pop(0)
            used.add(chosen[index].pk)  # type: ignore[union-attr]
    return chosen


def _grid_area(community: Area, taken: set[str]) -> Area:
    """A new grid of the community with the lowest free sequence number (not saved)."""
    seq = 1
    while f"{community.code}{seq:03d}" in taken:
        seq += 1
    if seq > 999:
        raise ValidationFailed(_("网格编号已用尽（最多 999 个）"))
    code = f"{community.code}{seq:03d}"
    taken.add(code)
    return Area(code=code, name=f"第{cn_numeral(seq)}网格", level=Level.GRID, parent=community,
                latitude=community.latitude, longitude=community.longitude)


def plan(community: Area, targets: store.Targets, buildings: list[BuildingIn], current: dict[int, int | None],
         old_grids: list[Area], without_building: int = 0) -> Plan:
    """`without_building`: the community's current households with no building, which no partition can place."""
    result = partition(buildings, target_households=targets.households, target_people=targets.people,
                       tolerance=targets.tolerance)
    if without_building:
        result.notes.append(Note("households_without_building", {"count": without_building}))
    matched = match_codes(result, current, {b.id: b.households for b in buildings}, old_grids)
    p = Plan(community, targets, result, current, old_grids)
    taken = {g.code for g in old_grids}
    for area in matched:
        if area is None:
            area = _grid_area(community, taken)
            p.new.append(area)
        p.areas.append(area)
    return p


def proposal(result: PartitionResult, areas: list[Area | None], targets: store.Targets) -> list[dict[str, Any]]:
    return [
        {
            "code": area.code if area else "",
            "name": area.name if area else "",
            "households": g.households,
            "people": g.people,
            "buildings": len(g.buildings),
            "load": round(g.load, 4),
            "deviation": round(g.deviation, 4),
            "within": g.within(targets.tolerance),
            "connected": g.connected,
        }
        for g, area in zip(result.grids, areas, strict=True)
    ]


def run_record(community: Area, actor: Any, targets: store.Targets, result: PartitionResult,
               grids: list[dict[str, Any]]) -> PartitionRun:
    return PartitionRun(
        community=community,
        area_code=community.code,
        actor=actor if getattr(actor, "pk", None) else None,
        target_households=targets.households,
        target_people=targets.people,
        grids=len(result.grids),
        within_tolerance=result.within,
        placed_by_address=sorted(result.placed_by_address),
        summary={
            "quality": result.quality(),
            "notes": [{"code": n.code, "params": n.params} for n in result.notes],
            "grids": grids,
            "placed_how": {str(k): v for k, v in sorted(result.placed_by_address.items())},
            "tolerance": targets.tolerance,
            "policy_year": targets.year,
            "policy_version": str(targets.version),
        },
    )


def plan_many(communities: list[Area], span: store_many.Range) -> tuple[list[Plan], dict[str, ApplicationError]]:
    """Plans for the communities (three reads for all of them, the policy loaded once); {code: refusal} for
    those that cannot be regridded (no policy in force, no grid codes left)."""
    resolver = PolicyResolver(TOPIC)
    year = timezone.localdate().year
    inputs = store_many.inputs(span)
    grids = store_many.grids(span)
    unplaced = store_many.households_without_building(span)
    plans: list[Plan] = []
    failed: dict[str, ApplicationError] = {}
    for community in communities:
        buildings, current = inputs.get(community.pk, ([], {}))
        try:
            targets = store.targets_from(resolver.version_for(community.code, year), resolver.params, year)
            plans.append(plan(community, targets, buildings, current, grids.get(community.pk, []),
                              unplaced.get(community.pk, 0)))
        except ApplicationError as exc:  # one community without a policy does not stop the others
            failed[community.code] = exc
    return plans, failed


def write_many(actor: Any, communities: list[Area]) -> tuple[list[PartitionRun], dict[str, ApplicationError]]:
    """Regrid `communities` (sorted by code, nothing between them left out: they span one range of codes).

    Grids are created or reused, buildings moved, their households, members and the units at their addresses
    follow, grids no longer needed removed (or kept empty, and reported, while anything else refers to them),
    the grids' counts and profiles rewritten; one PartitionRun and one audit row per community.
    """
    communities = sorted(communities, key=lambda c: c.code)
    span = store_many.code_range(communities)
    list(Area.objects.select_for_update().filter(level=Level.COMMUNITY, code__range=span).values_list("pk"))
    plans, failed = plan_many(communities, span)
    now = timezone.now()
    new = [area for p in plans for area in p.new]
    Area.objects.bulk_create(new, batch_size=1000)
    AreaStats.objects.bulk_create([AreaStats(area=a) for a in new], batch_size=1000)
    moves: list[tuple[int, int, str]] = []
    buildings_moved: Counter[int] = Counter()
    redraw: set[int] = set()
    for p in plans:
        for area, planned in zip(p.areas, p.result.grids, strict=True):
            for building in planned.buildings:
                was = p.current.get(building)
                if was != area.pk:
                    moves.append((building, area.pk, area.code))
                    buildings_moved[p.community.pk] += 1
                    redraw.update(g for g in (was, area.pk) if g)
    update_from_rows(Building, "id", ["grid", "area_code"], moves, constants={"updated_at": now})
    followed = store_many.follow(span, now)
    outcome = {p.community.pk: _drop_unused(p) for p in plans}
    sizes = store_many.grid_sizes(span)
    if moves or any(followed.values()) or any(removed for removed, _kept in outcome.values()):
        store_many.grid_stats_rebuild(span, sizes, now)
    store_many.profiles_write(span, sizes, redraw, now)
    runs, audits = [], []
    for p in plans:
        pk = p.community.pk
        removed, kept_empty = outcome[pk]
        moved = {"buildings": buildings_moved[pk], **{kind: followed[kind][pk] for kind in followed}}
        run = run_record(p.community, actor, p.targets, p.result, proposal(p.result, list(p.areas), p.targets))
        run.summary.update(moved=moved, removed=removed, kept_empty=kept_empty)
        runs.append(run)
        audits.append(AuditLog(
            actor=run.actor, action="grids.partition", entity_type="community", entity_id=str(pk),
            area_code=p.community.code,
            changes={"grids": [len(p.old_grids), len(p.areas)], "moved": [None, moved], "removed": [None, removed],
                     "kept_empty": [None, [k["code"] for k in kept_empty]]},
            summary=f"{p.community.name}: {len(p.areas)} / {run.within_tolerance}"[:255],
        ))
    PartitionRun.objects.bulk_create(runs, batch_size=500)
    AuditLog.objects.bulk_create(audits, batch_size=500)
    return runs, failed


def _drop_unused(p: Plan) -> tuple[list[str], list[dict[str, Any]]]:
    kept = {a.pk for a in p.areas}
    removed: list[str] = []
    kept_empty: list[dict[str, Any]] = []
    for grid in p.old_grids:
        if grid.pk in kept:
            continue
        references = store.grid_references(grid)
        if references:
            kept_empty.append({"code": grid.code, "name": grid.name, "references": references})
            continue
        store.registry_release(grid, p.community)
        removed.append(grid.code)
        grid.delete()
    return removed, kept_empty
