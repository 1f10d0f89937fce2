"""/api/v1/standards/policies: shapes, resolution, writes and the one error shape; same permissions as the
pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequ.core.models import AuditLog
from shequ.standards.models import ComplianceResult, PolicyVersion
from shequ.standards.tests.policy_factories import TOPIC, english_catalogue, make_policy_set, v2_values  # noqa: F401

BASE = "/api/v1/standards/policies"


@pytest.fixture
def ps(world):
    return make_policy_set()


def _as(client, user):
    client.force_login(user)
    return client


def _error_shape(body):
    assert set(body) == {"code", "message", "details"}
    return body


def test_list_shape(client, world, ps):
    body = _as(client, world.analyst).get(BASE).json()
    row = next(r for r in body if r["code"] == "test-standards")
    assert row == {
        "id": ps.set.pk,
        "code": "test-standards",
        "topic": TOPIC,
        "name": "测试社区标准",
        "name_en": "Test standards",
        "jurisdiction_code": "4313",
        "description": "",
        "current_version": {
            "id": ps.v2.pk,
            "number": 2,
            "effective_from": "2016-01-01",
            "effective_to": None,
            "citation": "娄民发〔2016〕58号",
        },
        "version_count": 2,
    }


def test_detail_has_versions_with_parameters(client, world, ps):
    body = _as(client, world.worker).get(f"{BASE}/{ps.set.pk}").json()
    assert [v["number"] for v in body["versions"]] == [1, 2]
    v1 = body["versions"][0]
    assert v1["effective_to"] == "2015-12-31" and v1["policy_set_code"] == "test-standards"
    params = {p["key"]: p for p in body["versions"][1]["parameters"]}
    assert params["premises_min_m2"] == {"key": "premises_min_m2", "kind": "m2", "value": "400", "label": ""}
    assert params["plaques"]["value"] == ["社区党组织", "社区居民委员会", "社区服务中心"]
    one = _as(client, world.worker).get(f"{BASE}/versions/{ps.v1.pk}").json()
    assert one == v1


@pytest.mark.parametrize("user", ["grid_worker", "auditor", "resident_user"])
def test_without_standards_view_everything_is_404(client, world, ps, user):
    c = _as(client, getattr(world, user))
    for url in [BASE, f"{BASE}/{ps.set.pk}", f"{BASE}/versions/{ps.v2.pk}", f"{BASE}/resolve?area=4313&year=2016"]:
        response = c.get(url)
        assert response.status_code == 404, url
        assert _error_shape(response.json())["code"] == "not_found"
    response = c.post(f"{BASE}/{ps.set.pk}/versions", {}, content_type="application/json")
    assert response.status_code in (404, 422)


def test_unauthenticated_is_401(client, ps):
    assert _error_shape(client.get(BASE).json())["code"] == "unauthenticated"


@pytest.mark.parametrize(
    ("year", "number"),
    [(2014, None), (2015, 1), (2016, 2), (2030, 2)],
)
def test_resolve_names_the_version_that_judges_a_community_in_a_year(client, world, ps, year, number):
    body = (
        _as(client, world.worker)
        .get(f"{BASE}/resolve", {"area": world.community.code, "year": year, "topic": TOPIC})
        .json()
    )
    assert (body["area"], body["year"], body["topic"]) == (world.community.code, year, TOPIC)
    if number is None:
        assert body["version"] is None and body["policy_set"] is None
    else:
        assert body["version"]["number"] == number and body["policy_set"]["code"] == "test-standards"
        assert {p["key"] for p in body["version"]["parameters"]} >= {"premises_min_m2", "plaques"}


def test_a_district_set_wins_for_its_communities(client, world, ps):
    make_policy_set(jurisdiction="431302", code="district-set")
    c = _as(client, world.admin)
    own = c.get(f"{BASE}/resolve", {"area": world.community.code, "year": 2016, "topic": TOPIC}).json()
    other = c.get(f"{BASE}/resolve", {"area": world.community2.code, "year": 2016, "topic": TOPIC}).json()
    assert own["policy_set"]["code"] == "district-set"
    assert other["policy_set"]["code"] == "test-standards"


def test_resolve_outside_the_viewers_subtree_is_404_and_bad_year_422(client, world, ps):
    c = _as(client, world.worker)
    assert c.get(f"{BASE}/resolve", {"area": world.community2.code, "year": 2016}).status_code == 404
    assert c.get(f"{BASE}/resolve", {"area": "999999999999", "year": 2016}).status_code == 404
    bad = c.get(f"{BASE}/resolve", {"area": world.community.code, "year": 20166})
    assert bad.status_code == 422 and _error_shape(bad.json())["code"] == "validation_failed"


def test_resolve_uses_the_seeded_loudi_policy(client, world):
    body = _as(client, world.analyst).get(f"{BASE}/resolve", {"area": world.community.code, "year": 2015}).json()
    assert body["policy_set"]["code"] == "loudi-community-standards" and body["version"]["number"] == 1
    keys = {p["key"] for p in body["version"]["parameters"]}
    assert "premises_min_m2" in keys and "operating_funds_min_urban" not in keys


def test_post_creates_a_version_and_closes_the_open_one(client, world, ps):
    payload = {
        "effective_from": "2020-01-01",
        "citation": "娄民发〔2020〕1号",
        "parameters": v2_values(premises_min_m2=450, grid_people={"kind": "count", "value": 600}),
    }
    response = _as(client, world.admin).post(f"{BASE}/{ps.set.pk}/versions", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == 3 and body["effective_to"] is None and body["created_by"] == "city_admin"
    values = {p["key"]: p["value"] for p in body["parameters"]}
    assert values["premises_min_m2"] == "450" and values["grid_people"] == "600"
    ps.v2.refresh_from_db()
    assert ps.v2.effective_to == dt.date(2019, 12, 31)
    assert AuditLog.objects.filter(entity_type="policy_version", entity_id=str(body["id"])).exists()


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"effective_from": "2016-01-01"}, "effective_from"),
        ({"parameters": v2_values(premises_min_m2=-1)}, "parameters.premises_min_m2"),
        ({"parameters": v2_values(plaques=[])}, "parameters.plaques"),
        ({"citation": ""}, "citation"),
    ],
)
def test_post_refusals_are_422_in_the_one_shape(client, world, ps, changes, where):
    payload = {"effective_from": "2020-01-01", "citation": "x", "parameters": v2_values()} | changes
    response = _as(client, world.admin).post(f"{BASE}/{ps.set.pk}/versions", payload, content_type="application/json")
    assert response.status_code == 422
    body = _error_shape(response.json())
    assert body["code"] == "validation_failed" and where in body["details"] and body["message"]
    assert PolicyVersion.objects.filter(policy_set=ps.set).count() == 2


def test_malformed_body_is_422_in_the_one_shape(client, world, ps):
    response = _as(client, world.admin).post(
        f"{BASE}/{ps.set.pk}/versions", {"effective_from": "not a date"}, content_type="application/json"
    )
    assert response.status_code == 422 and _error_shape(response.json())["code"] == "validation_failed"


@pytest.mark.usefixtures("english_catalogue")
def test_errors_follow_accept_language(client, world, ps):
    payload = {"effective_from": "2020-01-01", "citation": "x", "parameters": v2_values(staff_min="5.5")}
    url = f"{BASE}/{ps.set.pk}/versions"
    zh = _as(client, world.admin).post(url, payload, content_type="application/json")
    assert zh.json()["message"] == "参数“社区工作人员最少人数（含两委成员）”（staff_min）：必须是整数。"
    en = client.post(url, payload, content_type="application/json", headers={"accept-language": "en"})
    assert (
        en.json()["message"]
        == "Parameter “Minimum staff (including both committees)” (staff_min): Must be a whole number."
    )
    assert en.json()["details"] == {"parameters.staff_min": ["Must be a whole number."]}


@pytest.mark.parametrize("user", ["analyst", "district_officer", "worker", "subdistrict_officer"])
def test_readers_get_403_on_writes_and_nothing_changes(client, world, ps, user):
    c = _as(client, getattr(world, user))
    payload = {"effective_from": "2020-01-01", "citation": "x", "parameters": v2_values()}
    for response in [
        c.post(f"{BASE}/{ps.set.pk}/versions", payload, content_type="application/json"),
        c.patch(f"{BASE}/versions/{ps.v2.pk}", {"note": "x"}, content_type="application/json"),
        c.delete(f"{BASE}/versions/{ps.v2.pk}"),
    ]:
        assert response.status_code == 403
        assert _error_shape(response.json())["code"] == "permission_denied"
    assert PolicyVersion.objects.filter(policy_set=ps.set).count() == 2
    assert not AuditLog.objects.filter(entity_type="policy_version").exists()


def test_patch_changes_only_what_is_sent(client, world, ps):
    c = _as(client, world.admin)
    response = c.patch(
        f"{BASE}/versions/{ps.v2.pk}",
        {"note": "更正", "parameters": {"staff_min": "6"}},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["note"] == "更正" and body["effective_to"] is None and body["citation"] == "娄民发〔2016〕58号"
    assert {p["key"]: p["value"] for p in body["parameters"]}["staff_min"] == "6"

    # (Closing the latest version used to be accepted here; it leaves every later year without a version, so it
    # is refused now: test_closing_the_latest_version_is_refused_and_nothing_is_saved.)

    gap = c.patch(f"{BASE}/versions/{ps.v1.pk}", {"effective_to": "2015-12-30"}, content_type="application/json")
    assert gap.status_code == 422 and "effective_to" in gap.json()["details"]
    moved = c.patch(
        f"{BASE}/versions/{ps.v1.pk}",
        {"effective_to": "2015-12-30", "shift_neighbours": True},
        content_type="application/json",
    )
    assert moved.status_code == 200
    ps.v2.refresh_from_db()
    assert ps.v2.effective_from == dt.date(2015, 12, 31)


def test_delete_latest_only(client, world, ps):
    c = _as(client, world.admin)
    refused = c.delete(f"{BASE}/versions/{ps.v1.pk}")
    assert refused.status_code == 409 and _error_shape(refused.json())["code"] == "not_latest"
    assert c.delete(f"{BASE}/versions/{ps.v2.pk}").status_code == 204
    assert not PolicyVersion.objects.filter(pk=ps.v2.pk).exists()


def test_closing_the_latest_version_is_refused_and_nothing_is_saved(client, world, ps):
    c = _as(client, world.admin)
    audited = AuditLog.objects.filter(entity_type="policy_version").count()
    refused = c.patch(
        f"{BASE}/versions/{ps.v2.pk}",
        {"effective_to": "2020-12-31", "note": "不应保存", "parameters": {"staff_min": "7"}},
        content_type="application/json",
    )
    assert refused.status_code == 422
    body = _error_shape(refused.json())
    assert body["code"] == "validation_failed" and set(body["details"]) == {"effective_to"}
    assert "2021-01-01" in body["message"] and "（2021 年及以后各年）将没有适用的版本" in body["message"]
    assert "新增一个版本" in body["message"]
    # an end inside a year leaves that year itself uncovered (a year is judged on 31 December)
    mid_year = c.patch(f"{BASE}/versions/{ps.v2.pk}", {"effective_to": "2020-06-30"}, content_type="application/json")
    assert mid_year.status_code == 422 and "（2020 年及以后各年）" in mid_year.json()["message"]
    ps.v2.refresh_from_db()
    assert ps.v2.effective_to is None and ps.v2.note == ""
    assert ps.v2.parameters.get(key="staff_min").value == "5"
    assert AuditLog.objects.filter(entity_type="policy_version").count() == audited
    # a new version is how a set is continued: it closes v2 the day before
    added = c.post(
        f"{BASE}/{ps.set.pk}/versions",
        {"effective_from": "2021-01-01", "citation": "x", "parameters": v2_values(staff_min="7")},
        content_type="application/json",
    )
    assert added.status_code == 201 and added.json()["effective_to"] is None
    ps.v2.refresh_from_db()
    assert ps.v2.effective_to == dt.date(2020, 12, 31)


def test_a_closed_latest_version_may_be_reopened(client, world):
    ps = make_policy_set(v2_end=dt.date(2019, 12, 31))
    reopened = _as(client, world.admin).patch(
        f"{BASE}/versions/{ps.v2.pk}", {"effective_to": None}, content_type="application/json"
    )
    assert reopened.status_code == 200 and reopened.json()["effective_to"] is None


def _judge(world, version, *years):
    for year in years:
        ComplianceResult.objects.create(
            community=world.community,
            area_code=world.community.code,
            year=year,
            rule="premises_area",
            status=1,
            policy_version=version,
            computed_at=timezone.now(),
        )


def test_figures_and_start_of_a_version_that_judged_years_are_refused_texts_stay_editable(client, world, ps):
    _judge(world, ps.v2, 2016, 2017, 2018, 2020)
    c = _as(client, world.admin)
    url = f"{BASE}/versions/{ps.v2.pk}"
    audited = AuditLog.objects.filter(entity_type="policy_version").count()
    for payload, field in [
        ({"parameters": {"staff_min": "6"}, "note": "不应保存"}, "parameters"),
        ({"remove_keys": ["operating_funds_min_urban"]}, "parameters"),
        ({"parameters": {"grid_people": {"kind": "count", "value": "600"}}}, "parameters"),
        ({"effective_from": "2016-03-01", "shift_neighbours": True}, "effective_from"),
    ]:
        refused = c.patch(url, payload, content_type="application/json")
        assert refused.status_code == 409, payload
        body = _error_shape(refused.json())
        assert body["code"] == "version_in_use" and set(body["details"]) == {field}
        assert "2016–2018、2020 年" in body["message"] and "新增一个自该年起生效的版本" in body["message"]
    # the previous version's end may not push the start of v2 either
    pushed = c.patch(
        f"{BASE}/versions/{ps.v1.pk}",
        {"effective_to": "2016-06-30", "shift_neighbours": True},
        content_type="application/json",
    )
    assert pushed.status_code == 409 and set(pushed.json()["details"]) == {"effective_to"}
    ps.v1.refresh_from_db()
    ps.v2.refresh_from_db()
    assert (ps.v1.effective_to, ps.v2.effective_from, ps.v2.note) == (dt.date(2015, 12, 31), dt.date(2016, 1, 1), "")
    assert dict(ps.v2.parameters.values_list("key", "value")) == {
        "premises_min_m2": "400",
        "staff_min": "5",
        "plaques": ["社区党组织", "社区居民委员会", "社区服务中心"],
        "operating_funds_min_urban": "200000",
    }
    assert AuditLog.objects.filter(entity_type="policy_version").count() == audited
    # texts, and the same figures sent back unchanged (as the edit form does), are fine
    same = {"premises_min_m2": "400.00", "staff_min": 5, "operating_funds_min_urban": "200,000"}
    ok = c.patch(url, {"citation": "新文号", "note": "更正", "parameters": same}, content_type="application/json")
    assert ok.status_code == 200, ok.content
    assert (ok.json()["citation"], ok.json()["note"]) == ("新文号", "更正")
    assert {p["key"]: p["value"] for p in ok.json()["parameters"]}["premises_min_m2"] == "400"
