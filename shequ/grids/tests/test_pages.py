"""Grid pages by role: the community map page, preview and apply, moving a building over HTMX, the public card,
its editing, the list of communities and the bulk job; and both languages."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils.translation.template import templatize

from shequ.areas.models import Area, AreaStats, Level
from shequ.core.models import AuditLog, BackgroundJob
from shequ.grids import services, synthetic
from shequ.grids.models import GridProfile
from shequ.grids.tests.helpers import populate
from shequ.registry.models import Building

pytestmark = pytest.mark.usefixtures("policy")

BASE = Path(settings.BASE_DIR)
PENDING = BASE / "locale" / "pending" / "partition.json"
PO_PATH = BASE / "locale" / "en" / "LC_MESSAGES" / "django.po"
SOURCES = ("shequ/grids", "templates/grids")
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy", "ngettext", "ngettext_lazy"}
IDEOGRAPHS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def town(world):  # type: ignore[no-untyped-def]
    spec = synthetic.CommunitySpec(world.community.code, "urban", 600)
    populate(world.community, synthetic.community(spec, missing_share=0.05), grid=world.grid2)
    return world


def test_community_page_shows_map_data_table_and_forms(town):
    services.grids_generate(actor=town.worker, community=town.community)
    response = login(town.worker).get(reverse("grids:community", args=[town.community.code]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "vendor/leaflet/leaflet.js" in body and "shequ/grids.js" in body
    data = json.loads(re.search(r'<script id="grids-map-data" type="application/json">(.*?)</script>', body,
                                re.S).group(1))
    assert data["tiles"] == ""  # no tile server configured: blank background
    assert data["buildings"]["type"] == "FeatureCollection"
    assert len(data["buildings"]["features"]) == Building.objects.filter(community=town.community).count()
    assert all(g["outline"].get("type") == "Polygon" for g in data["grids"])
    assert "预览划分方案" in body and "调整楼栋所属网格" in body
    assert "没有坐标，未在地图上显示" in body


def test_community_page_highlights_grids_outside_tolerance(town):
    AreaStats.objects.filter(area=town.grid).update(households=260, residents=700)  # the counts the table reads
    body = login(town.worker).get(reverse("grids:community", args=[town.community.code])).content.decode()
    assert 'class="grids-out"' in body and "+30%" in body and "超出允许偏差" in body


@pytest.mark.parametrize(("who", "status"), [("worker", 200), ("subdistrict_officer", 200), ("analyst", 200),
                                             ("grid_worker", 404), ("outsider", 404), ("resident_user", 404)])
def test_community_page_scope(town, who, status):
    response = login(getattr(town, who)).get(reverse("grids:community", args=[town.community.code]))
    assert response.status_code == status
    if status == 200 and who == "analyst":
        assert "预览划分方案" not in response.content.decode()  # reading only


def test_preview_then_apply(town):
    client = login(town.worker)
    url = reverse("grids:generate", args=[town.community.code])
    preview = client.post(url, headers={"HX-Request": "true"})
    assert preview.status_code == 200
    body = preview.content.decode()
    assert "应用此方案" in body and 'id="grids-preview-data"' in body
    assert not AuditLog.objects.filter(action="grids.partition").exists()
    full = client.post(url)  # without HTMX: the whole page with the preview in it
    assert full.status_code == 200
    assert "应用此方案" in full.content.decode() and "grids-map-data" in full.content.decode()
    applied = client.post(url, {"apply": "1"})
    assert applied.status_code == 302 and applied.url == reverse("grids:community", args=[town.community.code])
    assert AuditLog.objects.filter(action="grids.partition").count() == 1
    assert not Building.objects.filter(community=town.community, grid__isnull=True).exists()


def test_generate_refused_for_readers_and_strangers(town):
    url = reverse("grids:generate", args=[town.community.code])
    assert login(town.analyst).post(url).status_code == 403
    assert login(town.grid_worker).post(url).status_code == 403
    assert login(town.outsider).post(url).status_code == 404
    assert login(town.worker).get(url).status_code == 405


def test_move_building_over_htmx_updates_sizes(town):
    services.grids_generate(actor=town.worker, community=town.community)
    building = Building.objects.filter(community=town.community, households__isnull=False).first()
    target = Area.objects.filter(parent=town.community, level=Level.GRID).exclude(pk=building.grid_id).first()
    client = login(town.worker)
    url = reverse("grids:move_building", args=[building.pk])
    response = client.post(url, {"grid": target.code}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "grids-table" in response.content.decode()
    trigger = json.loads(response["HX-Trigger"])["grids:moved"]
    assert trigger["building"] == building.pk and trigger["grid"] == target.code
    assert target.code in trigger["sizes"]
    building.refresh_from_db()
    assert building.grid == target
    bad = client.post(url, {"grid": "999"}, headers={"HX-Request": "true"})
    assert bad["HX-Retarget"] == "#grids-move-result" and "请选择本社区的一个网格" in bad.content.decode()
    assert client.get(url).status_code == 200  # the page without JavaScript
    plain = client.post(url, {"grid": building.grid.code})
    assert plain.status_code == 302
    assert login(town.outsider).post(url, {"grid": target.code}).status_code == 404
    assert login(town.analyst).post(url, {"grid": target.code}).status_code == 403


def test_card_is_readable_by_anyone_whose_scope_covers_it(town):
    services.grid_profile_update(actor=town.worker, grid=town.grid, worker=town.grid_worker,
                                 worker_phone="13800001111", complaint_phone="0738-8123456")
    url = reverse("grids:card", args=[town.grid.code])
    for who in ("worker", "grid_worker", "resident_user", "auditor", "analyst"):
        response = login(getattr(town, who)).get(url)
        assert response.status_code == 200, who
        assert "0738-8123456" in response.content.decode()
    assert login(town.outsider).get(url).status_code == 404
    assert login(town.grid_worker).get(reverse("grids:card", args=[town.grid2.code])).status_code == 404
    assert login(town.worker).get(reverse("grids:card", args=[town.community.code])).status_code == 404


def test_profile_edit(town):
    url = reverse("grids:profile_edit", args=[town.grid.code])
    client = login(town.worker)
    page = client.get(url)
    assert page.status_code == 200 and "grid_worker" in page.content.decode()
    bad = client.post(url, {"worker": town.grid_worker.pk, "worker_phone": "call me"})
    assert bad.status_code == 422 and "电话号码只能包含" in bad.content.decode()
    ok = client.post(url, {"worker": town.grid_worker.pk, "worker_phone": "13800001111", "complaint_phone": ""})
    assert ok.status_code == 302
    assert GridProfile.objects.get(area=town.grid).worker == town.grid_worker
    assert login(town.grid_worker).get(url).status_code == 403
    assert login(town.outsider).get(url).status_code == 404


def test_index_lists_communities_in_scope_with_grid_counts(town):
    services.grids_generate(actor=town.worker, community=town.community)
    body = login(town.subdistrict_officer).get(reverse("grids:index")).content.decode()
    assert town.community.name in body and town.community_b.name in body and town.community2.name not in body
    assert "批量划分网格" in body
    grid_page = login(town.grid_worker).get(reverse("grids:index"))
    assert grid_page.status_code == 200 and "我的网格" in grid_page.content.decode()
    assert login(town.resident_user).get(reverse("grids:index")).status_code == 403
    assert login(town.auditor).get(reverse("grids:index")).status_code == 403


def test_bulk_partition_job_page(town, django_capture_on_commit_callbacks):
    client = login(town.subdistrict_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("grids:generate_area"), {"area": town.subdistrict.code})
    assert response.status_code == 302
    job = BackgroundJob.objects.get(kind="grids.partition")
    assert job.status == BackgroundJob.Status.SUCCEEDED, job.error
    page = client.get(response.url)
    assert page.status_code == 200 and "已划分" in page.content.decode()
    assert login(town.worker).get(response.url).status_code == 404  # someone else's job
    assert client.get(reverse("grids:job", args=["not-a-uuid"])).status_code == 404
    bulk = reverse("grids:generate_area")
    assert login(town.worker).post(bulk, {"area": town.subdistrict.code}).status_code == 404  # above its scope
    assert login(town.analyst).post(bulk, {"area": town.subdistrict.code}).status_code == 403


# -- languages -----------------------------------------------------------------------------------------------


def _pending() -> dict[str, str]:
    return json.loads(PENDING.read_text(encoding="utf-8"))


def source_msgids() -> set[str]:
    found: set[str] = set()
    for source in SOURCES:
        for path in (BASE / source).rglob("*"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            if path.suffix == ".py":
                for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                    if isinstance(node, ast.Call) and node.args:
                        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                        first = node.args[0]
                        if name in GETTEXT_NAMES and isinstance(first, ast.Constant) and isinstance(first.value, str):
                            found.add(first.value)
            elif path.suffix == ".html":
                text = templatize(path.read_text(encoding="utf-8"))
                found |= {ast.literal_eval(m) for m in re.findall(r"gettext\((u?'(?:[^'\\]|\\.)*')\)", text)}
    return found


def test_every_string_has_an_english_translation():
    msgids = source_msgids()
    assert len(msgids) > 60 and "预览划分方案" in msgids and "网格不属于该楼栋所在的社区" in msgids
    catalogue = {e.msgid: e.msgstr for e in polib.pofile(str(PO_PATH)) if e.msgstr and not e.obsolete}
    for msgid, msgstr in _pending().items():
        catalogue.setdefault(msgid, msgstr)
    assert sorted(m for m in msgids if not catalogue.get(m)) == []
    placeholder = re.compile(r"%\(\w+\)[sd]")
    pending = _pending()
    assert {k for k, v in pending.items() if sorted(placeholder.findall(k)) != sorted(placeholder.findall(v))} == set()


def _all_pending() -> dict[str, str]:
    """Every helper's pending translations (the page's navigation holds other apps' strings too), ours first."""
    merged = dict(_pending())
    for path in sorted(PENDING.parent.glob("*.json")):
        for msgid, msgstr in json.loads(path.read_text(encoding="utf-8")).items():
            merged.setdefault(msgid, msgstr)
    return merged


@pytest.fixture
def english(settings, tmp_path):  # type: ignore[no-untyped-def]
    """The English catalogue the integrator will build (locale/en + the pending files), compiled for this test."""
    po = polib.pofile(str(PO_PATH))
    have = {e.msgid for e in po}
    for msgid, msgstr in _all_pending().items():
        if msgid not in have:
            po.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
        elif (entry := po.find(msgid)) is not None and not entry.msgstr:
            entry.msgstr = msgstr
    target = tmp_path / "locale" / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    po.save_as_mofile(str(target / "django.mo"))
    settings.LOCALE_PATHS = [str(tmp_path / "locale")]


def test_pages_in_both_languages(town, english):
    services.grids_generate(actor=town.worker, community=town.community)
    services.grid_profile_update(actor=town.worker, grid=town.grid, worker=town.grid_worker, worker_phone="13800001111")
    building = Building.objects.filter(community=town.community).first()
    code = town.community.code
    urls = [reverse("grids:index"), reverse("grids:community", args=[code]),
            reverse("grids:card", args=[town.grid.code]), reverse("grids:profile_edit", args=[town.grid.code]),
            reverse("grids:move_building", args=[building.pk]), reverse("grids:public_card", args=[town.grid.code])]
    client = login(town.worker)
    chinese = client.get(urls[1]).content.decode()
    assert '<html lang="zh-hans">' in chinese and "网格" in chinese
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    allowed = {"简体中文"}
    values = [v for row in Area.objects.values_list("name") for v in row]
    values += [v for row in Building.objects.values_list("address", "compound") for v in row]
    for value in values:
        allowed.update(IDEOGRAPHS.findall(value or ""))
    leaks = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = re.sub(r"<script.*?</script>", "", response.content.decode(), flags=re.S)
        assert '<html lang="en">' in body
        left = set(IDEOGRAPHS.findall(body)) - allowed
        if left:
            leaks[url] = sorted(left)
    assert leaks == {}
    preview = client.post(reverse("grids:generate", args=[code]), headers={"HX-Request": "true"}).content.decode()
    assert "Apply this plan" in preview and "Buildings without coordinates, placed by address" in preview
    assert not set(IDEOGRAPHS.findall(re.sub(r"<script.*?</script>", "", preview, flags=re.S))) - allowed
    api = client.post(f"/api/v1/grids/buildings/{building.pk}/move", {"grid": "4313"}, content_type="application/json",
                      headers={"accept-language": "en"})
    assert api.status_code == 422 and api.json()["message"] == "The grid does not belong to the building's community"
