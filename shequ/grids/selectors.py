"""Reads of the grid app, always cut to the viewer's scope ("not yours" answers like "not found")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area, AreaStats, Level
from shequ.core.errors import NotFound
from shequ.core.roles import Perm
from shequ.grids.layout import natural_key, street_of
from shequ.grids.models import PartitionRun
from shequ.grids.partition import TOLERANCE
from shequ.registry.models import Building, Household, ResidentStatus
from shequ.standards.policy import PolicyResolver


def _code(value: Any) -> str:
    code = str(value or "").strip()
    if not code.isdigit():
        raise NotFound()
    return code


def community_for_view(viewer: Any, code: Any) -> Area:
    area = (
        Area.objects.filter(viewer_scope(viewer).q(Perm.GRIDS_VIEW, "code"), code=_code(code), level=Level.COMMUNITY)
        .select_related("parent")
        .first()
    )
    if area is None:
        raise NotFound()
    return area


def grid_for_card(viewer: Any, code: Any) -> Area:
    """A grid for the signed-in card (sizes, editing) when one of the viewer's roles covers it; the public card,
    for anyone, is `grid_public`."""
    code = _code(code)
    scope = viewer_scope(viewer)
    if not (scope.is_superuser or any(code.startswith(c) for _role, c in scope.assignments)):
        raise NotFound()
    area = (
        Area.objects.filter(code=code, level=Level.GRID)
        .select_related("parent__parent", "grid_profile__worker", "stats")
        .first()
    )
    if area is None:
        raise NotFound()
    return area


def grid_public(code: Any) -> Area:
    """A grid by code for its public card (no viewer: the card is public, like the disclosure record); only
    grids — any other code, or an unknown one, is NotFound."""
    area = (
        Area.objects.filter(code=_code(code), level=Level.GRID)
        .select_related("parent__parent", "grid_profile__worker", "stats")
        .first()
    )
    if area is None:
        raise NotFound()
    return area


@dataclass(frozen=True)
class PublicCard:
    """What anyone may read about a grid: its place, what it covers, its size, its worker and phones. Built from
    the grid, its profile, its subtree counts and its buildings' compounds and streets — never from residents."""

    code: str
    name: str
    community_code: str
    community_name: str
    subdistrict_code: str
    subdistrict_name: str
    compounds: list[str]
    streets: list[str]
    households: int
    worker_name: str
    worker_phone: str
    complaint_phone: str
    outline: dict[str, Any]
    centre: list[float] | None

    @property
    def covers(self) -> str:
        """One line, e.g. 小区：长青小区、花园小区；街巷：长青路、建设路 (empty: the grid has no buildings yet)."""
        sep = _("、")
        parts = []
        if self.compounds:
            parts.append(_("小区：%(names)s") % {"names": sep.join(self.compounds)})
        if self.streets:
            parts.append(_("街巷：%(names)s") % {"names": sep.join(self.streets)})
        return _("；").join(parts)


def worker_name(user: Any) -> str:
    """A grid worker's name as the public reads it: the display name, else the full name, else the username."""
    if user is None:
        return ""
    return str(user.display_name or user.get_full_name() or user.username)


def grid_covers(grid: Area) -> tuple[list[str], list[str]]:
    """The compounds and the streets (the street part of each address, shequ.grids.layout.street_of) of the
    grid's buildings, each in natural address order."""
    compounds: set[str] = set()
    streets: set[str] = set()
    for compound, address in Building.objects.filter(grid=grid).values_list("compound", "address"):
        if (compound or "").strip():
            compounds.add(compound.strip())
        street, _number = street_of(address or "")
        if street:
            streets.add(street)
    return sorted(compounds, key=natural_key), sorted(streets, key=natural_key)


def public_card_of(grid: Area) -> PublicCard:
    """The public facts of a grid fetched with `grid_public` or `grid_for_card` (their select_related)."""
    profile = getattr(grid, "grid_profile", None)
    stats = getattr(grid, "stats", None)
    community = grid.parent
    subdistrict = community.parent if community else None
    compounds, streets = grid_covers(grid)
    return PublicCard(
        code=grid.code,
        name=grid.name,
        community_code=community.code if community else "",
        community_name=community.name if community else "",
        subdistrict_code=subdistrict.code if subdistrict else "",
        subdistrict_name=subdistrict.name if subdistrict else "",
        compounds=compounds,
        streets=streets,
        households=stats.households if stats else 0,  # AreaStats: kept current by every registry write
        worker_name=worker_name(profile.worker if profile else None),
        worker_phone=profile.worker_phone if profile else "",
        complaint_phone=profile.complaint_phone if profile else "",
        outline=(profile.outline if profile else None) or {},
        centre=[grid.latitude, grid.longitude] if grid.latitude is not None and grid.longitude is not None else None,
    )


def grid_public_card(code: Any) -> PublicCard:
    return public_card_of(grid_public(code))


def can_change(viewer: Any, area_code: str | None = None) -> bool:
    return viewer_scope(viewer).has(Perm.GRIDS_CHANGE, area_code)


@dataclass
class Targets:
    households: int
    people: int

    def load(self, households: int, people: int) -> float:
        return max(households / self.households, people / self.people)


def targets_map(codes: list[str], year: int | None = None) -> dict[str, Targets | None]:
    """The policy's grid size for each community code this year (one resolver: a few queries in all)."""
    resolver = PolicyResolver()
    year = year or timezone.localdate().year
    out: dict[str, Targets | None] = {}
    for code in codes:
        values = resolver.params(resolver.version_for(code, year))
        h, p = values.get("grid_households"), values.get("grid_people")
        ok = h is not None and p is not None and not isinstance(h, list) and not isinstance(p, list) and h > 0 < p
        out[code] = Targets(int(h), int(p)) if ok else None  # type: ignore[arg-type]
    return out


def communities(viewer: Any, q: str = "") -> QuerySet[Area]:
    qs = Area.objects.filter(viewer_scope(viewer).q(Perm.GRIDS_VIEW, "code"), level=Level.COMMUNITY)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q) | Q(parent__name__contains=q))
    return qs.select_related("parent").annotate(grid_count=Count("children")).order_by("code")


def within_counts(areas: list[Area]) -> dict[str, int]:
    """Grids within tolerance of each community (from the grids' counts and this year's policy)."""
    targets = targets_map([a.code for a in areas])
    out = dict.fromkeys((a.code for a in areas), 0)
    # AreaStats, kept current by every registry write (profiles are refreshed by the grid services only)
    rows = AreaStats.objects.filter(area__parent__in=areas, area__level=Level.GRID).values_list(
        "area__parent__code", "households", "residents"
    )
    for code, households, people in rows:
        target = targets.get(code)
        if target is not None and abs(target.load(households, people) - 1) <= TOLERANCE + 1e-9:
            out[code] += 1
    return out


def my_grids(viewer: Any) -> list[Area]:
    """Grids a viewer is bound to directly (a grid worker): their cards, since no community page is theirs."""
    codes = [c for _role, c in viewer_scope(viewer).assignments if len(c) == 15]
    return list(Area.objects.filter(code__in=codes, level=Level.GRID).select_related("parent").order_by("code"))


def grid_rows(community: Area, targets: Targets | None) -> list[dict[str, Any]]:
    """Each grid with its profile, worker and deviation from the policy's size."""
    grids = Area.objects.filter(parent=community, level=Level.GRID).select_related("grid_profile__worker", "stats")
    buildings = dict(
        Building.objects.filter(community=community, grid__isnull=False)
        .values("grid_id").annotate(n=Count("pk")).values_list("grid_id", "n")
    )
    rows = []
    for grid in grids.order_by("code"):
        profile = getattr(grid, "grid_profile", None)
        stats = getattr(grid, "stats", None)
        households = stats.households if stats else 0
        people = stats.residents if stats else 0
        load = targets.load(households, people) if targets else None
        rows.append(
            {
                "area": grid,
                "profile": profile,
                "households": households,
                "people": people,
                "buildings": buildings.get(grid.pk, 0),
                "load": load,
                "deviation": None if load is None else load - 1,
                "within": load is not None and abs(load - 1) <= TOLERANCE + 1e-9,
                "outline": profile.outline if profile else {},
                "worker": profile.worker if profile else None,
            }
        )
    return rows


def buildings_geojson(community: Area) -> dict[str, Any]:
    """The community's buildings as a GeoJSON FeatureCollection (buildings without coordinates: geometry null)."""
    households = dict(
        Household.objects.filter(community=community, dissolved_at__isnull=True, building__isnull=False)
        .values("building_id").annotate(n=Count("pk")).values_list("building_id", "n")
    )
    people = dict(
        Building.objects.filter(community=community)
        .filter(households__dissolved_at__isnull=True, households__members__status=ResidentStatus.ACTIVE)
        .values("pk").annotate(n=Count("households__members")).values_list("pk", "n")
    )
    features = []
    rows = Building.objects.filter(community=community).order_by("address").values_list(
        "pk", "address", "compound", "latitude", "longitude", "grid__code"
    )
    for pk, address, compound, lat, lon, grid_code in rows:
        geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
        features.append(
            {
                "type": "Feature",
                "id": pk,
                "geometry": geometry,
                "properties": {
                    "id": pk,
                    "address": address,
                    "compound": compound,
                    "grid": grid_code or "",
                    "households": households.get(pk, 0),
                    "people": people.get(pk, 0),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def last_run(community: Area) -> PartitionRun | None:
    return PartitionRun.objects.filter(community=community).select_related("actor").first()


PLACED_HOW = {
    "compound": gettext_lazy("同一小区的楼栋旁"),
    "street": gettext_lazy("同一街道门牌相邻的楼栋旁"),
    "address": gettext_lazy("按地址顺序"),
}


def placed_buildings(run: PartitionRun) -> list[dict[str, Any]]:
    """The buildings a run (saved or a dry run) placed by address because they have no coordinates, in address
    order: building_id, address (empty if deleted since), placed_how ("compound" | "street" | "address", from
    summary["placed_how"]; empty for a run recorded before it was kept) and its label in the active language."""
    how: dict[str, str] = run.summary.get("placed_how") or {}
    ids = [int(k) for k in how] or [int(i) for i in run.placed_by_address or []]
    if not ids:
        return []
    wanted = set(ids)
    # the community's buildings in one read (an "all without coordinates" run may name every one of them)
    addresses = {
        pk: address
        for pk, address in Building.objects.filter(community_id=run.community_id).values_list("pk", "address")
        if pk in wanted
    }
    rows: list[dict[str, Any]] = []
    for pk in ids:
        placed_how = how.get(str(pk), "")
        rows.append({"building_id": pk, "address": addresses.get(pk, ""), "placed_how": placed_how,
                     "label": str(PLACED_HOW[placed_how]) if placed_how in PLACED_HOW else ""})
    rows.sort(key=lambda r: (natural_key(r["address"]), r["building_id"]))
    return rows


def building_for_change(viewer: Any, pk: Any) -> Building:
    """A building in a community the viewer may regrid (else NotFound, or PermissionDenied if it can see it)."""
    from shequ.grids.services import community_for_change

    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    building = Building.objects.filter(pk=pk).select_related("community", "grid").first()
    if building is None:
        raise NotFound()
    community_for_change(viewer, building.community)
    return building
