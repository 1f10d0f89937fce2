"""Test data for the grid tests: synthetic buildings written straight into the registry (fast, consistent)."""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
from collections.abc import Sequence
from typing import Any

from django.apps import apps
from django.test import Client

from shequ.areas.models import Area
from shequ.areas.stats import stats_rebuild
from shequ.core.testing.factories import make_id_number
from shequ.grids.partition import BuildingIn
from shequ.registry.models import Building, Household, Resident

_people = itertools.count(1)

# The grid browser tests' phone screen.
PHONE = {"viewport": {"width": 375, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def ensure_policy() -> None:
    """The seeded Loudi standards (a transactional test elsewhere may have flushed them)."""
    importlib.import_module("shequ.standards.migrations.0002_loudi_policy").forwards(apps, None)


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def regridded_town(world: Any, households: int = 450) -> None:
    """world.community with `households` households in compounds, all on its second grid, then regridded by its
    worker (the policy present)."""
    from shequ.grids import services, synthetic

    ensure_policy()
    spec = synthetic.CommunitySpec(world.community.code, "urban", households)
    populate(world.community, synthetic.community(spec), grid=world.grid2)
    services.grids_generate(actor=world.worker, community=world.community)


def populate(community: Area, buildings: Sequence[BuildingIn], grid: Area | None = None) -> list[Building]:
    """Buildings with their households and residents (people spread over the households), all in `grid` (or at
    community level), then the subtree counts recounted."""
    code = grid.code if grid else community.code
    rows = Building.objects.bulk_create([
        Building(community=community, grid=grid, area_code=code, compound=b.compound, address=b.address,
                 latitude=b.lat, longitude=b.lon)
        for b in buildings
    ])
    households: list[Household] = []
    plan: list[tuple[int, int]] = []  # (household index, people)
    for spec, row in zip(buildings, rows, strict=True):
        count = max(0, spec.households)
        for h in range(count):
            share = spec.people // count + (1 if h < spec.people % count else 0)
            plan.append((len(households), share))
            households.append(Household(community=community, grid=grid, area_code=code, building=row,
                                        number=f"T{community.code}{row.pk:06d}{h:03d}", room=f"{h + 1}"))
    households = Household.objects.bulk_create(households)
    residents = []
    for index, people in plan:
        for _ in range(people):
            n = next(_people)
            birth = dt.date(1950, 1, 1) + dt.timedelta(days=n // 400)
            number = make_id_number(birth, seq=n)
            residents.append(Resident(community=community, grid=grid, area_code=code, name=f"测试{n}",
                                      name_pinyin=f"ceshi{n}", name_initials="cs", id_number=number,
                                      id_number_rev=number[::-1], sex="M", birth_date=birth,
                                      household=households[index], relation="head"))
    Resident.objects.bulk_create(residents, batch_size=500)
    stats_rebuild()
    return rows
