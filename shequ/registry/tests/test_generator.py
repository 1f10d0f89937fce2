"""The demo generator at small scale: real hierarchy, generated areas and people, every derived field.

One build (2,000 residents) is shared by the module inside a transaction that is rolled back at the
end; each test runs in its own savepoint, and foreign keys are checked after each one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
from django.db import connection, transaction
from django.db.models import Count, F, Q
from stdnum.cn import uscc

from shequ.accounts.models import User
from shequ.areas.models import Area, AreaStats, AreaTagCount, CommunityKind, Level
from shequ.areas.services import kind_for_class
from shequ.core.roles import Role
from shequ.registry import selectors
from shequ.registry.generator import DEMO_PASSWORD, DEMO_USERS, demo_build
from shequ.registry.generator.build import allocate
from shequ.registry.generator.people import REFERENCE_DATE, IdAllocator, PhoneAllocator, age_on
from shequ.registry.idnumbers import parse_id_number
from shequ.registry.models import (
    Building,
    Household,
    HouseholdKind,
    HouseholdMembership,
    Relation,
    Resident,
    ResidentTag,
    ResidentUnit,
)
from shequ.registry.names import pinyin_keys
from shequ.registry.phones import normalise_phone

N = 2000


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock(), transaction.atomic():
        summary = demo_build(residents=N, seed=4313)
        yield summary
        transaction.set_rollback(True)


def communities() -> list[Area]:
    return list(Area.objects.filter(level=Level.COMMUNITY).select_related("parent"))


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
def test_real_hierarchy_is_loaded():
    city = Area.objects.get(code="4313")
    assert city.name == "娄底市"
    assert Area.objects.filter(level=Level.DISTRICT, parent=city).count() == 5
    assert Area.objects.filter(level=Level.SUBDISTRICT, code__startswith="4313").count() == 89
    assert Area.objects.get(code="431302").name == "娄星区"


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
def test_community_counts_kinds_and_codes():
    rows = communities()
    urban = [c for c in rows if c.community_kind != CommunityKind.VILLAGE]
    central = [c for c in rows if c.community_kind == CommunityKind.CENTRAL_URBAN]
    assert len(urban) == 261
    assert len(central) == 72
    assert all(c.code.startswith("431302") and c.parent.name.endswith("街道") for c in central)
    assert all(c.urban_rural_class in ("111", "112") for c in central)
    for c in rows:
        assert re.fullmatch(r"\d{12}", c.code) and c.code.startswith(c.parent.code)
        assert c.community_kind == kind_for_class(c.urban_rural_class, central_city=c in central)
        assert c.name.endswith("社区") or c.name.endswith("村")
        if c.community_kind == CommunityKind.VILLAGE:
            assert c.urban_rural_class == "220" and c.name.endswith("村")
            assert c.parent.name.endswith(("乡", "镇"))
            assert int(c.code[9:]) > 200
        else:
            assert int(c.code[9:]) < 200
    # Every town and township has a few villages; names are unique within a county-level area.
    townships = Area.objects.filter(Q(name__endswith="乡") | Q(name__endswith="镇"), level=Level.SUBDISTRICT)
    villages = Counter(c.parent.code for c in rows if c.community_kind == CommunityKind.VILLAGE)
    assert all(villages[t.code] >= 3 for t in townships)
    assert len({(c.code[:6], c.name) for c in rows}) == len(rows)


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
def test_grids_split_each_community():
    rows = communities()
    grids = list(Area.objects.filter(level=Level.GRID).select_related("parent"))
    assert {g.parent.code for g in grids} == {c.code for c in rows}
    for g in grids:
        assert g.code[:12] == g.parent.code and re.fullmatch(r"\d{15}", g.code)
    assert Area.objects.get(code=rows[0].code + "001").name == "第一网格"
    per_grid = Household.objects.values("grid_id").annotate(n=Count("pk"))
    assert max(row["n"] for row in per_grid) <= 300


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
def test_every_id_number_is_valid_unique_and_matches_derived_fields():
    residents = list(Resident.objects.all())
    assert len(residents) == N
    assert len({r.id_number for r in residents}) == N
    for r in residents:
        parsed = parse_id_number(r.id_number)
        assert parsed.number == r.id_number
        assert (parsed.sex, parsed.birth_date) == (r.sex, r.birth_date)
        assert r.id_number_rev == r.id_number[::-1]
        assert (r.name_pinyin, r.name_initials) == pinyin_keys(r.name)
        assert r.phone_rev == r.phone[::-1]
        if r.phone:
            assert normalise_phone(r.phone) == r.phone
    old = [r for r in residents if r.birth_date.year < 1999]
    assert sum(r.id_number.startswith("4325") for r in old) > len(old) / 2
    assert not any(r.id_number.startswith("4325") for r in residents if r.birth_date.year >= 1999)
    phones = [r.phone for r in residents if r.phone]
    assert len(set(phones)) == len(phones)


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
def test_areas_households_and_memberships_are_consistent():
    for model in (Building, Household, Resident):
        for row in model.objects.select_related("grid", "community"):
            assert row.grid is not None and row.grid.parent_id == row.community_id
            assert row.area_code == row.grid.code
    mismatched = Resident.objects.exclude(household__community_id=F("community_id"))
    assert not mismatched.exists()
    current = HouseholdMembership.objects.filter(ended_at__isnull=True)
    assert current.count() == N
    assert current.values("resident_id").distinct().count() == N
    for m in current.select_related("resident", "household"):
        assert m.household_id == m.resident.household_id
        assert m.relation == m.resident.relation
        assert m.community_code == m.household.community.code
        assert m.started_at.tzinfo is not None
    for h in Household.objects.prefetch_related("members"):
        heads = [r for r in h.members.all() if r.relation == Relation.HEAD]
        assert [r.pk for r in heads] == [h.head_id]
        assert re.fullmatch(h.community.code + r"\d{6}", h.number)
    kinds = Counter(Household.objects.values_list("kind", flat=True))
    assert 0.05 < kinds[HouseholdKind.FLOATING] / sum(kinds.values()) < 0.3


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
def test_ages_fit_relations_and_tags():
    ages = {r.pk: age_on(r.birth_date, REFERENCE_DATE) for r in Resident.objects.all()}
    for r in Resident.objects.select_related("household__head"):
        head_age = ages[r.household.head_id]
        if r.relation == Relation.HEAD:
            assert ages[r.pk] >= 18
        elif r.relation == Relation.CHILD:
            assert head_age - ages[r.pk] >= 15
        elif r.relation == Relation.PARENT:
            assert ages[r.pk] - head_age >= 15
    elderly = set(ResidentTag.objects.filter(tag__code="elderly").values_list("resident_id", flat=True))
    assert elderly == {pk for pk, age in ages.items() if age >= 80}
    share = ResidentTag.objects.filter(tag__code="party_member").count() / N
    assert 0.03 < share < 0.12
    assert ResidentTag.objects.filter(tag__code="dibao").exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
def test_units_have_valid_credit_codes():
    units = list(ResidentUnit.objects.select_related("community"))
    assert len(units) > 261
    for u in units:
        assert uscc.is_valid(u.credit_code), u.credit_code
        assert u.area_code == u.community.code
        assert normalise_phone(u.phone) == u.phone


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
def test_stats_match_counts():
    city = AreaStats.objects.get(area__code="4313")
    assert (city.residents, city.households, city.buildings, city.units) == (
        N,
        Household.objects.count(),
        Building.objects.count(),
        ResidentUnit.objects.count(),
    )
    for district in Area.objects.filter(level=Level.DISTRICT):
        stats = AreaStats.objects.get(area=district)
        assert stats.residents == Resident.objects.filter(area_code__startswith=district.code).count()
    elderly = AreaTagCount.objects.get(area__code="4313", tag__code="elderly").residents
    assert elderly == ResidentTag.objects.filter(tag__code="elderly").count()


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
def test_demo_users_are_bound_to_generated_areas():
    users = {u.username: u for u in User.objects.filter(username__in=[d.username for d in DEMO_USERS])}
    assert set(users) == {d.username for d in DEMO_USERS}
    areas = {}
    for spec in DEMO_USERS:
        user = users[spec.username]
        assert user.check_password(DEMO_PASSWORD)
        (assignment,) = user.role_assignments.select_related("area")
        assert assignment.role == spec.role
        areas[spec.role] = assignment.area
    assert areas[Role.CITY_ADMIN].code == areas[Role.CITY_ANALYST].code == areas[Role.AUDITOR].code == "4313"
    assert areas[Role.DISTRICT_OFFICER].code == "431302"
    sub = areas[Role.SUBDISTRICT_OFFICER]
    assert sub.level == Level.SUBDISTRICT and sub.code.startswith("431302") and sub.name.endswith("街道")
    community = areas[Role.COMMUNITY_WORKER]
    assert community.parent_id == sub.pk and community.community_kind == CommunityKind.CENTRAL_URBAN
    assert areas[Role.GRID_WORKER].level == Level.GRID and areas[Role.GRID_WORKER].parent_id == community.pk
    resident = users["resident"].resident
    assert areas[Role.RESIDENT] == community and resident.community_id == community.pk
    assert Household.objects.filter(head=resident).exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
def test_wang_xiaoming_is_found_by_initials_in_the_workers_community():
    worker = User.objects.get(username="community_worker")
    found = selectors.resident_list(viewer=worker, q="wxm")
    assert "王小明" in {r.name for r in found}
    assert all(r.area_code.startswith(worker.role_assignments.get().area.code) for r in found)


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
def test_foreign_keys_hold():
    connection.check_constraints()


def test_allocate_sums_exactly():
    assert allocate(10, [1, 1, 1]) == [4, 3, 3]
    parts = allocate(3_900_000, [10, 8.5, 4, 4, 0.7] * 150)
    assert sum(parts) == 3_900_000 and min(parts) > 0


def test_id_allocator_spills_over_a_full_birth_date():
    ids = IdAllocator()
    birth = dt.date(1980, 5, 17)
    numbers = [ids.allocate("432501", birth, male=True) for _ in range(600)]
    assert len({n for n, _day in numbers}) == 600
    assert {day for _n, day in numbers} == {birth, birth + dt.timedelta(days=1)}
    for number, day in numbers:
        parsed = parse_id_number(number)
        assert parsed.sex == "M" and parsed.birth_date == day


def test_phone_allocator_never_repeats():
    phones = PhoneAllocator(4313)
    numbers = [phones.next() for _ in range(100_000)]
    assert len(set(numbers)) == len(numbers)
    assert all(re.fullmatch(r"1[3-9]\d{9}", n) for n in numbers[:1000])
