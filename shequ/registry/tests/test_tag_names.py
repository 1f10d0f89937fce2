"""A tag's English name (name_en) is shown wherever its name is, when the language is English."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from shequ.core.testing.clients import login, page_text
from shequ.registry.importing.engine import run_import
from shequ.registry.importing.testing import read_xlsx
from shequ.registry.models import Tag


def _client(user, language):
    client = login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_display_name_follows_the_language_and_falls_back(db):
    tag = Tag(code="t", name="党员", name_en="Party member")
    with translation.override("en"):
        assert tag.display_name == "Party member"
        assert Tag(code="u", name="低保", name_en="").display_name == "低保"
    with translation.override("zh-hans"):
        assert tag.display_name == "党员"


def test_pages_show_english_tag_names(world):
    english = _client(world.worker, "en")
    detail = page_text(english, reverse("registry:resident_detail", args=[world.wang.pk]))
    assert '<span class="tag">Party member</span>' in detail and "党员" not in detail
    assert ">Left-behind child or elder</option>" in detail  # the add-tag select
    listing = page_text(english, reverse("registry:resident_list"))
    assert ">Minimum living allowance</option>" in listing
    assert "Party member" in page_text(english, reverse("areas:detail", args=[world.community.code]))
    htmx = english.post(reverse("registry:resident_tag_add", args=[world.li.pk]), {"tag": "elderly"},
                        HTTP_HX_REQUEST="true")
    assert "Advanced age (80+)" in htmx.content.decode()
    chinese = page_text(_client(world.worker, "zh-hans"), reverse("registry:resident_detail", args=[world.wang.pk]))
    assert '<span class="tag">党员</span>' in chinese


def test_api_tag_lists_name_the_tags_in_the_requests_language(world):
    client = login(world.worker)
    tags = client.get("/api/v1/registry/tags", HTTP_ACCEPT_LANGUAGE="en").json()
    party = next(t for t in tags if t["code"] == "party_member")
    assert party["display_name"] == "Party member" and party["name"] == "党员"
    chinese = client.get("/api/v1/registry/tags", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert next(t for t in chinese if t["code"] == "party_member")["display_name"] == "党员"
    area = client.get(f"/api/v1/areas/{world.community.code}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert {"tag": "party_member", "name": "党员", "display_name": "Party member", "residents": 1} in area["tag_counts"]


def test_an_english_export_names_tags_in_english_and_imports_back(world, tmp_path):
    world.wang.resident_tags.create(tag=Tag.objects.get(code="left_behind"))
    response = _client(world.worker, "en").get(
        reverse("imports:export_residents"), {"unmask": "1", "reason": "数据核对测试"}
    )
    content = b"".join(response.streaming_content)
    rows = read_xlsx(content)
    wang = dict(zip(rows[0], next(r for r in rows if r[0] == "王小明"), strict=True))
    assert wang["标签"] == "Left-behind child or elder、Party member"  # by tag code
    path = tmp_path / "export.xlsx"
    path.write_bytes(content)
    result = run_import(kind="residents", path=path, filename=path.name, actor=world.worker, dry_run=True)
    assert result.all_valid and result.counts["unchanged"] == 2 and result.counts["created"] == 0
