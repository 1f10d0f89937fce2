"""One community (or village) at a time: households, buildings, grids, residents, tags and units.

Rows are model instances with every derived field filled in exactly as the services would
(pinyin keys, reversed search keys, sex and birth date from the ID number, area_code = grid code),
handed to a BulkWriter that assigns primary keys and writes them in batches.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone
from stdnum.cn import uscc

from shequ.areas.generator import cn_numeral, grids_plan, seeded
from shequ.areas.models import Area, CommunityKind
from shequ.registry.generator.people import HouseholdPlan, PeopleFactory, given_name, surname
from shequ.registry.generator.vocab import (
    COMPOUND_SUFFIXES,
    COMPOUND_WORDS,
    ROAD_SUFFIXES,
    ROAD_WORDS,
    UNIT_TEMPLATES,
    VILLAGE_UNIT_TEMPLATES,
)
from shequ.registry.generator.writer import BulkWriter
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

HOUSEHOLDS_PER_GRID = 200
FEATURED_NAME = "王小明"

# Households per building, by community kind (villages: one house per household, a few shared).
BUILDING_SIZES: dict[str, tuple[int, int]] = {
    CommunityKind.CENTRAL_URBAN: (12, 36),
    CommunityKind.URBAN: (8, 30),
    CommunityKind.TOWNSHIP: (4, 16),
}

# Resident units (驻区单位) per community, by kind (villages: 0–2).
UNITS_PER_COMMUNITY: dict[str, tuple[int, int]] = {
    CommunityKind.CENTRAL_URBAN: (2, 5),
    CommunityKind.URBAN: (2, 4),
    CommunityKind.TOWNSHIP: (1, 3),
}


@dataclass
class CommunityResult:
    residents: int = 0
    households: int = 0
    buildings: int = 0
    grids: int = 0
    units: int = 0


def _aware(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9, 0), tzinfo=timezone.get_default_timezone())


def _org_code(rng: random.Random) -> str:
    """Nine-character organisation code (GB 11714) with its check character."""
    body = f"{rng.randint(10000000, 99999999)}"
    total = sum(int(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def credit_code(rng: random.Random, prefix: str, district_code: str) -> str:
    """统一社会信用代码: department + entity type, region, organisation code, check (GB 32100)."""
    body = f"{prefix}{district_code}{_org_code(rng)}"
    return body + uscc.calc_check_digit(body + "0")


def _plans(
    rng: random.Random, factory: PeopleFactory, community: Area, target: int, district_code: str
) -> list[HouseholdPlan]:
    plans: list[HouseholdPlan] = []
    count = 0
    while count < target:
        floating = rng.random() < 0.15
        plan = factory.household(
            rng, community_kind=community.community_kind, district_code=district_code, floating=floating
        )
        plan.members = plan.members[: target - count]
        plans.append(plan)
        count += len(plan.members)
    return plans


def _feature(plans: list[HouseholdPlan]) -> None:
    """Name the first adult man of the community 王小明 (his children take the surname 王)."""
    for plan in plans:
        for person in plan.members:
            if person.male and person.age >= 18:
                old = person.surname
                person.surname, person.name = FEATURED_NAME[0], FEATURED_NAME
                if person.relation in (Relation.HEAD, Relation.SPOUSE):
                    for other in plan.members:
                        if other.relation in (Relation.CHILD, Relation.GRANDCHILD) and other.surname == old:
                            other.surname = FEATURED_NAME[0]
                            other.name = FEATURED_NAME[0] + other.name[len(old) :]
                return


def _layout(rng: random.Random, community: Area, households: int) -> list[int]:
    """Households per building, in order."""
    sizes: list[int] = []
    low_high = BUILDING_SIZES.get(community.community_kind)
    left = households
    while left > 0:
        if low_high is None or (community.community_kind == CommunityKind.TOWNSHIP and rng.random() < 0.5):
            size = 2 if rng.random() < 0.1 else 1
        else:
            size = rng.randint(*low_high)
        size = min(size, left)
        sizes.append(size)
        left -= size
    return sizes


class _Streets:
    """Addresses inside one community: compounds on roads for towns, groups (组) for villages."""

    def __init__(self, rng: random.Random, community: Area):
        self.rng = rng
        self.community = community
        self.stem = community.name.removesuffix("社区").removesuffix("村")
        roads = {self.stem + "路"}
        while len(roads) < 3:
            roads.add(rng.choice(ROAD_WORDS) + rng.choice(ROAD_SUFFIXES))
        self.roads = sorted(roads)
        self.used_compounds: set[str] = set()
        self.compound = ""
        self.compound_left = 0
        self.compound_door = ""
        self.building_no = 0
        self.house_no = 0
        self.group = 1

    def next(self, apartment: bool) -> tuple[str, str, str]:
        """(compound, number, address) of the next building."""
        if self.community.community_kind == CommunityKind.VILLAGE:
            self.house_no += 1
            if self.house_no > 30:
                self.group, self.house_no = self.group + 1, 1
            number = f"{self.group}组{self.house_no}号"
            return "", number, f"{self.community.name}{number}"
        if not apartment:
            self.house_no += 1
            road = self.roads[self.house_no % len(self.roads)]
            number = f"{self.house_no * 2 + 1}号"
            return "", number, f"{road}{number}"
        if self.compound_left <= 0:
            self._new_compound()
        self.compound_left -= 1
        self.building_no += 1
        number = f"{self.building_no}栋"
        return self.compound, number, f"{self.compound_door}{self.compound}{number}"

    def _new_compound(self) -> None:
        for _attempt in range(50):
            name = self.rng.choice(COMPOUND_WORDS) + self.rng.choice(COMPOUND_SUFFIXES)
            if name not in self.used_compounds:
                break
        else:
            name = f"{self.stem}{cn_numeral(len(self.used_compounds) + 1)}区"
        self.used_compounds.add(name)
        self.compound = name
        self.compound_left = self.rng.randint(3, 12)
        self.compound_door = f"{self.rng.choice(self.roads)}{self.rng.randint(1, 99) * 2}号"
        self.building_no = 0


def _room(index: int, size: int) -> str:
    if size <= 2:
        return ""
    floors = max(1, -(-size // 4))
    unit, rest = divmod(index, floors * 2)
    floor, door = divmod(rest, 2)
    return f"{unit + 1}单元{floor + 1}0{door + 1}"


def community_generate(
    *,
    community: Area,
    target: int,
    seed: int,
    factory: PeopleFactory,
    writer: BulkWriter,
    featured: bool = False,
) -> CommunityResult:
    rng = seeded(seed, "people", community.code)
    district_code = community.code[:6]
    plans = _plans(rng, factory, community, target, district_code)
    if featured:
        _feature(plans)
    sizes = _layout(rng, community, len(plans))
    grid_count = max(1, round(len(plans) / HOUSEHOLDS_PER_GRID))
    grids = [writer.add(g) for g in grids_plan(community, grid_count, rng=seeded(seed, "grids", community.code))]
    streets = _Streets(rng, community)
    result = CommunityResult(residents=sum(len(p.members) for p in plans), households=len(plans), grids=len(grids))

    plan_iter = iter(enumerate(plans))
    done = 0
    for size in sizes:
        grid = grids[min(len(grids) - 1, done * len(grids) // max(1, len(plans)))]
        compound, number, address = streets.next(apartment=size > 2)
        building = writer.add(
            Building(
                community=community,
                grid=grid,
                area_code=grid.code,
                compound=compound,
                number=number,
                address=address,
                latitude=round((grid.latitude or 0) + rng.uniform(-0.002, 0.002), 6),
                longitude=round((grid.longitude or 0) + rng.uniform(-0.002, 0.002), 6),
            )
        )
        result.buildings += 1
        for index in range(size):
            seq, plan = next(plan_iter)
            household_number = f"{community.code}{seq + 1:06d}"  # 户号: community code + 6 digits
            _write_household(writer, community, grid, building, household_number, plan, _room(index, size))
        done += size

    result.units = _write_units(seeded(seed, "units", community.code), writer, community)
    return result


def _write_household(
    writer: BulkWriter, community: Area, grid: Area, building: Building, number: str, plan: HouseholdPlan, room: str
) -> None:
    household = writer.add(
        Household(
            community=community,
            grid=grid,
            area_code=grid.code,
            number=number,
            kind=HouseholdKind.FLOATING if plan.floating else HouseholdKind.PERMANENT,
            building=building,
            room=room,
        )
    )
    for person in plan.members:
        pinyin, initials = pinyin_keys(person.name)
        resident = writer.add(
            Resident(
                community=community,
                grid=grid,
                area_code=grid.code,
                name=person.name,
                name_pinyin=pinyin,
                name_initials=initials,
                id_number=person.id_number,
                id_number_rev=person.id_number[::-1],
                sex="M" if int(person.id_number[16]) % 2 else "F",
                birth_date=person.birth,
                phone=person.phone,
                phone_rev=person.phone[::-1],
                household=household,
                relation=person.relation,
            )
        )
        if person.relation == Relation.HEAD:
            household.head_id = resident.pk
        writer.add(
            HouseholdMembership(
                resident=resident,
                household=household,
                relation=person.relation,
                community_code=community.code,
                started_at=_aware(max(plan.since, person.birth)),
                reason="demo",
            )
        )
        for code in dict.fromkeys(person.tags):
            writer.add(ResidentTag(resident=resident, tag_id=writer.tag_ids[code]))


def _write_units(rng: random.Random, writer: BulkWriter, community: Area) -> int:
    village = community.community_kind == CommunityKind.VILLAGE
    low, high = UNITS_PER_COMMUNITY.get(community.community_kind, (0, 2))
    templates = VILLAGE_UNIT_TEMPLATES if village else UNIT_TEMPLATES
    place = community.name.removesuffix("社区").removesuffix("村")
    names: set[str] = set()
    for template, kind, prefix in rng.sample(templates, min(len(templates), rng.randint(low, high))):
        name = template.format(place=place, word=rng.choice(COMPOUND_WORDS))
        if name in names:
            continue
        names.add(name)
        writer.add(
            ResidentUnit(
                community=community,
                grid=None,
                area_code=community.code,
                name=name,
                credit_code=credit_code(rng, prefix, community.code[:6]),
                kind=kind,
                address=f"{place}{rng.choice(('路', '街', '大道'))}{rng.randint(1, 300)}号",
                contact_name=surname(rng) + given_name(rng, rng.random() < 0.5, rng.randint(1960, 1995)),
                phone=f"0738-{rng.randint(8000000, 8999999)}",
            )
        )
    return len(names)
