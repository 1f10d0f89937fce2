"""regrid.write_many: several communities written set-based in one go (what the district/city job does) leave the
registry, counts, profiles, run records and audit rows as right as regridding them one by one."""

from __future__ import annotations

import datetime as dt

import pytest

from shequ.areas.models import Area, AreaStats, AreaTagCount, Level
from shequ.core.models import AuditLog, BackgroundJob
from shequ.grids import regrid, services, synthetic, tasks
from shequ.grids.models import GridProfile, PartitionRun
from shequ.grids.tests.helpers import populate
from shequ.registry.models import Building, Household, Resident, ResidentTag, ResidentUnit
from shequ.standards.models import PolicySet, PolicyVersion
from shequ.standards.policy import TOPIC

pytestmark = pytest.mark.usefixtures("policy")


@pytest.fixture
def two(world):  # type: ignore[no-untyped-def]
    """world.community (~700 households, all on its second grid) and world.community_b (~420, at community
    level, with one household that has no building)."""
    populate(world.community, synthetic.community(synthetic.CommunitySpec(world.community.code, "urban", 700),
                                                  start_id=1), grid=world.grid2)
    populate(world.community_b, synthetic.community(synthetic.CommunitySpec(world.community_b.code, "urban", 420),
                                                    start_id=10_000))
    Household.objects.create(community=world.community_b, area_code=world.community_b.code, number="NOBUILDING1")
    return world


def _recount(code: str) -> tuple[int, int, int]:
    return (
        Building.objects.filter(area_code__startswith=code).count(),
        Household.objects.filter(area_code__startswith=code, dissolved_at__isnull=True).count(),
        Resident.objects.filter(area_code__startswith=code, status="active").count(),
    )


def _consistent(community: Area) -> None:
    grids = {g.pk: g for g in Area.objects.filter(parent=community, level=Level.GRID)}
    assert grids
    for building in Building.objects.filter(community=community):
        assert building.grid_id in grids and building.area_code == grids[building.grid_id].code
    for household in Household.objects.filter(community=community, building__isnull=False).select_related("building"):
        home = household.building
        assert home is not None
        assert (household.grid_id, household.area_code) == (home.grid_id, home.area_code)
    for resident in Resident.objects.filter(community=community, household__building__isnull=False):
        assert resident.household is not None and resident.area_code == resident.household.area_code
    for grid in grids.values():
        stats = AreaStats.objects.get(area=grid)
        assert (stats.buildings, stats.households, stats.residents) == _recount(grid.code)
        profile = GridProfile.objects.get(area=grid)
        assert (profile.households, profile.people) == _recount(grid.code)[1:]
        assert profile.outline.get("type") == "Polygon"


def test_many_communities_written_at_once_are_consistent(two):
    ResidentTag.objects.create(resident=Resident.objects.filter(community=two.community).first(), tag_id=1)
    unit_building = Building.objects.filter(community=two.community_b).exclude(compound="").first()
    unit = ResidentUnit.objects.create(community=two.community_b, area_code=two.community_b.code, name="物业",
                                       address=unit_building.address)
    totals = {c.pk: _recount(c.code) for c in (two.community, two.community_b)}
    runs, failed = regrid.write_many(two.admin, [two.community_b, two.community])
    assert not failed and [r.community_id for r in runs] == [two.community.pk, two.community_b.pk]
    for community in (two.community, two.community_b):
        _consistent(community)
        assert _recount(community.code) == totals[community.pk]  # nothing left its community
    unit.refresh_from_db()
    assert unit.area_code == Building.objects.get(pk=unit_building.pk).area_code
    tagged = AreaTagCount.objects.filter(tag_id=1, area__level=Level.GRID)
    assert sum(t.residents for t in tagged) == 1
    assert PartitionRun.objects.count() == 2 and AuditLog.objects.filter(action="grids.partition").count() == 2
    run_b = PartitionRun.objects.get(community=two.community_b)
    assert run_b.summary["moved"]["households"] == Household.objects.filter(
        community=two.community_b, building__isnull=False).count()
    assert run_b.summary["moved"]["units"] == 1
    assert {"code": "households_without_building", "params": {"count": 1}} in run_b.summary["notes"]
    # the same write again moves nothing and leaves everything as it was
    before = list(Resident.objects.order_by("pk").values_list("pk", "area_code"))
    again, _ = regrid.write_many(two.admin, [two.community, two.community_b])
    for run in again:
        assert run.summary["moved"] == {"buildings": 0, "households": 0, "residents": 0, "units": 0}
    assert list(Resident.objects.order_by("pk").values_list("pk", "area_code")) == before


def test_the_batch_write_is_each_communitys_own_plan(two):
    """Written together, each community gets exactly the grids its own dry run proposes."""
    dry = {c.pk: services.grids_generate(actor=two.admin, community=c, dry_run=True)
           for c in (two.community, two.community_b)}
    runs, _failed = regrid.write_many(two.admin, [two.community, two.community_b])
    for run in runs:
        proposed = dry[run.community_id].summary
        written = run.summary["grids"]
        assert [{k: v for k, v in g.items() if k not in ("code", "name")} for g in written] == \
            [{k: v for k, v in g.items() if k not in ("code", "name")} for g in proposed["grids"]]
        for index, grid in enumerate(proposed["grids"]):  # existing grids continued, as the dry run said
            if grid["code"]:
                assert written[index]["code"] == grid["code"]
        for building, index in proposed["assignment"].items():
            assert Building.objects.get(pk=int(building)).area_code == written[index]["code"]


def test_a_community_without_a_policy_is_reported_and_the_others_written(two):
    deeper = PolicySet.objects.create(code="grid-empty-b", topic=TOPIC, name="无网格规模",
                                      jurisdiction_code=two.community_b.code)
    PolicyVersion.objects.create(policy_set=deeper, number=1, effective_from=dt.date(2000, 1, 1), citation="测试")
    before = list(Building.objects.filter(community=two.community_b).values_list("pk", "area_code"))
    runs, failed = regrid.write_many(two.admin, [two.community, two.community_b])
    assert [r.community_id for r in runs] == [two.community.pk]
    assert list(failed) == [two.community_b.code] and "grid_households" in str(failed[two.community_b.code].message)
    assert list(Building.objects.filter(community=two.community_b).values_list("pk", "area_code")) == before
    _consistent(two.community)


def test_the_job_writes_in_batches_with_progress(two, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(tasks, "BATCH", 1)
    with django_capture_on_commit_callbacks(execute=True):
        job = tasks.grids_partition_start(actor=two.subdistrict_officer, area=two.subdistrict)
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.SUCCEEDED, job.error
    communities = Area.objects.filter(code__startswith=two.subdistrict.code, level=Level.COMMUNITY).count()
    assert job.progress_done == job.progress_total == communities
    assert job.result["communities"] == communities
    for community in (two.community, two.community_b):
        _consistent(community)
