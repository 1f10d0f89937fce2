"""Resident pages: list/search with filters, detail, create, edit, move with history, tags, unmask."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shequ.areas.models import AreaStats, AreaTagCount
from shequ.core.models import AccessLog, AuditLog
from shequ.core.roles import Role
from shequ.core.testing.clients import login
from shequ.core.testing.clients import page_text as page
from shequ.core.testing.factories import make_id_number, make_user
from shequ.registry import services
from shequ.registry.models import HouseholdMembership, Resident

# -- list and search ---------------------------------------------------------------------------------


def test_list_is_scoped_and_masked(world):
    body = page(login(world.worker), reverse("registry:resident_list"))
    assert "王小明" in body and "李娜" in body
    assert "赵强" not in body
    assert world.wang.id_number not in body and world.wang.phone not in body
    assert "138****5678" in body and world.wang.id_number[:4] + "**********" + world.wang.id_number[-4:] in body


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "wxm"}, {"王小明"}),
        ({"q": "李"}, {"李娜"}),
        ({"q": "1111", "kind": "phone"}, {"李娜"}),
        ({"tag": "party_member"}, {"王小明"}),
        ({"status": "active"}, {"王小明", "李娜"}),
        ({"status": "deceased"}, set()),
        ({"hkind": "floating"}, set()),
        ({"hkind": "permanent"}, {"王小明", "李娜"}),
        ({"area": "431302001001001"}, {"王小明", "李娜"}),
        ({"area": "431302001002"}, set()),
        ({"area": "431381"}, set()),  # outside the worker's scope: nothing, not an error
        ({"q": "zq"}, set()),  # 赵强 is outside
    ],
)
def test_list_filters(world, params, expected):
    body = page(login(world.worker), reverse("registry:resident_list"), **params)
    found = {name for name in ("王小明", "李娜", "赵强") if f">{name}</a>" in body}
    assert found == expected


def test_htmx_search_returns_only_the_results(world):
    client = login(world.worker)
    response = client.get(
        reverse("registry:resident_list"), {"q": "wxm"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "王小明" in body and "<html" not in body


def test_list_paginates_by_50_and_caps_the_count(world, settings):
    for i in range(55):
        services.resident_create(
            actor=world.admin,
            name=f"测试{i:02d}",
            id_number=make_id_number(dt.date(2000, 1, 1) + dt.timedelta(days=i)),
            community=world.community_b,
        )
    client = login(world.admin)
    first = page(client, reverse("registry:resident_list"), area=world.community_b.code)
    assert first.count(">测试") == 50 and "共 55 条" in first and "page=2" in first
    second = page(client, reverse("registry:resident_list"), area=world.community_b.code, page=2)
    assert second.count(">测试") == 5
    settings.SHEQU_LIST_COUNT_CAP = 20
    capped = page(client, reverse("registry:resident_list"), area=world.community_b.code)
    assert "超过 20 条" in capped


def test_list_page_has_no_n_plus_one(world, django_assert_max_num_queries):
    client = login(world.worker)
    url = reverse("registry:resident_list")
    client.get(url)  # warm caches (session, content types)
    for i in range(60):
        resident = services.resident_create(
            actor=world.admin,
            name=f"批量{i:02d}",
            id_number=make_id_number(dt.date(1990, 1, 1) + dt.timedelta(days=i)),
            household=world.household,
            tags=["elderly"] if i % 2 else [],
        )
        assert resident.pk
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("data-label=\"姓名\"") == 50


# -- detail: scope, masking, tags --------------------------------------------------------------------


def test_not_yours_is_not_found(world):
    for user, resident in [(world.worker, world.zhao), (world.outsider, world.wang), (world.grid_worker, world.zhao)]:
        client = login(user)
        for name in ("resident_detail", "resident_edit", "resident_move"):
            response = client.get(reverse(f"registry:{name}", args=[resident.pk]))
            assert response.status_code == 404
            assert resident.name not in response.content.decode()
    missing = login(world.worker).get(reverse("registry:resident_detail", args=[999999]))
    assert missing.status_code == 404


def test_resident_sees_own_household_only(world):
    client = login(world.resident_user)
    assert client.get(reverse("registry:resident_detail", args=[world.wang.pk])).status_code == 200
    assert client.get(reverse("registry:resident_detail", args=[world.zhao.pk])).status_code == 404
    # a resident may not edit (403: the record is visible, the role lacks the right)
    assert client.get(reverse("registry:resident_edit", args=[world.wang.pk])).status_code == 403


def test_tags_shown_only_to_lines_that_may_see_them(world):
    services.resident_tag_add(actor=world.admin, resident=world.wang, tag="dibao")
    url = reverse("registry:resident_detail", args=[world.wang.pk])
    party = make_user("party_worker", Role.COMMUNITY_WORKER, world.community, work_lines=["party"])
    assistance = make_user("aid_worker", Role.COMMUNITY_WORKER, world.community, work_lines=["assistance"])
    generalist = page(login(world.worker), url)
    assert "党员" in generalist and "低保" in generalist
    party_body = page(login(party), url)
    assert "党员" in party_body and "低保" not in party_body
    aid_body = page(login(assistance), url)
    assert "低保" in aid_body and "党员" not in aid_body
    # residents (own household) see no sensitive or line-restricted tag
    own = page(login(world.resident_user), url)
    assert "低保" not in own and "党员" not in own
    # the list's tag filter cannot be used to probe an invisible tag
    listing = page(login(party), reverse("registry:resident_list"), tag="dibao")
    assert ">王小明</a>" not in listing


def test_tag_add_and_remove_with_htmx(world):
    client = login(world.worker)
    add = reverse("registry:resident_tag_add", args=[world.li.pk])
    response = client.post(add, {"tag": "elderly"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "高龄" in response.content.decode()
    assert world.li.resident_tags.filter(tag__code="elderly").exists()
    assert AreaTagCount.objects.get(area=world.community, tag__code="elderly").residents == 1
    remove = reverse("registry:resident_tag_remove", args=[world.li.pk])
    response = client.post(remove, {"tag": "elderly"})
    assert response.status_code == 302
    assert not world.li.resident_tags.filter(tag__code="elderly").exists()
    assert AreaTagCount.objects.get(area=world.community, tag__code="elderly").residents == 0


def test_line_worker_cannot_add_or_remove_an_invisible_tag(world):
    party = make_user("party_worker", Role.COMMUNITY_WORKER, world.community, work_lines=["party"])
    client = login(party)
    response = client.post(
        reverse("registry:resident_tag_add", args=[world.li.pk]), {"tag": "dibao"}, HTTP_HX_REQUEST="true"
    )
    assert "未知标签" in response.content.decode()
    assert not world.li.resident_tags.filter(tag__code="dibao").exists()


def test_tag_writes_by_a_read_only_role_are_forbidden(world):
    client = login(world.analyst)
    response = client.post(reverse("registry:resident_tag_add", args=[world.li.pk]), {"tag": "elderly"})
    assert response.status_code == 403
    assert not world.li.resident_tags.exists()


# -- create and edit ---------------------------------------------------------------------------------


def test_create_in_household_via_page(world):
    client = login(world.worker)
    url = reverse("registry:resident_create")
    form = page(client, url, household=world.household.pk)
    assert world.household.number in form
    number = make_id_number(dt.date(2010, 9, 9))
    response = client.post(
        url,
        {"name": "王小宝", "id_number": number, "phone": "", "household_number": world.household.number,
         "relation": "child", "tags": ["left_behind"]},
    )
    assert response.status_code == 302
    created = Resident.objects.get(id_number=number)
    assert response["Location"] == reverse("registry:resident_detail", args=[created.pk])
    assert created.household == world.household and created.area_code == world.grid.code
    assert created.resident_tags.filter(tag__code="left_behind").exists()
    assert AreaStats.objects.get(area=world.community).residents == 3


def test_grid_worker_creates_in_own_grid(world):
    client = login(world.grid_worker)
    url = reverse("registry:resident_create")
    form = page(client, url)
    assert world.grid.code in form and world.community_b.code not in form
    number = make_id_number(dt.date(1999, 9, 9))
    response = client.post(url, {"name": "网格新人", "id_number": number, "area": world.grid.code})
    assert response.status_code == 302
    assert Resident.objects.get(id_number=number).area_code == world.grid.code


def test_create_shows_translated_errors_next_to_fields(world):
    client = login(world.worker)
    response = client.post(
        reverse("registry:resident_create"),
        {"name": "", "id_number": "431302198502301234", "phone": "123", "area": world.community.code},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "这个字段是必填项" in body  # Django's own message, in Chinese
    response = client.post(
        reverse("registry:resident_create"),
        {"name": "坏号", "id_number": "431302198502301234", "phone": "", "area": world.community.code},
    )
    body = response.content.decode()
    assert response.status_code == 422
    field = body[body.index('for="id_id_number"') :]
    assert "field-error" in field[: field.index("</div>")]


def test_duplicate_id_names_the_record_only_when_visible(world):
    client = login(world.worker)
    url = reverse("registry:resident_create")
    visible = client.post(url, {"name": "重复", "id_number": world.wang.id_number, "area": world.community.code})
    assert visible.status_code == 409
    body = visible.content.decode()
    assert "该公民身份号码已登记：王小明" in body
    assert reverse("registry:resident_detail", args=[world.wang.pk]) in body
    hidden = client.post(url, {"name": "重复", "id_number": world.zhao.id_number, "area": world.community.code})
    assert hidden.status_code == 409
    body = hidden.content.decode()
    assert "已在其他辖区登记" in body and "赵强" not in body
    assert reverse("registry:resident_detail", args=[world.zhao.pk]) not in body


def test_create_refused_outside_scope_and_for_read_only_roles(world):
    number = make_id_number(dt.date(1991, 1, 1))
    data = {"name": "越权", "id_number": number, "area": world.community2.code}
    response = login(world.worker).post(reverse("registry:resident_create"), data)
    assert response.status_code == 422  # not among the choices
    assert login(world.analyst).get(reverse("registry:resident_create")).status_code == 403
    assert login(world.auditor).post(reverse("registry:resident_create"), data).status_code == 403
    assert not Resident.objects.filter(id_number=number).exists()


def test_edit_never_shows_the_clear_id_and_keeps_it_when_left_empty(world):
    client = login(world.worker)
    url = reverse("registry:resident_edit", args=[world.li.pk])
    body = page(client, url)
    assert world.li.id_number not in body and world.li.phone not in body
    response = client.post(url, {"name": "李娜娜", "id_number": "", "phone": "", "relation": "spouse",
                                 "status": "moved_out"})
    assert response.status_code == 302
    world.li.refresh_from_db()
    assert world.li.name == "李娜娜" and world.li.status == "moved_out" and world.li.phone == "13900001111"
    assert AreaStats.objects.get(area=world.community).residents == 1
    assert AuditLog.objects.filter(action="resident.update", entity_id=str(world.li.pk)).exists()


def test_edit_by_analyst_is_forbidden(world):
    response = login(world.analyst).post(
        reverse("registry:resident_edit", args=[world.li.pk]), {"name": "改", "status": "active"}
    )
    assert response.status_code == 403
    world.li.refresh_from_db()
    assert world.li.name == "李娜"


# -- move --------------------------------------------------------------------------------------------


def test_move_with_reason_keeps_history(world):
    target = services.household_create(actor=world.admin, community=world.community_b, room="9")
    client = login(world.subdistrict_officer)
    url = reverse("registry:resident_move", args=[world.wang.pk])
    missing_reason = client.post(url, {"household_number": target.number, "relation": "head", "reason": ""})
    assert missing_reason.status_code == 422
    unknown = client.post(url, {"household_number": "nope", "relation": "head", "reason": "购房迁入"})
    assert unknown.status_code == 422 and "未找到该户号" in unknown.content.decode()
    response = client.post(url, {"household_number": target.number, "relation": "head", "reason": "购房迁入"})
    assert response.status_code == 302
    world.wang.refresh_from_db()
    target.refresh_from_db()
    world.household.refresh_from_db()
    assert world.wang.household == target and target.head_id == world.wang.pk
    assert world.household.head_id is None
    rows = list(HouseholdMembership.objects.filter(resident=world.wang).order_by("started_at"))
    assert [r.household_id for r in rows] == [world.household.pk, target.pk]
    assert rows[0].ended_at is not None and rows[1].ended_at is None and rows[1].reason == "购房迁入"
    detail = page(client, reverse("registry:resident_detail", args=[world.wang.pk]))
    assert "购房迁入" in detail and world.household.number in detail and target.number in detail
    old_household = page(client, reverse("registry:household_detail", args=[world.household.pk]))
    assert "王小明" in old_household  # in the history, with both dates
    # the counts moved with him (grid 1 of 长青社区 → 花园社区), tags included
    assert AreaStats.objects.get(area=world.grid).residents == 1
    assert AreaStats.objects.get(area=world.community_b).residents == 1
    assert AreaTagCount.objects.get(area=world.community_b, tag__code="party_member").residents == 1


def test_move_into_a_household_outside_scope_is_refused(world):
    client = login(world.worker)
    response = client.post(
        reverse("registry:resident_move", args=[world.wang.pk]),
        {"household_number": world.household2.number, "relation": "other", "reason": "越权迁移"},
    )
    assert response.status_code == 422 and "未找到该户号" in response.content.decode()
    world.wang.refresh_from_db()
    assert world.wang.household == world.household


# -- unmask ------------------------------------------------------------------------------------------


def test_unmask_with_reason_is_logged(world):
    client = login(world.worker)
    url = reverse("registry:resident_unmask", args=[world.wang.pk])
    short = client.post(url, {"reason": "看"}, HTTP_HX_REQUEST="true")
    assert short.status_code == 200 and world.wang.id_number not in short.content.decode()
    response = client.post(url, {"reason": "核对低保申请材料"}, HTTP_HX_REQUEST="true")
    assert world.wang.id_number in response.content.decode()
    log = AccessLog.objects.get(entity_id=str(world.wang.pk))
    assert log.reason == "核对低保申请材料" and log.actor == world.worker


def test_unmask_needs_the_permission(world):
    client = login(world.grid_worker)
    detail = page(client, reverse("registry:resident_detail", args=[world.wang.pk]))
    assert "查看完整信息" not in detail
    response = client.post(reverse("registry:resident_unmask", args=[world.wang.pk]), {"reason": "核对信息原因"})
    assert response.status_code == 403
    assert world.wang.id_number not in response.content.decode()
    assert not AccessLog.objects.exists()
