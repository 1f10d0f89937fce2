"""The incident pages in both languages: zh-Hans by default, and English complete.

English is checked against the catalogue the integrator will build (locale/en + locale/pending/incidents.json,
compiled into a temporary directory), so these tests hold before and after the merge: every string of this app has
an English translation, and the English pages show no Chinese except data (names, addresses, descriptions)."""

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

from shequ.incidents.tests.helpers import report, upload, walk

BASE = Path(settings.BASE_DIR)
PENDING = BASE / "locale" / "pending" / "incidents.json"
PO_PATH = BASE / "locale" / "en" / "LC_MESSAGES" / "django.po"
SOURCES = ("shequ/incidents", "templates/incidents")
SKIP_PARTS = {"tests", "migrations", "open311"}
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
            if SKIP_PARTS & set(path.relative_to(BASE / source).parts):
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
    assert "附近可能重复的事件" in msgids  # a template
    assert "事件当前状态为“%(status)s”，不能执行“%(action)s”" in msgids  # a service
    assert "核查未通过，重新派遣" in msgids  # the transition table


def test_pending_placeholders_match():
    placeholder = re.compile(r"%\(\w+\)[sd]")
    bad = {k: v for k, v in _pending().items() if sorted(placeholder.findall(k)) != sorted(placeholder.findall(v))}
    assert bad == {}


def _all_pending() -> dict[str, str]:
    """Every helper's pending strings (the shared pages around ours carry theirs), ours last so they win."""
    merged: dict[str, str] = {}
    for path in sorted(PENDING.parent.glob("*.json")):
        if path != PENDING:
            merged.update(json.loads(path.read_text(encoding="utf-8")))
    merged.update(_pending())
    return merged


@pytest.fixture
def english(settings, tmp_path):  # type: ignore[no-untyped-def]
    """The merged English catalogue, compiled where Django looks for it in this test."""
    po = polib.pofile(str(PO_PATH))
    have = {e.msgid for e in po}
    for msgid, msgstr in _all_pending().items():
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


def _data_words() -> set[str]:
    from shequ.areas.models import Area
    from shequ.incidents.models import CalendarDay, Category, Department, Event, Incident
    from shequ.registry.models import Building

    words = {"简体中文"}
    values: list[object] = []
    values += [v for row in Area.objects.values_list("name") for v in row]
    values += [v for row in Building.objects.values_list("address", "compound") for v in row]
    values += [v for row in Category.objects.values_list("name", "group", "description", "keywords") for v in row]
    values += [v for row in Department.objects.values_list("name") for v in row]
    values += [v for row in CalendarDay.objects.values_list("name") for v in row]
    values += [v for row in Incident.objects.values_list("description", "address", "reporter_name") for v in row]
    values += [v for row in Event.objects.values_list("note", "data") for v in row]
    for value in values:
        words.update(IDEOGRAPHS.findall(str(value or "")))
    return words


def test_pages_in_both_languages(world, english):
    case = walk(report(world, photos=[upload()]), world.worker, "open", "dispatch")
    walk(case, world.worker, "escalate")
    other = report(world)
    urls = [
        reverse("incidents:list"),
        reverse("incidents:list") + "?status=open&overdue=1",
        reverse("incidents:report"),
        reverse("incidents:detail", args=[case.pk]),
        reverse("incidents:detail", args=[other.pk]),
        reverse("incidents:dashboard"),
        reverse("incidents:dashboard") + f"?area={world.community.code}",
        reverse("incidents:categories"),
        reverse("incidents:category_edit", args=[case.category_id]),
        reverse("incidents:departments"),
        reverse("incidents:holidays") + "?year=2026",
        reverse("incidents:report_duplicates") + f"?category={case.category_id}&building={world.building.pk}",
    ]
    client = Client()
    client.force_login(world.admin)
    chinese = client.get(urls[3]).content.decode()
    assert '<html lang="zh-hans">' in chinese and "办理记录" in chinese and "派遣" in chinese

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    allowed = _data_words()
    leaks = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = re.sub(r"<script.*?</script>", "", response.content.decode(), flags=re.S)
        if "duplicates" not in url:
            assert '<html lang="en">' in body
        left = set(IDEOGRAPHS.findall(body)) - allowed
        if left:
            leaks[url] = sorted(left)
    assert leaks == {}
    page = client.get(reverse("incidents:detail", args=[other.pk])).content.decode()
    assert "Dumped rubbish" in page  # the category's English name
    # errors, too, come in English
    bad = client.post(reverse("incidents:transition", args=[other.pk]), {"action": "close"})
    assert bad.status_code == 409 and "cannot" in bad.content.decode().lower()
    api = client.post(f"/api/v1/incidents/{other.pk}/transition", {"action": "close"},
                      content_type="application/json", headers={"accept-language": "en"})
    assert api.status_code == 409 and not IDEOGRAPHS.search(api.json()["message"])
