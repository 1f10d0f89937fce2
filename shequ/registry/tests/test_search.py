"""Search: every kind finds the right people, only inside the viewer's scope, through indexes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from shequ.core.testing.factories import make_id_number
from shequ.registry import selectors, services
from shequ.registry.models import Resident
from shequ.registry.search import guess_kind, search_q


def names(viewer, q, kind="auto"):
    return sorted(r.name for r in selectors.resident_list(viewer=viewer, q=q, kind=kind))


@pytest.fixture
def people(world):
    """A namesake of 王小明 outside the worker's community, and a landline owner inside it."""
    world.wang2 = services.resident_create(
        actor=world.admin,
        name="王小明",
        id_number=make_id_number(dt.date(1990, 5, 6), region="431381"),
        phone="13812340000",
        household=world.household2,
        relation="other",
    )
    world.wu = services.resident_create(
        actor=world.admin,
        name="吴晓梅",
        id_number=make_id_number(dt.date(1960, 2, 3), male=False),
        phone="0738-8812345",
        household=world.household,
        relation="parent",
    )
    return world


@pytest.mark.parametrize(
    ("q", "kind"),
    [
        ("王小明", "name"),
        ("王小", "name"),
        ("王小明", "auto"),
        ("wangxiaoming", "pinyin"),
        ("wang xiao", "pinyin"),
        ("WangXiaoMing", "auto"),
        ("wxm", "pinyin"),
        ("wxm", "auto"),
        ("13812345678", "phone"),
        ("138 1234 5678", "auto"),
        ("5678", "phone"),
        ("长青路1号", "address"),
        ("长青小区", "address"),
        ("长青路", "auto"),
    ],
)
def test_each_kind_finds_wang_inside_scope_only(people, q, kind):
    w = people
    inside = names(w.worker, q, kind)
    assert "王小明" in inside
    # the namesake lives in 冷水江市: the worker never sees it, the outsider only sees that one
    assert sum(1 for r in selectors.resident_list(viewer=w.worker, q=q, kind=kind) if r.pk == w.wang2.pk) == 0
    outsider_ids = {r.pk for r in selectors.resident_list(viewer=w.outsider, q=q, kind=kind)}
    assert w.wang.pk not in outsider_ids
    assert not outsider_ids - {w.wang2.pk, w.zhao.pk}


def test_pinyin_initials_find_every_namesake_for_the_city(people):
    w = people
    found = {r.pk for r in selectors.resident_list(viewer=w.admin, q="wxm")}
    assert {w.wang.pk, w.wang2.pk, w.wu.pk} <= found  # 吴晓梅 is wxm too
    assert w.li.pk not in found


def test_id_number_full_and_last_four(people):
    w = people
    assert [r.pk for r in selectors.resident_list(viewer=w.worker, q=w.wang.id_number, kind="id")] == [w.wang.pk]
    assert [r.pk for r in selectors.resident_list(viewer=w.worker, q=w.wang.id_number)] == [w.wang.pk]
    last4 = w.wang.id_number[-4:]
    assert w.wang.pk in {r.pk for r in selectors.resident_list(viewer=w.worker, q=last4, kind="id")}
    last6 = w.wang.id_number[-6:]
    assert [r.pk for r in selectors.resident_list(viewer=w.worker, q=last6)] == [w.wang.pk]
    # outside the scope: nothing, not even by the full number
    assert list(selectors.resident_list(viewer=w.worker, q=w.zhao.id_number)) == []
    assert list(selectors.resident_list(viewer=w.worker, q=w.zhao.id_number[-6:], kind="id")) == []
    # fewer than four characters find nobody
    assert list(selectors.resident_list(viewer=w.admin, q=last4[-3:], kind="id")) == []


def test_id_number_lowercase_x_and_legacy_15_digits(world):
    legacy = "431302500101123"
    r = services.resident_create(actor=world.worker, name="老号", id_number=legacy, household=world.household)
    assert [x.pk for x in selectors.resident_list(viewer=world.worker, q=legacy)] == [r.pk]
    if r.id_number.endswith("X"):
        assert [x.pk for x in selectors.resident_list(viewer=world.worker, q=r.id_number[-5:].lower())] == [r.pk]


def test_phone_full_and_last_four(people):
    w = people
    assert names(w.worker, "13812345678") == ["王小明"]
    assert names(w.worker, "+86 138-1234-5678", "phone") == ["王小明"]
    assert names(w.worker, "5678") == ["王小明"]  # auto: last 4 of an ID or a phone
    assert names(w.admin, "0000", "phone") == ["王小明"]  # the namesake's phone
    assert names(w.worker, "0000", "phone") == []
    assert names(w.worker, "2222", "phone") == []  # 赵强's phone, outside
    # landlines stored as 0738-8812345 are found typed with or without the dash
    assert names(w.worker, "07388812345") == ["吴晓梅"]
    assert names(w.worker, "0738-8812345", "phone") == ["吴晓梅"]
    assert names(w.worker, "2345", "phone") == ["吴晓梅"]


def test_address_search_stays_inside_scope(people):
    w = people
    assert names(w.worker, "长青", "address") == ["吴晓梅", "李娜", "王小明"]
    assert names(w.worker, "矿山路", "address") == []
    assert names(w.outsider, "矿山路", "address") == ["王小明", "赵强"]
    assert names(w.outsider, "长青", "address") == []


def test_grid_worker_and_resident_scopes(people):
    w = people
    assert names(w.grid_worker, "wxm") == ["吴晓梅", "王小明"]
    assert names(w.resident_user, "王") == ["王小明"]  # own household only
    assert names(w.resident_user, "赵") == []
    assert names(w.auditor, "wxm") == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("王小明", "name"),
        ("wxm", "pinyin"),
        ("wang xiaoming", "pinyin"),
        ("431302198503040012", "id"),
        ("43130219850304001x", "id"),
        ("431302500101123", "id"),
        ("13812345678", "phone"),
        ("0738-8812345", "phone"),
        ("1234", "digits"),
        ("12345X", "id"),
        ("No.12", "address"),
        ("A座", "name"),
    ],
)
def test_guess_kind(text, kind):
    assert guess_kind(text) == kind


def test_nonsense_finds_nothing_and_never_fails(world):
    for q in ["%", "_", "'; drop table", "12", "x" * 500, "王" * 200, "0", "+86"]:
        for kind in ["auto", "name", "pinyin", "id", "phone", "address", "bogus"]:
            assert list(selectors.resident_list(viewer=world.admin, q=q, kind=kind)) == []


def test_wildcards_are_literal(world):
    assert names(world.admin, "王%", "name") == []
    assert names(world.admin, "%", "address") == []


@pytest.mark.parametrize(
    ("q", "kind", "index"),
    [
        ("王小", "name", "resident_name_idx"),
        ("wangx", "pinyin", "resident_pinyin_idx"),
        ("wxm", "pinyin", ("resident_initials_idx", "resident_initials_cover_idx")),
        ("1234", "id", "resident_idrev_idx"),
        ("5678", "phone", "resident_phonerev_idx"),
        ("13812345678", "phone", "resident_phone_idx"),
    ],
)
def test_postgres_uses_the_prefix_indexes(world, q, kind, index):
    """Each search kind is a prefix LIKE (or equality) PostgreSQL can answer from its index."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL query plans")
    qs = Resident.objects.filter(search_q(q, kind))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = qs.explain()
    assert any(name in plan for name in ((index,) if isinstance(index, str) else index)), plan
