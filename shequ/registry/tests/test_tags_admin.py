"""Tags are created and re-scoped by the city administrator only (API and page); every change is audited old → new,
and a change of visible lines takes effect at once on the residents a line sees."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from shequ.core.models import AuditLog
from shequ.core.roles import Role
from shequ.core.testing.clients import ApiClient, login
from shequ.core.testing.clients import assert_error as error
from shequ.core.testing.factories import make_user
from shequ.registry import services
from shequ.registry.models import Tag
from shequ.registry.services.tags import can_manage_tags, tag_create, tag_update

BASE = "/api/v1/registry"
NON_ADMINS = ("analyst", "district_officer", "subdistrict_officer", "worker", "grid_worker", "auditor",
              "resident_user", "outsider")
NEW_TAG = {"code": "pregnant", "name": "孕产妇", "name_en": "Pregnant or postpartum", "owner_line": "health",
           "visible_lines": ["health", "civil_affairs"], "sensitive": True}


class Api(ApiClient):
    base = BASE


def _tag_rows() -> list[Any]:
    return list(Tag.objects.order_by("pk").values())


def test_named_operations():
    assert reverse("api:registry_tags") == BASE + "/tags"
    assert reverse("api:registry_tag", kwargs={"code": "dibao"}) == BASE + "/tags/dibao"
    assert reverse("registry:tag_edit", args=["dibao"]) == "/registry/tags/dibao/edit/"


def test_only_the_city_administrator_may_manage_tags(world):
    assert can_manage_tags(world.admin)
    before = _tag_rows()
    audit_before = AuditLog.objects.count()
    for role in NON_ADMINS:
        user = getattr(world, role)
        assert not can_manage_tags(user), role
        api = Api(user)
        error(api.send("POST", "/tags", NEW_TAG), 403, "permission_denied")
        # elderly is open to every line and not sensitive: every viewer sees it, so the answer is 403 ...
        error(api.send("PATCH", "/tags/elderly", {"visible_lines": ["party"]}), 403, "permission_denied")
        client = login(user)
        assert client.post(reverse("registry:tag_list"), {**NEW_TAG, "visible_lines": "health"}).status_code == 403
        assert client.get(reverse("registry:tag_edit", args=["elderly"])).status_code == 403
        assert client.post(reverse("registry:tag_edit", args=["elderly"]), {"name": "改", "owner_line": "party"}) \
            .status_code == 403
    # ... while a tag the viewer's lines cannot see answers like one that does not exist
    for user in (world.resident_user, make_user("party_worker", Role.COMMUNITY_WORKER, world.community,
                                                work_lines=["party"])):
        hidden = error(Api(user).send("PATCH", "/tags/dibao", {"sensitive": False}), 404)
        assert hidden == error(Api(user).send("PATCH", "/tags/no_such_tag", {"sensitive": False}), 404)
    assert _tag_rows() == before
    assert AuditLog.objects.count() == audit_before


def test_admin_creates_a_tag_and_the_audit_row_records_it(world):
    response = Api(world.admin).send("POST", "/tags", {**NEW_TAG, "code": " Pregnant "})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == "pregnant" and body["owner_line"] == "health"
    assert body["visible_lines"] == ["health", "civil_affairs"] and body["sensitive"] is True
    tag = Tag.objects.get(code="pregnant")
    row = AuditLog.objects.get(action="tag.create", entity_id=str(tag.pk))
    assert row.entity_type == "tag" and row.actor == world.admin and row.area_code == world.city.code
    assert row.changes["code"] == [None, "pregnant"]
    assert row.changes["visible_lines"] == [None, ["health", "civil_affairs"]]
    assert row.changes["sensitive"] == [None, True]
    # the new tag can be given to residents by the lines that see it
    services.resident_tag_add(actor=world.worker, resident=world.wang, tag="pregnant")
    assert "pregnant" in [t["code"] for t in Api(world.worker).get(f"/residents/{world.wang.pk}").json()["tags"]]


def test_duplicates_and_unknown_lines_are_refused_with_field_details(world):
    api = Api(world.admin)
    before = _tag_rows()
    body = error(api.send("POST", "/tags", {**NEW_TAG, "code": "DIBAO"}), 422, "validation_failed")
    assert "dibao" in body["details"]["code"][0]
    body = error(api.send("POST", "/tags", {**NEW_TAG, "name": "低保", "name_en": "minimum LIVING allowance"}), 422)
    assert set(body["details"]) == {"name", "name_en"}
    body = error(api.send("POST", "/tags", {**NEW_TAG, "owner_line": "police", "visible_lines": ["health", "x"]}),
                 422)
    assert set(body["details"]) == {"owner_line", "visible_lines"}
    assert "police" in body["details"]["owner_line"][0] and "x" in body["details"]["visible_lines"][0]
    body = error(api.send("POST", "/tags", {**NEW_TAG, "code": "1-bad code"}), 422)
    assert set(body["details"]) == {"code"}
    # an update may not take another tag's name, nor change the code (the key of imports, exports and the API)
    body = error(api.send("PATCH", "/tags/shidu", {"name": "低保"}), 422)
    assert set(body["details"]) == {"name"}
    error(api.send("PATCH", "/tags/shidu", {"code": "lost_child"}), 422)
    assert _tag_rows() == before
    assert not AuditLog.objects.filter(entity_type="tag").exists()


def test_update_is_audited_old_to_new_and_unchanged_saves_write_nothing(world):
    api = Api(world.admin)
    response = api.send("PATCH", "/tags/shidu", {"owner_line": "civil_affairs", "visible_lines": ["civil_affairs"],
                                                 "sensitive": False})
    assert response.status_code == 200, response.content
    assert response.json()["visible_lines"] == ["civil_affairs"]
    row = AuditLog.objects.get(action="tag.update")
    assert row.changes == {
        "owner_line": ["health", "civil_affairs"],
        "visible_lines": [["health", "civil_affairs"], ["civil_affairs"]],
        "sensitive": [True, False],
    }
    assert row.area_code == world.city.code and row.summary.startswith("shidu")
    # the same values again: nothing changed, nothing audited; an empty list opens the tag to every line
    api.send("PATCH", "/tags/shidu", {"owner_line": "civil_affairs"})
    assert AuditLog.objects.filter(action="tag.update").count() == 1
    assert api.send("PATCH", "/tags/shidu", {"visible_lines": []}).json()["visible_lines"] == []
    assert Tag.objects.get(code="shidu").visible_lines == []


def test_a_line_that_loses_visibility_no_longer_sees_the_tag_on_a_resident(world):
    health = make_user("health_worker", Role.COMMUNITY_WORKER, world.community, work_lines=["health"])
    civil = make_user("civil_worker", Role.COMMUNITY_WORKER, world.community, work_lines=["civil_affairs"])
    services.resident_tag_add(actor=world.admin, resident=world.wang, tag="shidu")
    detail = reverse("registry:resident_detail", args=[world.wang.pk])

    def sees(user) -> tuple[bool, bool, bool]:  # type: ignore[no-untyped-def]
        page = login(user).get(detail).content.decode()
        api = Api(user)
        tags = [t["code"] for t in api.get(f"/residents/{world.wang.pk}").json()["tags"]]
        listed = api.get("/residents", tag="shidu").json()["count"]
        return "失独" in page, "shidu" in tags, listed == 1

    assert sees(health) == (True, True, True)
    assert sees(civil) == (True, True, True)
    Api(world.admin).send("PATCH", "/tags/shidu", {"owner_line": "civil_affairs", "visible_lines": ["civil_affairs"]})
    assert sees(health) == (False, False, False)
    assert sees(civil) == (True, True, True)
    # and the lost line may no longer give or take the tag
    error(Api(health).send("DELETE", f"/residents/{world.wang.pk}/tags/shidu"), 422)
    assert world.wang.resident_tags.filter(tag__code="shidu").exists()


def test_services_refuse_non_admins_directly(world):
    import pytest

    from shequ.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        tag_create(actor=world.district_officer, code="x_tag", name="某标签", owner_line="party")
    with pytest.raises(PermissionDenied):
        tag_update(actor=world.worker, tag=Tag.objects.get(code="elderly"), sensitive=True)
    assert not Tag.objects.filter(code="x_tag").exists()
    assert Tag.objects.get(code="elderly").sensitive is False


# -- the page ----------------------------------------------------------------------------------------


def test_tags_page_lists_what_the_viewer_sees_and_only_admin_gets_forms(world):
    url = reverse("registry:tag_list")
    party = make_user("party_worker", Role.COMMUNITY_WORKER, world.community, work_lines=["party"])
    page = login(party).get(url).content.decode()
    assert "党员" in page and "高龄" in page and "低保" not in page
    assert 'name="code"' not in page and reverse("registry:tag_edit", args=["party_member"]) not in page
    admin_page = login(world.admin).get(url).content.decode()
    assert "低保" in admin_page and 'name="code"' in admin_page
    assert reverse("registry:tag_edit", args=["dibao"]) in admin_page
    # the top bar links to it for registry viewers
    assert f'href="{url}"' in login(world.worker).get(reverse("registry:resident_list")).content.decode()


def test_admin_creates_and_edits_on_the_page(world):
    client = login(world.admin)
    url = reverse("registry:tag_list")
    form = {"code": "pregnant", "name": "孕产妇", "name_en": "Pregnant", "owner_line": "health",
            "visible_lines": ["health", "civil_affairs"], "sensitive": "on"}
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()
    tag = Tag.objects.get(code="pregnant")
    assert tag.visible_lines == ["health", "civil_affairs"] and tag.sensitive
    duplicate = client.post(url, {**form, "name": "另一个"})
    assert duplicate.status_code == 422
    body = duplicate.content.decode()
    field = body[body.index('for="id_code"'):]
    assert "已被使用" in field[: field.index("</div>")]
    assert Tag.objects.filter(code="pregnant").count() == 1

    edit = reverse("registry:tag_edit", args=["pregnant"])
    page = client.get(edit).content.decode()
    assert 'value="孕产妇"' in page and 'name="code"' not in page
    response = client.post(edit, {"name": "孕产妇", "name_en": "Pregnant", "owner_line": "civil_affairs"})
    assert response.status_code == 302
    tag.refresh_from_db()
    assert tag.owner_line == "civil_affairs" and tag.visible_lines == [] and not tag.sensitive
    row = AuditLog.objects.get(action="tag.update", entity_id=str(tag.pk))
    assert row.changes["owner_line"] == ["health", "civil_affairs"]
    assert client.get(reverse("registry:tag_edit", args=["nothing"])).status_code == 404
