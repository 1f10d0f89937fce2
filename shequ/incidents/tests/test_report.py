"""Reporting: where the case goes, who may report where, numbers and tokens, photos checked by their bytes."""

from __future__ import annotations

import pytest

from shequ.core.errors import PermissionDenied, ValidationFailed
from shequ.core.models import AuditLog
from shequ.incidents import services
from shequ.incidents.models import Event, Incident, Photo, Source, Status
from shequ.incidents.tests.helpers import category, local, report, set_clock, upload


def noise_png() -> bytes:
    import io
    import os

    from PIL import Image

    out = io.BytesIO()
    Image.frombytes("RGB", (100, 100), os.urandom(30000)).save(out, format="PNG")
    return out.getvalue()


def _nothing_written() -> tuple[int, int, int, int]:
    return Incident.objects.count(), Photo.objects.count(), Event.objects.count(), AuditLog.objects.count()


def test_numbers_are_per_day_sequences(world, monkeypatch):
    set_clock(monkeypatch, local(2026, 5, 6, 8, 0))
    first, second = report(world), report(world)
    assert (first.number, second.number) == ("SJ202605060001", "SJ202605060002")
    set_clock(monkeypatch, local(2026, 5, 7, 0, 5))
    assert report(world).number == "SJ202605070001"
    assert first.token != second.token and len(first.token) == 36


def test_place_from_the_building(world):
    case = report(world)
    assert (case.community, case.grid, case.building) == (world.community, world.grid, world.building)
    assert case.area_code == world.grid.code and case.source == Source.GRID_WORKER
    assert case.reporter == world.grid_worker


def test_place_from_coordinates(placed):
    case = report(placed, building=None, latitude=27.7302, longitude=112.0003)
    assert case.building == placed.building and case.grid == placed.grid
    assert case.latitude == pytest.approx(27.7302)


def test_community_fallback_places_a_grid_worker_in_its_grid(placed):
    # near no building, inside 长青社区's reach: the grid worker's own grid there
    case = report(placed, building=None, latitude=27.7330, longitude=112.0100)
    assert case.community == placed.community and case.grid == placed.grid and case.building is None


def test_community_worker_reports_by_community(world):
    case = report(world, actor=world.worker, building=None, community=world.community, source="staff",
                  reporter_name="王大爷", reporter_phone="13800001111")
    assert case.area_code == world.community.code and case.grid is None
    assert case.reporter_phone == "13800001111"


def test_nothing_locates_the_case(world):
    before = _nothing_written()
    with pytest.raises(ValidationFailed) as caught:
        report(world, building=None, latitude=10.0, longitude=10.0)
    assert "location" in caught.value.details
    with pytest.raises(ValidationFailed):
        report(world, building=None)
    with pytest.raises(ValidationFailed):
        report(world, building=None, latitude=27.73)  # half a point
    assert _nothing_written() == before


def test_grid_worker_reports_only_in_its_grid(world):
    from shequ.registry import services as registry

    other = registry.building_create(actor=world.admin, community=world.community, address="长青路2号",
                                     grid=world.grid2)
    loose = registry.building_create(actor=world.admin, community=world.community, address="长青路3号")
    before = _nothing_written()
    for building in (other, loose, world.building2):
        with pytest.raises(PermissionDenied):
            report(world, building=building)
    with pytest.raises(PermissionDenied):
        report(world, building=None, community=world.community)  # no grid: not the grid worker's place
    assert _nothing_written() == before
    assert report(world).grid == world.grid


def test_residents_report_in_their_community_and_outsiders_nowhere_else(world):
    case = report(world, actor=world.resident_user, source="resident")
    assert case.reporter == world.resident_user
    with pytest.raises(PermissionDenied):
        report(world, actor=world.resident_user, building=world.building2, source="resident")
    with pytest.raises(PermissionDenied):
        report(world, actor=world.outsider, source="staff")
    for actor in (world.analyst, world.auditor):
        with pytest.raises(PermissionDenied):
            report(world, actor=actor, source="staff")


def test_anonymous_only_through_open311(world):
    with pytest.raises(PermissionDenied):
        services.incident_report(actor=None, category=category(), description="路灯不亮", source="staff",
                                 building=world.building)
    case = services.incident_report(actor=None, category=category(), description="路灯不亮", source="open311",
                                     building=world.building)
    assert case.reporter is None and case.source == Source.OPEN311


def test_bad_fields(world):
    from shequ.incidents.models import Category

    inactive = Category.objects.create(code="old", name="旧类别", time_limit_days=3, active=False)
    with pytest.raises(ValidationFailed) as caught:
        report(world, category=inactive, description=" ", reporter_phone="call me", source="fax")
    assert set(caught.value.details) >= {"category", "description", "reporter_phone", "source"}


def test_photos_are_stored(world):
    case = report(world, photos=[upload(), upload(name="b.jpg", content_type="image/jpeg")])
    photos = list(case.photos.all())
    assert len(photos) == 2 and {p.content_type for p in photos} == {"image/png"}
    assert all(p.area_code == case.area_code and p.stage == Status.REPORTED for p in photos)
    assert photos[0].image.name.endswith(".png") and "photo" not in photos[0].image.name


@pytest.mark.parametrize(
    "data",
    [b"this is not an image at all", b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, b"GIF89a" + b"\x00" * 40],
    ids=["text", "broken-png", "gif"],
)
def test_not_an_image_is_refused(world, data):
    before = _nothing_written()
    with pytest.raises(ValidationFailed) as caught:
        report(world, photos=[upload(data, name="evil.png")])
    assert "photos" in caught.value.details
    assert _nothing_written() == before


def test_too_big_and_too_many_are_refused(world, settings, tmp_path):
    settings.SHEQU_PHOTO_MAX_BYTES = 2000
    before = _nothing_written()
    with pytest.raises(ValidationFailed) as caught:
        report(world, photos=[upload(noise_png())])
    assert "KB" in caught.value.details["photos"][0]
    settings.SHEQU_PHOTO_MAX_BYTES = 5 * 1024 * 1024
    with pytest.raises(ValidationFailed):
        report(world, photos=[upload() for _ in range(5)])
    assert _nothing_written() == before
    assert not list((tmp_path / "media").rglob("*.png"))
