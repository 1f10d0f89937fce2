"""A household moved to a building in another grid takes its members along: places, counts, audit."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from shequ.areas.models import AreaStats, AreaTagCount
from shequ.areas.stats import stats_rebuild
from shequ.core.errors import NotFound
from shequ.core.models import AuditLog
from shequ.registry import services
from shequ.registry.models import Household, Resident


def _counts(*areas):
    stats = {s.area.code: (s.households, s.residents) for s in AreaStats.objects.select_related("area")}
    return [stats[a.code] for a in areas]


def _tag(area, code="party_member"):
    row = AreaTagCount.objects.filter(area=area, tag__code=code).first()
    return row.residents if row else 0


@pytest.fixture
def other_grid_building(world):
    return services.building_create(actor=world.admin, community=world.grid2, address="长青路9号")


def test_members_follow_the_household_into_the_new_grid(world, other_grid_building):
    w = world
    assert _counts(w.grid, w.grid2, w.community) == [(1, 2), (0, 0), (1, 2)]
    services.household_update(actor=w.worker, household=w.household, building_id=other_grid_building.pk)

    household = Household.objects.get(pk=w.household.pk)
    assert household.grid_id == w.grid2.pk and household.area_code == w.grid2.code
    for member in Resident.objects.filter(household=household):
        assert member.grid_id == w.grid2.pk and member.area_code == w.grid2.code
    # counts move between the grids only; the community and above keep theirs
    assert _counts(w.grid, w.grid2, w.community, w.city) == [(0, 0), (1, 2), (1, 2), (2, 3)]
    assert (_tag(w.grid), _tag(w.grid2), _tag(w.community)) == (0, 1, 1)
    # and they are what a full recount finds
    before = sorted(AreaStats.objects.values_list("area_id", "buildings", "households", "residents", "units"))
    tags_before = sorted(AreaTagCount.objects.filter(residents__gt=0).values_list("area_id", "tag_id", "residents"))
    stats_rebuild()
    assert sorted(AreaStats.objects.values_list("area_id", "buildings", "households", "residents", "units")) == before
    assert sorted(AreaTagCount.objects.filter(residents__gt=0).values_list("area_id", "tag_id", "residents")) == (
        tags_before
    )

    audit = AuditLog.objects.get(action="household.update", entity_id=str(w.household.pk))
    assert audit.changes["area_code"] == [w.grid.code, w.grid2.code]
    assert audit.changes["building_id"] == [w.building.pk, other_grid_building.pk]
    moved = AuditLog.objects.filter(action="resident.update", changes__area_code=[w.grid.code, w.grid2.code])
    assert sorted(int(a.entity_id) for a in moved) == sorted([w.wang.pk, w.li.pk])


def test_a_building_without_grid_puts_the_household_in_the_community(world):
    w = world
    plain = services.building_create(actor=w.admin, community=w.community, address="长青路10号")
    services.household_update(actor=w.admin, household=w.household, building_id=plain.pk)
    assert Resident.objects.get(pk=w.wang.pk).area_code == w.community.code
    assert _counts(w.grid, w.community) == [(0, 0), (1, 2)]


def test_a_building_in_the_same_grid_moves_nobody(world):
    w = world
    same = services.building_create(actor=w.admin, community=w.grid, address="长青路1号2栋")
    services.household_update(actor=w.admin, household=w.household, building_id=same.pk)
    assert Resident.objects.get(pk=w.wang.pk).area_code == w.grid.code
    assert not AuditLog.objects.filter(action="resident.update").exists()
    assert _counts(w.grid) == [(1, 2)]


def test_a_grid_worker_cannot_move_a_household_out_of_its_grid(world, other_grid_building):
    w = world
    with pytest.raises(NotFound):
        services.household_update(actor=w.grid_worker, household=w.household, building_id=other_grid_building.pk)
    assert Household.objects.get(pk=w.household.pk).area_code == w.grid.code
    assert Resident.objects.get(pk=w.wang.pk).area_code == w.grid.code
    assert _counts(w.grid, w.grid2) == [(1, 2), (0, 0)]
    assert not AuditLog.objects.filter(action="household.update").exists()


def test_the_edit_page_moves_the_members(world, other_grid_building):
    w = world
    client = Client()
    client.force_login(w.worker)
    url = reverse("registry:household_edit", args=[w.household.pk])
    response = client.post(url, {"building": other_grid_building.pk, "room": "101", "kind": "permanent",
                                 "head": w.wang.pk})
    assert response.status_code == 302
    assert Resident.objects.get(pk=w.li.pk).area_code == w.grid2.code
