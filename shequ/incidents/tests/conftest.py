"""Fixtures of the incident tests: the seeded categories and calendar present (a transactional test elsewhere may
have flushed them), photos in a temporary directory, a fresh working-day calendar, buildings with coordinates."""

from __future__ import annotations

import pytest

from shequ.incidents import calendar
from shequ.incidents.seed import ensure_seed


@pytest.fixture(autouse=True)
def _seed(db):  # type: ignore[no-untyped-def]
    ensure_seed()
    yield
    calendar.invalidate()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def placed(world):  # type: ignore[no-untyped-def]
    """Coordinates for the world's buildings and communities (Loudi, Louxing district)."""
    from shequ.registry.models import Building

    Building.objects.filter(pk=world.building.pk).update(latitude=27.7300, longitude=112.0000)
    Building.objects.filter(pk=world.building2.pk).update(latitude=27.7000, longitude=111.4300)
    for area, lat, lon in ((world.community, 27.7310, 112.0010), (world.community_b, 27.7500, 112.0300),
                           (world.community2, 27.7000, 111.4300)):
        area.latitude, area.longitude = lat, lon
        area.save(update_fields=["latitude", "longitude"])
    world.building.refresh_from_db()
    world.building2.refresh_from_db()
    return world
