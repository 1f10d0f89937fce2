"""Exports of the household, building and resident-unit lists (and the unmasked-export links of all four lists):
each export holds exactly the rows its filtered list shows across all pages, inside the viewer's scope, masked
unless unmasked with the right and a reason, and each one is written to the access log with its filters."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.urls import reverse

from shequ.core.masking import mask_id_number, mask_phone
from shequ.core.models import AccessLog, BackgroundJob
from shequ.core.testing.clients import login
from shequ.core.testing.factories import make_id_number
from shequ.registry import services
from shequ.registry.importing.engine import run_import
from shequ.registry.importing.testing import read_xlsx

PAGE = {name: reverse(f"imports:export_{name}") for name in ("residents", "households", "buildings", "units")}
API = {name: f"/api/v1/registry/exports/{name}" for name in PAGE}
LIST_PAGE = {
    "residents": reverse("registry:resident_list"),
    "households": reverse("registry:household_list"),
    "buildings": reverse("registry:building_list"),
    "units": reverse("registry:unit_list"),
}
# The list API of each list and the key that names a row in both the list and the export's first columns
LIST_API = {"households": "/api/v1/registry/households", "buildings": "/api/v1/registry/buildings",
            "units": "/api/v1/registry/units"}
KEYS = {"households": ("number", "户号"), "buildings": ("address", "楼栋地址"), "units": ("name", "单位名称")}
REASON = "低保复核入户走访"


def sheet(response: Any) -> list[dict[str, Any]]:
    """The export's rows as {header: value} (opened with openpyxl)."""
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = read_xlsx(b"".join(response.streaming_content))
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def listed(client: Any, name: str, **filters: Any) -> list[str]:
    """Every row of the list API with these filters, page after page (the key of each)."""
    key, _header = KEYS[name]
    out: list[str] = []
    page = 1
    while True:
        body = client.get(LIST_API[name], {**filters, "page": page, "page_size": 50}).json()
        out += [row[key] for row in body["results"]]
        if page >= body["num_pages"]:
            return out
        page += 1


def exported(client: Any, name: str, **params: Any) -> list[str]:
    _key, header = KEYS[name]
    return [row[header] for row in sheet(client.get(API[name], params))]


@pytest.fixture
def places(world):  # type: ignore[no-untyped-def]
    """More than a page of households in 花园社区 (431302001002), a floating household with a head, a building
    and a unit per community."""
    w = world
    w.garden = services.building_create(
        actor=w.admin, community=w.community_b, address="花园路2号", compound="花园小区"
    )
    w.garden_households = [
        services.household_create(actor=w.admin, building=w.garden, room=str(100 + i)) for i in range(55)
    ]
    w.floating = services.household_create(actor=w.admin, community=w.community_b, kind="floating", room="9")
    w.sun = services.resident_create(
        actor=w.admin, name="孙丽", id_number=make_id_number(), phone="13655556666", household=w.floating,
        relation="head",
    )
    w.shop = services.unit_create(actor=w.admin, community=w.community, name="长青超市", contact_name="周经理",
                                  phone="13600001234", kind="企业", address="长青路3号")
    w.school = services.unit_create(actor=w.admin, community=w.community_b, name="花园幼儿园", phone="07388312345")
    w.hospital = services.unit_create(actor=w.admin, community=w.community2, name="矿山医院", phone="13500005678")
    return w


# -- exactly the list's rows -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "filters"),
    [
        ("households", {}),
        ("households", {"area": "431302001002"}),
        ("households", {"kind": "floating"}),
        ("households", {"q": "花园路"}),
        ("buildings", {}),
        ("buildings", {"q": "长青"}),
        ("buildings", {"area": "431381"}),
        ("units", {}),
        ("units", {"q": "花园"}),
        ("units", {"area": "431302001001"}),
    ],
)
def test_an_export_holds_exactly_the_filtered_lists_rows_across_all_pages(places, name, filters):
    for user in (places.admin, places.subdistrict_officer, places.worker):
        client = login(user)
        rows = listed(client, name, **filters)
        assert sorted(exported(client, name, **filters)) == sorted(rows)
    # the city administrator's unfiltered household list is more than one page
    assert len(listed(login(places.admin), "households")) > 50


def test_the_household_building_filter_is_the_lists(places):
    numbers = [h.number for h in places.garden_households]
    admin = login(places.admin)
    assert sorted(exported(admin, "households", building_id=places.garden.pk)) == sorted(numbers)
    page_rows = sheet(admin.get(PAGE["households"], {"building": places.garden.pk, "q": numbers[0]}))
    assert [r["户号"] for r in page_rows] == [numbers[0]]
    # a building the viewer may not see is "not found", as on the list page
    for user in (places.outsider, places.worker):  # 花园社区 is neither's
        client = login(user)
        assert client.get(PAGE["households"], {"building": places.garden.pk}).status_code == 404
        assert client.get(API["households"], {"building_id": places.garden.pk}).status_code == 404
        assert client.get(LIST_PAGE["households"], {"building": places.garden.pk}).status_code == 404
    assert not AccessLog.objects.filter(actor__in=[places.outsider, places.worker]).exists()


def test_the_page_link_exports_what_the_page_shows(places):
    """The 导出 link of each list page carries the page's filters: following it gives the page's rows."""
    client = login(places.admin)
    for name, filters in (("households", {"kind": "permanent", "area": "431302"}), ("buildings", {"q": "路"}),
                          ("units", {"area": "431302"})):
        page = client.get(LIST_PAGE[name], filters).content.decode()
        href = html.unescape(re.search(r'href="([^"]+)" data-testid="export-masked"', page).group(1))
        assert href.startswith(PAGE[name])
        _key, header = KEYS[name]
        assert sorted(r[header] for r in sheet(client.get(href))) == sorted(listed(client, name, **filters))


# -- scope and masking -------------------------------------------------------------------------------


def test_out_of_scope_rows_are_never_exported(places):
    worker = login(places.worker)
    households = sheet(worker.get(PAGE["households"]))
    assert {r["户号"] for r in households} == {places.household.number}
    assert sheet(worker.get(PAGE["households"], {"area": places.community2.code})) == []
    assert {r["楼栋地址"] for r in sheet(worker.get(PAGE["buildings"]))} == {"长青路1号1栋"}
    assert {r["单位名称"] for r in sheet(worker.get(PAGE["units"]))} == {"长青超市"}
    outsider = login(places.outsider)
    rows = sheet(outsider.get(PAGE["households"], {"unmask": "1", "reason": REASON}))
    assert [(r["户号"], r["户主"]) for r in rows] == [(places.household2.number, "赵强")]
    assert {r["单位名称"] for r in sheet(outsider.get(API["units"]))} == {"矿山医院"}
    text = repr(sheet(outsider.get(API["buildings"], {"area": "4313"})))
    assert "长青" not in text and "花园" not in text


def test_exports_are_masked_by_default(places):
    rows = {r["户号"]: r for r in sheet(login(places.worker).get(PAGE["households"]))}
    wang = rows[places.household.number]
    assert wang["户主"] == "王小明" and wang["户主公民身份号码"] == mask_id_number(places.wang.id_number)
    assert wang["户主联系电话"] == "138****5678" and "*" in wang["户主公民身份号码"]
    assert wang["人数"] == 2 and wang["户别"] == "常住" and wang["门牌/房号"] == "101"
    assert wang["楼栋地址"] == "长青路1号1栋"
    assert wang["社区代码"] == places.household.area_code and wang["网格"] == "长青社区第一网格"
    units = {r["单位名称"]: r for r in sheet(login(places.admin).get(PAGE["units"]))}
    assert units["长青超市"]["联系电话"] == "136****1234" and units["长青超市"]["联系人"] == "周经理"
    assert units["花园幼儿园"]["联系电话"] == mask_phone("07388312345") != "07388312345"
    buildings = {r["楼栋地址"]: r for r in sheet(login(places.admin).get(PAGE["buildings"]))}
    assert buildings["花园路2号"]["户数"] == 55 and buildings["花园路2号"]["小区"] == "花园小区"
    assert buildings["长青路1号1栋"]["网格"] == "长青社区第一网格"


def test_each_export_is_written_to_the_access_log_with_its_filters(places):
    client = login(places.subdistrict_officer)
    sheet(client.get(PAGE["households"], {"kind": "floating", "q": "", "area": "431302001"}))
    sheet(client.get(API["buildings"], {"q": "花园"}))
    sheet(client.get(PAGE["units"], {"area": "431302001001"}))
    logs = {log.entity_type: log for log in AccessLog.objects.filter(kind="export", actor=places.subdistrict_officer)}
    assert set(logs) == {"household", "building", "resident_unit"}
    household = logs["household"]
    assert household.query == {"q": "", "area": "431302001", "kind": "floating", "building": "", "unmask": False}
    assert (household.row_count, household.fields, household.reason, household.area_code) == (1, "", "", "431302001")
    assert logs["building"].query == {"q": "花园", "area": "", "unmask": False} and logs["building"].row_count == 1
    assert logs["building"].area_code == "431302001"  # the top of the officer's scope
    assert logs["resident_unit"].query["area"] == "431302001001" and logs["resident_unit"].row_count == 1
    # a building filter is kept as the building's id (the access log page shows its address)
    sheet(login(places.admin).get(PAGE["households"], {"building": places.garden.pk}))
    assert AccessLog.objects.get(actor=places.admin).query["building"] == places.garden.pk


# -- unmasking ---------------------------------------------------------------------------------------


def test_unmask_without_the_right_is_refused_and_not_logged(places):
    analyst = login(places.analyst)  # may export, may not unmask
    for name in ("households", "units", "residents"):
        assert analyst.get(PAGE[name], {"unmask": "1", "reason": REASON}).status_code == 403
        assert analyst.get(PAGE[name], {"unmask": "1"}).status_code == 403  # no reason form either
        assert analyst.get(API[name], {"unmask": "true", "reason": REASON}).json()["code"] == "permission_denied"
    grid = login(places.grid_worker)  # may not export at all
    for name in PAGE:
        assert grid.get(PAGE[name]).status_code == 403
        assert grid.get(API[name]).status_code == 403
    assert not AccessLog.objects.exists()
    # the analyst's masked export still works
    rows = sheet(analyst.get(PAGE["households"], {"area": "431381"}))
    assert rows[0]["户主公民身份号码"] == mask_id_number(places.zhao.id_number)


def test_unmask_with_the_right_and_a_reason_is_clear_and_logged(places):
    client = login(places.worker)
    form = client.get(PAGE["households"], {"unmask": "1", "kind": "permanent"})
    text = form.content.decode()
    assert form.status_code == 200 and 'name="reason"' in text and f'action="{PAGE["households"]}"' in text
    assert 'name="kind" value="permanent"' in text
    assert client.get(PAGE["households"], {"unmask": "1", "reason": "查"}).status_code == 422
    assert not AccessLog.objects.exists()
    rows = sheet(client.get(PAGE["households"], {"unmask": "1", "kind": "permanent", "reason": REASON}))
    assert rows[0]["户主公民身份号码"] == places.wang.id_number and rows[0]["户主联系电话"] == "13812345678"
    log = AccessLog.objects.get(kind="export", entity_type="household")
    assert log.fields == "head.id_number,head.phone" and log.reason == REASON and log.row_count == 1
    assert log.query["unmask"] is True and log.query["kind"] == "permanent"

    units = sheet(client.get(API["units"], {"unmask": "true", "reason": REASON}))
    assert [(u["单位名称"], u["联系电话"]) for u in units] == [("长青超市", "13600001234")]
    log = AccessLog.objects.get(kind="export", entity_type="resident_unit")
    assert log.fields == "phone" and log.reason == REASON and log.query["unmask"] is True
    refused = client.get(API["units"], {"unmask": "true", "reason": ""})
    assert refused.status_code == 422 and refused.json()["code"] == "validation_failed"


def test_rows_outside_the_unmask_subtree_stay_masked(places):
    """A city analyst who is also a community worker may unmask only that community's rows."""
    from shequ.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=places.analyst, role="community_worker", area=places.community)
    rows = {r["户号"]: r for r in sheet(login(places.analyst).get(
        PAGE["households"], {"area": "431302", "unmask": "1", "reason": REASON}))}
    assert rows[places.household.number]["户主公民身份号码"] == places.wang.id_number
    assert rows[places.floating.number]["户主公民身份号码"] == mask_id_number(places.sun.id_number)


def test_a_building_export_has_nothing_to_unmask(places):
    client = login(places.admin)
    assert client.get(PAGE["buildings"], {"unmask": "1", "reason": REASON}).status_code == 422
    assert client.get(API["buildings"], {"unmask": "true", "reason": REASON}).json()["code"] == "validation_failed"
    assert not AccessLog.objects.exists()


# -- the links ---------------------------------------------------------------------------------------


def _links(client: Any, name: str, **filters: Any) -> dict[str, str]:
    page = client.get(LIST_PAGE[name], filters)
    assert page.status_code == 200
    found = re.findall(r'href="([^"]+)" data-testid="export-(masked|unmasked)"', page.content.decode())
    return {kind: html.unescape(href) for href, kind in found}


@pytest.mark.parametrize("name", ["residents", "households", "units"])
def test_the_unmasked_link_is_shown_to_whoever_may_unmask(places, name):
    links = _links(login(places.worker), name, q="长青")
    assert set(links) == {"masked", "unmasked"}
    assert links["unmasked"].startswith(PAGE[name] + "?") and "q=%E9%95%BF%E9%9D%92" in links["unmasked"]
    assert links["unmasked"].endswith("unmask=1")
    # the link opens the reason form of the same list's export, the filters carried along
    form = login(places.worker).get(links["unmasked"]).content.decode()
    assert f'action="{PAGE[name]}"' in form and 'name="q" value="长青"' in form
    assert "导出明文（需说明原因）" in login(places.worker).get(LIST_PAGE[name]).content.decode()
    # may export, may not unmask: the masked link only
    assert set(_links(login(places.analyst), name)) == {"masked"}
    # may not export: neither
    assert _links(login(places.grid_worker), name) == {}
    # filtered to an area where the viewer may unmask nothing: the masked link only
    assert set(_links(login(places.worker), name, area=places.community2.code)) == {"masked"}
    assert set(_links(login(places.admin), name, area=places.community2.code)) == {"masked", "unmasked"}


def test_the_building_list_links_only_the_masked_export(places):
    assert set(_links(login(places.admin), "buildings")) == {"masked"}
    assert _links(login(places.grid_worker), "buildings") == {}


# -- large exports and re-import ---------------------------------------------------------------------


def test_a_large_household_export_is_a_job_on_the_households_page(places, settings, tmp_path,
                                                                   django_capture_on_commit_callbacks):
    settings.SHEQU_EXPORT_SYNC_MAX_ROWS = 10
    settings.SHEQU_EXPORT_DIR = tmp_path / "exports"
    client = login(places.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(PAGE["households"], {"area": "431302001002"})
    job = BackgroundJob.objects.get(kind="registry.export")
    assert response.status_code == 302 and job.params["list"] == "households"
    page = client.get(response["Location"]).content.decode()
    assert reverse("registry:household_list") in page and "导出户" in page
    download = client.get(reverse("imports:export_download", args=[job.pk]))
    assert "attachment" in download["Content-Disposition"]
    rows = sheet(download)
    assert sorted(r["户号"] for r in rows) == sorted(listed(client, "households", area="431302001002"))
    job.refresh_from_db()
    assert job.status == "succeeded" and job.result["row_count"] == 56 and job.progress_done == 56
    log = AccessLog.objects.get(kind="export")
    assert log.entity_type == "household" and log.row_count == 56 and log.query["job"] == str(job.pk)
    with django_capture_on_commit_callbacks(execute=True):
        api = client.get(API["units"], {"unmask": "true", "reason": REASON})
    assert api.status_code == 200  # 3 units: written at once
    settings.SHEQU_EXPORT_SYNC_MAX_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        api = client.get(API["units"], {"unmask": "true", "reason": REASON})
    assert api.status_code == 202 and api.json()["list"] == "units"
    status = client.get(api.json()["status_url"]).json()
    units = sheet(client.get(status["download_url"]))
    assert {u["联系电话"] for u in units} == {"13600001234", "07388312345", "13500005678"}
    assert AccessLog.objects.filter(entity_type="resident_unit", fields="phone").count() == 2


def test_unmasked_household_and_building_exports_import_back_unchanged(places, tmp_path):
    client = login(places.worker)
    for kind, params in (("households", {"unmask": "1", "reason": REASON}), ("buildings", {})):
        response = client.get(PAGE[kind], params)
        path = tmp_path / f"{kind}.xlsx"
        path.write_bytes(b"".join(response.streaming_content))
        result = run_import(kind=kind, path=path, filename=path.name, actor=places.worker, dry_run=True)
        assert result.all_valid and result.counts["unchanged"] == 1 and result.counts["created"] == 0, result.counts
