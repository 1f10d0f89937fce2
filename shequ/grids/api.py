"""/api/v1/grids: a community's grids (sizes, outline GeoJSON, worker) and buildings (GeoJSON), partition (with a
dry run), moving a building, a grid's card and its editing, and bulk partition jobs. Scoped like the pages;
errors in the one {code, message, details} shape. One read needs no authentication: /public/{code}, the grid's
public card (what the page /grids/public/<code>/ shows, from the same selector)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from shequ.accounts.models import User
from shequ.areas.models import Area, Level
from shequ.core.errors import ValidationFailed
from shequ.grids import selectors, services, tasks
from shequ.grids.notes import note_text
from shequ.grids.partition import TOLERANCE

router = Router(tags=["grids"])


class WorkerOut(Schema):
    id: int
    username: str
    name: str


class GridOut(Schema):
    code: str
    name: str
    community_code: str
    buildings: int | None = None
    households: int
    people: int
    load: float | None = Field(None, description="max(households / target households, people / target people)")
    deviation: float | None = Field(None, description="load − 1; within tolerance when |deviation| ≤ tolerance")
    within_tolerance: bool | None = None
    worker: WorkerOut | None = None
    worker_phone: str = ""
    complaint_phone: str = ""
    outline: dict[str, Any] = Field(default_factory=dict, description="GeoJSON Polygon; {} without coordinates")


class CommunityGridsOut(Schema):
    community_code: str
    target_households: int | None
    target_people: int | None
    tolerance: float
    grids: list[GridOut]


class GenerateIn(Schema):
    dry_run: bool = Field(False, description="Propose without changing anything")


class ProposedGrid(Schema):
    code: str = Field(description="Existing grid it continues; empty: a new grid would be created")
    name: str
    buildings: int
    households: int
    people: int
    load: float
    deviation: float
    within: bool
    connected: bool


class PlacedOut(Schema):
    building_id: int
    address: str = Field(description="Empty when the building was deleted since the run")
    placed_how: str = Field(description='"compound": beside a located building of the same compound; "street": '
                                        'beside the nearest house number on the same street; "address": by '
                                        "address order alone (empty: not recorded by that run)")
    label: str = Field(description="placed_how in the request's language")


class RunOut(Schema):
    id: int | None = Field(description="null for a dry run (nothing saved)")
    community_code: str
    at: dt.datetime | None
    dry_run: bool
    target_households: int
    target_people: int
    grids: int
    within_tolerance: int
    placed_by_address: list[int] = Field(description="Ids of the buildings without coordinates (see placed_buildings)")
    placed_buildings: list[PlacedOut] = Field(description="The buildings placed by address, in address order, "
                                                          "with how each was placed")
    notes: list[str]
    quality: dict[str, Any]
    proposal: list[ProposedGrid]
    assignment: dict[str, int] | None = Field(None, description="Dry run: building id → index in `proposal`")
    moved: dict[str, int] | None = None
    removed: list[str] | None = None
    kept_empty: list[dict[str, Any]] | None = None


class MoveIn(Schema):
    grid: str = Field(description="Code of the target grid (same community)")


class SizeOut(Schema):
    households: int
    people: int
    load: float
    deviation: float
    within: bool


class ProfilePatch(Schema):
    worker_id: int | None = Field(None, description="A grid worker of this grid or a community worker; null: none")
    worker_phone: str | None = None
    complaint_phone: str | None = None


class PublicGridOut(Schema):
    code: str
    name: str
    community_code: str
    community_name: str
    subdistrict_code: str
    subdistrict_name: str
    covers: str = Field(description="One line naming the compounds and streets of the grid's buildings")
    compounds: list[str]
    streets: list[str]
    households: int = Field(description="Households registered in the grid now")
    worker_name: str = Field(description="Empty when the grid has no worker")
    worker_phone: str
    complaint_phone: str
    outline: dict[str, Any] = Field(default_factory=dict, description="GeoJSON Polygon; {} without coordinates")


class JobOut(Schema):
    id: str
    status: str
    area_code: str
    progress_done: int
    progress_total: int


def _worker(user: User | None) -> WorkerOut | None:
    return WorkerOut(id=user.pk, username=user.username, name=str(user)) if user else None


@router.get("/communities/{code}/grids", response=CommunityGridsOut, url_name="grids_community_grids")
def community_grids(request: HttpRequest, code: str) -> CommunityGridsOut:
    area = selectors.community_for_view(request.user, code)
    targets = selectors.targets_map([area.code])[area.code]
    grids = []
    for row in selectors.grid_rows(area, targets):
        profile = row["profile"]
        grids.append(GridOut(
            code=row["area"].code, name=row["area"].name, community_code=area.code, buildings=row["buildings"],
            households=row["households"], people=row["people"],
            load=None if row["load"] is None else round(row["load"], 4),
            deviation=None if row["deviation"] is None else round(row["deviation"], 4),
            within_tolerance=row["within"] if row["load"] is not None else None, worker=_worker(row["worker"]),
            worker_phone=profile.worker_phone if profile else "",
            complaint_phone=profile.complaint_phone if profile else "", outline=row["outline"] or {},
        ))
    return CommunityGridsOut(
        community_code=area.code, target_households=targets.households if targets else None,
        target_people=targets.people if targets else None, tolerance=TOLERANCE, grids=grids,
    )


@router.get("/communities/{code}/buildings", response=dict[str, Any], url_name="grids_community_buildings")
def community_buildings(request: HttpRequest, code: str) -> dict[str, Any]:
    """GeoJSON FeatureCollection; each feature's properties: id, address, compound, grid (code), households,
    people. Buildings without coordinates have `geometry: null`."""
    return selectors.buildings_geojson(selectors.community_for_view(request.user, code))


@router.post("/communities/{code}/generate", response=RunOut, url_name="grids_generate")
def generate(request: HttpRequest, code: str, payload: GenerateIn) -> RunOut:
    area = services.community_for_change(request.user, code)
    run = services.grids_generate(actor=request.user, community=area, dry_run=payload.dry_run)
    summary = run.summary
    tolerance = summary.get("tolerance", TOLERANCE)
    return RunOut(
        id=run.pk, community_code=area.code, at=run.at, dry_run=payload.dry_run,
        target_households=run.target_households, target_people=run.target_people, grids=run.grids,
        within_tolerance=run.within_tolerance, placed_by_address=run.placed_by_address,
        placed_buildings=[PlacedOut(**row) for row in selectors.placed_buildings(run)],
        notes=[note_text(n, tolerance) for n in summary.get("notes", [])], quality=summary.get("quality", {}),
        proposal=[ProposedGrid(**g) for g in summary.get("grids", [])], assignment=summary.get("assignment"),
        moved=summary.get("moved"), removed=summary.get("removed"), kept_empty=summary.get("kept_empty"),
    )


@router.post("/buildings/{building_id}/move", response=dict[str, SizeOut], url_name="grids_move_building")
def move_building(request: HttpRequest, building_id: int, payload: MoveIn) -> dict[str, SizeOut]:
    """Returns the new sizes of the grid the building left and the one it joined, by grid code."""
    building = selectors.building_for_change(request.user, building_id)
    grid = Area.objects.filter(code=payload.grid.strip(), level=Level.GRID).first()
    if grid is None or grid.parent_id != building.community_id:
        message = _("网格不属于该楼栋所在的社区")
        raise ValidationFailed(message, details={"grid": [message]})
    sizes = services.building_move(actor=request.user, building=building, grid=grid)
    return {code: SizeOut(**values) for code, values in sizes.items()}


@router.get("/public/{code}", response=PublicGridOut, auth=None, url_name="grids_public_card")
def public_card(request: HttpRequest, code: str) -> PublicGridOut:
    """A grid's public card, without authentication: no resident's data, only the grid's place, what it covers,
    its household count, its worker's name and phone and the complaint number. 404 for an unknown code."""
    card = selectors.grid_public_card(code)
    return PublicGridOut(
        code=card.code, name=card.name, community_code=card.community_code, community_name=card.community_name,
        subdistrict_code=card.subdistrict_code, subdistrict_name=card.subdistrict_name, covers=card.covers,
        compounds=card.compounds, streets=card.streets, households=card.households, worker_name=card.worker_name,
        worker_phone=card.worker_phone, complaint_phone=card.complaint_phone, outline=card.outline,
    )


@router.get("/{code}", response=GridOut, url_name="grids_card")
def card(request: HttpRequest, code: str) -> GridOut:
    """The signed-in card; sizes are the grid's live subtree counts (AreaStats), as on the pages."""
    grid = selectors.grid_for_card(request.user, code)
    return _card(grid)


def _card(grid: Area) -> GridOut:
    profile = getattr(grid, "grid_profile", None)
    stats = getattr(grid, "stats", None)  # grid_for_card selects it: kept current by every registry write
    return GridOut(
        code=grid.code, name=grid.name, community_code=grid.parent.code if grid.parent else "", load=None,
        deviation=None, households=stats.households if stats else 0, people=stats.residents if stats else 0,
        worker=_worker(profile.worker if profile else None),
        worker_phone=profile.worker_phone if profile else "",
        complaint_phone=profile.complaint_phone if profile else "", outline=profile.outline if profile else {},
    )


@router.patch("/{code}", response=GridOut, url_name="grids_card")
def patch_profile(request: HttpRequest, code: str, payload: ProfilePatch) -> GridOut:
    grid = selectors.grid_for_card(request.user, code)
    services.community_for_change(request.user, grid.parent)  # type: ignore[arg-type]
    profile = getattr(grid, "grid_profile", None)
    fields = payload.dict(exclude_unset=True)
    worker = profile.worker if profile else None
    if "worker_id" in fields:
        worker = User.objects.filter(pk=fields["worker_id"]).first() if fields["worker_id"] is not None else None
        if fields["worker_id"] is not None and worker is None:
            message = _("网格员必须是本网格的网格员或本社区的社区工作者")
            raise ValidationFailed(message, details={"worker_id": [message]})
    phones = {name: fields.get(name) for name in ("worker_phone", "complaint_phone")}
    for name, value in phones.items():
        if value is None:  # not sent (or null): keep what the card says
            phones[name] = getattr(profile, name) if profile else ""
    services.grid_profile_update(actor=request.user, grid=grid, worker=worker,
                                 worker_phone=str(phones["worker_phone"]),
                                 complaint_phone=str(phones["complaint_phone"]))
    return _card(selectors.grid_for_card(request.user, code))


@router.post("/areas/{code}/generate", response={202: JobOut}, url_name="grids_generate_area")
def generate_area(request: HttpRequest, code: str) -> Status[JobOut]:
    """Regrid every community of a district or sub-district in the background ("grids.partition")."""
    area = tasks.area_for_bulk(request.user, code)
    job = tasks.grids_partition_start(actor=request.user, area=area)
    job.refresh_from_db()
    return Status(202, JobOut(id=str(job.pk), status=job.status, area_code=job.area_code,
                              progress_done=job.progress_done, progress_total=job.progress_total))

