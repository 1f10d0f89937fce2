"""Facilities and funding in both languages: zh-Hans by default, and English complete.

English is checked against the catalogue the integrator will build (locale/en + locale/pending/facilities.json,
compiled into a temporary directory), so these tests hold before and after the merge: every string of these apps
has an English translation, and the English pages show no Chinese except data (names, addresses, policy items).
"""

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

from shequ.facilities import services as facility_services
from shequ.facilities.tests.helpers import PLAQUES, ROOMS, UNIFICATIONS, image_bytes, premises_fields, upload
from shequ.funding import services as fund_services

BASE = Path(settings.BASE_DIR)
PENDING = BASE / "locale" / "pending" / "facilities.json"
PO_PATH = BASE / "locale" / "en" / "LC_MESSAGES" / "django.po"
SOURCES = ("shequ/facilities", "shequ/funding", "templates/facilities", "templates/funding")
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy", "ngettext", "ngettext_lazy"}
IDEOGRAPHS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def _pending() -> dict[str, str]:
    return json.loads(PENDING.read_text(encoding="utf-8")) if PENDING.exists() else {}


def _python_msgids(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and node.args:
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            first = node.args[0]
            if name in GETTEXT_NAMES and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value)
    return found


def _template_msgids(path: Path) -> set[str]:
    text = templatize(path.read_text(encoding="utf-8"))
    return {ast.literal_eval(m) for m in re.findall(r"gettext\((u?'(?:[^'\\]|\\.)*')\)", text)}


def source_msgids() -> set[str]:
    found: set[str] = set()
    for source in SOURCES:
        for path in (BASE / source).rglob("*"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            if path.suffix == ".py":
                found |= _python_msgids(path)
            elif path.suffix == ".html":
                found |= _template_msgids(path)
    return found


def english_catalogue() -> dict[str, str]:
    catalogue = {e.msgid: e.msgstr for e in polib.pofile(str(PO_PATH)) if e.msgstr and not e.obsolete}
    for msgid, msgstr in _pending().items():
        catalogue.setdefault(msgid, msgstr)
    return catalogue


def test_every_string_has_an_english_translation():
    msgids = source_msgids()
    assert len(msgids) > 100  # the extraction itself works
    catalogue = english_catalogue()
    assert sorted(m for m in msgids if not catalogue.get(m)) == []


def test_the_extraction_sees_templates_and_python():
    msgids = source_msgids()
    assert "确定要删除“%(what)s”吗？" in msgids  # a blocktrans with a variable
    assert "面积必须大于 0" in msgids and "市级财政" in msgids  # services, model choices


def test_pending_placeholders_match():
    placeholder = re.compile(r"%\(\w+\)[sd]")
    bad = {k: v for k, v in _pending().items() if sorted(placeholder.findall(k)) != sorted(placeholder.findall(v))}
    assert bad == {}


@pytest.fixture
def english(settings, tmp_path):  # type: ignore[no-untyped-def]
    """The merged English catalogue, compiled where Django looks for it in this test."""
    po = polib.pofile(str(PO_PATH))
    have = {e.msgid for e in po}
    for msgid, msgstr in _pending().items():
        if msgid in have:
            entry = po.find(msgid)
            if entry is not None and not entry.msgstr:
                entry.msgstr = msgstr
        else:
            po.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
    target = tmp_path / "locale" / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    po.save_as_mofile(str(target / "django.mo"))
    settings.LOCALE_PATHS = [str(tmp_path / "locale")]


def _data_words(world) -> set[str]:  # type: ignore[no-untyped-def]
    from shequ.areas.models import Area
    from shequ.facilities.models import Premises
    from shequ.funding.models import ProjectFund

    words = {"简体中文"}
    values = [*ROOMS, *UNIFICATIONS, *PLAQUES, "其他："]
    values += [v for row in Area.objects.values_list("name") for v in row]
    values += [v for row in Premises.objects.values_list("name", "address", "note") for v in row]
    values += [v for row in Premises.objects.values_list("plaques", "unifications") for items in row for v in items]
    values += [v for row in ProjectFund.objects.values_list("name", "note") for v in row]
    for value in values:
        words.update(IDEOGRAPHS.findall(str(value or "")))
    return words


def test_pages_in_both_languages(world, english, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    premises = facility_services.premises_create(
        actor=world.worker, community=world.community, **premises_fields(plaques=[*PLAQUES, "其他：物业公司"])
    )
    facility_services.premises_create(
        actor=world.worker, community=world.community,
        **premises_fields(address="旧址", year_from=2015, year_to=2016, rooms={}, unifications=[], plaques=[]),
    )
    photo = facility_services.photo_add(actor=world.worker, premises=premises, upload=upload(image_bytes()))
    fund = fund_services.operating_fund_create(
        actor=world.worker, community=world.community, year=2020, source="city", amount=100
    )
    project = fund_services.project_fund_create(
        actor=world.worker, community=world.community, year=2020, name="助老食堂", amount=100
    )
    code = world.community.code
    urls = [
        reverse("facilities:index"),
        reverse("facilities:community", args=[code]),
        reverse("facilities:premises_new", args=[code]),
        reverse("facilities:premises_edit", args=[premises.pk]),
        reverse("facilities:premises_delete", args=[premises.pk]),
        reverse("facilities:photo_add", args=[premises.pk]),
        reverse("facilities:photo_delete", args=[photo.pk]),
        reverse("funding:index") + "?year=2020",
        reverse("funding:community", args=[code]),
        reverse("funding:operating_new", args=[code]),
        reverse("funding:operating_edit", args=[fund.pk]),
        reverse("funding:operating_delete", args=[fund.pk]),
        reverse("funding:project_new", args=[code]),
        reverse("funding:project_edit", args=[project.pk]),
        reverse("funding:project_delete", args=[project.pk]),
    ]
    client = Client()
    client.force_login(world.worker)
    chinese = client.get(urls[1]).content.decode()
    assert '<html lang="zh-hans">' in chinese and "功能室" in chinese and "五统一" in chinese

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    allowed = _data_words(world)
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
    assert "No longer in use" in client.get(urls[1]).content.decode()  # premises, not an account: "已停用" in context
    # errors, too, come in English
    bad = client.post(reverse("facilities:premises_new", args=[code]), {"address": "x", "floor_area_m2": "0",
                                                                         "year_from": "1900", "tenure": "owned"})
    assert bad.status_code == 422
    text = bad.content.decode()
    assert "The year must be between" in text and "The area must be greater than 0" in text
    api = client.post("/api/v1/funding/operating", {"community_code": code, "year": 2020, "source": "x",
                                                    "amount": -1}, content_type="application/json",
                      headers={"accept-language": "en"})
    assert api.status_code == 422 and api.json()["details"]["amount"] == ["The amount must be greater than 0"]
