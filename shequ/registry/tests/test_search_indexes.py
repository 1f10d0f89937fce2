"""Search query shapes for big tables: a pinyin key goes to the one column that can match it, and on
PostgreSQL the initials and address searches are served by the indexes of migration 0003."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Q
from pypinyin.pinyin_dict import pinyin_dict

from shequ.core.testing.factories import make_id_number
from shequ.registry import selectors, services
from shequ.registry.generator.vocab import GIVEN_FEMALE, GIVEN_MALE, SURNAMES
from shequ.registry.models import Building, Resident
from shequ.registry.names import pinyin_keys
from shequ.registry.search import could_be_initials, could_be_pinyin, pinyin_q

INDEXES = ("building_address_trgm_idx", "building_compound_trgm_idx", "resident_initials_cover_idx")


def prefixes(text: str) -> list[str]:
    return [text[:i] for i in range(1, len(text) + 1)]


def test_every_pinyin_and_initials_prefix_is_recognised():
    """Dropping a branch is only safe if no stored key can start with the search: every prefix of the keys
    pinyin_keys writes must be recognised."""
    # every 10th character pypinyin knows (its whole range of readings, ~4,000), the odd ones (嗯 n, 呣 m,
    # 吕 lv, 欸 ê, 儿 er), and names from the generator's surnames and given-name characters
    chars = [chr(code) for code in sorted(pinyin_dict)[::10]] + list("嗯呣吕女欸儿哼噷")
    given = "".join(GIVEN_MALE + GIVEN_FEMALE)
    names = [surname + g + given[(i * 7) % len(given)] for surname, _w in SURNAMES for i, g in enumerate(given[::5])]
    keys = {pinyin_keys(ch) for ch in chars} | {pinyin_keys(n) for n in names}
    for full, initials in keys:
        if full:
            assert all(could_be_pinyin(p) for p in prefixes(full)), full
        if initials:
            assert all(could_be_initials(p) for p in prefixes(initials)), initials


@pytest.mark.parametrize(
    ("key", "pinyin", "initials"),
    [
        ("cj", False, True),
        ("wxm", False, True),
        ("lyh", False, True),
        ("wang", True, True),
        ("zh", True, True),
        ("wangxiaoming", True, False),
        ("lv", True, False),
        ("ng", True, True),
        ("ie", False, False),
    ],
)
def test_which_column_a_key_can_match(key, pinyin, initials):
    assert could_be_pinyin(key) is pinyin
    assert could_be_initials(key) is initials


def test_a_key_that_only_initials_can_match_is_one_condition():
    assert str(pinyin_q("cj")) == str(pinyin_q("CJ")) == "(AND: ('name_initials__startswith', 'cj'))"
    assert "name_initials" not in str(pinyin_q("wangxiaoming"))
    assert "name_initials" in str(pinyin_q("wang")) and "name_pinyin" in str(pinyin_q("wang"))
    assert str(pinyin_q("ie")) == str(Q(pk__in=[]))  # neither: nothing to ask the database


def test_narrowed_pinyin_searches_find_the_same_people(world):
    extra = [("陈佳", "cj"), ("吕文", "lw"), ("安娜", "an"), ("欧阳娜娜", "oynn")]
    for i, (name, _key) in enumerate(extra):
        services.resident_create(
            actor=world.admin,
            name=name,
            id_number=make_id_number(dt.date(1990, 1, 1) + dt.timedelta(days=i)),
            household=world.household,
        )
    for key in ["cj", "chenjia", "lw", "lvwen", "lv", "an", "anna", "a", "oy", "ouyang", "oynn", "wxm", "w"]:
        expected = set(Resident.objects.filter(name_initials__startswith=key).values_list("pk", flat=True))
        expected |= set(Resident.objects.filter(name_pinyin__startswith=key).values_list("pk", flat=True))
        found = {r.pk for r in selectors.resident_list(viewer=world.admin, q=key, kind="pinyin")}
        assert found == expected, key
        assert found, key


def test_migration_0003_indexes_exist_only_on_postgresql(db):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)", [list(INDEXES)])
            assert {row[0] for row in cursor.fetchall()} == set(INDEXES)
            cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'registry_building'")
            assert cursor.fetchone()[0] == ["parallel_workers=0"]
        else:
            names = {index.name for index in connection.introspection.get_table_list(cursor)}
            indexes = set()
            for table in ("registry_building", "registry_resident"):
                indexes |= set(connection.introspection.get_constraints(cursor, table))
            assert names and not indexes & set(INDEXES)


def _plan(qs, *settings: str) -> str:
    with connection.cursor() as cursor:
        for setting in settings:
            cursor.execute(f"SET LOCAL {setting} = off")
        return qs.explain()


def test_postgres_address_search_uses_trigram_indexes(world):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL query plans")
    for field, index in (("address", "building_address_trgm_idx"), ("compound", "building_compound_trgm_idx")):
        plan = _plan(Building.objects.filter(**{f"{field}__contains": "长青路"}), "enable_seqscan")
        assert index in plan, plan
