"""Household, building and resident-unit pages: list, detail, create, edit; scope and errors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shequ.areas.models import AreaStats
from shequ.core.testing.clients import login
from shequ.core.testing.clients import page_text as ok
from shequ.registry import services
from shequ.registry.models import Building, Household, ResidentUnit

VALID_USCC = "91430100MA4L16JQ9D"


def test_valid_uscc_constant():
    from stdnum.cn import uscc

    assert uscc.is_valid(VALID_USCC)


# -- households --------------------------------------------------------------------------------------


def test_household_list_and_detail(world):
    client = login(world.worker)
    listing = ok(client, reverse("registry:household_list"))
    assert world.household.number in listing and world.household2.number not in listing
    assert "王小明" in listing  # the head
    assert ok(client, reverse("registry:household_list"), kind="floating").count(world.household.number) == 0
    assert world.household.number in ok(client, reverse("registry:household_list"), q="长青路")
    assert world.household.number in ok(client, reverse("registry:household_list"), q=world.household.number[:10])
    detail = ok(client, reverse("registry:household_detail", args=[world.household.pk]))
    assert "王小明" in detail and "李娜" in detail and "配偶" in detail and "常住" in detail
    assert world.wang.id_number not in detail and world.li.phone not in detail
    assert detail.index("王小明") < detail.index("李娜")  # head first
    assert client.get(reverse("registry:household_detail", args=[world.household2.pk])).status_code == 404


def test_household_create_from_building_and_in_grid(world):
    client = login(world.worker)
    url = reverse("registry:household_create")
    form = ok(client, url, building=world.building.pk)
    assert world.building.address in form
    response = client.post(
        url, {"area": world.grid.code, "building": world.building.pk, "room": "302", "kind": "floating", "number": ""}
    )
    assert response.status_code == 302
    created = Household.objects.get(room="302")
    assert created.kind == "floating" and created.building == world.building and created.area_code == world.grid.code
    assert created.number.startswith(world.community.code)
    assert AreaStats.objects.get(area=world.grid).households == 2


def test_household_create_errors_next_to_fields(world):
    client = login(world.worker)
    response = client.post(
        reverse("registry:household_create"),
        {"area": world.community.code, "room": "1", "kind": "floating", "number": world.household.number},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "已存在" in body
    assert Household.objects.count() == 2


def test_building_options_for_htmx(world):
    body = ok(login(world.worker), reverse("registry:building_options"), area=world.community.code)
    assert world.building.address in body and world.building2.address not in body
    assert world.building2.address not in ok(
        login(world.worker), reverse("registry:building_options"), area=world.community2.code
    )


def test_household_edit_sets_head_and_kind(world):
    client = login(world.worker)
    url = reverse("registry:household_edit", args=[world.household.pk])
    assert "李娜" in ok(client, url)
    response = client.post(url, {"building": world.building.pk, "room": "102", "kind": "floating", "head": world.li.pk})
    assert response.status_code == 302
    world.household.refresh_from_db()
    assert world.household.head_id == world.li.pk
    assert (world.household.kind, world.household.room) == ("floating", "102")
    world.li.refresh_from_db()
    world.wang.refresh_from_db()
    assert (world.li.relation, world.wang.relation) == ("head", "other")  # the relations follow the head
    assert world.li.memberships.get(ended_at__isnull=True).relation == "head"
    # the head must be a member
    response = client.post(url, {"building": "", "room": "102", "kind": "floating", "head": world.zhao.pk})
    assert response.status_code == 422
    assert login(world.analyst).post(url, {"kind": "permanent"}).status_code == 403
    assert login(world.outsider).get(url).status_code == 404


# -- buildings ---------------------------------------------------------------------------------------


def test_building_pages(world):
    client = login(world.grid_worker)
    listing = ok(client, reverse("registry:building_list"))
    assert world.building.address in listing and world.building2.address not in listing
    detail = ok(client, reverse("registry:building_detail", args=[world.building.pk]))
    assert world.household.number in detail and "长青小区" in detail
    assert client.get(reverse("registry:building_detail", args=[world.building2.pk])).status_code == 404
    response = client.post(
        reverse("registry:building_create"),
        {"area": world.grid.code, "address": "长青路1号2栋", "compound": "长青小区", "number": "2栋",
         "latitude": "27.73", "longitude": "111.99"},
    )
    assert response.status_code == 302
    building = Building.objects.get(address="长青路1号2栋")
    assert building.area_code == world.grid.code and building.latitude == pytest.approx(27.73)
    response = client.post(
        reverse("registry:building_edit", args=[building.pk]),
        {"address": "长青路1号2栋", "compound": "长青小区", "number": "二栋", "latitude": "95", "longitude": ""},
    )
    assert response.status_code == 422 and "field-error" in response.content.decode()
    response = client.post(
        reverse("registry:building_edit", args=[building.pk]),
        {"address": "长青路1号2栋", "compound": "长青小区", "number": "二栋", "latitude": "", "longitude": ""},
    )
    assert response.status_code == 302
    building.refresh_from_db()
    assert building.number == "二栋" and building.latitude is None


def test_building_duplicate_address_is_a_field_error(world):
    response = login(world.worker).post(
        reverse("registry:building_create"), {"area": world.community.code, "address": world.building.address}
    )
    assert response.status_code == 422
    assert Building.objects.filter(address=world.building.address).count() == 1


# -- resident units ----------------------------------------------------------------------------------


def test_unit_create_validates_credit_code(world):
    client = login(world.worker)
    url = reverse("registry:unit_create")
    bad = client.post(url, {"area": world.community.code, "name": "长青小学", "credit_code": "91430100MA4L16JQ9A"})
    assert bad.status_code == 422
    body = bad.content.decode()
    field = body[body.index('for="id_credit_code"') :]
    assert "统一社会信用代码无效" in field[: field.index("</div>")]
    good = client.post(
        url,
        {"area": world.community.code, "name": "长青小学", "credit_code": VALID_USCC.lower(), "kind": "学校",
         "phone": "0738-8123456"},
    )
    assert good.status_code == 302
    unit = ResidentUnit.objects.get(name="长青小学")
    assert unit.credit_code == VALID_USCC and unit.area_code == world.community.code
    assert AreaStats.objects.get(area=world.community).units == 1
    detail = ok(client, reverse("registry:unit_detail", args=[unit.pk]))
    assert VALID_USCC in detail
    listing = ok(client, reverse("registry:unit_list"), q="长青")
    assert "长青小学" in listing
    edit = client.post(
        reverse("registry:unit_edit", args=[unit.pk]),
        {"name": "长青实验小学", "credit_code": VALID_USCC, "kind": "学校", "address": "", "contact_name": "",
         "phone": ""},
    )
    assert edit.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "长青实验小学"


def test_units_are_scoped(world):
    unit = services.unit_create(actor=world.admin, community=world.community2, name="矿山医院")
    assert "矿山医院" not in ok(login(world.worker), reverse("registry:unit_list"))
    assert login(world.worker).get(reverse("registry:unit_detail", args=[unit.pk])).status_code == 404
    assert login(world.worker).get(reverse("registry:unit_edit", args=[unit.pk])).status_code == 404
    # grid workers place nothing at community level: no community to choose, so the form cannot pass
    response = login(world.grid_worker).post(
        reverse("registry:unit_create"), {"area": world.community.code, "name": "越级单位"}
    )
    assert response.status_code == 422
    assert not ResidentUnit.objects.filter(name="越级单位").exists()
