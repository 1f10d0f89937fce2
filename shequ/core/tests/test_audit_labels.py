"""The audit pages name actions, objects and fields in the page's language, show what foreign keys and area codes
point to, and show what an export was filtered by; unknown codes are shown as they are."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from shequ.core import audit_labels
from shequ.core.audit import access_record, audit_record
from shequ.core.models import AccessLog
from shequ.registry import services

SPAN = r'<span class="{cls}" title="([^"]*)">([^<]*)</span>'


def _spans(page: str, cls: str) -> list[tuple[str, str]]:
    """(raw code, shown label) of every labelled span of a class."""
    return [(code, html.unescape(text)) for code, text in re.findall(SPAN.format(cls=cls), page)]


def _rows(page: str, cls: str) -> list[str]:
    return re.findall(rf'<tr class="{cls}">(.*?)</tr>', page, flags=re.S)


def _text(fragment: str) -> str:
    """A row's text as read: tags dropped, line breaks and cell boundaries as spaces."""
    spaced = re.sub(r"<br>|</td>", " ", fragment)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", spaced))).strip()


@pytest.fixture
def moved(world):
    """李娜 moves from 长青社区's first grid to a household of 花园社区: household, relation and area change."""
    w = world
    w.building_b = services.building_create(actor=w.admin, community=w.community_b, address="花园路2号")
    w.household_b = services.household_create(actor=w.admin, building=w.building_b, room="302")
    services.resident_move(actor=w.admin, resident=w.li, household=w.household_b, relation="other", reason="搬家")
    services.resident_update(actor=w.worker, resident=w.wang, phone="13800001111")
    return w


def _page(client: Client, user, **params) -> str:  # type: ignore[no-untyped-def]
    client.force_login(user)
    response = client.get("/audit/", params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_chinese_page_names_actions_objects_and_fields(moved):
    page = _page(Client(), moved.auditor, tab="writes")
    actions = _spans(page, "audit-action")
    assert ("resident.update", "修改居民信息") in actions
    assert ("resident.move", "居民迁户") in actions
    assert ("household.create", "新增户") in actions
    # the label is what the cell shows; the raw code stays beside it for searching
    assert all(code != text for code, text in actions)
    assert '<small class="muted">resident.update</small>' in page
    assert ("resident", "居民") in _spans(page, "audit-entity")
    fields = set(_spans(page, "audit-field"))
    assert {("phone", "联系电话"), ("household_id", "户"), ("area_code", "区划代码")} <= fields
    assert ("relation", "与户主关系") in fields
    # the action filter offers labels, filtering by the code
    assert '<option value="resident.update" title="resident.update" >修改居民信息</option>' in page


def test_the_english_page_shows_the_english_labels(moved):
    client = Client()
    client.force_login(moved.auditor)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = _page(client, moved.auditor, tab="writes")
    actions = dict(_spans(page, "audit-action"))
    assert actions["resident.update"] == "Edit resident"
    assert actions["resident.move"] == "Move resident to another household"
    fields = dict(_spans(page, "audit-field"))
    assert fields["phone"] == "Phone"
    assert "修改居民信息" not in page and "居民迁户" not in page


def test_changed_values_show_what_they_point_to(moved):
    """Household ids as 户 #id (户号 for whoever may see the registry), area codes with their names, choices by
    their label; the auditor of the district has no registry view."""
    w = moved
    rows = [_text(r) for r in _rows(_page(Client(), w.auditor, tab="writes", action="resident.move"), "write-row")]
    assert len(rows) == 1
    move = rows[0]
    assert f"户: 户 #{w.household.pk} → 户 #{w.household_b.pk}" in move
    assert f"区划代码: 长青社区第一网格（{w.grid.code}） → 花园社区（{w.community_b.code}）" in move
    assert "与户主关系: 配偶 → 其他" in move
    assert f"花园社区（{w.community_b.code}）" in move  # the row's own area, by name
    assert w.household_b.number not in move  # no registry view: the id only

    admin = [_text(r) for r in _rows(_page(Client(), w.admin, tab="writes", action="resident.move"), "write-row")]
    assert f"户: 户号 {w.household.number} → 户号 {w.household_b.number}" in admin[0]
    # the household's building, by address for the admin, by id for the auditor
    created = _rows(_page(Client(), w.admin, tab="writes", action="household.create"), "write-row")
    assert any("楼栋: — → 花园路2号" in _text(r) for r in created)
    created = _rows(_page(Client(), w.auditor, tab="writes", action="household.create"), "write-row")
    assert any(f"楼栋: — → 楼栋 #{w.building_b.pk}" in _text(r) for r in created)


def test_the_page_reads_references_with_one_query_per_kind(moved):
    w = moved
    client = Client()
    _page(client, w.admin, tab="writes")  # warm the session and the scope

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            _page(client, w.admin, tab="writes")
        return len(ctx.captured_queries)

    before = queries()
    for room in ("401", "402", "403"):
        household = services.household_create(actor=w.admin, building=w.building_b, room=room)
        services.resident_move(actor=w.admin, resident=w.wang, household=household, relation="other")
    assert queries() == before


def test_unknown_codes_are_shown_as_they_are(world):
    w = world
    audit_record(
        actor=w.admin,
        action="widget.polish",
        entity_type="widget",
        entity_id=7,
        area_code=w.community.code,
        changes={"shine": [1, 2], "phone": [None, "13812345678"]},
    )
    page = _page(Client(), w.auditor, tab="writes")
    assert ("widget.polish", "widget.polish") in _spans(page, "audit-action")
    assert ("widget", "widget") in _spans(page, "audit-entity")
    assert ("shine", "shine") in _spans(page, "audit-field")
    assert '<small class="muted">widget.polish</small>' not in page  # no second copy of an unlabelled code
    assert "13812345678" not in page  # still masked
    assert audit_labels.action_label("widget.polish") == "widget.polish"
    assert audit_labels.entity_label("widget") == "widget"
    assert audit_labels.field_label("resident", "shine") == "shine"
    assert audit_labels.field_label("widget", "area_code") == "区划代码"


def test_an_export_row_shows_its_filters_and_row_count(world):
    w = world
    access_record(
        actor=w.worker,
        kind=AccessLog.Kind.EXPORT,
        entity_type="resident",
        reason="导出低保对象名册",
        area_code=w.community.code,
        row_count=2,
        query={"q": "431302198503041234", "area": w.community.code, "status": "active", "tag": "", "unmask": False},
    )
    page = _page(Client(), w.auditor, tab="access")
    rows = [_text(r) for r in _rows(page, "access-row") if "导出低保对象名册" in r]
    assert len(rows) == 1
    row = rows[0]
    assert "搜索: 4313**********1234" in row  # masked like the API's
    assert f"区划: 长青社区（{w.community.code}）" in row
    assert "状态: 在册" in row
    assert "含完整身份号码和电话: 否" in row
    assert "2 行" in row
    assert "标签:" not in row  # an empty filter is left out
    assert "431302198503041234" not in page


def test_a_household_export_row_names_its_building_and_the_heads_fields(world):
    """A filter holding a building's id shows its address to whoever may see it, the id to the others; fields
    reached through a foreign key (`head.phone`) are named through it."""
    w = world
    access_record(
        actor=w.worker,
        kind=AccessLog.Kind.EXPORT,
        entity_type="household",
        fields="head.id_number,head.phone",
        reason="导出户列表核对",
        area_code=w.community.code,
        row_count=1,
        query={"q": "", "area": w.community.code, "kind": "permanent", "building": w.building.pk, "unmask": True},
    )

    def row(user) -> str:  # type: ignore[no-untyped-def]
        page = _page(Client(), user, tab="access")
        return next(_text(r) for r in _rows(page, "access-row") if "导出户列表核对" in r)

    admin, auditor = row(w.admin), row(w.auditor)
    assert "户主的公民身份号码、户主的联系电话" in admin
    assert "户别: 常住" in admin and f"楼栋: {w.building.address}" in admin
    assert f"楼栋: 楼栋 #{w.building.pk}" in auditor and w.building.address not in auditor
    assert "含完整身份号码和电话: 是" in auditor


def test_an_unmask_row_names_the_fields_it_showed(world):
    from shequ.registry.privacy import resident_unmask

    resident_unmask(actor=world.worker, resident=world.wang, reason="核对低保申请材料")
    page = _page(Client(), world.auditor, tab="access")
    assert ("id_number", "公民身份号码") in _spans(page, "audit-field")
    assert ("phone", "联系电话") in _spans(page, "audit-field")
    row = next(_text(r) for r in _rows(page, "access-row") if "核对低保申请材料" in r)
    assert f"居民 #{world.wang.pk}" in row and f"resident #{world.wang.pk}" in row


# --- every action written has a label -----------------------------------------------------------------

_ACTION_LITERAL = re.compile(r"""action=["']([a-z_]+(?:\.[a-z_]+)?)["']""")
_ACTION_CONSTANT = re.compile(r"""^\w*(?:ACTION|EVENT)\w*\s*=\s*["']([a-z_.]+)["']""", re.M)
_AUDIT_HELPER = re.compile(r"""_audit\w*\([^)]*?["']([a-z_]+\.[a-z_]+)["']""")
_DEFAULT_ACTION = re.compile(r"""action: str = ["']([a-z_]+\.[a-z_]+)["']""")


def _actions_in_source() -> set[str]:
    """The action codes written as literals: `action="…"`, ACTION (and incident EVENT) constants,
    `_audit(…, "x.y")` helpers and `action: str = "x.y"` defaults. add_argument's `action=` is argparse's."""
    found: set[str] = set()
    for path in (Path(settings.BASE_DIR) / "shequ").rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        lines = "\n".join(line for line in text.splitlines() if "add_argument" not in line)
        for pattern in (_ACTION_LITERAL, _ACTION_CONSTANT, _AUDIT_HELPER, _DEFAULT_ACTION):
            found.update(pattern.findall(lines))
    return found


def _labelled(code: str) -> bool:
    # incident steps are recorded as Event actions ("dispatch") and audited as "incident.dispatch"
    return audit_labels.action_label(code) != code or audit_labels.action_label(f"incident.{code}") != code


def test_every_action_in_the_source_has_a_label():
    found = _actions_in_source()
    assert {"resident.update", "user.create", "action_item.open", "standards.recompute", "publish"} <= found
    assert sorted(code for code in found if not _labelled(code)) == []
    # the ones built from parts
    built = [f"{e}.{v}" for e in ("operating_fund", "project_fund", "policy_version") for v in ("create", "update")]
    built += ["policy_version.delete", "operating_fund.delete", "project_fund.delete", "incident.note"]
    assert [code for code in built if audit_labels.action_label(code) == code] == []


def test_every_entity_type_has_a_name():
    with translation.override("zh-hans"):
        for entity in (*audit_labels.ENTITY_MODELS, *audit_labels.ENTITY_LABELS, "elections.Voter"):
            assert audit_labels.entity_label(entity) != entity, entity
