"""The incident pages: reporting from a phone, the list, the detail with actions and merging, photos, the
dashboard and the configuration pages — each scoped to the viewer."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from shequ.incidents.models import CalendarDay, Category, Department, Incident, Status
from shequ.incidents.tests.helpers import category, png_bytes, report, upload, walk


def client_for(user):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_report_page_is_phone_ready(world):
    page = client_for(world.grid_worker).get(reverse("incidents:report"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'accept="image/*"' in html and 'capture="environment"' in html and "multiple" in html
    assert world.building.address in html and world.building2.address not in html
    assert 'name="latitude"' in html and "data-geolocate" in html
    assert reverse("incidents:report_duplicates") in html and 'name="viewport"' in html


def test_report_with_a_photo(world):
    client = client_for(world.grid_worker)
    response = client.post(reverse("incidents:report"), {
        "category": category().pk, "description": "楼下垃圾堆放", "building": world.building.pk,
        "photos": [upload()],
    })
    case = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("incidents:detail", args=[case.pk])
    assert case.grid == world.grid and case.photos.count() == 1 and case.source == "grid_worker"
    detail = client.get(response["Location"]).content.decode()
    assert case.number in detail and reverse("incidents:photo", args=[case.photos.get().pk]) in detail


def test_report_errors_are_shown_on_the_form(world, settings):
    client = client_for(world.grid_worker)
    bad = client.post(reverse("incidents:report"), {
        "category": category().pk, "description": "x", "building": world.building.pk,
        "photos": [upload(b"not an image", name="a.png")],
    })
    assert bad.status_code == 422 and "不是图片文件" in bad.content.decode()
    outside = client.post(reverse("incidents:report"), {"category": category().pk, "description": "x",
                                                         "building": world.building2.pk})
    assert outside.status_code == 422 and "has-error" in outside.content.decode()  # not one of its buildings
    nowhere = client.post(reverse("incidents:report"), {"category": category().pk, "description": "x"})
    assert nowhere.status_code == 422 and "无法确定事件位置" in nowhere.content.decode()
    settings.SHEQU_PHOTO_MAX_BYTES = 1000
    settings.SHEQU_INCIDENT_MAX_PHOTOS = 1
    big = client.post(reverse("incidents:report"), {"category": category().pk, "description": "x",
                                                     "building": world.building.pk,
                                                     "photos": [upload(b"\x89PNG" + b"0" * 300_000)]})
    assert big.status_code == 422 and "照片不能超过" in big.content.decode()
    assert not Incident.objects.exists()


def test_duplicate_suggestions_before_submitting(world):
    existing = report(world)
    client = client_for(world.grid_worker)
    url = reverse("incidents:report_duplicates")
    found = client.get(url, {"category": category().pk, "building": world.building.pk}, HTTP_HX_REQUEST="true")
    assert found.status_code == 200 and existing.number in found.content.decode()
    other = client.get(url, {"category": category("noise").pk, "building": world.building.pk})
    assert existing.number not in other.content.decode()
    assert client.get(url).status_code == 200
    assert client_for(world.auditor).get(url).status_code == 403


def test_list_is_scoped_and_filtered(world, monkeypatch):
    mine = report(world)
    residents = report(world, actor=world.resident_user, source="resident")
    opened = walk(report(world, category=category("noise")), world.worker, "open")
    Incident.objects.filter(pk=opened.pk).update(due_at=opened.reported_at - dt.timedelta(hours=1))
    url = reverse("incidents:list")
    everything = client_for(world.worker).get(url).content.decode()
    assert all(c.number in everything for c in (mine, residents, opened))
    assert not re.search(r"/incidents/\d+/", client_for(world.outsider).get(url).content.decode())
    resident_page = client_for(world.resident_user).get(url).content.decode()
    assert residents.number in resident_page and mine.number not in resident_page
    worker = client_for(world.worker)
    overdue = worker.get(url, {"overdue": "1"}).content.decode()
    assert opened.number in overdue and mine.number not in overdue
    by_cat = worker.get(url, {"category": "noise"}).content.decode()
    assert opened.number in by_cat and mine.number not in by_cat
    by_status = worker.get(url, {"status": "opened"}).content.decode()
    assert opened.number in by_status and mine.number not in by_status
    assert mine.number not in worker.get(url, {"area": world.grid2.code}).content.decode()
    assert client_for(world.auditor).get(url).status_code == 403


def test_detail_is_scoped(world):
    case = report(world)
    url = reverse("incidents:detail", args=[case.pk])
    assert client_for(world.outsider).get(url).status_code == 404
    assert client_for(world.resident_user).get(url).status_code == 404
    assert client_for(world.grid_worker).get(url).status_code == 200
    own = report(world, actor=world.resident_user, source="resident")
    assert client_for(world.resident_user).get(reverse("incidents:detail", args=[own.pk])).status_code == 200
    assert client_for(world.worker).get(reverse("incidents:detail", args=[999999])).status_code == 404


def test_actions_on_the_detail_page(world):
    case = report(world)
    worker, grid = client_for(world.worker), client_for(world.grid_worker)
    url = reverse("incidents:detail", args=[case.pk])
    assert 'data-action="open"' in worker.get(url).content.decode()
    assert 'data-action="open"' not in grid.get(url).content.decode()
    go = reverse("incidents:transition", args=[case.pk])
    assert grid.post(go, {"action": "open"}).status_code == 403
    assert worker.post(go, {"action": "open"}).status_code == 302
    page = worker.get(url).content.decode()
    assert 'data-action="dispatch"' in page and 'data-action="escalate"' in page and "市城市管理和综合执法局" in page
    illegal = worker.post(go, {"action": "close"})
    assert illegal.status_code == 409 and "不能执行" in illegal.content.decode()
    Category.objects.filter(pk=case.category_id).update(department=None)  # no responsible department to fall back on
    missing = worker.post(go, {"action": "dispatch"})
    assert missing.status_code == 422 and "请选择处置部门" in missing.content.decode()
    dept = Department.objects.get(name="市城市管理和综合执法局")
    assert worker.post(go, {"action": "dispatch", "department": dept.pk}).status_code == 302
    assert worker.post(go, {"action": "handle", "photos": [upload()]}).status_code == 302
    assert Incident.objects.get(pk=case.pk).status == Status.HANDLED
    assert case.photos.filter(stage=Status.HANDLED).count() == 1
    assert worker.get(go).status_code == 405
    assert client_for(world.outsider).post(go, {"action": "check"}).status_code == 404


def test_merge_from_the_detail_page(world):
    primary, duplicate = report(world), report(world)
    worker = client_for(world.worker)
    page = worker.get(reverse("incidents:detail", args=[primary.pk])).content.decode()
    assert duplicate.number in page and reverse("incidents:merge", args=[duplicate.pk]) in page
    done = worker.post(reverse("incidents:merge", args=[duplicate.pk]), {"into": primary.pk})
    assert done.status_code == 302 and Incident.objects.get(pk=duplicate.pk).status == Status.MERGED
    third = report(world)
    by_number = worker.post(reverse("incidents:merge", args=[third.pk]), {"into_number": primary.number})
    assert by_number.status_code == 302 and Incident.objects.get(pk=third.pk).merged_into == primary
    again = worker.post(reverse("incidents:merge", args=[third.pk]), {"into_number": primary.number})
    assert again.status_code == 409
    unknown = worker.post(reverse("incidents:merge", args=[primary.pk]), {"into_number": "SJ0"})
    assert unknown.status_code == 422
    page = worker.get(reverse("incidents:detail", args=[primary.pk])).content.decode()
    assert duplicate.number in page and third.number in page
    assert client_for(world.grid_worker).post(reverse("incidents:merge", args=[primary.pk]),
                                              {"into": third.pk}).status_code in (403, 409)


def test_photos_are_served_only_to_viewers(world):
    case = report(world, photos=[upload()])
    photo = case.photos.get()
    url = reverse("incidents:photo", args=[photo.pk])
    got = client_for(world.grid_worker).get(url)
    assert got.status_code == 200 and got["Content-Type"] == "image/png" and got.content == png_bytes()
    assert got["X-Content-Type-Options"] == "nosniff"
    thumb = client_for(world.worker).get(url, {"size": "thumb"})
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert client_for(world.outsider).get(url).status_code == 404
    assert client_for(world.resident_user).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page


def test_dashboard_page(world):
    walk(report(world), world.worker, "open")
    page = client_for(world.subdistrict_officer).get(reverse("incidents:dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-figure="open">1<' in html and world.community.name in html
    assert "echarts.min.js" in html and "leaflet.js" in html and 'id="inc-map-data"' in html
    grid = client_for(world.worker).get(reverse("incidents:dashboard"), {"area": world.grid.code})
    assert grid.status_code == 200 and 'data-figure="open">1<' in grid.content.decode()
    assert client_for(world.worker).get(reverse("incidents:dashboard"), {"area": world.subdistrict.code}
                                        ).status_code == 404
    assert client_for(world.outsider).get(reverse("incidents:dashboard"), {"area": world.community.code}
                                          ).status_code == 404
    assert client_for(world.resident_user).get(reverse("incidents:dashboard")).status_code == 403


def test_map_without_and_with_a_tile_server(world, settings):
    from shequ.registry.models import Building

    Building.objects.filter(pk=world.building.pk).update(latitude=27.73, longitude=112.0)
    world.building.refresh_from_db()
    report(world)
    client = client_for(world.worker)
    assert '"tile_url": ""' in client.get(reverse("incidents:dashboard")).content.decode()
    settings.SHEQU_MAP_TILE_URL = "https://tiles.example.gov/{z}/{x}/{y}.png"
    html = client.get(reverse("incidents:dashboard")).content.decode()
    assert "tiles.example.gov" in html and '"lat": 27.73' in html


def test_configuration_pages(world):
    admin, district, worker = client_for(world.admin), client_for(world.district_officer), client_for(world.worker)
    for name in ("incidents:categories", "incidents:departments", "incidents:holidays"):
        assert admin.get(reverse(name)).status_code == 200
        assert district.get(reverse(name)).status_code == 200
        assert worker.get(reverse(name)).status_code == 403
    created = admin.post(reverse("incidents:categories"), {"code": "parking", "name": "违规停车",
                                                            "time_limit_days": 2, "active": "on"})
    assert created.status_code == 302 and Category.objects.get(code="parking").time_limit_days == 2
    dup = admin.post(reverse("incidents:categories"), {"code": "parking", "name": "x", "time_limit_days": 2})
    assert dup.status_code == 422 and "已被使用" in dup.content.decode()
    cat = Category.objects.get(code="parking")
    edit = reverse("incidents:category_edit", args=[cat.pk])
    assert admin.post(edit, {"name": "违规停车", "time_limit_days": 4, "active": "on"}).status_code == 302
    assert Category.objects.get(pk=cat.pk).time_limit_days == 4
    assert district.post(reverse("incidents:categories"), {"code": "x1", "name": "x", "time_limit_days": 1}
                         ).status_code == 403
    assert district.get(edit).status_code == 403
    made = district.post(reverse("incidents:departments"), {"name": "娄星区城管局", "area_code": world.district.code,
                                                             "active": "on"})
    assert made.status_code == 302
    dept = Department.objects.get(name="娄星区城管局")
    assert district.get(reverse("incidents:department_edit", args=[dept.pk])).status_code == 200
    seeded = Department.objects.get(name="市城市管理和综合执法局")
    assert district.get(reverse("incidents:department_edit", args=[seeded.pk])).status_code == 404
    holidays = admin.get(reverse("incidents:holidays"), {"year": 2026}).content.decode()
    assert "国庆节" in holidays and "预置" in holidays
    added = admin.post(reverse("incidents:holidays"), {"date": "2027-01-01", "is_workday": "0", "name": "元旦"})
    assert added.status_code == 302 and CalendarDay.objects.filter(date=dt.date(2027, 1, 1)).exists()
    day = CalendarDay.objects.get(date=dt.date(2027, 1, 1))
    assert district.post(reverse("incidents:holidays"), {"op": "delete", "pk": day.pk}).status_code == 403
    assert admin.post(reverse("incidents:holidays"), {"op": "delete", "pk": day.pk}).status_code == 302
    assert not CalendarDay.objects.filter(date=dt.date(2027, 1, 1)).exists()


@pytest.mark.parametrize("name", ["incidents:list", "incidents:report", "incidents:dashboard",
                                  "incidents:categories", "incidents:holidays"])
def test_anonymous_goes_to_login(db, name):
    assert Client().get(reverse(name)).status_code == 302


def test_list_queries_do_not_grow_with_the_rows(world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.worker)
    for _ in range(2):
        report(world)
    client.get(reverse("incidents:list"))  # warm the session and the calendar
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("incidents:list"))
    for _ in range(8):
        report(world, category=category("noise"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("incidents:list"))
    assert page.content.decode().count('href="/incidents/') >= 10


def test_report_page_for_officers_and_residents(world):
    officer = client_for(world.subdistrict_officer)
    page = officer.get(reverse("incidents:report")).content.decode()
    assert 'name="building"' not in page and 'name="community"' in page and world.community_b.name in page
    assert 'name="reporter_phone"' in page
    done = officer.post(reverse("incidents:report"), {"category": category("noise").pk, "description": "夜间施工",
                                                       "community": world.community_b.pk,
                                                       "reporter_name": "李先生", "reporter_phone": "13912345678"})
    assert done.status_code == 302
    case = Incident.objects.get()
    assert case.area_code == world.community_b.code and case.source == "staff"
    detail = officer.get(done["Location"]).content.decode()
    assert "139****5678" in detail and "13912345678" not in detail
    resident = client_for(world.resident_user).get(reverse("incidents:report")).content.decode()
    assert world.building.address in resident and 'name="reporter_phone"' not in resident


def test_odd_input_never_500(world):
    admin = client_for(world.admin)
    case = report(world)
    checks = [
        admin.post(reverse("incidents:holidays"), {"op": "delete", "pk": "abc"}),
        admin.post(reverse("incidents:holidays"), {"date": "2027-02-30", "is_workday": "maybe"}),
        admin.get(reverse("incidents:holidays"), {"year": "abc"}),
        admin.get(reverse("incidents:list"), {"page": "-3", "area": "<b>", "status": "nope", "overdue": "yes"}),
        admin.get(reverse("incidents:dashboard"), {"area": "'; drop"}),
        admin.post(reverse("incidents:transition", args=[case.pk]), {"action": "open", "rating": "x",
                                                                     "department": "abc"}),
        admin.post(reverse("incidents:transition", args=[case.pk]), {"action": "<script>"}),
        admin.post(reverse("incidents:merge", args=[case.pk]), {"into": "abc"}),
        admin.get(reverse("incidents:report_duplicates"), {"category": "x", "latitude": "nan", "longitude": "1e999",
                                                          "building": "-1"}),
        admin.get(reverse("incidents:photo", args=[999999])),
    ]
    assert all(r.status_code < 500 for r in checks), [r.status_code for r in checks]
