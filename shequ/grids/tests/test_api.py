"""/api/v1/grids: reads scoped like the pages, writes through the services, one error shape."""

from __future__ import annotations

import pytest
from django.test import Client

from shequ.areas.models import Area, Level
from shequ.grids import services, synthetic
from shequ.grids.tests.helpers import populate
from shequ.registry.models import Building

pytestmark = pytest.mark.usefixtures("policy")


def api(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def town(world):  # type: ignore[no-untyped-def]
    spec = synthetic.CommunitySpec(world.community.code, "urban", 500)
    populate(world.community, synthetic.community(spec, missing_share=0.05), grid=world.grid2)
    services.grids_generate(actor=world.worker, community=world.community)
    return world


def test_grids_of_a_community(town):
    body = api(town.analyst).get(f"/api/v1/grids/communities/{town.community.code}/grids").json()
    assert body["target_households"] == 200 and body["target_people"] == 600 and body["tolerance"] == 0.15
    assert len(body["grids"]) == Area.objects.filter(parent=town.community, level=Level.GRID).count()
    first = next(g for g in body["grids"] if g["households"])
    assert first["outline"]["type"] == "Polygon" and first["load"] > 0 and "within_tolerance" in first
    assert sum(g["buildings"] for g in body["grids"]) == Building.objects.filter(community=town.community).count()


def test_buildings_as_geojson(town):
    body = api(town.worker).get(f"/api/v1/grids/communities/{town.community.code}/buildings").json()
    assert body["type"] == "FeatureCollection"
    features = body["features"]
    assert len(features) == Building.objects.filter(community=town.community).count()
    located = [f for f in features if f["geometry"]]
    assert located and located[0]["geometry"]["type"] == "Point"
    assert any(f["geometry"] is None for f in features)  # 5 % without coordinates
    assert all(f["properties"]["grid"].startswith(town.community.code) for f in features)


@pytest.mark.parametrize("who", ["outsider", "grid_worker", "resident_user", "auditor"])
def test_reads_out_of_scope_are_not_found(town, who):
    response = api(getattr(town, who)).get(f"/api/v1/grids/communities/{town.community.code}/grids")
    assert response.status_code == 404
    assert set(response.json()) == {"code", "message", "details"} and response.json()["code"] == "not_found"


def test_generate_dry_run_and_apply(town):
    client = api(town.worker)
    url = f"/api/v1/grids/communities/{town.community.code}/generate"
    dry = client.post(url, {"dry_run": True}, content_type="application/json").json()
    assert dry["id"] is None and dry["dry_run"] and dry["assignment"] and len(dry["proposal"]) == dry["grids"]
    assert dry["placed_by_address"] and any("坐标" in n for n in dry["notes"])
    done = client.post(url, {}, content_type="application/json").json()
    assert done["id"] and done["moved"] == {"buildings": 0, "households": 0, "residents": 0, "units": 0}
    refused = api(town.analyst).post(url, {}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert api(town.outsider).post(url, {}, content_type="application/json").status_code == 404


def test_move_building(town):
    building = Building.objects.filter(community=town.community, households__isnull=False).first()
    target = Area.objects.filter(parent=town.community, level=Level.GRID).exclude(pk=building.grid_id).first()
    client = api(town.worker)
    response = client.post(f"/api/v1/grids/buildings/{building.pk}/move", {"grid": target.code},
                           content_type="application/json")
    assert response.status_code == 200
    assert target.code in response.json() and response.json()[target.code]["households"] > 0
    bad = client.post(f"/api/v1/grids/buildings/{building.pk}/move", {"grid": "nope"},
                      content_type="application/json")
    assert bad.status_code == 422 and bad.json()["details"] == {"grid": ["网格不属于该楼栋所在的社区"]}
    assert api(town.outsider).post(f"/api/v1/grids/buildings/{building.pk}/move", {"grid": target.code},
                                   content_type="application/json").status_code == 404


def test_patch_profile_and_read_card(town):
    client = api(town.worker)
    url = f"/api/v1/grids/{town.grid.code}"
    patched = client.patch(url, {"worker_id": town.grid_worker.pk, "complaint_phone": "12345"},
                           content_type="application/json")
    assert patched.status_code == 200
    assert patched.json()["worker"]["username"] == "grid_worker" and patched.json()["complaint_phone"] == "12345"
    # only what was sent changes
    client.patch(url, {"worker_phone": "13800001111"}, content_type="application/json")
    card = api(town.resident_user).get(url).json()
    assert card["worker"]["username"] == "grid_worker" and card["worker_phone"] == "13800001111"
    bad = client.patch(url, {"worker_id": town.outsider.pk}, content_type="application/json")
    assert bad.status_code == 422 and "worker" in bad.json()["details"]
    assert api(town.grid_worker).patch(url, {"complaint_phone": "1"}, content_type="application/json"
                                       ).status_code == 403
    assert api(town.outsider).get(url).status_code == 404


def test_bulk_job(town, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(town.district_officer).post(f"/api/v1/grids/areas/{town.district.code}/generate")
    assert response.status_code == 202 and response.json()["area_code"] == town.district.code
    assert api(town.analyst).post(f"/api/v1/grids/areas/{town.district.code}/generate").status_code == 403
