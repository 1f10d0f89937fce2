"""Election fixtures: `world` plus twelve adults and two children in world.community and an election."""

from __future__ import annotations

import importlib

import pytest

from shequ.elections.testing import DAY, make_election, make_people


def _ensure_rules() -> None:
    from django.apps import apps

    from shequ.standards.models import PolicySet

    if not PolicySet.objects.filter(code="hunan-residents-committee-elections").exists():
        importlib.import_module("shequ.elections.migrations.0002_election_rules").forwards(apps, None)
        # Later data migrations that add parameters to the seeded versions (each skips what is there).
        importlib.import_module("shequ.elections.migrations.0006_nomination_methods_rule").forwards(apps, None)


@pytest.fixture
def ew(world):  # type: ignore[no-untyped-def]
    """world + `people` (6 households × 2 adults + 2 children in the first two, in world.grid) + `election`
    (residents' committee, all voters, 1 director, 1 deputy, 3 members, day DAY = 2026-06-20, stage draft)."""
    _ensure_rules()
    world.people = make_people(actor=world.admin, community=world.community, households=6, adults=2, grid=world.grid)
    world.children = make_people(actor=world.admin, community=world.community, households=1, adults=1, minors=2,
                                 prefix="儿童户", grid=world.grid)
    world.day = DAY
    world.election = make_election(actor=world.subdistrict_officer, community=world.community)
    return world
