"""Premises services: validation (every refusal saves nothing), scope by role, audit rows, rooms replaced as a
set, and the compliance results kept current."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shequ.core.errors import NotFound, PermissionDenied, ValidationFailed
from shequ.core.models import AuditLog
from shequ.facilities import services
from shequ.facilities.common import current_year
from shequ.facilities.models import FunctionalRoom, Premises
from shequ.facilities.tests.helpers import PLAQUES, ROOMS, UNIFICATIONS, premises_fields
from shequ.standards.models import ComplianceResult, ComplianceStatus


def create(world, **overrides):
    return services.premises_create(actor=world.worker, community=world.community, **premises_fields(**overrides))


def refused(world, field: str, **overrides) -> ValidationFailed:
    before = (Premises.objects.count(), FunctionalRoom.objects.count(), AuditLog.objects.count())
    with pytest.raises(ValidationFailed) as info:
        create(world, **overrides)
    assert field in info.value.details, info.value.details
    assert (Premises.objects.count(), FunctionalRoom.objects.count(), AuditLog.objects.count()) == before
    return info.value


def test_create_stores_everything_with_the_community_code(world):
    premises = create(world, plaques=[*PLAQUES, "其他: 某某协会"])
    premises.refresh_from_db()
    assert premises.area_code == world.community.code
    assert premises.floor_area_m2 == Decimal("620.00") and premises.service_centre_m2 == Decimal("80.00")
    assert premises.plaques == [*PLAQUES, "其他：某某协会"]  # half-width colon normalised
    rooms = {r.name: (r.floor_area_m2, r.area_code) for r in premises.rooms.all()}
    assert rooms == {
        "党群活动室": (Decimal("60.00"), world.community.code),
        "调解室": (Decimal("20.00"), world.community.code),
        "警务室": (None, world.community.code),
    }


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("floor_area_m2", {"floor_area_m2": Decimal("-1")}),
        ("floor_area_m2", {"floor_area_m2": 0}),
        ("floor_area_m2", {"floor_area_m2": Decimal("100000.01")}),
        ("floor_area_m2", {"floor_area_m2": "1e9"}),
        ("floor_area_m2", {"floor_area_m2": "abc"}),
        ("floor_area_m2", {"floor_area_m2": "NaN"}),
        ("floor_area_m2", {"floor_area_m2": Decimal("620.123")}),
        ("floor_area_m2", {"floor_area_m2": None}),
        ("service_centre_m2", {"service_centre_m2": 0}),
        ("service_centre_m2", {"service_centre_m2": Decimal("-5")}),
        ("service_centre_m2", {"service_centre_m2": Decimal("700")}),  # larger than the premises
        ("year_from", {"year_from": 1948}),
        ("year_from", {"year_from": current_year() + 2}),
        ("year_from", {"year_from": "二〇一六"}),
        ("year_to", {"year_from": 2018, "year_to": 2017}),
        ("address", {"address": "  "}),
        ("address", {"address": "路" * 201}),
        ("tenure", {"tenure": "stolen"}),
        ("unifications", {"unifications": ["社区标识", "统一着装"]}),
        ("plaques", {"plaques": ["社区党组织", "物业公司"]}),
        ("plaques", {"plaques": ["其他："]}),
        ("rooms", {"rooms": {"健身房": Decimal("30")}}),
        ("rooms", {"rooms": {"调解室": Decimal("0")}}),
        ("rooms", {"rooms": {"调解室": Decimal("-3")}}),
        ("rooms", {"rooms": {"调解室": Decimal("500"), "警务室": Decimal("500")}}),  # more than the premises
    ],
)
def test_bad_input_is_refused_and_nothing_saved(world, field, overrides):
    error = refused(world, field, **overrides)
    assert error.status == 422 and error.as_dict()["code"] == "validation_failed"
    assert all(isinstance(m, str) and m for m in error.details[field])


def test_unknown_names_are_named_with_the_allowed_ones(world):
    error = refused(world, "rooms", rooms={"健身房": None})
    message = error.details["rooms"][0]
    assert "健身房" in message and all(room in message for room in ROOMS)
    message = refused(world, "plaques", plaques=["物业公司"]).details["plaques"][0]
    assert "物业公司" in message and "社区党组织" in message and "其他：" in message
    message = refused(world, "unifications", unifications=["统一着装"]).details["unifications"][0]
    assert "统一着装" in message and all(u in message for u in UNIFICATIONS)


def test_every_problem_reported_at_once(world):
    with pytest.raises(ValidationFailed) as info:
        create(world, floor_area_m2=0, year_from=1900, address="", rooms={"健身房": 1})
    assert {"floor_area_m2", "year_from", "address"} <= set(info.value.details)


def test_names_need_a_policy_in_force(world):
    """Premises used only before the first standards (2015) cannot carry names nobody defined then."""
    error = refused(world, "rooms", year_from=2010, year_to=2012)
    assert "2010" in error.details["rooms"][0]
    premises = create(world, year_from=2010, year_to=2012, rooms={}, unifications=[], plaques=[])
    assert premises.pk
    # an older premises still in use is checked against the standards in force during its use
    assert create(world, year_from=2008, year_to=None).rooms.count() == 3


def test_community_must_be_a_community(world):
    with pytest.raises(ValidationFailed) as info:
        services.premises_create(actor=world.admin, community=world.subdistrict, **premises_fields())
    assert "community" in info.value.details
    with pytest.raises(ValidationFailed):
        services.premises_create(actor=world.admin, community=world.grid, **premises_fields())


@pytest.mark.parametrize(
    ("role", "error"),
    [
        ("outsider", NotFound),
        ("grid_worker", NotFound),
        ("resident_user", NotFound),
        ("auditor", NotFound),
        ("analyst", PermissionDenied),
    ],
)
def test_writes_refused_by_role_and_scope(world, role, error):
    actor = getattr(world, role)
    premises = create(world)
    count = AuditLog.objects.count()
    with pytest.raises(error):
        services.premises_create(actor=actor, community=world.community, **premises_fields())
    with pytest.raises(error):
        services.premises_update(actor=actor, premises=premises, address="篡改路1号")
    with pytest.raises(error):
        services.premises_delete(actor=actor, premises=premises)
    premises.refresh_from_db()
    assert premises.address == "长青路8号" and AuditLog.objects.count() == count


@pytest.mark.parametrize("role", ["admin", "district_officer", "subdistrict_officer", "worker"])
def test_writes_allowed_inside_the_subtree(world, role):
    premises = services.premises_create(actor=getattr(world, role), community=world.community, **premises_fields())
    assert premises.pk


def test_audit_rows_for_premises_and_rooms(world):
    premises = create(world)
    rows = AuditLog.objects.filter(area_code=world.community.code)
    assert rows.filter(entity_type="premises", action="premises.create", entity_id=str(premises.pk)).count() == 1
    assert rows.filter(entity_type="functional_room", action="functional_room.create").count() == 3
    created = rows.get(entity_type="premises")
    assert created.changes["floor_area_m2"] == [None, "620.00"] and created.actor == world.worker

    services.premises_update(
        actor=world.worker, premises=premises, address="长青路9号",
        rooms={"党群活动室": Decimal("65"), "慈善超市": Decimal("40")},
    )
    update = rows.get(action="premises.update")
    assert update.changes == {"address": ["长青路8号", "长青路9号"]}
    assert rows.filter(action="functional_room.update").count() == 1
    assert rows.filter(action="functional_room.delete").count() == 2  # 调解室, 警务室
    assert rows.filter(action="functional_room.create").count() == 4  # 3 + 慈善超市
    assert {r.name: r.floor_area_m2 for r in premises.rooms.all()} == {
        "党群活动室": Decimal("65.00"),
        "慈善超市": Decimal("40.00"),
    }

    services.premises_delete(actor=world.worker, premises=premises)
    assert not Premises.objects.filter(pk=premises.pk).exists()
    assert rows.filter(action="premises.delete", entity_id=str(premises.pk)).count() == 1
    assert rows.filter(action="functional_room.delete").count() == 4


def test_update_without_rooms_keeps_them_and_no_change_no_audit(world):
    premises = create(world)
    count = AuditLog.objects.count()
    services.premises_update(actor=world.worker, premises=premises, address="长青路8号")
    assert AuditLog.objects.count() == count
    assert premises.rooms.count() == 3
    services.premises_update(actor=world.worker, premises=premises, year_to=None, service_centre_m2=None)
    premises.refresh_from_db()
    assert premises.service_centre_m2 is None and premises.rooms.count() == 3


def test_update_validates_the_resulting_state(world):
    premises = create(world)
    with pytest.raises(ValidationFailed) as info:
        services.premises_update(actor=world.worker, premises=premises, floor_area_m2=Decimal("50"))
    assert "service_centre_m2" in info.value.details  # the centre (80) would no longer fit
    with pytest.raises(ValidationFailed):
        services.premises_update(actor=world.worker, premises=premises, year_to=2010)
    with pytest.raises(TypeError):
        services.premises_update(actor=world.worker, premises=premises, community=world.community2)
    premises.refresh_from_db()
    assert premises.floor_area_m2 == Decimal("620.00") and premises.year_to is None


def _result(world, year: int, rule: str) -> ComplianceResult:
    return ComplianceResult.objects.get(community=world.community, year=year, rule=rule)


def test_compliance_recomputed_after_each_write(world):
    premises = create(world, floor_area_m2=Decimal("350"), service_centre_m2=None, year_from=2016)
    assert _result(world, 2016, "premises_area").status == ComplianceStatus.SHORT
    assert _result(world, current_year(), "premises_area").measured == Decimal("350")
    assert _result(world, 2016, "service_centre").status == ComplianceStatus.SHORT

    services.premises_update(actor=world.worker, premises=premises, floor_area_m2=Decimal("450"))
    assert _result(world, 2016, "premises_area").status == ComplianceStatus.MEETS

    services.premises_update(actor=world.worker, premises=premises, year_from=2018)
    assert _result(world, 2016, "premises_area").status == ComplianceStatus.NO_DATA  # old years recomputed too

    services.premises_delete(actor=world.worker, premises=premises)
    assert _result(world, 2019, "premises_area").status == ComplianceStatus.NO_DATA


def test_names_are_trimmed_and_deduplicated(world):
    plaques = ["社区党组织", "社区党组织 ", "其他:  某协会", "其他：某协会"]
    premises = create(world, unifications=" 社区标识 ", plaques=plaques, rooms={})
    assert premises.unifications == ["社区标识"]
    assert premises.plaques == ["社区党组织", "其他：某协会"]
