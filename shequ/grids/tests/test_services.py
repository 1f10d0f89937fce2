"""grids_generate, building_move, grid_profile_update: what they write, what they refuse, and that they leave
the registry, the counts and the audit log consistent."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequ.accounts.models import RoleAssignment
from shequ.areas.models import Area, AreaStats, AreaTagCount, Level
from shequ.core.errors import NotFound, PermissionDenied, ValidationFailed
from shequ.core.models import AuditLog, BackgroundJob
from shequ.core.roles import Role
from shequ.core.testing.factories import make_user
from shequ.grids import services, synthetic
from shequ.grids.models import GridProfile, PartitionRun
from shequ.grids.tasks import grids_partition_start
from shequ.grids.tests.helpers import populate
from shequ.registry.models import Building, Household, Resident, ResidentTag, ResidentUnit

pytestmark = pytest.mark.usefixtures("policy")


@pytest.fixture
def town(world):  # type: ignore[no-untyped-def]
    """world.community with ~700 households in compounds, all on its second grid (the demo's kind of start)."""
    spec = synthetic.CommunitySpec(world.community.code, "urban", 700)
    populate(world.community, synthetic.community(spec, start_id=1), grid=world.grid2)
    return world


def _counts(area: Area) -> tuple[int, int, int, int]:
    stats = AreaStats.objects.get(area=area)
    return stats.buildings, stats.households, stats.residents, stats.units


def _recount(code: str) -> tuple[int, int, int]:
    return (
        Building.objects.filter(area_code__startswith=code).count(),
        Household.objects.filter(area_code__startswith=code, dissolved_at__isnull=True).count(),
        Resident.objects.filter(area_code__startswith=code, status="active").count(),
    )


def test_dry_run_changes_nothing(town):
    before = list(Building.objects.order_by("pk").values_list("pk", "grid_id"))
    audits = AuditLog.objects.count()
    run = services.grids_generate(actor=town.worker, community=town.community, dry_run=True)
    assert run.pk is None and run.grids >= 3
    assert len(run.summary["grids"]) == run.grids
    mine = Building.objects.filter(community=town.community).values_list("pk", flat=True)
    assert set(run.summary["assignment"]) == {str(pk) for pk in mine}
    assert list(Building.objects.order_by("pk").values_list("pk", "grid_id")) == before
    assert AuditLog.objects.count() == audits and not PartitionRun.objects.exists()


def test_generate_moves_buildings_households_and_residents_and_recounts(town):
    ResidentTag.objects.create(resident=Resident.objects.filter(grid=town.grid2).first(), tag_id=1)
    unit_building = Building.objects.filter(community=town.community).exclude(compound="").first()
    unit = ResidentUnit.objects.create(community=town.community, area_code=town.community.code, name="物业公司",
                                       address=unit_building.address)
    community_before = _counts(town.community)
    run = services.grids_generate(actor=town.worker, community=town.community)
    assert run.pk and run.grids == len(run.summary["grids"]) >= 3
    assert run.within_tolerance == run.grids
    grids = {g.pk: g for g in Area.objects.filter(parent=town.community, level=Level.GRID)}
    # the two grids of the fixture are reused (001 had the old first building and a grid worker)
    assert {town.grid.code, town.grid2.code} <= {g.code for g in grids.values()}
    for building in Building.objects.filter(community=town.community):
        assert building.grid_id in grids and building.area_code == grids[building.grid_id].code
    for household in Household.objects.filter(community=town.community, building__isnull=False):
        assert household.grid_id == household.building.grid_id and household.area_code == household.building.area_code
    for resident in Resident.objects.filter(community=town.community, household__building__isnull=False):
        assert resident.area_code == resident.household.area_code
    unit.refresh_from_db()
    assert unit.area_code == Building.objects.get(pk=unit_building.pk).area_code
    # counts: per grid recounted, the community's total unchanged (units: the new one is counted now)
    for grid in grids.values():
        assert _counts(grid)[:3] == _recount(grid.code)
    assert _counts(town.community)[:3] == community_before[:3]
    tagged = AreaTagCount.objects.filter(tag_id=1, area__level=Level.GRID, area__parent=town.community)
    tags = ResidentTag.objects.filter(tag_id=1, resident__community=town.community).count()
    assert sum(t.residents for t in tagged) == tags
    # profiles and the run
    profiles = GridProfile.objects.filter(area__parent=town.community)
    assert profiles.count() == len(grids)
    for profile in profiles:
        assert (profile.households, profile.people) == _recount(profile.area.code)[1:]
        assert profile.area_code == profile.area.code
        if profile.households:
            assert profile.outline["type"] == "Polygon"
    audit = AuditLog.objects.filter(action="grids.partition")
    assert audit.count() == 1 and audit.get().area_code == town.community.code
    assert audit.get().changes["moved"][1]["buildings"] > 0


def test_generate_twice_changes_nothing_more(town):
    services.grids_generate(actor=town.worker, community=town.community)
    before = list(Resident.objects.order_by("pk").values_list("pk", "area_code"))
    run = services.grids_generate(actor=town.worker, community=town.community)
    assert run.summary["moved"] == {"buildings": 0, "households": 0, "residents": 0, "units": 0}
    assert list(Resident.objects.order_by("pk").values_list("pk", "area_code")) == before
    # nothing moved: the counts are left as they are (not recounted), and they are still right
    with CaptureQueriesContext(connection) as queries:
        services.grids_generate(actor=town.worker, community=town.community)
    assert not [q for q in queries.captured_queries if "areas_areastats" in q["sql"] or "areatagcount" in q["sql"]]
    for grid in Area.objects.filter(parent=town.community, level=Level.GRID):
        assert _counts(grid)[:3] == _recount(grid.code)


def test_grids_no_longer_needed_are_removed_unless_referenced(world):
    spec = synthetic.CommunitySpec(world.community.code, "urban", 150)
    populate(world.community, synthetic.community(spec, start_id=1), grid=world.grid2)
    extra = Area.objects.create(code=world.community.code + "003", name="第三网格", level=Level.GRID,
                                parent=world.community)
    AreaStats.objects.create(area=extra)
    run = services.grids_generate(actor=world.worker, community=world.community)
    assert run.grids == 1
    assert run.summary["removed"] == [extra.code]
    assert not Area.objects.filter(pk=extra.pk).exists()
    # world.grid has a grid worker (and the fixture's first building, now moved): kept, empty, reported
    kept = run.summary["kept_empty"]
    assert [k["code"] for k in kept] == [world.grid.code] and kept[0]["references"]
    assert not Building.objects.filter(grid=world.grid).exists()


def test_scope_outsider_404_grid_worker_and_analyst_403_nothing_changed(town):
    before = list(Building.objects.order_by("pk").values_list("pk", "grid_id"))
    with pytest.raises(NotFound):
        services.grids_generate(actor=town.outsider, community=town.community)
    for actor in (town.grid_worker, town.analyst):
        with pytest.raises(PermissionDenied):
            services.grids_generate(actor=actor, community=town.community)
    for actor in (town.auditor, town.resident_user):
        with pytest.raises((NotFound, PermissionDenied)):
            services.grids_generate(actor=actor, community=town.community, dry_run=True)
    with pytest.raises(NotFound):
        services.grids_generate(actor=town.admin, community=town.subdistrict)  # not a community
    assert list(Building.objects.order_by("pk").values_list("pk", "grid_id")) == before
    assert not AuditLog.objects.filter(action="grids.partition").exists()


def test_no_policy_no_partition(town):
    from shequ.standards.models import PolicyParameter

    PolicyParameter.objects.filter(key="grid_households").delete()
    with pytest.raises(ValidationFailed) as caught:
        services.grids_generate(actor=town.worker, community=town.community, dry_run=True)
    assert "grid_households" in str(caught.value.message)


def test_building_move_updates_everything_and_returns_sizes(town):
    services.grids_generate(actor=town.worker, community=town.community)
    building = Building.objects.filter(community=town.community, households__isnull=False).distinct().first()
    old = building.grid
    target = Area.objects.filter(parent=town.community, level=Level.GRID).exclude(pk=old.pk).first()
    ResidentTag.objects.create(resident=Resident.objects.filter(household__building=building).first(), tag_id=2)
    sizes = services.building_move(actor=town.worker, building=building, grid=target)
    building.refresh_from_db()
    assert building.grid == target and building.area_code == target.code
    assert set(Household.objects.filter(building=building).values_list("area_code", flat=True)) == {target.code}
    assert set(Resident.objects.filter(household__building=building).values_list("area_code", flat=True)) == {
        target.code}
    for grid in (old, target):
        assert _counts(grid)[:3] == _recount(grid.code)
        assert sizes[grid.code]["households"] == _recount(grid.code)[1]
    assert AreaTagCount.objects.get(area=target, tag_id=2).residents >= 1
    audit = AuditLog.objects.filter(action="grids.move_building").get()
    assert audit.changes == {"grid": [old.code, target.code]}
    with pytest.raises(ValidationFailed):
        services.building_move(actor=town.admin, building=building, grid=Area.objects.create(
            code=town.community2.code + "001", name="x", level=Level.GRID, parent=town.community2))
    with pytest.raises(NotFound):
        services.building_move(actor=town.outsider, building=building, grid=old)


def test_grid_profile_update_checks_the_worker_and_phones(town):
    other_grid_worker = make_user("gw2", Role.GRID_WORKER, town.grid2)
    profile = services.grid_profile_update(actor=town.worker, grid=town.grid, worker=town.grid_worker,
                                           worker_phone="13800001111", complaint_phone="0738-12345")
    assert profile.worker == town.grid_worker and profile.area_code == town.grid.code
    services.grid_profile_update(actor=town.worker, grid=town.grid, worker=town.worker)  # a community worker
    with pytest.raises(ValidationFailed) as caught:
        services.grid_profile_update(actor=town.worker, grid=town.grid, worker=other_grid_worker, worker_phone="abc")
    assert set(caught.value.details) == {"worker", "worker_phone"}
    with pytest.raises(PermissionDenied):
        services.grid_profile_update(actor=town.grid_worker, grid=town.grid, worker=town.grid_worker)
    with pytest.raises(NotFound):
        services.grid_profile_update(actor=town.outsider, grid=town.grid)
    assert AuditLog.objects.filter(action="grids.profile_update").count() == 2
    assert RoleAssignment.objects.filter(user=other_grid_worker).exists()


def test_bulk_job_regrids_every_community_of_a_subdistrict(town, django_capture_on_commit_callbacks):
    populate(town.community_b, synthetic.community(synthetic.CommunitySpec(town.community_b.code, "urban", 420),
                                                  start_id=10_000))
    with django_capture_on_commit_callbacks(execute=True):
        job = grids_partition_start(actor=town.subdistrict_officer, area=town.subdistrict)
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.SUCCEEDED, job.error
    assert job.result["communities"] == 2 and job.progress_done == job.progress_total == 2
    assert not Building.objects.filter(community__in=[town.community, town.community_b], grid__isnull=True).exists()
    with pytest.raises(PermissionDenied):
        grids_partition_start(actor=town.analyst, area=town.subdistrict)
    with pytest.raises(NotFound):
        grids_partition_start(actor=town.outsider, area=town.subdistrict)


def test_demo_generated_community_can_be_regenerated(world):
    """The demo generator's grids (第一网格… by household order) are reused by code and made contiguous."""
    from shequ.areas.stats import stats_rebuild
    from shequ.registry.generator.community import community_generate
    from shequ.registry.generator.people import PeopleFactory
    from shequ.registry.generator.writer import BulkWriter

    writer = BulkWriter()
    community_generate(community=world.community_b, target=1500, seed=5, factory=PeopleFactory(5), writer=writer)
    writer.finish()
    stats_rebuild()
    demo_codes = set(Area.objects.filter(parent=world.community_b).values_list("code", flat=True))
    run = services.grids_generate(actor=world.admin, community=world.community_b)
    codes = set(Area.objects.filter(parent=world.community_b).values_list("code", flat=True))
    assert demo_codes and demo_codes <= codes | set(run.summary["removed"])
    assert all(g["connected"] for g in run.summary["grids"])
    for grid in Area.objects.filter(parent=world.community_b):
        assert _counts(grid)[:3] == _recount(grid.code)
