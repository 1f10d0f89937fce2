"""The compliance pages in zh-Hans (the default) and in English.

locale/en is merged by the integrator from locale/pending/*.json, so this test compiles that merge itself
(the current catalogue + every pending file) into a temporary locale directory: every Chinese string left in
an English page that is not data (names of areas and communities, policy names and citations, room names)
is interface text without a translation in locale/pending/dashboard.json.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import override_settings

from shequ.standards.tests import test_dashboard_data as data

IDEOGRAPHS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
BASE = Path(settings.BASE_DIR) / "locale"


@pytest.fixture
def cworld(world):  # type: ignore[no-untyped-def]
    return data.build(world)


@pytest.fixture
def english_catalogue(tmp_path):  # type: ignore[no-untyped-def]
    po = polib.pofile(str(BASE / "en" / "LC_MESSAGES" / "django.po"))
    known = {e.msgid: e for e in po if not e.obsolete}
    for path in sorted((BASE / "pending").glob("*.json")):
        for msgid, msgstr in json.loads(path.read_text()).items():
            entry = known.get(msgid)
            if entry is None:
                entry = polib.POEntry(msgid=msgid)
                po.append(entry)
                known[msgid] = entry
            if not entry.msgstr or path.name == "dashboard.json":
                entry.msgstr = msgstr
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
    out = tmp_path / "en" / "LC_MESSAGES"
    out.mkdir(parents=True)
    po.save_as_mofile(str(out / "django.mo"))
    with override_settings(LOCALE_PATHS=[str(tmp_path)]):
        yield


def _data_words(w) -> set[str]:  # type: ignore[no-untyped-def]
    from shequ.areas.models import Area
    from shequ.standards.models import ComplianceResult, PolicySet, PolicyVersion

    words = {"简体中文"}
    values = list(Area.objects.values_list("name", flat=True))
    values += list(PolicySet.objects.values_list("name", flat=True))
    values += list(PolicyVersion.objects.values_list("citation", flat=True))
    for detail in ComplianceResult.objects.values_list("detail", flat=True):
        values.append(json.dumps(detail, ensure_ascii=False))
    for value in values:
        words.update(IDEOGRAPHS.findall(value))
    return words


def _main(html: str) -> str:
    """The page's own content: <main> without scripts (the top bar is shared by every page)."""
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    return re.sub(r"<script.*?</script>", "", main, flags=re.S)


def test_pages_are_chinese_by_default(client, cworld):
    client.force_login(cworld.world.admin)
    html = client.get("/standards/", {"area": "4313"}).content.decode()
    assert '<html lang="zh-hans">' in html and "社区建设达标情况" in html and "分项达标情况" in html


def test_english_pages_leave_no_interface_text_untranslated(client, cworld, english_catalogue):
    w = cworld.world
    allowed = _data_words(w)
    client.force_login(w.admin)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    urls = [
        "/standards/?area=4313",
        "/standards/?area=431302",
        "/standards/?area=431302001",
        "/standards/?area=4313&year=2010",
        "/standards/?area=4313&year=20x4",
        "/standards/rule/premises_area/?area=4313&status=all",
        "/standards/rule/functional_rooms/?area=4313",
        "/standards/rule/base_pay/?area=4313&status=all",
        "/standards/rule/service_centre/?area=4313&status=all",
        "/standards/rule/staffing/?area=4313&status=all",
        "/standards/community/431302001001/",
        "/standards/community/431302001002/",
        "/standards/problems/?area=4313",
        "/standards/problems/?area=431302001",
        "/standards/problems/?area=4313&year=2010",
    ]
    leaks = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 422), url
        left = set(IDEOGRAPHS.findall(_main(response.content.decode()))) - allowed
        if left:
            leaks[url] = sorted(left)
    assert leaks == {}
    html = client.get("/standards/", {"area": "4313"}).content.decode()
    assert '<html lang="en">' in html and "Community standards compliance" in html
    assert "娄底市: 2 communities/villages with service premises under 400 m²" in html
    report = client.get("/api/v1/standards/problems", {"area": "4313"}, headers={"accept-language": "en"}).json()
    assert report["paragraphs"][0]["number"] == "1. "
    assert report["paragraphs"][0]["lines"][0]["names"] == ["长青社区 (short by 48 m²)"]
