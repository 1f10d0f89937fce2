"""Build (or rebuild) the whole demo: hierarchy, people, counters, users, and a record of what was built."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.db import connection, models, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from shequ.accounts.models import RoleAssignment, User
from shequ.areas.generator import PLAN, HierarchyPlan, generated_areas_delete, hierarchy_build, seeded
from shequ.areas.models import Area, CommunityKind, Level
from shequ.areas.stats import stats_rebuild
from shequ.core.audit import audit_record
from shequ.core.models import AuditLog
from shequ.registry.generator.community import community_generate
from shequ.registry.generator.people import PeopleFactory
from shequ.registry.generator.users import DEMO_USERNAMES, demo_users_create, featured_community
from shequ.registry.generator.writer import BulkWriter
from shequ.registry.models import (
    Building,
    Household,
    HouseholdMembership,
    Resident,
    ResidentTag,
    ResidentUnit,
)

# Bump when the generator's output changes, so an existing demo of the same size is rebuilt.
GENERATOR_VERSION = 1
DEFAULT_SEED = 4313
DEFAULT_RESIDENTS = 50000
MIN_RESIDENTS = 100
# Relative size of a community by kind (about 3.9 million people city-wide gives ~9,600 per
# central-city community, ~7,700 per other urban one and ~3,800 per township community or village).
KIND_WEIGHTS: dict[str, float] = {
    CommunityKind.CENTRAL_URBAN: 10,
    CommunityKind.URBAN: 8,
    CommunityKind.TOWNSHIP: 4,
    CommunityKind.VILLAGE: 4,
}
# The featured community (where the demo's community worker works) gets at least this many residents.
FEATURED_MIN_RESIDENTS = 40
# Rows written per transaction (each community's rows always go in one transaction).
TRANSACTION_ROWS = 150_000

ACTION_STARTED = "demo.build_started"
ACTION_DONE = "demo.build"
_REGISTRY_MODELS: tuple[type[models.Model], ...] = (
    ResidentTag,
    HouseholdMembership,
    ResidentUnit,
    Resident,
    Household,
    Building,
)


@dataclass
class DemoSummary:
    residents: int = 0
    households: int = 0
    buildings: int = 0
    units: int = 0
    grids: int = 0
    communities: int = 0
    villages: int = 0
    seed: int = DEFAULT_SEED
    seconds: float = 0.0


def allocate(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder: the parts sum to `total` exactly)."""
    whole = sum(weights)
    if not weights or whole <= 0:
        return [0] * len(weights)
    exact = [total * w / whole for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (parts[i] - exact[i], i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _targets(communities: list[Area], residents: int, seed: int, featured: Area | None) -> list[int]:
    weights = [
        KIND_WEIGHTS.get(c.community_kind, 4) * seeded(seed, "size", c.code).uniform(0.6, 1.5) for c in communities
    ]
    targets = allocate(residents, weights)
    if featured is not None:
        index = next(i for i, c in enumerate(communities) if c.pk == featured.pk)
        wanted = min(residents, FEATURED_MIN_RESIDENTS)
        while targets[index] < wanted:
            donor = max(range(len(targets)), key=lambda i: (i != index, targets[i]))
            targets[donor] -= 1
            targets[index] += 1
    return targets


def demo_record() -> dict | None:
    """What the last build recorded ({residents, seed, version, complete}), or None if never built."""
    entry = AuditLog.objects.filter(action__in=(ACTION_STARTED, ACTION_DONE)).order_by("-id").first()
    if entry is None:
        return None
    return {**entry.changes, "complete": entry.action == ACTION_DONE}


def demo_matches(*, residents: int, seed: int) -> bool:
    """True when the database already holds a complete demo built with these parameters."""
    record = demo_record()
    return bool(
        record
        and record["complete"]
        and record.get("residents") == residents
        and record.get("seed") == seed
        and record.get("version") == GENERATOR_VERSION
        and Resident.objects.exists()
        and len(set(DEMO_USERNAMES)) == RoleAssignment.objects.filter(user__username__in=DEMO_USERNAMES).count()
    )


def holds_other_data(city_code: str = PLAN.city_code) -> bool:
    """Registry rows or communities that no demo build accounts for (real data: never wiped silently)."""
    if demo_record() is not None:
        return False
    return Resident.objects.exists() or Area.objects.filter(level=Level.COMMUNITY, code__startswith=city_code).exists()


def _detach_outsiders(model: type[models.Model]) -> None:
    """Links from outside the registry to rows about to be deleted (e.g. a user's resident)."""
    for rel in model._meta.related_objects:
        if rel.many_to_many or rel.related_model in _REGISTRY_MODELS:
            continue
        field = rel.field
        linked = rel.related_model._base_manager.filter(**{f"{field.name}__isnull": False})
        if rel.on_delete is models.SET_NULL:
            linked.update(**{field.name: None})
        elif rel.on_delete is models.CASCADE:
            linked.delete()
        elif linked.exists():
            raise ValueError(
                _("%(model)s 仍引用演示数据，无法重建") % {"model": rel.related_model._meta.verbose_name}
            )


@transaction.atomic
def demo_wipe(*, city_code: str = PLAN.city_code) -> None:
    """Remove the registry, the demo users and the generated communities and grids (not the real areas)."""
    from shequ.elections.demo import elections_demo_wipe
    from shequ.standards.generator import standards_facts_delete

    standards_facts_delete(root_code=city_code)  # premises, staff and funds point at the generated communities
    elections_demo_wipe(city_code=city_code)  # so do elections and disclosure entries
    for model in _REGISTRY_MODELS:
        _detach_outsiders(model)
    for model in _REGISTRY_MODELS:
        model._base_manager.all()._raw_delete(connection.alias)
    User.objects.filter(username__in=DEMO_USERNAMES).delete()
    RoleAssignment.objects.filter(
        area__level__in=(Level.COMMUNITY, Level.GRID), area__code__startswith=city_code
    ).delete()
    try:
        generated_areas_delete(city_code=city_code)
    except ProtectedError as exc:
        names = sorted({str(obj._meta.verbose_name) for obj in exc.protected_objects})
        raise ValueError(_("以下数据仍引用生成的社区或网格，无法重建：%(what)s") % {"what": "、".join(names)}) from None


def _standards_build(*, city_code: str, seed: int) -> None:
    """Premises, staff, evaluations and funds for every community and village, then their compliance results."""
    from shequ.standards.compliance import compliance_recompute, default_years
    from shequ.standards.generator import generate_standards_facts

    years = default_years()
    if years:
        generate_standards_facts(root_code=city_code, years=range(years[0], years[-1] + 1), seed=seed)
        compliance_recompute(actor=None, area_code=city_code, years=years)


def demo_build(
    *,
    residents: int = DEFAULT_RESIDENTS,
    seed: int = DEFAULT_SEED,
    plan: HierarchyPlan = PLAN,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Wipe whatever demo is there and generate a new one: deterministic for (residents, seed)."""
    if residents < MIN_RESIDENTS:
        raise ValueError(_("演示居民数至少为 %(n)d") % {"n": MIN_RESIDENTS})
    started = time.monotonic()
    params = {"residents": residents, "seed": seed, "version": GENERATOR_VERSION}
    demo_wipe(city_code=plan.city_code)
    audit_record(actor=None, action=ACTION_STARTED, entity_type="demo", entity_id=seed, changes=params)

    communities = hierarchy_build(seed=seed, plan=plan)
    featured = featured_community(plan.city_code, plan.central_district)
    targets = _targets(communities, residents, seed, featured)
    summary = DemoSummary(seed=seed)
    writer = BulkWriter()
    factory = PeopleFactory(seed)
    done = 0
    index = 0
    while index < len(communities):
        with transaction.atomic():
            opened_at = writer.added
            while index < len(communities) and writer.added - opened_at < TRANSACTION_ROWS:
                community, target = communities[index], targets[index]
                result = community_generate(
                    community=community,
                    target=target,
                    seed=seed,
                    factory=factory,
                    writer=writer,
                    featured=featured is not None and community.pk == featured.pk,
                )
                writer.maybe_flush()
                summary.residents += result.residents
                summary.households += result.households
                summary.buildings += result.buildings
                summary.units += result.units
                summary.grids += result.grids
                if community.community_kind == CommunityKind.VILLAGE:
                    summary.villages += 1
                else:
                    summary.communities += 1
                done += result.residents
                index += 1
                if progress is not None:
                    progress(done, residents)
            writer.flush()
    writer.finish()
    stats_rebuild()
    demo_users_create(city_code=plan.city_code, central_district=plan.central_district)
    _standards_build(city_code=plan.city_code, seed=seed)
    from shequ.elections.demo import elections_demo_build

    elections_demo_build(city_code=plan.city_code)
    summary.seconds = round(time.monotonic() - started, 1)
    audit_record(
        actor=None,
        action=ACTION_DONE,
        entity_type="demo",
        entity_id=seed,
        area_code=plan.city_code,
        changes={**params, "summary": asdict(summary)},
        summary=_("演示数据：%(n)d 名居民") % {"n": residents},
    )
    return summary
