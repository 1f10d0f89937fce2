"""Area pages: tree navigation, subtree counts (no recursion), community kind, adding communities/grids."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from shequ.areas.models import Area, AreaStats, AreaTagCount
from shequ.areas.stats import stats_rebuild
from shequ.core.models import AuditLog
from shequ.core.roles import Role
from shequ.core.testing.clients import login
from shequ.core.testing.clients import page_text as ok
from shequ.core.testing.factories import make_residents, make_user
from shequ.registry import services


def stat(body: str, name: str) -> str:
    match = re.search(rf'data-testid="stat-{name}">([\d,]+)<', body)
    assert match, name
    return match.group(1)


def test_index_starts_at_the_home_areas(world):
    assert "长青社区第一网格" in ok(login(world.grid_worker), reverse("areas:index"))
    assert "娄星区" not in ok(login(world.grid_worker), reverse("areas:index"))
    body = ok(login(world.district_officer), reverse("areas:index"))
    assert "娄星区" in body and "冷水江市" not in body


def test_navigate_from_district_down_to_grid_with_counts(world):
    client = login(world.district_officer)
    district = ok(client, reverse("areas:detail", args=[world.district.code]))
    assert stat(district, "residents") == "2" and stat(district, "buildings") == "1"
    assert reverse("areas:detail", args=[world.subdistrict.code]) in district
    sub = ok(client, reverse("areas:detail", args=[world.subdistrict.code]))
    assert "长青社区" in sub and "花园社区" in sub and "中心城区社区" in sub
    community = ok(client, reverse("areas:detail", args=[world.community.code]))
    assert stat(community, "households") == "1" and stat(community, "residents") == "2"
    assert "长青社区第一网格" in community and "长青社区第二网格" in community
    assert 'data-tag="party_member"' in community and 'data-tag="dibao"' not in community  # 赵强 is elsewhere
    for name in ("resident_list", "household_list", "building_list", "unit_list"):
        assert f'{reverse("registry:" + name)}?area={world.community.code}' in community
    grid = ok(client, reverse("areas:detail", args=[world.grid.code]))
    assert stat(grid, "residents") == "2"
    # the breadcrumbs name every ancestor but only link those the viewer may open
    assert "娄底市" in grid and reverse("areas:detail", args=[world.city.code]) not in grid
    assert reverse("areas:detail", args=[world.district.code]) in grid


def test_not_yours_is_not_found(world):
    client = login(world.worker)
    for code in (world.community2.code, world.district.code, world.city.code, "999999", "abc"):
        assert client.get(reverse("areas:detail", args=[code])).status_code == 404
    assert login(world.outsider).get(reverse("areas:detail", args=[world.grid.code])).status_code == 404


def test_tag_counts_follow_work_lines(world):
    services.resident_tag_add(actor=world.admin, resident=world.wang, tag="dibao")
    url = reverse("areas:detail", args=[world.community.code])
    party = make_user("party_worker", Role.COMMUNITY_WORKER, world.community, work_lines=["party"])
    generalist = ok(login(world.worker), url)
    assert 'data-tag="dibao"' in generalist and 'data-tag="party_member"' in generalist
    party_body = ok(login(party), url)
    assert 'data-tag="party_member"' in party_body and 'data-tag="dibao"' not in party_body


def test_area_page_reads_counts_without_recursion(world, django_assert_max_num_queries):
    client = login(world.admin)
    url = reverse("areas:detail", args=[world.city.code])
    client.get(url)
    make_residents(30, actor=world.admin, community=world.community_b, tags=["elderly"])
    with django_assert_max_num_queries(12):
        body = ok(client, url)
    assert stat(body, "residents") == "33"


def test_counts_stay_equal_to_a_full_recount(world):
    """Every service keeps AreaStats/AreaTagCount as a full rebuild would count them."""
    target = services.household_create(actor=world.admin, community=world.community_b)
    services.resident_move(actor=world.admin, resident=world.wang, household=target, reason="迁移测试")
    services.resident_update(actor=world.admin, resident=world.li, status="moved_out")
    services.resident_tag_add(actor=world.admin, resident=world.li, tag="elderly")  # inactive: not counted
    services.resident_update(actor=world.admin, resident=world.zhao, status="deceased")
    services.resident_update(actor=world.admin, resident=world.zhao, status="active")
    services.unit_create(actor=world.admin, community=world.community2, name="矿山医院")
    services.building_create(actor=world.admin, community=world.grid2, address="长青路9号")

    def snapshot():
        stats = {s.area.code: (s.buildings, s.households, s.residents, s.units) for s in
                 AreaStats.objects.select_related("area")}
        tags = {(t.area.code, t.tag.code): t.residents for t in
                AreaTagCount.objects.select_related("area", "tag") if t.residents}
        return stats, tags

    live = snapshot()
    stats_rebuild()
    assert snapshot() == live
    assert live[0][world.community_b.code][2] == 1 and live[0][world.community.code][2] == 0


def test_officer_sets_community_kind(world):
    url = reverse("areas:set_kind", args=[world.community.code])
    assert login(world.worker).post(url, {"community_kind": "urban"}).status_code == 403
    assert login(world.outsider).post(url, {"community_kind": "urban"}).status_code == 404
    client = login(world.subdistrict_officer)
    assert "修改社区类别" in ok(client, reverse("areas:detail", args=[world.community.code]))
    assert client.post(url, {"community_kind": "martian"}).status_code == 422
    response = client.post(url, {"community_kind": "urban"})
    assert response.status_code == 302
    world.community.refresh_from_db()
    assert world.community.community_kind == "urban" and world.community.community_kind_manual
    assert AuditLog.objects.filter(action="area.set_kind", entity_id=str(world.community.pk)).exists()
    body = ok(client, reverse("areas:detail", args=[world.community.code]))
    assert "城市社区" in body and "人工设定" in body
    # a grid has no community kind
    grid_kind = client.post(reverse("areas:set_kind", args=[world.grid.code]), {"community_kind": "urban"})
    assert grid_kind.status_code == 422


def test_officer_adds_a_community_and_a_grid(world):
    client = login(world.subdistrict_officer)
    url = reverse("areas:create_child", args=[world.subdistrict.code])
    assert "城乡分类代码" in ok(client, url)
    response = client.post(url, {"name": "新城社区", "code": "", "urban_rural_class": "111", "central_city": "on"})
    assert response.status_code == 302
    community = Area.objects.get(name="新城社区")
    assert community.code == "431302001003" and community.level == "community"
    assert community.community_kind == "central_urban" and AreaStats.objects.filter(area=community).exists()
    grid_url = reverse("areas:create_child", args=[community.code])
    assert "城乡分类代码" not in ok(client, grid_url)
    response = client.post(grid_url, {"name": "新城社区第一网格"})
    assert response.status_code == 302
    assert Area.objects.get(name="新城社区第一网格").code == "431302001003001"
    # a wrong code is a field error; duplicates too
    bad = client.post(url, {"name": "错码社区", "code": "431381001009"})
    assert bad.status_code == 422 and "field-error" in bad.content.decode()
    assert client.post(url, {"name": "重码社区", "code": community.code}).status_code == 422


@pytest.mark.parametrize(
    ("user", "code", "status"),
    [
        ("worker", "431302001001", 403),  # sees its community but may not change areas
        ("outsider", "431302001001", 404),
        ("subdistrict_officer", "431302001001001", 422),  # nothing below a grid
        ("district_officer", "431302", 422),  # only communities under sub-districts, grids under communities
    ],
)
def test_adding_areas_is_refused(world, user, code, status):
    client = login(getattr(world, user))
    before = Area.objects.count()
    response = client.post(reverse("areas:create_child", args=[code]), {"name": "不该有的区域"})
    assert response.status_code == status
    assert Area.objects.count() == before
