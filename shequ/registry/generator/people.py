"""Generated people: households of plausible composition, names, ID numbers, phones and tags.

Everything here is pure Python (no database): the community builder turns the results into rows.
ID numbers and phone numbers are unique by construction, with memory bounded by the number of
(address code, birth date) pairs, not by the number of people.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from array import array
from dataclasses import dataclass, field

from stdnum.cn import ric

from shequ.registry.generator.vocab import (
    GIVEN_FEMALE,
    GIVEN_MALE,
    OLD_CODE_FOR,
    OTHER_CODES,
    PHONE_PREFIXES,
    SURNAMES,
)
from shequ.registry.models import Relation

# Births are computed against a fixed date, so the same seed gives the same people on any day.
REFERENCE_DATE = dt.date(2026, 1, 1)
_EPOCH = dt.date(1900, 1, 1)
_DAYS = (REFERENCE_DATE - _EPOCH).days + 1


def age_on(birth: dt.date, day: dt.date) -> int:
    """Completed years of age on `day`."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


class IdAllocator:
    """Unique 18-digit 公民身份号码: address code + birth date + sequence (odd = male) + check digit.

    For each (address code, birth date, sex) there are 500 sequence numbers; they are handed out in
    a scrambled order. If a birth date is full the next day is used.
    """

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}
        self.used: list[array] = []

    def _slots(self, code: str) -> array:
        index = self.codes.get(code)
        if index is None:
            index = self.codes[code] = len(self.used)
            self.used.append(array("H", bytes(2 * _DAYS * 2)))
        return self.used[index]

    def allocate(self, code: str, birth: dt.date, male: bool) -> tuple[str, dt.date]:
        slots = self._slots(code)
        day = (birth - _EPOCH).days
        while True:
            key = day * 2 + (1 if male else 0)
            k = slots[key]
            if k < 500:
                slots[key] = k + 1
                # A permutation of 0..499 (7 is coprime with 500), so the first numbers look random.
                order = ((day % 500) + 7 * k) % 500
                birth_day = _EPOCH + dt.timedelta(days=day)
                body = f"{code}{birth_day:%Y%m%d}{order * 2 + (1 if male else 0):03d}"
                return body + ric.calc_check_digit(body + "0"), birth_day
            day = day + 1 if day + 1 < _DAYS else 0


class PhoneAllocator:
    """Distinct mobile numbers: the n-th number is a prefix plus a scrambled 8-digit suffix.

    The suffix is an affine map of n modulo 10**8 with a multiplier coprime to 10, hence a bijection:
    no two of the first 10**8 numbers share a suffix, whatever their prefixes.
    """

    MULTIPLIER = 73_939_133
    OFFSET = 20_180_531

    def __init__(self, seed: int) -> None:
        self.counter = itertools.count(seed % 1000)

    def next(self) -> str:
        n = next(self.counter)
        suffix = (n * self.MULTIPLIER + self.OFFSET) % 10**8
        prefix = PHONE_PREFIXES[(suffix * 31 + n) % len(PHONE_PREFIXES)]
        return f"{prefix}{suffix:08d}"


_SURNAME_CHOICES = [s for s, _w in SURNAMES]
_SURNAME_WEIGHTS = list(itertools.accumulate(w for _s, w in SURNAMES))


def surname(rng: random.Random) -> str:
    return rng.choices(_SURNAME_CHOICES, cum_weights=_SURNAME_WEIGHTS)[0]


def given_name(rng: random.Random, male: bool, birth_year: int) -> str:
    era = 0 if birth_year < 1965 else 1 if birth_year < 1995 else 2
    chars = (GIVEN_MALE if male else GIVEN_FEMALE)[era]
    if rng.random() < (0.35 if era == 0 else 0.2 if era == 1 else 0.12):
        return rng.choice(chars)
    first = rng.choice(chars)
    second = rng.choice(chars)
    while second == first:
        second = rng.choice(chars)
    return first + second


@dataclass
class Person:
    relation: str
    male: bool
    age: int
    surname: str
    name: str = ""
    birth: dt.date = REFERENCE_DATE
    id_number: str = ""
    phone: str = ""
    tags: list[str] = field(default_factory=list)


@dataclass
class HouseholdPlan:
    floating: bool
    members: list[Person]
    since: dt.date
    template: str


def _age_at_most(rng: random.Random, low: int, high: int) -> int:
    return rng.randint(low, max(low, high))


def _compose(rng: random.Random, template: str) -> list[Person]:
    """Members by relation and age (sex and surnames are settled here, given names later)."""
    family = surname(rng)

    def other() -> str:
        s = surname(rng)
        return s if s != family else surname(rng)

    def age(low: int, high: int, mode: float | None = None) -> int:
        """Ages skewed towards `mode` (old people are fewer the older they are)."""
        return round(rng.triangular(low, high, mode)) if mode is not None else rng.randint(low, high)

    def head(low: int, high: int, male_share: float = 0.75, mode: float | None = None) -> Person:
        return Person(Relation.HEAD, rng.random() < male_share, age(low, high, mode), family)

    def spouse_of(h: Person) -> Person:
        years = max(18, h.age + (rng.randint(-6, 3) if h.male else rng.randint(-2, 7)))
        return Person(Relation.SPOUSE, not h.male, years, other())

    def children(parent_age: int, n: int, relation: str = Relation.CHILD) -> list[Person]:
        kids = []
        for _ in range(n):
            years = parent_age - rng.randint(22, 38)
            if years >= 0:
                kids.append(Person(relation, rng.random() < 0.52, years, family))
        return kids

    members: list[Person]
    if template == "single_young":
        members = [head(18, 40, 0.6)]
    elif template == "single_elder":
        members = [head(60, 98, 0.4, mode=66)]
    elif template == "couple_young":
        h = head(22, 38)
        members = [h, spouse_of(h)]
    elif template == "couple_elder":
        h = head(55, 93, mode=62)
        members = [h, spouse_of(h)]
    elif template == "nuclear":
        h = head(26, 56)
        members = [h, spouse_of(h), *children(h.age, rng.choices((1, 2, 3), (55, 38, 7))[0])]
    elif template == "single_parent":
        h = head(28, 55, 0.45)
        members = [h, *children(h.age, rng.choice((1, 1, 2)))]
    elif template == "three_gen":
        h = head(30, 55)
        members = [h, spouse_of(h), *children(h.age, rng.choice((1, 1, 2)))]
        parent_age = h.age + age(22, 35)
        if parent_age <= 100:
            male = rng.random() < 0.4
            members.append(Person(Relation.PARENT, male, parent_age, family if male else other()))
    elif template == "stem":
        h = head(50, 80, mode=58)
        members = [h, spouse_of(h)]
        son = Person(Relation.CHILD, True, rng.randint(22, max(22, h.age - 22)), family)
        members += [son, Person(Relation.CHILD_IN_LAW, False, max(20, son.age + rng.randint(-4, 2)), other())]
        members += children(son.age, rng.choice((1, 2)), Relation.GRANDCHILD)
    elif template == "left_behind":
        h = head(55, 82, 0.6, mode=62)
        members = [h]
        if rng.random() < 0.6:
            members.append(spouse_of(h))
        members += [
            Person(Relation.GRANDCHILD, rng.random() < 0.52, rng.randint(1, 15), family)
            for _ in range(rng.choice((1, 1, 2, 3)))
        ]
    elif template == "siblings":
        h = head(18, 35, 0.6)
        members = [h, Person(Relation.SIBLING, rng.random() < 0.5, max(16, h.age + rng.randint(-6, 6)), family)]
    else:  # pragma: no cover - templates are a closed list
        raise ValueError(template)
    _paternal_surnames(members)
    return members


def _paternal_surnames(members: list[Person]) -> None:
    """Children and grandchildren carry the father's line: the husband's surname when the head is a woman."""
    head, spouse = members[0], next((m for m in members if m.relation == Relation.SPOUSE), None)
    if head.male or spouse is None:
        return
    line = spouse.surname
    for person in members:
        if person.relation in (Relation.CHILD, Relation.GRANDCHILD):
            person.surname = line


# Template weights by community kind (permanent households) and for floating households.
PERMANENT_MIX: dict[str, dict[str, int]] = {
    "central_urban": {
        "single_young": 12, "single_elder": 9, "couple_young": 10, "couple_elder": 13, "nuclear": 32,
        "single_parent": 5, "three_gen": 11, "stem": 7, "left_behind": 1,
    },
    "urban": {
        "single_young": 10, "single_elder": 9, "couple_young": 9, "couple_elder": 14, "nuclear": 31,
        "single_parent": 5, "three_gen": 12, "stem": 8, "left_behind": 2,
    },
    "township": {
        "single_young": 6, "single_elder": 11, "couple_young": 6, "couple_elder": 16, "nuclear": 24,
        "single_parent": 4, "three_gen": 14, "stem": 12, "left_behind": 7,
    },
    "village": {
        "single_young": 4, "single_elder": 12, "couple_young": 4, "couple_elder": 18, "nuclear": 18,
        "single_parent": 4, "three_gen": 14, "stem": 14, "left_behind": 12,
    },
}
FLOATING_MIX: dict[str, int] = {"single_young": 38, "couple_young": 24, "nuclear": 28, "siblings": 10}
FLOATING_SHARE = 0.15


def _tags(rng: random.Random, plan: HouseholdPlan, person: Person, village: bool) -> list[str]:
    """重点人群标签 with plausible frequencies (高龄 is exact: everyone aged 80 and over)."""
    tags: list[str] = []
    age = person.age
    adults = [m for m in plan.members if 18 <= m.age < 60]
    if age >= 80:
        tags.append("elderly")
    if age >= 18 and rng.random() < 0.08:
        tags.append("party_member")
    if rng.random() < 0.012 + 0.0006 * age:
        tags.append("disabled")
    if age >= 60 and all(m.age >= 60 for m in plan.members):
        tags.append("empty_nest")
        if len(plan.members) == 1:
            tags.append("living_alone")
            if rng.random() < 0.05:
                tags.append("tekun")
    if plan.template == "left_behind" and not adults and (age < 16 or (village and age >= 60)):
        tags.append("left_behind")
    if person.male and age >= 38 and rng.random() < 0.02:
        tags.append("veteran")
        if rng.random() < 0.25:
            tags.append("youfu")
    if 18 <= age < 60 and rng.random() < 0.02:
        tags.append("unemployed")
    if age >= 55 and plan.template == "couple_elder" and rng.random() < 0.01:
        tags.append("shidu")
    if 18 <= age < 70 and rng.random() < 0.0005:
        tags.append("community_correction")
    if age >= 16 and rng.random() < 0.002:
        tags.append("mental_disorder")
    return tags


class PeopleFactory:
    """Households for one city, deterministic given the seed and the order of calls."""

    def __init__(self, seed: int, reference: dt.date = REFERENCE_DATE):
        self.reference = reference
        self.ids = IdAllocator()
        self.phones = PhoneAllocator(seed)

    def household(
        self, rng: random.Random, *, community_kind: str, district_code: str, floating: bool
    ) -> HouseholdPlan:
        mix = FLOATING_MIX if floating else PERMANENT_MIX.get(community_kind, PERMANENT_MIX["urban"])
        template = rng.choices(list(mix), weights=list(mix.values()))[0]
        members = _compose(rng, template)
        head_age = members[0].age
        earliest = self.reference.year - (3 if floating else max(1, min(head_age - 18, 40)))
        since = dt.date(rng.randint(earliest, self.reference.year - 1), rng.randint(1, 12), rng.randint(1, 28))
        plan = HouseholdPlan(floating=floating, members=members, since=since, template=template)
        dibao = not floating and rng.random() < 0.02
        village = community_kind == "village"
        for person in members:
            self._identity(rng, person, district_code, floating)
            person.age = age_on(person.birth, self.reference)
        for person in members:
            person.tags = _tags(rng, plan, person, village)
            if dibao:
                person.tags.append("dibao")
        return plan

    def _identity(self, rng: random.Random, person: Person, district_code: str, floating: bool) -> None:
        birth = self.reference - dt.timedelta(days=person.age * 365 + rng.randint(1, 364) + person.age // 4)
        person.name = person.surname + given_name(rng, person.male, birth.year)
        code = self._address_code(rng, district_code, birth.year, floating, person.relation)
        person.id_number, person.birth = self.ids.allocate(code, birth, person.male)
        if person.age >= 14 and not (person.age >= 80 and rng.random() < 0.5):
            person.phone = self.phones.next()

    def _address_code(self, rng: random.Random, district_code: str, year: int, floating: bool, relation: str) -> str:
        if floating and rng.random() < 0.9:
            return rng.choice(OTHER_CODES)
        if relation in (Relation.SPOUSE, Relation.CHILD_IN_LAW) and rng.random() < 0.08:
            return rng.choice(OTHER_CODES)
        home = district_code if rng.random() < 0.88 else rng.choice(sorted(OLD_CODE_FOR))
        old_share = 0.9 if year < 1983 else 0.6 if year < 1999 else 0.0
        return OLD_CODE_FOR[home] if rng.random() < old_share else home
