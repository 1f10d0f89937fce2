"""Governance pages: staff table and evaluation grid, worker forms, evaluation entry, worklist and resolving;
scope and roles (outsider 404, analyst read-only, community worker cannot resolve)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from shequ.governance import services
from shequ.governance.models import ActionItem, Evaluation, Worker
from shequ.governance.tests.conftest import rate

BAD = "incompetent"


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ok(client: Client, url: str, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


@pytest.fixture
def staffed(gov):  # type: ignore[no-untyped-def]
    gov.member = services.worker_create(
        actor=gov.worker, community=gov.community, name="刘芳", position="member", committee="party",
        start_date=dt.date(2017, 1, 1), monthly_base_pay=Decimal("1000"),
    )
    gov.former = services.worker_create(
        actor=gov.worker, community=gov.community, name="陈旧", position="worker", committee="none",
        start_date=dt.date(2015, 1, 1), end_date=dt.date(2018, 6, 30), monthly_base_pay=Decimal("1800"),
    )
    rate(gov, gov.director, (2019, BAD), (2020, BAD))
    rate(gov, gov.member, (2020, "excellent"))
    gov.item = ActionItem.objects.get()
    return gov


def test_url_names():
    assert reverse("governance:index") == "/governance/staff/"
    assert reverse("governance:staff", args=["431302001001"]) == "/governance/community/431302001001/staff/"
    assert reverse("governance:worker_new", args=["431302001001"]).endswith("/staff/new/")
    for name in ("worker_edit", "worker_end", "evaluation_record", "action_resolve"):
        assert reverse(f"governance:{name}", args=[1]).startswith("/governance/")
    assert reverse("governance:worklist") == "/governance/worklist/"


def test_index_lists_communities_in_scope_with_counts(staffed):
    w = staffed
    body = ok(login(w.subdistrict_officer), reverse("governance:index"))
    assert w.community.name in body and w.community_b.name in body and w.community2.name not in body
    assert reverse("governance:staff", args=[w.community.code]) in body
    body = ok(login(w.worker), reverse("governance:index"))
    assert w.community.name in body and w.community_b.name not in body
    assert "<td data-label=\"在岗人数\">2</td>" in body  # director and member; the former worker left in 2018
    assert w.community.name not in ok(login(w.outsider), reverse("governance:index"))
    assert login(w.admin).get("/governance/").status_code == 302


def test_staff_page_table_grid_and_masking(staffed, django_assert_max_num_queries):
    w = staffed
    client = login(w.worker)
    url = reverse("governance:staff", args=[w.community.code])
    with django_assert_max_num_queries(25):
        body = ok(client, url)
    assert "王小明" in body and "刘芳" in body and "陈旧" in body
    assert "正职" in body and "社区居民委员会" in body and "委员" in body and "社区党组织" in body
    assert "低于标准" in body and "1200" in body  # the member's 1,000 is below the 1,200 standard
    assert body.count("低于标准") == 2  # one badge (title + text), only the member's row
    assert "138****5678" in body and "13812345678" not in body and w.wang.id_number not in body
    assert reverse("registry:resident_detail", args=[w.wang.pk]) in body
    assert "不称职" in body and "优秀" in body and "gov-r-incompetent" in body
    assert f"{reverse('governance:evaluation_record', args=[w.director.pk])}?year=2021" in body
    assert reverse("governance:worker_new", args=[w.community.code]) in body
    assert "2019–2020" in body and "待处理" in body
    assert "?until=" in body  # the director's term starts in 2015: earlier years are a link away
    earlier = ok(client, url, until="2018")
    assert "<th scope=\"col\">2015</th>" in earlier and "陈旧" in earlier


def test_roles_and_scope_on_pages(staffed):
    w = staffed
    url = reverse("governance:staff", args=[w.community.code])
    for user in (w.outsider, w.grid_worker, w.auditor, w.resident_user):
        client = login(user)
        assert client.get(url).status_code == 404
        assert client.get(reverse("governance:worker_edit", args=[w.director.pk])).status_code == 404
        assert client.get(reverse("governance:evaluation_record", args=[w.director.pk])).status_code == 404
    for user in (w.grid_worker, w.auditor, w.resident_user):
        assert login(user).get(reverse("governance:worklist")).status_code == 404
        assert login(user).get(reverse("governance:index")).status_code == 404
    analyst = login(w.analyst)
    body = ok(analyst, url)
    assert "王小明" in body and reverse("governance:worker_new", args=[w.community.code]) not in body
    assert analyst.get(reverse("governance:worker_new", args=[w.community.code])).status_code == 403
    response = analyst.post(
        reverse("governance:evaluation_record", args=[w.director.pk]), {"year": 2021, "rating": "competent"}
    )
    assert response.status_code == 403
    end_url = reverse("governance:worker_end", args=[w.director.pk])
    assert analyst.post(end_url, {"end_date": "2021-01-01"}).status_code == 403
    assert Evaluation.objects.filter(year=2021).count() == 0 and Worker.objects.get(pk=w.director.pk).end_date is None
    assert login(w.admin).get(reverse("governance:staff", args=["431302001"])).status_code == 404  # not a community


def test_worker_create_edit_end(gov):
    client = login(gov.worker)
    url = reverse("governance:worker_new", args=[gov.community.code])
    assert "按姓名查找本社区居民" in ok(client, url)
    bad = client.post(url, {"name": "赵六", "position": "worker", "committee": "party", "start_date": "2020-01-01",
                            "monthly_base_pay": "1500"})
    assert bad.status_code == 422 and "不属于两委" in bad.content.decode()
    response = client.post(url, {"resident_id": gov.li.pk, "position": "deputy", "committee": "party",
                                 "start_date": "2020-01-01", "monthly_base_pay": "1400"})
    assert response.status_code == 302
    deputy = Worker.objects.get(position="deputy")
    assert deputy.name == "李娜" and deputy.resident == gov.li
    missing = client.post(url, {"resident_id": gov.zhao.pk, "position": "deputy", "committee": "party",
                                "start_date": "2020-01-01", "monthly_base_pay": "1400"})
    assert missing.status_code == 422 and "找不到该居民档案" in missing.content.decode()

    edit = reverse("governance:worker_edit", args=[deputy.pk])
    assert "李娜" in ok(client, edit)
    response = client.post(edit, {"resident_id": gov.li.pk, "name": "李娜", "position": "deputy",
                                  "committee": "party", "start_date": "2020-01-01", "monthly_base_pay": "1450"})
    assert response.status_code == 302
    deputy.refresh_from_db()
    assert deputy.monthly_base_pay == Decimal("1450") and deputy.resident == gov.li
    end = reverse("governance:worker_end", args=[deputy.pk])
    bad_end = client.post(end, {"end_date": "2019-01-01"})
    assert bad_end.status_code == 422 and "不能早于开始日期" in bad_end.content.decode()
    assert client.post(end, {"end_date": "2022-05-31"}).status_code == 302
    deputy.refresh_from_db()
    assert deputy.end_date == dt.date(2022, 5, 31)
    assert client.post(reverse("governance:worker_delete", args=[deputy.pk])).status_code == 302
    assert not Worker.objects.filter(pk=deputy.pk).exists()


def test_resident_lookup_for_htmx(gov):
    client = login(gov.worker)
    url = reverse("governance:resident_search", args=[gov.community.code])
    body = ok(client, url, q="李")
    assert "李娜" in body and gov.li.id_number not in body and gov.li.id_number[-4:] in body
    picked = ok(client, url, pick=gov.li.pk)
    assert f'value="{gov.li.pk}"' in picked and "李娜" in picked
    assert client.get(url, {"pick": gov.zhao.pk}).status_code == 404
    assert login(gov.outsider).get(url, {"q": "李"}).status_code == 404


def test_evaluation_entry_opens_an_item_and_refuses_years_not_served(gov):
    client = login(gov.worker)
    url = reverse("governance:evaluation_record", args=[gov.director.pk])
    form = ok(client, url, year="2019")
    assert "不称职" in form and "基本称职" in form
    assert client.post(url, {"year": 2019, "rating": BAD}).status_code == 302
    response = client.post(url, {"year": 2020, "rating": BAD}, follow=True)
    assert "已列入街道工作清单" in response.content.decode()
    assert ActionItem.objects.filter(status="open").count() == 1
    refused = client.post(url, {"year": 2014, "rating": "competent"})
    assert refused.status_code == 422 and "2015 年至今" in refused.content.decode()
    correct = ok(client, url, year="2020")
    assert 'value="incompetent" checked' in correct or "checked" in correct
    evaluation = Evaluation.objects.get(year=2020)
    assert client.post(reverse("governance:evaluation_delete", args=[evaluation.pk])).status_code == 302
    assert ActionItem.objects.get().status == "withdrawn"


def test_worklist_and_resolving(staffed):
    w = staffed
    officer = login(w.subdistrict_officer)
    body = ok(officer, reverse("governance:worklist"))
    assert "王小明" in body and w.community.name in body and "2019–2020" in body
    assert reverse("governance:action_resolve", args=[w.item.pk]) in body and "记录处理结果" in body
    assert "0 天" in body

    worker = login(w.worker)
    body = ok(worker, reverse("governance:worklist"))
    assert "王小明" in body and reverse("governance:action_resolve", args=[w.item.pk]) not in body
    resolve = reverse("governance:action_resolve", args=[w.item.pk])
    assert worker.post(resolve, {"outcome": "resigned", "note": "已辞职"}).status_code == 403
    assert login(w.outsider).post(resolve, {"outcome": "resigned", "note": "已辞职"}).status_code == 404
    assert "王小明" not in ok(login(w.outsider), reverse("governance:worklist"))
    assert login(w.analyst).post(resolve, {"outcome": "resigned", "note": "x"}).status_code == 403

    missing_note = officer.post(resolve, {"outcome": "resigned", "note": ""})
    assert missing_note.status_code == 422 and "field-error" in missing_note.content.decode()
    assert officer.post(resolve, {"outcome": "recalled", "note": "2021年3月居民会议罢免"}).status_code == 302
    w.item.refresh_from_db()
    assert w.item.status == "done" and w.item.closed_by == w.subdistrict_officer
    done = ok(officer, reverse("governance:worklist"), status="done")
    assert "依法罢免" in done and "2021年3月居民会议罢免" in done
    assert "王小明" not in ok(officer, reverse("governance:worklist"), status="open")
    again = officer.post(resolve, {"outcome": "other", "note": "再次"})
    assert again.status_code == 409
    assert ok(login(w.district_officer), reverse("governance:worklist"), status="done").count("王小明") == 1


def test_worklist_puts_open_items_first(staffed, django_assert_max_num_queries):
    w = staffed
    services.action_item_resolve(actor=w.admin, item=w.item, outcome="other", note="诫勉谈话")
    rate(w, w.member, (2021, BAD), (2022, BAD))
    later = services.worker_create(
        actor=w.admin, community=w.community_b, name="陈新", position="worker", committee="none",
        start_date=dt.date(2015, 1, 1), monthly_base_pay=Decimal("1800"),
    )
    rate(w, later, (2016, BAD), (2017, BAD), actor=w.admin)
    client = login(w.subdistrict_officer)
    with django_assert_max_num_queries(15):  # whatever the number of items on the page
        body = ok(client, reverse("governance:worklist"))
    assert body.index("刘芳") < body.index("王小明") and body.index("陈新") < body.index("王小明")
    assert body.index("刘芳") < body.index("陈新")  # open items: the longest waiting first
