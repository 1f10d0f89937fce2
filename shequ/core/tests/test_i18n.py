"""zh-Hans by default, with a complete English switch.

The source language is Simplified Chinese (every msgid is Chinese); locale/en holds the English catalogue.
These tests fail when that catalogue has an untranslated or fuzzy entry, when it lags behind the source
(a string added without a translation), when the compiled .mo is stale, when a page still shows Chinese
interface text in English, and when an API error does not follow the request's language.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

EN_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_PATH = EN_DIR / "django.po"
MO_PATH = EN_DIR / "django.mo"
# Python %-placeholders: %(name)s, %(n)d, %(s).1f, %s ...
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
IDEOGRAPHS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def _entries(po: polib.POFile) -> list[polib.POEntry]:
    return [e for e in po if not e.obsolete]


def _placeholders(text: str) -> list[str]:
    return sorted(m.group(0) for m in PLACEHOLDER.finditer(text))


def catalogue_problems(po: polib.POFile) -> list[str]:
    """Every way an entry can fall short of a complete translation."""
    problems = []
    if po.metadata_is_fuzzy:
        problems.append("the header is marked fuzzy")
    if po.metadata.get("Plural-Forms", "").replace(" ", "") != "nplurals=2;plural=(n!=1);":
        problems.append(f"unexpected Plural-Forms: {po.metadata.get('Plural-Forms')!r}")
    for entry in _entries(po):
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.msgid!r}")
        if entry.msgid_plural:
            pairs = [
                (entry.msgid, entry.msgstr_plural.get(0, "")),
                (entry.msgid_plural, entry.msgstr_plural.get(1, "")),
            ]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, translated in pairs:
            if not translated.strip():
                problems.append(f"untranslated: {source!r}")
                continue
            if _placeholders(source) != _placeholders(translated):
                problems.append(f"placeholders differ: {source!r} -> {translated!r}")
            if sorted(HTML_TAG.findall(source)) != sorted(HTML_TAG.findall(translated)):
                problems.append(f"HTML differs: {source!r} -> {translated!r}")
    return problems


def test_english_catalogue_has_no_untranslated_or_fuzzy_entry():
    po = polib.pofile(str(PO_PATH))
    assert len(_entries(po)) > 100
    assert catalogue_problems(po) == []


def test_the_check_catches_gaps(tmp_path):
    """The completeness check itself: an empty, a fuzzy and a broken entry are each reported."""
    po = polib.POFile()
    po.metadata = {"Plural-Forms": "nplurals=2; plural=(n != 1);", "Content-Type": "text/plain; charset=UTF-8"}
    po.append(polib.POEntry(msgid="登录", msgstr="Log in"))
    assert catalogue_problems(po) == []
    po.append(polib.POEntry(msgid="退出", msgstr=""))
    po.append(polib.POEntry(msgid="首页", msgstr="Home", flags=["fuzzy"]))
    po.append(polib.POEntry(msgid="已新增 %(name)s", msgstr="Added %(nom)s", flags=["python-format"]))
    po.append(polib.POEntry(msgid="共 %(n)s 行", msgid_plural="共 %(n)s 行", msgstr_plural={0: "%(n)s row", 1: ""}))
    problems = catalogue_problems(po)
    assert len(problems) == 4, problems


def test_compiled_catalogue_matches_the_po_file():
    """django.mo is what Django reads: it must be compiled from the current django.po."""
    po = polib.pofile(str(PO_PATH))
    mo = polib.mofile(str(MO_PATH))
    compiled = {
        (e.msgctxt or "", e.msgid, e.msgid_plural or ""): (e.msgstr, dict(e.msgstr_plural)) for e in mo if e.msgid
    }
    stale = []
    for entry in _entries(po):
        got = compiled.get((entry.msgctxt or "", entry.msgid, entry.msgid_plural or ""))
        want = (entry.msgstr, {int(k): v for k, v in entry.msgstr_plural.items()})
        if got is None or (got[0], {int(k): v for k, v in got[1].items()}) != want:
            stale.append(entry.msgid)
    assert stale == [], "run: .venv/bin/python manage.py compilemessages -l en --ignore=.venv"


@pytest.mark.skipif(shutil.which("xgettext") is None or shutil.which("msgmerge") is None, reason="needs gettext")
def test_catalogue_covers_every_string_in_the_source(tmp_path):
    """makemessages over a copy of the source: a string added or changed since the catalogue was last
    translated shows up as an empty or fuzzy entry."""
    base = Path(settings.BASE_DIR)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "tests", "data")
    for name in ("config", "shequ", "templates"):
        shutil.copytree(base / name, tmp_path / name, ignore=skip)
    shutil.copytree(base / "locale", tmp_path / "locale")
    shutil.copy(base / "manage.py", tmp_path / "manage.py")
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings", "SHEQU_VAR_DIR": str(tmp_path / "var")}
    done = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    fresh = polib.pofile(str(tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    gaps = [p for p in catalogue_problems(fresh) if not p.startswith("unexpected Plural-Forms")]
    assert gaps == [], "strings without an English translation; run makemessages -l en, translate, then compilemessages"


# --- pages ----------------------------------------------------------------------------------------


def test_pages_are_chinese_by_default_and_english_after_switching(client, world):
    page = client.get("/login/")
    text = page.content.decode()
    assert page.headers["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in text
    assert "登录" in text and "用户名" in text and "Log in" not in text

    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert switched.status_code == 302 and switched.headers["Location"] == "/login/"
    page = client.get("/login/")
    text = page.content.decode()
    assert page.headers["Content-Language"] == "en"
    assert '<html lang="en">' in text
    assert "Log in" in text and "Username" in text and "Password" in text
    # nothing Chinese left but the switcher's way back
    assert set(IDEOGRAPHS.findall(text)) == {"简体中文"}

    # the choice sticks after logging in, and can be switched back
    client.force_login(world.worker)
    home = client.get("/").content.decode()
    assert "Residents" in home and "Log out" in home and "退出" not in home
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    home = client.get("/").content.decode()
    assert "退出" in home and "Log out" not in home


def test_failed_login_message_is_translated(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    text = client.post("/login/", {"username": "nobody", "password": "wrong-password"}).content.decode()
    assert "Incorrect username or password" in text


def _data_words(world) -> set[str]:  # type: ignore[no-untyped-def]
    """Chinese that is data, not interface: names, addresses, tags, and the import files' column headers
    (files are filled in Chinese whatever the interface language)."""
    from shequ.areas.models import Area
    from shequ.registry.importing.columns import COLUMNS
    from shequ.registry.models import Building, Household, Resident, ResidentUnit, Tag

    words = {"简体中文"}
    for model, fields in (
        (Area, ["name"]),
        (Resident, ["name"]),
        (Building, ["address", "compound"]),
        (Household, ["room"]),
        (ResidentUnit, ["name", "address"]),
        (Tag, ["name"]),
    ):
        for row in model.objects.values_list(*fields):
            for value in row:
                words.update(IDEOGRAPHS.findall(str(value or "")))
    for columns in COLUMNS.values():
        for column in columns:
            words.update(IDEOGRAPHS.findall(column.header))
    return words


def test_english_pages_show_no_untranslated_interface_text(client, world):
    """Every page a community worker and a city administrator use, in English: any Chinese left that is
    not data is interface text that escaped translation."""
    w = world
    allowed = _data_words(w)
    pages = {
        w.worker: [
            "/",
            "/registry/residents/",
            "/registry/residents/?q=wxm",
            f"/registry/residents/{w.wang.pk}/",
            f"/registry/residents/{w.wang.pk}/edit/",
            f"/registry/residents/{w.wang.pk}/move/",
            "/registry/residents/new/",
            "/registry/households/",
            f"/registry/households/{w.household.pk}/",
            "/registry/households/new/",
            "/registry/buildings/",
            f"/registry/buildings/{w.building.pk}/",
            "/registry/buildings/new/",
            "/registry/units/",
            "/registry/units/new/",
            "/areas/",
            f"/areas/{w.community.code}/",
            "/registry/import/",
            "/audit/?tab=mine",
            "/accounts/password/",
            "/accounts/tokens/",
            "/accounts/users/",
            "/registry/residents/999999/",
            "/audit/",
        ],
        w.admin: [
            "/",
            f"/areas/{w.subdistrict.code}/",
            "/accounts/users/",
            f"/accounts/users/{w.worker.pk}/",
            "/accounts/users/new/",
            "/audit/?tab=access",
            "/audit/?tab=writes",
        ],
    }
    leaks = {}
    for user, urls in pages.items():
        client.force_login(user)
        client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 403, 404), (url, response.status_code)
            body = re.sub(r"<script.*?</script>", "", response.content.decode(), flags=re.S)
            left = set(IDEOGRAPHS.findall(body)) - allowed
            if left:
                leaks[url] = sorted(left)
    assert leaks == {}


# --- API ------------------------------------------------------------------------------------------


def test_api_errors_follow_accept_language(client, world):
    url = "/api/v1/registry/residents"
    zh = client.get(url)
    assert zh.status_code == 401
    assert zh.json() == {"code": "unauthenticated", "message": "请先登录或提供有效的接口令牌。", "details": {}}
    en = client.get(url, headers={"accept-language": "en"})
    assert en.status_code == 401
    assert en.json()["message"] == "Please log in or provide a valid API token."

    client.force_login(world.worker)
    missing = client.get(f"{url}/999999", headers={"accept-language": "en-US,en;q=0.9"})
    assert missing.status_code == 404
    assert missing.json()["message"] == "Record not found."

    unmask = f"{url}/{world.wang.pk}/unmask"
    refused = client.post(unmask, {"reason": "看"}, content_type="application/json", headers={"accept-language": "en"})
    assert refused.status_code == 422
    body = refused.json()
    assert body["code"] == "validation_failed"
    assert body["message"] == "Please state why you need to see this (at least 4 characters)"
    assert body["details"]["reason"] == [body["message"]]
    zh = client.post(unmask, {"reason": "看"}, content_type="application/json", headers={"accept-language": "zh-CN"})
    assert zh.json()["message"] == "请说明查看原因（至少 4 个字）"
