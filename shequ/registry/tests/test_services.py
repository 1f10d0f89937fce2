import datetime as dt

import pytest

from shequ.areas.models import AreaStats, AreaTagCount
from shequ.core.errors import Conflict, NotFound, ValidationFailed
from shequ.core.models import AuditLog
from shequ.core.testing.factories import make_id_number
from shequ.registry import services
from shequ.registry.models import HouseholdMembership, Resident


def test_create_derives_sex_birth_and_pinyin(world):
    assert world.wang.sex == "M"
    assert world.wang.birth_date == dt.date(1985, 3, 4)
    assert world.wang.name_initials == "wxm"
    assert world.li.sex == "F"
    assert world.wang.area_code == world.grid.code


def test_stats_roll_up_to_every_ancestor(world):
    assert AreaStats.objects.get(area=world.city).residents == 3
    assert AreaStats.objects.get(area=world.district).residents == 2
    assert AreaStats.objects.get(area=world.community2).residents == 1
    assert AreaStats.objects.get(area=world.grid).households == 1
    assert AreaTagCount.objects.get(area=world.city, tag__code="dibao").residents == 1


def test_duplicate_id_names_existing_record_when_visible(world):
    with pytest.raises(Conflict) as exc:
        services.resident_create(
            actor=world.worker, name="重复", id_number=world.wang.id_number, household=world.household
        )
    assert "王小明" in str(exc.value.message)


def test_duplicate_id_hides_record_outside_scope(world):
    with pytest.raises(Conflict) as exc:
        services.resident_create(
            actor=world.worker, name="重复", id_number=world.zhao.id_number, household=world.household
        )
    assert "赵强" not in str(exc.value.message)


def test_legacy_15_digit_number_is_upgraded(world):
    resident = services.resident_create(
        actor=world.worker, name="老号", id_number="431302500101123", household=world.household
    )
    assert len(resident.id_number) == 18
    assert resident.id_number.startswith("43130219500101123")
    assert resident.birth_date == dt.date(1950, 1, 1)


@pytest.mark.parametrize("bad", ["4313021985030412", "431302198502301234", "999999198501011234", "43130219850304123X"])
def test_invalid_id_numbers_are_refused(world, bad):
    with pytest.raises(ValidationFailed) as exc:
        services.resident_create(actor=world.worker, name="坏号", id_number=bad, household=world.household)
    assert "id_number" in exc.value.details


def test_write_outside_scope_is_refused_and_changes_nothing(world):
    before = Resident.objects.count()
    with pytest.raises(NotFound):
        services.resident_create(
            actor=world.worker, name="越权", id_number=make_id_number(), household=world.household2
        )
    assert Resident.objects.count() == before


def test_move_keeps_history_and_one_current_household(world):
    services.resident_move(
        actor=world.admin, resident=world.li, household=world.household2, relation="spouse", reason="婚姻迁移"
    )
    memberships = HouseholdMembership.objects.filter(resident=world.li)
    assert memberships.count() == 2
    assert memberships.filter(ended_at__isnull=True).count() == 1
    world.li.refresh_from_db()
    assert world.li.area_code == world.community2.code
    assert AreaStats.objects.get(area=world.community2).residents == 2
    assert AreaStats.objects.get(area=world.community).residents == 1
    assert AuditLog.objects.filter(action="resident.move", entity_id=str(world.li.pk)).exists()


def test_update_is_audited_old_to_new(world):
    services.resident_update(actor=world.worker, resident=world.wang, phone="13600000000")
    row = AuditLog.objects.filter(action="resident.update").latest("at")
    assert row.changes["phone"] == ["13812345678", "13600000000"]
