"""The grid's public card (page and API, no login: place, what it covers, households, worker and phones — never a
resident's data), the resident's link to it, the signed-in card's sizes from AreaStats, and the buildings a
partition placed by address listed with how each was placed (page panels and API)."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from shequ.areas.models import Area, AreaStats, Level
from shequ.grids import services, synthetic
from shequ.grids.layout import BuildingIn
from shequ.grids.models import GridProfile
from shequ.grids.tests.helpers import logged_in, populate
from shequ.registry.models import Building, Resident

pytestmark = pytest.mark.usefixtures("policy")


@pytest.fixture
def staffed(world):  # type: ignore[no-untyped-def]
    """world.grid with a named worker, both phones, and a second building on another street and compound."""
    world.grid_worker.display_name = "周网格"
    world.grid_worker.save(update_fields=["display_name"])
    services.grid_profile_update(actor=world.worker, grid=world.grid, worker=world.grid_worker,
                                 worker_phone="13800001111", complaint_phone="0738-8123456")
    populate(world.community, [BuildingIn(id=0, households=2, people=3, compound="", address="建设路8号")],
             grid=world.grid)
    return world


def _resident_markers() -> list[str]:
    return [m for r in Resident.objects.all() for m in (r.name, r.id_number, r.phone) if m]


def test_anonymous_reads_the_public_card(staffed):
    w = staffed
    response = Client().get(reverse("grids:public_card", args=[w.grid.code]))
    assert response.status_code == 200
    body = response.content.decode()
    assert w.grid.name in body and w.grid.code in body
    assert w.community.name in body and w.subdistrict.name in body
    assert "周网格" in body and "13800001111" in body and "0738-8123456" in body
    covers = re.search(r'<dd class="grids-covers">(.*?)</dd>', body, re.S).group(1)
    assert covers == "小区：长青小区；街巷：建设路、长青路"
    households = AreaStats.objects.get(area=w.grid).households
    assert households == 3  # the world's household and the two added here
    assert re.search(rf"<dt>户数</dt><dd>{households}</dd>", body)
    markers = _resident_markers()
    assert len(markers) > 6  # names, ID numbers and phones of the world's residents and the ones added here
    leaked = [m for m in markers if m in body]
    assert leaked == []
    assert "grid_worker" not in body  # the worker's account name is not published when it has a display name
    assert "该网格的楼栋没有坐标，无法显示范围。" in body  # no coordinates: no outline map


def test_public_card_worker_name_falls_back_to_the_username(world):
    services.grid_profile_update(actor=world.worker, grid=world.grid, worker=world.grid_worker)
    body = Client().get(reverse("grids:public_card", args=[world.grid.code])).content.decode()
    assert "<dd>grid_worker</dd>" in body
    empty = Client().get(reverse("grids:public_card", args=[world.grid2.code])).content.decode()
    assert "未指定" in empty and "<dd>0</dd>" in empty


@pytest.mark.parametrize("code", ["431302001001999", "431302001001", "431302001", "abc", "4313020010010011"])
def test_public_card_unknown_code_is_not_found(world, code):
    assert Client().get(reverse("grids:public_card", args=[code])).status_code == 404
    response = Client().get(f"/api/v1/grids/public/{code}")
    assert response.status_code == 404
    assert set(response.json()) == {"code", "message", "details"} and response.json()["code"] == "not_found"


def test_public_card_shows_the_outline_map(world):
    spec = synthetic.CommunitySpec(world.community.code, "urban", 500)
    populate(world.community, synthetic.community(spec), grid=world.grid2)
    services.grids_generate(actor=world.worker, community=world.community)
    grid = Area.objects.filter(parent=world.community, level=Level.GRID, grid_profile__outline__type="Polygon"
                               ).order_by("code").first()
    body = Client().get(reverse("grids:public_card", args=[grid.code])).content.decode()
    data = json.loads(re.search(r'<script id="grids-map-data" type="application/json">(.*?)</script>', body,
                                re.S).group(1))
    assert data["buildings"] is None and data["grids"][0]["code"] == grid.code
    assert data["grids"][0]["outline"]["type"] == "Polygon"
    assert "vendor/leaflet/leaflet.js" in body


def test_public_card_api(staffed):
    w = staffed
    response = Client().get(f"/api/v1/grids/public/{w.grid.code}")  # no session, no token
    assert response.status_code == 200
    card = response.json()
    assert card == {
        "code": w.grid.code, "name": w.grid.name, "community_code": w.community.code,
        "community_name": w.community.name, "subdistrict_code": w.subdistrict.code,
        "subdistrict_name": w.subdistrict.name, "covers": "小区：长青小区；街巷：建设路、长青路",
        "compounds": ["长青小区"], "streets": ["建设路", "长青路"],
        "households": AreaStats.objects.get(area=w.grid).households, "worker_name": "周网格",
        "worker_phone": "13800001111", "complaint_phone": "0738-8123456", "outline": {},
    }
    assert [m for m in _resident_markers() if m in response.content.decode()] == []


def test_signed_in_card_links_to_the_public_one(staffed):
    body = logged_in(staffed.worker).get(reverse("grids:card", args=[staffed.grid.code])).content.decode()
    assert reverse("grids:public_card", args=[staffed.grid.code]) in body
    assert "编辑网格信息" in body and "0738-8123456" in body and "小区：长青小区" in body


def test_residents_household_page_links_my_grid(staffed):
    w = staffed
    url = reverse("registry:household_detail", args=[w.household.pk])
    public = reverse("grids:public_card", args=[w.grid.code])
    home = logged_in(w.resident_user).get("/", follow=True)
    assert home.redirect_chain and home.redirect_chain[-1][0] == url  # the resident's landing page
    body = home.content.decode()
    assert re.search(rf'<a class="button" id="my-grid" href="{re.escape(public)}">我的网格：{w.grid.name}</a>', body)
    staff = logged_in(w.worker).get(url).content.decode()
    assert 'id="my-grid"' not in staff and f'href="{public}"' in staff  # staff: the grid name links to the card
    assert Client().get(public).status_code == 200  # the link works for anyone


def test_api_card_sizes_are_the_live_counts(staffed):
    w = staffed
    GridProfile.objects.filter(area=w.grid).update(households=1, people=1)  # stale: refreshed by grid services
    AreaStats.objects.filter(area=w.grid).update(households=123, residents=456)
    card = logged_in(w.resident_user).get(f"/api/v1/grids/{w.grid.code}").json()
    assert (card["households"], card["people"]) == (123, 456)
    page = logged_in(w.worker).get(reverse("grids:card", args=[w.grid.code])).content.decode()
    assert "<dd>123</dd>" in page and "<dd>456</dd>" in page
    assert Client().get(f"/api/v1/grids/public/{w.grid.code}").json()["households"] == 123


# -- buildings placed by address --------------------------------------------------------------------------------

PLACED = {"花园路3号": "compound", "花园路7号": "street", "光明巷9号": "address"}


@pytest.fixture
def garden(world):  # type: ignore[no-untyped-def]
    """community_b: two located buildings; three without coordinates placed by compound, street and address."""
    populate(world.community_b, [
        BuildingIn(id=0, households=20, people=50, lat=27.70, lon=112.00, compound="花园小区", address="花园路1号"),
        BuildingIn(id=0, households=20, people=50, lat=27.701, lon=112.001, compound="", address="花园路5号"),
        BuildingIn(id=0, households=10, people=20, compound="花园小区", address="花园路3号"),
        BuildingIn(id=0, households=10, people=20, compound="", address="花园路7号"),
        BuildingIn(id=0, households=10, people=20, compound="", address="光明巷9号"),
    ])
    world.placed = {Building.objects.get(community=world.community_b, address=a).pk: how for a, how in PLACED.items()}
    return world


def _placed_rows(html: str) -> dict[int, str]:
    return {int(pk): how for pk, how in re.findall(r'<li data-building="(\d+)" data-placed-how="(\w*)">', html)}


def test_preview_and_last_run_list_the_buildings_placed_by_address(garden):
    w = garden
    client = logged_in(w.subdistrict_officer)
    url = reverse("grids:generate", args=[w.community_b.code])
    preview = client.post(url, headers={"HX-Request": "true"}).content.decode()
    assert _placed_rows(preview) == w.placed
    for label in ("同一小区的楼栋旁", "同一街道门牌相邻的楼栋旁", "按地址顺序"):
        assert label in preview
    assert "光明巷9号" in preview and "没有坐标、按地址放置的楼栋（3 栋）" in preview
    assert client.post(url, {"apply": "1"}).status_code == 302
    page = client.get(reverse("grids:community", args=[w.community_b.code])).content.decode()
    panel = page[page.index('id="grids-last-run"'):]
    panel = panel[:panel.index("</section>")]
    assert _placed_rows(panel) == w.placed and "花园路7号" in panel


def test_last_run_without_buildings_placed_by_address_shows_no_list(world):
    spec = synthetic.CommunitySpec(world.community_b.code, "urban", 300)
    populate(world.community_b, synthetic.community(spec))  # every building located
    services.grids_generate(actor=world.subdistrict_officer, community=world.community_b)
    page = logged_in(world.subdistrict_officer).get(reverse("grids:community", args=[world.community_b.code]))
    assert 'id="grids-last-run"' in page.content.decode() and "grids-placed" not in page.content.decode()


def test_api_run_lists_the_buildings_placed_by_address(garden):
    w = garden
    client = logged_in(w.subdistrict_officer)
    url = f"/api/v1/grids/communities/{w.community_b.code}/generate"
    for payload in ({"dry_run": True}, {}):
        body = client.post(url, payload, content_type="application/json").json()
        rows = body["placed_buildings"]
        assert {r["building_id"]: r["placed_how"] for r in rows} == w.placed
        assert sorted(body["placed_by_address"]) == sorted(w.placed)
        by_id = {r["building_id"]: r for r in rows}
        assert all(by_id[pk]["address"] == Building.objects.get(pk=pk).address for pk in w.placed)
        assert {r["label"] for r in rows} == {"同一小区的楼栋旁", "同一街道门牌相邻的楼栋旁", "按地址顺序"}
