"""Facilities pages: list and community pages by role, create/edit/delete forms, photo upload, error display."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from shequ.areas.models import Area, Level
from shequ.core.models import AuditLog
from shequ.facilities import services
from shequ.facilities.models import FacilityPhoto, Premises
from shequ.facilities.tests.helpers import image_bytes, premises_fields, upload


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def premises(world):
    return services.premises_create(actor=world.worker, community=world.community, **premises_fields())


def test_index_lists_communities_in_scope_with_current_figures(world, premises):
    body = login(world.subdistrict_officer).get(reverse("facilities:index")).content.decode()
    assert world.community.name in body and world.community_b.name in body
    assert world.community2.name not in body
    assert "620" in body and "80" in body
    assert "未登记" in body  # community_b has no premises
    admin = login(world.admin)
    body = admin.get(reverse("facilities:index"), {"subdistrict": world.subdistrict2.code}).content.decode()
    assert world.community2.name in body and world.community.name not in body
    body = admin.get(reverse("facilities:index"), {"q": "花园"}).content.decode()
    assert world.community_b.name in body and world.community.name not in body
    # a year before the premises came into use shows nothing recorded
    body = admin.get(reverse("facilities:index"), {"year": "2015", "q": world.community.code}).content.decode()
    assert "620" not in body


def test_index_is_paginated(world):
    for i in range(55):
        Area.objects.create(code=f"431302001{100 + i}", name=f"测试社区{i}", level=Level.COMMUNITY,
                            parent=world.subdistrict)
    client = login(world.subdistrict_officer)
    first = client.get(reverse("facilities:index")).content.decode()
    assert 'rel="next"' in first
    second = client.get(reverse("facilities:index"), {"page": 2}).content.decode()
    assert "测试社区54" in second and "测试社区54" not in first


def test_index_query_count_does_not_grow_with_rows(world, django_assert_max_num_queries):
    client = login(world.admin)
    client.get(reverse("facilities:index"))  # warm the session and scope
    for i in range(20):
        Area.objects.create(
            code=f"431302001{200 + i}", name=f"社区{i}", level=Level.COMMUNITY, parent=world.subdistrict
        )
    with django_assert_max_num_queries(12):
        assert client.get(reverse("facilities:index")).status_code == 200


@pytest.mark.parametrize(
    ("role", "status"),
    [("grid_worker", 403), ("resident_user", 403), ("auditor", 403), ("worker", 200), ("analyst", 200)],
)
def test_index_by_role(world, role, status):
    assert login(getattr(world, role)).get(reverse("facilities:index")).status_code == status


def test_community_page_shows_checklists_and_actions(world, premises):
    old = premises_fields(address="旧址路1号", year_from=2015, year_to=2016, rooms={}, plaques=["其他：物业公司"])
    services.premises_create(actor=world.worker, community=world.community, **old)
    body = login(world.worker).get(reverse("facilities:community", args=[world.community.code])).content.decode()
    assert "长青路8号" in body and "旧址路1号" in body
    assert body.index("长青路8号") < body.index("已停用") < body.index("旧址路1号")
    assert "3/7" in body and "3/5" in body  # rooms present, unifications done
    assert "计划生育服务室" in body and "物业公司" in body
    assert reverse("facilities:premises_edit", args=[premises.pk]) in body
    assert reverse("facilities:photo_add", args=[premises.pk]) in body


def test_analyst_reads_without_write_links(world, premises):
    client = login(world.analyst)
    body = client.get(reverse("facilities:community", args=[world.community.code])).content.decode()
    assert "长青路8号" in body
    assert reverse("facilities:premises_edit", args=[premises.pk]) not in body
    assert reverse("facilities:premises_new", args=[world.community.code]) not in body
    for url in (
        reverse("facilities:premises_new", args=[world.community.code]),
        reverse("facilities:premises_edit", args=[premises.pk]),
        reverse("facilities:premises_delete", args=[premises.pk]),
        reverse("facilities:photo_add", args=[premises.pk]),
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, {"address": "篡改"}).status_code == 403
    assert Premises.objects.get().address == "长青路8号"


@pytest.mark.parametrize("role", ["outsider", "grid_worker", "resident_user", "auditor"])
def test_outsiders_get_404(world, premises, role):
    client = login(getattr(world, role))
    for url in (
        reverse("facilities:community", args=[world.community.code]),
        reverse("facilities:premises_new", args=[world.community.code]),
        reverse("facilities:premises_edit", args=[premises.pk]),
        reverse("facilities:premises_delete", args=[premises.pk]),
        reverse("facilities:photo_add", args=[premises.pk]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"address": "篡改"}).status_code == 404, url
    assert Premises.objects.get().address == "长青路8号"


def test_community_page_only_for_communities(world):
    client = login(world.admin)
    for code in (world.subdistrict.code, world.grid.code, "nope", "999999999999"):
        assert client.get(reverse("facilities:community", args=[code])).status_code == 404


def _form_data(**overrides):
    data = {
        "name": "新址", "address": "新华路2号", "floor_area_m2": "450", "service_centre_m2": "60",
        "year_from": "2017", "year_to": "", "tenure": "rented", "unifications": ["社区标识", "服务窗口"],
        "plaques": ["社区党组织"], "other_plaques": "某某协会\n\n", "note": "",
        "room_0": "on", "room_0_m2": "50", "room_2": "on", "room_2_m2": "",
    }
    data.update(overrides)
    return data


def test_create_through_the_form(world):
    client = login(world.worker)
    url = reverse("facilities:premises_new", args=[world.community.code])
    form = client.get(url).content.decode()
    assert "党群活动室" in form and "社区标识" in form and "社区居民委员会" in form
    response = client.post(url, _form_data())
    assert response.status_code == 302, response.content.decode()
    premises = Premises.objects.get()
    assert response["Location"].endswith(f"#premises-{premises.pk}")
    assert premises.tenure == "rented" and premises.floor_area_m2 == Decimal("450")
    assert premises.plaques == ["社区党组织", "其他：某某协会"]
    assert {r.name: r.floor_area_m2 for r in premises.rooms.all()} == {"党群活动室": Decimal("50"), "警务室": None}
    assert AuditLog.objects.filter(entity_type="premises", actor=world.worker).count() == 1


def test_form_errors_are_shown_and_nothing_saved(world):
    client = login(world.worker)
    url = reverse("facilities:premises_new", args=[world.community.code])
    response = client.post(url, _form_data(floor_area_m2="200000", service_centre_m2="0", year_to="2016"))
    assert response.status_code == 422
    body = response.content.decode()
    assert "面积不能超过" in body and "面积必须大于 0" in body and "停用年份不能早于启用年份" in body
    response = client.post(url, _form_data(room_1="on", room_1_m2="999"))  # rooms larger than the premises
    assert response.status_code == 422 and "功能室面积合计" in response.content.decode()
    assert client.post(url, _form_data(floor_area_m2="abc")).status_code == 422
    assert not Premises.objects.exists()


def test_edit_form_shows_recorded_values_and_saves(world, premises):
    client = login(world.worker)
    url = reverse("facilities:premises_edit", args=[premises.pk])
    body = client.get(url).content.decode()
    assert 'value="长青路8号"' in body and 'value="60.00"' in body and "checked" in body
    data = _form_data(address="长青路10号", year_from="2016", other_plaques="")
    assert client.post(url, data).status_code == 302
    premises.refresh_from_db()
    assert premises.address == "长青路10号" and premises.plaques == ["社区党组织"]
    assert set(premises.rooms.values_list("name", flat=True)) == {"党群活动室", "警务室"}


def test_delete_confirms_then_deletes(world, premises):
    client = login(world.worker)
    url = reverse("facilities:premises_delete", args=[premises.pk])
    assert "长青路8号" in client.get(url).content.decode()
    assert Premises.objects.exists()
    response = client.post(url)
    assert response.status_code == 302 and not Premises.objects.exists()


def test_photo_upload_and_delete_through_the_pages(world, premises):
    client = login(world.worker)
    url = reverse("facilities:photo_add", args=[premises.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"image": upload(image_bytes("PNG")), "caption": "正门"})
    assert response.status_code == 302
    photo = FacilityPhoto.objects.get()
    page = client.get(reverse("facilities:community", args=[world.community.code])).content.decode()
    assert reverse("facilities:photo_thumb", args=[photo.pk]) in page and "正门" in page
    assert "/media/" not in page  # never a public file URL
    refused = client.post(url, {"image": upload(b"not an image", "evil.png")})
    assert refused.status_code == 422 and "不是图片文件" in refused.content.decode()
    delete = reverse("facilities:photo_delete", args=[photo.pk])
    assert client.get(delete).status_code == 200
    assert client.post(delete).status_code == 302 and not FacilityPhoto.objects.exists()


def test_oversized_upload_refused_before_reading(world, premises, settings):
    settings.SHEQU_PHOTO_MAX_BYTES = 1000
    client = login(world.worker)
    big = upload(image_bytes("PNG", size=(50, 50)) + b"\x00" * 200_000)
    response = client.post(reverse("facilities:photo_add", args=[premises.pk]), {"image": big})
    assert response.status_code == 422 and "照片不能超过 1 KB" in response.content.decode()
    assert not FacilityPhoto.objects.exists()


def test_community_page_queries_do_not_grow_with_premises(world, premises, django_assert_max_num_queries):
    client = login(world.worker)
    url = reverse("facilities:community", args=[world.community.code])
    client.get(url)
    for i in range(5):
        services.premises_create(
            actor=world.worker, community=world.community,
            **premises_fields(address=f"分址{i}", year_from=2016 + i, year_to=2017 + i),
        )
    with django_assert_max_num_queries(15):
        assert client.get(url).status_code == 200
