"""Disclosure pages: public pages without login, the integrity badge, the staff publish page and its scope."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from shequ.core.testing.clients import login
from shequ.disclosure.models import Disclosure
from shequ.disclosure.services import disclosure_publish


def publish(world, title="居委会选举结果公告", category="election", body="当选：王小明（主任）"):
    return disclosure_publish(actor=world.worker, community=world.community, category=category, title=title,
                              body=body)


def test_public_pages_without_login(world):
    first = publish(world)
    publish(world, title="2025年经费收支", category="finance", body="收入 200,000 元")
    anon = Client()
    index = anon.get(reverse("disclosure:index"), {"q": "长青"}).content.decode()
    assert world.community.name in index and world.community2.name not in index
    page = anon.get(reverse("disclosure:community", args=[world.community.code]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "居委会选举结果公告" in text and "2025年经费收支" in text
    assert "公开记录完整性：已核验" in text
    assert text.index("2025年经费收支") < text.index("居委会选举结果公告")  # newest first
    only = anon.get(reverse("disclosure:community", args=[world.community.code]), {"category": "finance"})
    assert "居委会选举结果公告" not in only.content.decode()
    entry = anon.get(reverse("disclosure:entry", args=[first.pk]))
    assert entry.status_code == 200 and "当选：王小明（主任）" in entry.content.decode()
    assert "发布更正" not in entry.content.decode()
    assert anon.get(reverse("disclosure:community", args=[world.subdistrict.code])).status_code == 404
    assert anon.get(reverse("disclosure:community", args=["abc"])).status_code == 404
    assert anon.get(reverse("disclosure:entry", args=[first.pk + 99])).status_code == 404


def test_tampering_shows_on_the_public_page(world):
    a = publish(world)
    publish(world, title="第二条")
    Disclosure.objects.filter(pk=a.pk).update(body="被改过")
    text = Client().get(reverse("disclosure:community", args=[world.community.code])).content.decode()
    assert "公开记录完整性：已核验" not in text
    assert "第 1 号记录的内容在公开后被改动" in text


def test_correction_marks_the_old_entry(world):
    old = publish(world)
    client = login(world.worker)
    form = client.get(reverse("disclosure:new"), {"corrects": old.pk})
    assert form.status_code == 200 and "更正：居委会选举结果公告" in form.content.decode()
    response = client.post(reverse("disclosure:new") + f"?corrects={old.pk}", {
        "community": world.community.code, "category": "election", "title": "更正：居委会选举结果公告",
        "body": "当选：王小明（主任）、李娜（副主任）", "corrects": old.pk,
    })
    fix = Disclosure.objects.get(corrects=old)
    assert response.status_code == 302 and response["Location"] == reverse("disclosure:entry", args=[fix.pk])
    anon = Client()
    text = anon.get(reverse("disclosure:entry", args=[old.pk])).content.decode()
    assert "已更正" in text and reverse("disclosure:entry", args=[fix.pk]) in text
    listing = anon.get(reverse("disclosure:community", args=[world.community.code])).content.decode()
    assert "已更正" in listing and "公开记录完整性：已核验" in listing


def test_publish_page(world):
    client = login(world.worker)
    url = reverse("disclosure:new")
    assert client.get(url).status_code == 200
    bad = client.post(url, {"community": world.community.code, "category": "affairs", "title": "", "body": "x"})
    assert bad.status_code == 422 and not Disclosure.objects.exists()
    elsewhere = client.post(url, {"community": world.community2.code, "category": "affairs", "title": "t",
                                  "body": "x"})
    assert elsewhere.status_code == 422 and not Disclosure.objects.exists()
    ok = client.post(url, {"community": world.community.code, "category": "affairs", "title": "停水通知",
                           "body": "6月1日停水"})
    assert ok.status_code == 302 and Disclosure.objects.get().title == "停水通知"


def test_publish_page_scope(world):
    entry = publish(world)
    url = reverse("disclosure:new")
    assert Client().get(url).status_code == 302  # to the login page
    assert login(world.auditor).get(url).status_code == 404
    assert login(world.resident_user).get(url).status_code == 404
    assert login(world.outsider).get(url, {"corrects": entry.pk}).status_code == 404
    assert login(world.analyst).get(url, {"corrects": entry.pk}).status_code == 404  # publishes nowhere
    posted = login(world.outsider).post(url + f"?corrects={entry.pk}", {
        "community": world.community.code, "category": "affairs", "title": "t", "body": "b", "corrects": entry.pk})
    assert posted.status_code == 404
    assert Disclosure.objects.count() == 1
