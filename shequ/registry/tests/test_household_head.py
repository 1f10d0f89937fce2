"""A household has one head (户主) or none, whichever path makes someone head, and every change is audited;
a move is audited in the area a resident leaves as well as the one they reach."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from shequ.core import audit_selectors
from shequ.core.errors import ValidationFailed
from shequ.core.models import AuditLog
from shequ.core.roles import Role
from shequ.core.testing.factories import make_id_number, make_user
from shequ.registry import services
from shequ.registry.models import Household, HouseholdMembership, Resident
from shequ.registry.services.households import household_head_set


def _heads(household: Household) -> list[int | None]:
    """Who the records say is head: household.head and every member whose relation is 户主."""
    head_id = Household.objects.get(pk=household.pk).head_id
    related = sorted(Resident.objects.filter(household=household, relation="head").values_list("pk", flat=True))
    current = sorted(
        HouseholdMembership.objects.filter(household=household, ended_at__isnull=True, relation="head").values_list(
            "resident_id", flat=True
        )
    )
    return [head_id, *related, *current]


def _relation(resident: Resident) -> tuple[str, str]:
    """The resident's relation and that of their current membership."""
    current = HouseholdMembership.objects.get(resident=resident, ended_at__isnull=True)
    return Resident.objects.get(pk=resident.pk).relation, current.relation


def _rows(action: str, entity: Household | Resident) -> list[AuditLog]:
    return list(AuditLog.objects.filter(action=action, entity_id=str(entity.pk)).order_by("id"))


def _head_rows(household: Household) -> list[tuple[str, dict]]:
    return [(r.area_code, r.changes) for r in _rows("household.set_head", household)]


def _new_resident(world, name: str, **fields):  # type: ignore[no-untyped-def]
    return services.resident_create(
        actor=world.worker, name=name, id_number=make_id_number(dt.date(1990, 5, 6)), **fields
    )


def test_creating_a_head_into_a_household_with_a_head_demotes_the_old_one(world):
    w = world
    before = AuditLog.objects.count()
    new = _new_resident(w, "陈户主", household=w.household, relation="head")

    assert _heads(w.household) == [new.pk, new.pk, new.pk]
    assert _relation(w.wang) == ("other", "other")  # the importer's rule: a demoted head becomes 其他
    assert _relation(w.li) == ("spouse", "spouse")
    assert _head_rows(w.household)[-1] == (w.household.area_code, {"head_id": [w.wang.pk, new.pk]})
    demoted = _rows("resident.update", w.wang)
    assert [(r.area_code, r.changes, r.actor_id) for r in demoted] == [
        (w.wang.area_code, {"relation": ["head", "other"]}, w.worker.pk)
    ]
    # the new resident's relation is in its own creation row, not in a second one
    assert not _rows("resident.update", new)
    assert _rows("resident.create", new)[0].changes["relation"] == [None, "head"]
    assert AuditLog.objects.count() == before + 3


def test_updating_a_relation_to_head_demotes_the_old_head(world):
    w = world
    services.resident_update(actor=w.worker, resident=w.li, relation="head")

    assert _heads(w.household) == [w.li.pk, w.li.pk, w.li.pk]
    assert _relation(w.wang) == ("other", "other")
    assert _head_rows(w.household)[-1][1] == {"head_id": [w.wang.pk, w.li.pk]}
    assert [r.changes for r in _rows("resident.update", w.wang)] == [{"relation": ["head", "other"]}]
    assert [r.changes for r in _rows("resident.update", w.li)] == [{"relation": ["spouse", "head"]}]


def test_a_head_who_takes_another_relation_leaves_the_household_without_head(world):
    w = world
    services.resident_update(actor=w.worker, resident=w.wang, relation="child")

    assert _heads(w.household) == [None]
    assert _relation(w.wang) == ("child", "child")
    assert _head_rows(w.household)[-1] == (w.household.area_code, {"head_id": [w.wang.pk, None]})


def test_moving_a_head_into_a_household_with_a_head(world):
    w = world
    services.resident_move(actor=w.admin, resident=w.wang, household=w.household2, relation="head", reason="分户")

    assert _heads(w.household2) == [w.wang.pk, w.wang.pk, w.wang.pk]
    assert _relation(w.zhao) == ("other", "other")
    assert _head_rows(w.household2)[-1] == (w.household2.area_code, {"head_id": [w.zhao.pk, w.wang.pk]})
    assert [(r.area_code, r.changes) for r in _rows("resident.update", w.zhao)] == [
        (w.zhao.area_code, {"relation": ["head", "other"]})
    ]
    # and the household the head left has none, audited where it is
    assert _heads(w.household) == [None]
    assert _head_rows(w.household)[-1] == (w.household.area_code, {"head_id": [w.wang.pk, None]})


def test_moving_the_head_out_clears_the_head_with_an_audit_row(world):
    w = world
    target = services.household_create(actor=w.worker, community=w.grid, room="102")
    services.resident_move(actor=w.worker, resident=w.wang, household=target, relation="other", reason="投亲")

    assert _heads(w.household) == [None]
    assert _heads(target) == [None]
    assert _relation(w.li) == ("spouse", "spouse")  # the others keep their relations
    rows = _rows("household.set_head", w.household)
    assert [(r.area_code, r.changes, r.actor_id) for r in rows[-1:]] == [
        (w.household.area_code, {"head_id": [w.wang.pk, None]}, w.worker.pk)
    ]
    # a member who is not the head leaves nothing to clear
    count = AuditLog.objects.filter(action="household.set_head").count()
    services.resident_move(actor=w.worker, resident=w.li, household=target, relation="other", reason="投亲")
    assert AuditLog.objects.filter(action="household.set_head").count() == count


def test_the_household_edit_audits_the_relations_it_changes(world):
    w = world
    services.household_update(actor=w.worker, household=w.household, head_id=w.li.pk, room="101A")

    assert _heads(w.household) == [w.li.pk, w.li.pk, w.li.pk]
    assert _relation(w.wang) == ("other", "other")
    assert [r.changes for r in _rows("resident.update", w.wang)] == [{"relation": ["head", "other"]}]
    assert [r.changes for r in _rows("resident.update", w.li)] == [{"relation": ["spouse", "head"]}]
    assert _head_rows(w.household)[-1][1] == {"head_id": [w.wang.pk, w.li.pk]}
    # the rest of the edit is its own row; the head is not recorded twice
    assert [r.changes for r in _rows("household.update", w.household)] == [{"room": ["101", "101A"]}]

    services.household_update(actor=w.worker, household=w.household, head_id=None)
    assert _heads(w.household) == [None]
    assert _relation(w.li) == ("other", "other")
    assert _head_rows(w.household)[-1][1] == {"head_id": [w.li.pk, None]}


def test_an_edit_from_a_stale_household_keeps_the_head(world):
    w = world
    stale = Household.objects.get(pk=w.household.pk)
    services.resident_update(actor=w.worker, resident=w.li, relation="head")
    services.household_update(actor=w.worker, household=stale, room="101B")
    assert _heads(w.household) == [w.li.pk, w.li.pk, w.li.pk]


def test_setting_the_same_head_again_changes_and_records_nothing(world):
    w = world
    before = AuditLog.objects.count()
    household_head_set(actor=w.worker, household=w.household, head_id=w.wang.pk)
    services.household_update(actor=w.worker, household=w.household, head_id=w.wang.pk)
    assert AuditLog.objects.count() == before
    assert _heads(w.household) == [w.wang.pk, w.wang.pk, w.wang.pk]


def test_two_heads_left_by_older_code_are_repaired_by_the_next_head(world):
    w = world
    Resident.objects.filter(pk=w.li.pk).update(relation="head")  # as the old _join could leave it
    services.household_update(actor=w.worker, household=w.household, head_id=w.wang.pk)
    assert _heads(w.household) == [w.wang.pk, w.wang.pk, w.wang.pk]
    assert Resident.objects.get(pk=w.li.pk).relation == "other"
    assert [r.changes for r in _rows("resident.update", w.li)] == [{"relation": ["head", "other"]}]


def test_a_head_outside_the_household_is_refused(world):
    w = world
    with pytest.raises(ValidationFailed):
        household_head_set(actor=w.admin, household=w.household, head_id=w.zhao.pk)


def test_a_failed_write_leaves_the_head_and_the_log_as_they_were(world):
    w = world
    before = AuditLog.objects.count()
    with pytest.raises(ValidationFailed):  # the unknown tag is refused after the new head joined
        _new_resident(w, "陈户主", household=w.household, relation="head", tags=["no-such-tag"])
    assert _heads(w.household) == [w.wang.pk, w.wang.pk, w.wang.pk]
    assert AuditLog.objects.count() == before


# -- moves are seen from both ends --------------------------------------------------------------------


def _seen(viewer, resident: Resident) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    rows = audit_selectors.audit_list(viewer=viewer, entity_type="resident", entity_id=str(resident.pk))
    return [(r.action, r.area_code) for r in rows if r.action.startswith("resident.move")]


def test_a_move_to_another_district_shows_in_both_districts_audit_logs(world):
    w = world
    auditor2 = make_user("auditor2", Role.AUDITOR, w.district2)
    old_code = w.li.area_code
    services.resident_move(actor=w.admin, resident=w.li, household=w.household2, relation="spouse", reason="婚姻迁移")
    new_code = Resident.objects.get(pk=w.li.pk).area_code

    assert _seen(w.auditor, w.li) == [("resident.move_out", old_code)]
    assert _seen(auditor2, w.li) == [("resident.move", new_code)]
    out = AuditLog.objects.get(action="resident.move_out", entity_id=str(w.li.pk))
    assert out.changes["area_code"] == [old_code, new_code]
    assert out.changes["household_id"] == [w.household.pk, w.household2.pk]
    # the audit API (what the audit page shows) agrees, masked as usual
    client = Client()
    client.force_login(w.auditor)
    body = client.get("/api/v1/audit/writes", {"action": "resident.move_out"}).json()
    assert [r["entity_id"] for r in body["results"]] == [str(w.li.pk)]


def test_a_move_inside_an_area_is_one_row(world):
    w = world
    target = services.household_create(actor=w.worker, community=w.grid, room="103")
    services.resident_move(actor=w.worker, resident=w.li, household=target, relation="head", reason="分户")
    assert _seen(w.auditor, w.li) == [("resident.move", w.grid.code)]
    # from the community into one of its grids: the community's auditors see the one row
    plain = services.household_create(actor=w.worker, community=w.community, room="104")
    mover = _new_resident(w, "周平", household=plain, relation="head")
    services.resident_move(actor=w.worker, resident=mover, household=target, relation="other", reason="合户")
    assert _seen(w.auditor, mover) == [("resident.move", w.grid.code)]


def test_members_regridded_with_their_household_are_seen_leaving_the_old_grid(world):
    w = world
    grid_auditor = make_user("grid_auditor", Role.AUDITOR, w.grid)
    grid2_auditor = make_user("grid2_auditor", Role.AUDITOR, w.grid2)
    building = services.building_create(actor=w.admin, community=w.grid2, address="长青路9号")
    services.household_update(actor=w.worker, household=w.household, building_id=building.pk)

    for member in (w.wang, w.li):
        old = audit_selectors.audit_list(viewer=grid_auditor, entity_type="resident", entity_id=str(member.pk))
        assert [r.changes for r in old.filter(action="resident.move_out")] == [
            {"area_code": [w.grid.code, w.grid2.code]}
        ]
        new = audit_selectors.audit_list(viewer=grid2_auditor, entity_type="resident", entity_id=str(member.pk))
        assert new.filter(action="resident.update").count() == 1
    left = audit_selectors.audit_list(viewer=grid_auditor, entity_type="household", action="household.move_out")
    assert [r.entity_id for r in left] == [str(w.household.pk)]
