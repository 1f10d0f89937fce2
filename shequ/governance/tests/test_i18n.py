"""The governance pages in zh-Hans (default) and in English.

Until the integrator merges locale/pending/governance.json into locale/en, the English catalogue is built
here in a temporary directory from the current django.po plus that file; once merged, the same test reads
the same strings. Any Chinese left on an English page that is not data is interface text without a
translation.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from shequ.governance.tests.conftest import rate

PO_PATH = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
PENDING = Path(settings.BASE_DIR) / "locale" / "pending" / "governance.json"
IDEOGRAPHS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


@pytest.fixture
def english(settings, tmp_path):  # type: ignore[no-untyped-def]
    po = polib.pofile(str(PO_PATH))
    known = {e.msgid for e in po if not e.obsolete and not e.msgid_plural}
    for msgid, text in json.loads(PENDING.read_text(encoding="utf-8")).items():
        if msgid not in known:
            po.append(polib.POEntry(msgid=msgid, msgstr=text))
        if "%(" in msgid:  # {% blocktrans count %} looks these up as plural entries
            po.append(polib.POEntry(msgid=msgid, msgid_plural=msgid, msgstr_plural={0: text, 1: text}))
    target = tmp_path / "locale" / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    po.save_as_mofile(str(target / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path / "locale"]


def test_pending_translations_are_well_formed():
    pending = json.loads(PENDING.read_text(encoding="utf-8"))
    assert len(pending) > 100
    for msgid, text in pending.items():
        assert text.strip() and not IDEOGRAPHS.search(text), msgid
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(text)), msgid


def _data_words(world) -> set[str]:  # type: ignore[no-untyped-def]
    from shequ.areas.models import Area
    from shequ.governance.models import ActionItem, Worker
    from shequ.registry.models import Resident

    words = {"简体中文"}
    for model, fields in ((Area, ["name"]), (Resident, ["name"]), (Worker, ["name"]), (ActionItem, ["outcome_note"])):
        for row in model.objects.values_list(*fields):
            for value in row:
                words.update(IDEOGRAPHS.findall(str(value or "")))
    return words


def _pages(w) -> dict:  # type: ignore[no-untyped-def]
    return {
        w.worker: [
            reverse("governance:index"),
            reverse("governance:staff", args=[w.community.code]),
            reverse("governance:worker_new", args=[w.community.code]),
            reverse("governance:worker_edit", args=[w.director.pk]),
            reverse("governance:worker_end", args=[w.director.pk]),
            reverse("governance:evaluation_record", args=[w.director.pk]),
            reverse("governance:worklist"),
            reverse("governance:resident_search", args=[w.community.code]) + "?q=w",
        ],
        w.subdistrict_officer: [
            reverse("governance:worklist"),
            reverse("governance:worklist") + "?status=done",
            reverse("governance:action_resolve", args=[w.item.pk]),
        ],
    }


@pytest.fixture
def with_item(gov):  # type: ignore[no-untyped-def]
    from shequ.governance.models import ActionItem

    rate(gov, gov.director, (2019, "incompetent"), (2020, "incompetent"), (2021, "excellent"))
    gov.item = ActionItem.objects.get()
    return gov


def test_pages_are_chinese_by_default(with_item):
    w = with_item
    for user, urls in _pages(w).items():
        client = Client()
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert response.headers["Content-Language"] == "zh-hans"
    body = Client()
    body.force_login(w.worker)
    text = body.get(reverse("governance:staff", args=[w.community.code])).content.decode()
    assert "年度民主评议" in text and "不称职" in text and "Annual democratic evaluation" not in text


def test_english_pages_show_no_untranslated_interface_text(with_item, english):
    w = with_item
    allowed = _data_words(w)
    leaks = {}
    for user, urls in _pages(w).items():
        client = Client()
        client.force_login(user)
        client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            body = re.sub(r"<script.*?</script>", "", response.content.decode(), flags=re.S)
            left = set(IDEOGRAPHS.findall(body)) - allowed
            if left:
                leaks[url] = sorted(left)
    assert leaks == {}
    client = Client()
    client.force_login(w.worker)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    text = client.get(reverse("governance:staff", args=[w.community.code])).content.decode()
    assert "Annual democratic evaluation" in text and "Incompetent" in text and "Director" in text
    refused = client.post(reverse("governance:evaluation_record", args=[w.director.pk]), {"year": 2014,
                                                                                          "rating": "competent"})
    assert "was not in post in 2014" in refused.content.decode()


def test_api_errors_in_english(with_item, english):
    client = Client()
    client.force_login(with_item.worker)
    response = client.post(
        f"/api/v1/governance/workers/{with_item.director.pk}/evaluations",
        json.dumps({"year": 2014, "rating": "competent"}),
        content_type="application/json",
        headers={"accept-language": "en"},
    )
    assert response.status_code == 422
    assert response.json()["message"].startswith("王小明 served 2015 to date and was not in post in 2014")
