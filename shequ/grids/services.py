"""Writes of the grid app: (re)partition a community, move one building, edit a grid's public card.

Scope: Perm.GRIDS_CHANGE on the community. A viewer who can see some of the community (GRIDS_VIEW there, or on
one of its grids) but not change it is refused (403); anyone else is told it does not exist (404).
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.models import RoleAssignment
from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area, Level
from shequ.areas.stats import stats_move, tag_counts_move
from shequ.core.audit import audit_record
from shequ.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from shequ.core.roles import Perm, Role
from shequ.grids import regrid, store, store_many
from shequ.grids.models import GridProfile, PartitionRun
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


def grids_generate(*, actor: Any, community: Area, dry_run: bool = False) -> PartitionRun:
    """Partition the community's buildings into grids of the policy's size (see shequ.grids.partition).

    A dry run changes nothing and returns an unsaved PartitionRun whose summary holds the proposal (with
    `assignment`: building id → index of its proposed grid). Otherwise shequ.grids.regrid writes it (grids created
    or reused, the registry moved set-based, unused grids removed or reported, counts, profiles, the run record and
    one audit row).
    """
    community = community_for_change(actor, community)
    if dry_run:
        plans, failed = regrid.plan_many([community], store_many.code_range([community]))
        _refuse(failed)
        planned = plans[0]
        areas: list[Area | None] = [None if a in planned.new else a for a in planned.areas]
        run = regrid.run_record(community, actor, planned.targets, planned.result,
                                regrid.proposal(planned.result, areas, planned.targets))
        run.summary["assignment"] = {str(b): i for i, g in enumerate(planned.result.grids) for b in g.buildings}
        return run
    with transaction.atomic():
        runs, failed = regrid.write_many(actor, [community])
        _refuse(failed)
        return runs[0]


def _refuse(failed: dict[str, ApplicationError]) -> None:
    """One community regridded: its refusal (no policy in force, no grid codes left) is the answer."""
    for error in failed.values():
        raise error


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
    span = store_many.code_range([community])
    counts = store_many.grid_sizes(span)
    store_many.profiles_write(span, counts, {g.pk for g in touched}, timezone.now())
    return store.sizes(touched, targets, counts)


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
