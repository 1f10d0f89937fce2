"""Writes of the grid app: (re)partition a community, move one building, edit a grid's public card.

Scope: Perm.GRIDS_CHANGE on the community. A viewer who can see some of the community (GRIDS_VIEW there, or on
one of its grids) but not change it is refused (403); anyone else is told it does not exist (404).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.models import RoleAssignment
from shequ.accounts.scope import viewer_scope
from shequ.areas.generator import cn_numeral
from shequ.areas.models import Area, AreaStats, Level
from shequ.areas.stats import stats_move, tag_counts_move
from shequ.core.audit import audit_record
from shequ.core.errors import NotFound, PermissionDenied, ValidationFailed
from shequ.core.roles import Perm, Role
from shequ.grids import store
from shequ.grids.models import GridProfile, PartitionRun
from shequ.grids.partition import PartitionResult, partition
from shequ.registry.models import Building, Household, Resident, ResidentStatus, ResidentTag, ResidentUnit

_PHONE = re.compile(r"^[0-9+\-() ]{3,20}$")
_CHUNK = 900  # ids per IN (...) list: well inside every database's limit on bound parameters


def community_for_change(actor: Any, community: Area | str) -> Area:
    """The community `actor` may regrid (see the module doc for the 403/404 answers)."""
    area = community if isinstance(community, Area) else Area.objects.filter(code=str(community).strip()).first()
    if area is None or area.level != Level.COMMUNITY:
        raise NotFound()
    scope = viewer_scope(actor)
    if scope.has(Perm.GRIDS_CHANGE, area.code):
        return area
    if scope.has(Perm.GRIDS_VIEW, area.code) or any(c.startswith(area.code) for c in scope.codes_for(Perm.GRIDS_VIEW)):
        raise PermissionDenied()
    raise NotFound()


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]


def _match_codes(result: PartitionResult, current: dict[int, int | None], weights: dict[int, int],
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


def _new_grid(community: Area, taken: set[str]) -> Area:
    seq = 1
    while f"{community.code}{seq:03d}" in taken:
        seq += 1
    if seq > 999:
        raise ValidationFailed(_("网格编号已用尽（最多 999 个）"))
    code = f"{community.code}{seq:03d}"
    taken.add(code)
    grid = Area.objects.create(
        code=code, name=f"第{cn_numeral(seq)}网格", level=Level.GRID, parent=community,
        latitude=community.latitude, longitude=community.longitude,
    )
    AreaStats.objects.create(area=grid)
    return grid


def _plan(community: Area, targets: store.Targets) -> tuple[PartitionResult, list[Area | None], dict, list[Area]]:
    buildings, current = store.community_buildings(community)
    result = partition(buildings, target_households=targets.households, target_people=targets.people,
                       tolerance=targets.tolerance)
    grids = store.community_grids(community)
    matched = _match_codes(result, current, {b.id: b.households for b in buildings}, grids)
    return result, matched, current, grids


def _proposal(result: PartitionResult, matched: Sequence[Area | None], targets: store.Targets
              ) -> list[dict[str, Any]]:
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
        for g, area in zip(result.grids, matched, strict=True)
    ]


def grids_generate(*, actor: Any, community: Area, dry_run: bool = False) -> PartitionRun:
    """Partition the community's buildings into grids of the policy's size (see shequ.grids.partition).

    A dry run changes nothing and returns an unsaved PartitionRun whose summary holds the proposal (with
    `assignment`: building id → index of its proposed grid). Otherwise the grids are created or reused, buildings,
    their households and residents (and units at the same address) are moved set-based, grids no longer needed
    are removed — or kept empty, and reported, while anything else refers to them — and the counts, profiles,
    one PartitionRun and one audit row are written.
    """
    community = community_for_change(actor, community)
    targets = store.targets_for(community)
    if dry_run:
        result, matched, _current, _grids = _plan(community, targets)
        run = _run(community, actor, targets, result, _proposal(result, matched, targets))
        run.summary["assignment"] = {str(b): i for i, g in enumerate(result.grids) for b in g.buildings}
        return run
    with transaction.atomic():
        Area.objects.select_for_update().filter(pk=community.pk).first()  # one partition of a community at a time
        return _apply(actor, community, targets)


def _apply(actor: Any, community: Area, targets: store.Targets) -> PartitionRun:
    result, matched, current, old_grids = _plan(community, targets)
    taken = {g.code for g in old_grids}
    areas = [area or _new_grid(community, taken) for area in matched]
    now = timezone.now()
    moved = {"buildings": 0, "households": 0, "residents": 0, "units": 0}
    for grid, planned in zip(areas, result.grids, strict=True):
        changing = [b for b in planned.buildings if current.get(b) != grid.pk]
        for ids in _chunks(changing):
            moved["buildings"] += Building.objects.filter(pk__in=ids).update(grid=grid, area_code=grid.code,
                                                                              updated_at=now)
        _follow(grid, now, moved)
    kept_grids = {g.pk for g in areas}
    removed, kept_empty = [], []
    for grid in old_grids:
        if grid.pk in kept_grids:
            continue
        references = store.grid_references(grid)
        if references:
            kept_empty.append({"code": grid.code, "name": grid.name, "references": references})
            continue
        store.registry_release(grid, community)
        removed.append(grid.code)
        grid.delete()
    if any(moved.values()) or removed:  # counts change only when rows move between grids
        store.subtree_stats_rebuild(community)
    store.profiles_refresh(store.community_grids(community), targets)
    proposal = _proposal(result, areas, targets)
    run = _run(community, actor, targets, result, proposal)
    run.summary.update(moved=moved, removed=removed, kept_empty=kept_empty)
    run.full_clean()
    run.save()
    audit_record(
        actor=actor,
        action="grids.partition",
        entity_type="community",
        entity_id=community.pk,
        area_code=community.code,
        changes={"grids": [len(old_grids), len(areas)], "moved": [None, moved], "removed": [None, removed],
                 "kept_empty": [None, [k["code"] for k in kept_empty]]},
        summary=f"{community.name}: {len(areas)} / {run.within_tolerance}",
    )
    return run


def _follow(grid: Area, now: Any, moved: dict[str, int]) -> None:
    """Households of the grid's buildings, their members and the units at those addresses join the grid."""
    code = grid.code
    moved["households"] += Household.objects.filter(building__grid=grid).exclude(area_code=code).update(
        grid=grid, area_code=code, updated_at=now
    )
    moved["residents"] += Resident.objects.filter(household__building__grid=grid).exclude(area_code=code).update(
        grid=grid, area_code=code, updated_at=now
    )
    addresses = list(Building.objects.filter(grid=grid).values_list("address", flat=True))
    for chunk in [addresses[i : i + _CHUNK] for i in range(0, len(addresses), _CHUNK)]:
        moved["units"] += ResidentUnit.objects.filter(community_id=grid.parent_id, address__in=chunk).exclude(
            area_code=code
        ).update(grid=grid, area_code=code, updated_at=now)


def _run(community: Area, actor: Any, targets: store.Targets, result: PartitionResult,
         proposal: list[dict[str, Any]]) -> PartitionRun:
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
            "grids": proposal,
            "placed_how": {str(k): v for k, v in sorted(result.placed_by_address.items())},
            "tolerance": targets.tolerance,
            "policy_year": targets.year,
            "policy_version": str(targets.version),
        },
    )


@transaction.atomic
def building_move(*, actor: Any, building: Building, grid: Area) -> dict[str, dict[str, Any]]:
    """Put one building (its households, their members, units at its address) in another grid of its community.

    Returns the new sizes of the grids it left and joined ({code: {households, people, load, deviation, within}}).
    """
    community = community_for_change(actor, building.community)
    if grid.level != Level.GRID or grid.parent_id != community.pk:
        message = _("网格不属于该楼栋所在的社区")
        raise ValidationFailed(message, details={"grid": [message]})
    targets = store.targets_for(community)
    old_code = building.area_code
    old_grid = building.grid
    if building.grid_id != grid.pk:
        now = timezone.now()
        households = Household.objects.filter(building=building)
        current = households.filter(dissolved_at__isnull=True).count()
        members = Resident.objects.filter(household__building=building)
        by_code = dict(members.filter(status=ResidentStatus.ACTIVE).values("area_code").annotate(n=Count("pk"))
                       .values_list("area_code", "n"))
        tags = (
            ResidentTag.objects.filter(resident__household__building=building, resident__status=ResidentStatus.ACTIVE)
            .values("resident__area_code", "tag_id").annotate(n=Count("pk"))
            .values_list("resident__area_code", "tag_id", "n")
        )
        for code, tag_id, n in tags:
            tag_counts_move(code, grid.code, tag_id, n)
        for code, n in by_code.items():
            stats_move(code, grid.code, residents=n)
        units = ResidentUnit.objects.filter(community=community, address=building.address).exclude(area_code=grid.code)
        for code, n in units.values("area_code").annotate(n=Count("pk")).values_list("area_code", "n"):
            stats_move(code, grid.code, units=n)
        units.update(grid=grid, area_code=grid.code, updated_at=now)
        members.update(grid=grid, area_code=grid.code, updated_at=now)
        households.update(grid=grid, area_code=grid.code, updated_at=now)
        stats_move(old_code, grid.code, buildings=1, households=current)
        building.grid, building.area_code = grid, grid.code
        building.full_clean()
        building.save(update_fields=["grid", "area_code", "updated_at"])
        audit_record(
            actor=actor,
            action="grids.move_building",
            entity_type="building",
            entity_id=building.pk,
            area_code=grid.code,
            changes={"grid": [old_code, grid.code]},
            summary=building.address,
        )
    touched = [g for g in (old_grid, grid) if g is not None]
    return store.profiles_refresh(touched, targets)


@transaction.atomic
def grid_profile_update(*, actor: Any, grid: Area, worker: Any = None, worker_phone: str = "",
                        complaint_phone: str = "") -> GridProfile:
    """The grid's public card: its worker (a grid worker of this grid or a community worker of its community)
    and the phone numbers residents call."""
    if grid.level != Level.GRID or grid.parent is None:
        raise NotFound()
    community_for_change(actor, grid.parent)
    problems: dict[str, list[str]] = {}
    if worker is not None:
        allowed = RoleAssignment.objects.filter(user=worker).filter(
            role=Role.GRID_WORKER, area=grid
        ).exists() or RoleAssignment.objects.filter(user=worker, role=Role.COMMUNITY_WORKER, area=grid.parent).exists()
        if not allowed:
            problems["worker"] = [_("网格员必须是本网格的网格员或本社区的社区工作者")]
    phones = {"worker_phone": (worker_phone or "").strip(), "complaint_phone": (complaint_phone or "").strip()}
    for field, value in phones.items():
        if value and not _PHONE.match(value):
            problems[field] = [_("电话号码只能包含数字、空格和 + - ( )，3 至 20 位")]
    if problems:
        raise ValidationFailed(next(iter(problems.values()))[0], details=problems)
    profile = GridProfile.objects.select_for_update().filter(area=grid).first() or GridProfile(area=grid)
    before = {"worker": profile.worker_id, **{f: getattr(profile, f) for f in phones}}
    profile.area_code = grid.code
    profile.worker = worker
    profile.worker_phone, profile.complaint_phone = phones["worker_phone"], phones["complaint_phone"]
    profile.full_clean()
    profile.save()
    after = {"worker": profile.worker_id, **phones}
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes:
        audit_record(actor=actor, action="grids.profile_update", entity_type="grid", entity_id=grid.pk,
                     area_code=grid.code, changes=changes, summary=grid.name)
    return profile
