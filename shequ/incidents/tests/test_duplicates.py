"""Duplicates: same category, still open, within the radius (or the same building), recent; and merging them."""

from __future__ import annotations

import datetime as dt

import pytest

from shequ.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shequ.incidents import services
from shequ.incidents.models import Event, Incident, Status
from shequ.incidents.tests.helpers import category, report, walk


def _at(world, lat, lon, **kw):  # type: ignore[no-untyped-def]
    return report(world, building=None, latitude=lat, longitude=lon, **kw)


def test_duplicates_within_the_radius(placed):
    first = _at(placed, 27.7301, 112.0001)
    near = _at(placed, 27.7303, 112.0002)  # ~25 m
    far = _at(placed, 27.7330, 112.0010)  # ~340 m
    other_kind = _at(placed, 27.7301, 112.0001, category=category("noise"))
    found = services.duplicates_near(incident=first, radius_m=100)
    assert found == [near]
    assert 15 < found[0].distance_m < 35  # type: ignore[attr-defined]
    assert set(services.duplicates_near(incident=first, radius_m=500)) == {near, far}
    assert other_kind not in services.duplicates_near(incident=first, radius_m=500)


def test_closed_old_and_merged_are_not_duplicates(placed):
    first = _at(placed, 27.7301, 112.0001)
    closed = walk(_at(placed, 27.7301, 112.0001), placed.worker, "open", "dispatch", "handle", "check", "close")
    old = _at(placed, 27.7301, 112.0001)
    Incident.objects.filter(pk=old.pk).update(reported_at=old.reported_at - dt.timedelta(days=30))
    assert services.duplicates_near(incident=first) == []
    assert closed.status == Status.CLOSED


def test_same_building_without_coordinates(world):
    first, second = report(world), report(world)  # the building has no coordinates
    assert first.latitude is None
    assert services.duplicates_near(incident=first) == [second]


def test_suggestions_before_reporting_are_cut_to_the_viewer(placed):
    mine = _at(placed, 27.7301, 112.0001)
    theirs = _at(placed, 27.7302, 112.0001, actor=placed.worker, source="staff")
    found = services.duplicates_for(category=category(), latitude=27.7301, longitude=112.0001)
    assert set(found) == {mine, theirs}
    assert services.duplicates_for(category=category(), latitude=27.7301, longitude=112.0001,
                                   viewer=placed.resident_user) == []
    assert set(services.duplicates_for(category=category(), latitude=27.7301, longitude=112.0001,
                                       viewer=placed.grid_worker)) == {mine, theirs}


def test_merge_a_duplicate(placed):
    primary = walk(_at(placed, 27.7301, 112.0001), placed.worker, "open")
    duplicate = _at(placed, 27.7302, 112.0002)
    assert services.duplicates_near(incident=primary) == [duplicate]
    merged = services.incident_merge(actor=placed.worker, incident=duplicate, into=primary, note="同一处垃圾")
    assert merged.status == Status.MERGED and merged.merged_into == primary
    assert Event.objects.filter(incident=duplicate, action="merge").get().data["into"] == primary.pk
    assert Event.objects.filter(incident=primary, action="merged_in").get().data["from"] == duplicate.pk
    assert services.duplicates_near(incident=primary) == []
    assert Incident.objects.get(pk=primary.pk).status == Status.OPENED


def test_merge_refusals(placed):
    a, b = _at(placed, 27.7301, 112.0001), _at(placed, 27.7302, 112.0001)
    with pytest.raises(ValidationFailed):
        services.incident_merge(actor=placed.worker, incident=a, into=a)
    with pytest.raises(PermissionDenied):
        services.incident_merge(actor=placed.grid_worker, incident=a, into=b)
    with pytest.raises(NotFound):
        services.incident_merge(actor=placed.outsider, incident=a, into=b)
    services.incident_merge(actor=placed.worker, incident=a, into=b)
    with pytest.raises(Conflict):  # already merged
        services.incident_merge(actor=placed.worker, incident=a, into=b)
    c = _at(placed, 27.7301, 112.0001)
    with pytest.raises(Conflict):  # into a merged case
        services.incident_merge(actor=placed.worker, incident=c, into=a)
    assert Incident.objects.get(pk=c.pk).status == Status.REPORTED
