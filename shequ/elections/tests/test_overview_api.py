"""/api/v1/elections: list, create, read, change in draft; campaigns; the dashboard; scope and the error shape."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequ.core.testing.clients import ApiClient, assert_error
from shequ.elections.models import Campaign, Election, Stage
from shequ.elections.services.elections import campaign_create
from shequ.elections.testing import DAY, advance, make_election

pytestmark = pytest.mark.django_db

BASE = "/api/v1/elections"
LIST = "/"  # the list is mounted with a trailing slash (api/__init__ joins an empty prefix)


def api(user):  # type: ignore[no-untyped-def]
    return ApiClient(user, base=BASE)


@pytest.fixture
def camp(ew):  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    ew.campaign = campaign_create(actor=ew.admin, area=ew.city, name="本届换届选举", term_label="第十二届",
                                  starts_on=today - dt.timedelta(days=30), ends_on=today + dt.timedelta(days=365))
    ew.future = today + dt.timedelta(days=60)
    return ew


def _new(w, **extra):  # type: ignore[no-untyped-def]
    body = {"community_code": w.community_b.code, "title": "花园社区第十二届居民委员会选举",
            "election_day": w.future.isoformat(), **extra}
    return body


def test_list_scope_and_filters(camp):
    body = api(camp.worker).get(LIST).json()
    assert [e["id"] for e in body["results"]] == [camp.election.pk] and body["count"] == 1
    assert body["results"][0]["stage"] == "draft" and body["results"][0]["rule_version"] == 2
    assert api(camp.outsider).get(LIST).json()["count"] == 0
    assert api(camp.admin).get(LIST, stage="voting").json()["count"] == 0
    assert api(camp.admin).get(LIST, area="431381").json()["count"] == 0
    assert_error(api(camp.resident_user).get(LIST), 404)
    assert api(camp.admin).get(LIST, stage="nonsense").status_code == 422


def test_get_by_id_and_scope(camp):
    body = api(camp.worker).get(f"/{camp.election.pk}").json()
    assert body["roll"] == 0 and body["seats_member"] == 3
    keys = {d["key"]: d["day"] for d in body["deadlines"]}
    assert keys["roll_publish"] == (DAY - dt.timedelta(days=20)).isoformat()
    assert keys["nominations_close"] == (DAY - dt.timedelta(days=5)).isoformat()
    assert keys["objections"] == (DAY - dt.timedelta(days=15)).isoformat()
    assert_error(api(camp.outsider).get(f"/{camp.election.pk}"), 404, "not_found")
    assert_error(api(camp.worker).get("/999999"), 404)


def test_create(camp):
    response = api(camp.subdistrict_officer).send("POST", LIST, _new(camp, campaign_id=camp.campaign.pk))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["community_code"] == camp.community_b.code and body["campaign_id"] == camp.campaign.pk
    assert Election.objects.filter(pk=body["id"], stage=Stage.DRAFT).exists()


def test_create_refused_writes_nothing(camp):
    before = Election.objects.count()
    body = assert_error(api(camp.subdistrict_officer).send("POST", LIST, _new(camp, seats_member=8)), 422)
    assert "seats_member" in body["details"]
    own = _new(camp, community_code=camp.community.code)
    assert_error(api(camp.worker).send("POST", LIST, own), 403)  # runs elections, does not create them
    assert_error(api(camp.outsider).send("POST", LIST, _new(camp)), 404)
    assert Election.objects.count() == before


def test_patch_only_in_draft(camp):
    client = api(camp.subdistrict_officer)
    camp.election = make_election(actor=camp.admin, community=camp.community, day=camp.future)
    response = client.send("PATCH", f"/{camp.election.pk}", {"seats_member": 5, "campaign_id": camp.campaign.pk})
    assert response.status_code == 200, response.content
    assert response.json()["seats_member"] == 5 and response.json()["campaign_id"] == camp.campaign.pk
    assert_error(client.send("PATCH", f"/{camp.election.pk}", {"seats_member": 8}), 422)
    assert_error(api(camp.worker).send("PATCH", f"/{camp.election.pk}", {"seats_member": 3}), 403)
    assert_error(api(camp.outsider).send("PATCH", f"/{camp.election.pk}", {"seats_member": 3}), 404)
    camp.election.refresh_from_db()
    advance(camp.election, Stage.ROLL_PUBLISHED)
    assert_error(client.send("PATCH", f"/{camp.election.pk}", {"seats_member": 3}), 409, "wrong_stage")
    assert Election.objects.get(pk=camp.election.pk).seats_member == 5


def test_campaigns(camp):
    client = api(camp.district_officer)
    payload = {"area_code": camp.district.code, "name": "娄星区换届", "term_label": "第十二届",
               "starts_on": "2026-03-01", "ends_on": "2026-09-30",
               "schedule": [{"label": "投票日", "due": "2026-06-20"}, {"label": "选民登记", "due": "2026-04-01"}]}
    response = client.send("POST", "/campaigns", payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert [m["label"] for m in body["schedule"]] == ["选民登记", "投票日"]  # in due order
    assert body["communities"] == 2 and body["not_started"] == 2
    pk = body["id"]
    assert {c["id"] for c in api(camp.worker).get("/campaigns").json()["results"]} == {camp.campaign.pk, pk}
    assert api(camp.outsider).get("/campaigns").json()["count"] == 1  # the city's only
    assert_error(api(camp.outsider).get(f"/campaigns/{pk}"), 404)
    assert client.get(f"/campaigns/{camp.campaign.pk}").json()["communities"] == 2  # cut to the viewer's scope

    response = client.send("PATCH", f"/campaigns/{pk}", {"name": "娄星区第十二届换届"})
    assert response.status_code == 200 and response.json()["name"] == "娄星区第十二届换届"
    bad = assert_error(client.send("PATCH", f"/campaigns/{pk}", {"ends_on": "2026-02-01"}), 422)
    assert "ends_on" in bad["details"]
    bad = assert_error(client.send("PATCH", f"/campaigns/{pk}", {"schedule": [{"label": " ", "due": "2026-04-01"}]}),
                       422)
    assert "schedule" in bad["details"]
    assert_error(client.send("PATCH", f"/campaigns/{camp.campaign.pk}", {"name": "x"}), 403)  # the city's
    assert_error(api(camp.outsider).send("PATCH", f"/campaigns/{pk}", {"name": "x"}), 404)
    row = Campaign.objects.get(pk=pk)
    assert (row.name, row.ends_on, len(row.schedule)) == ("娄星区第十二届换届", dt.date(2026, 9, 30), 2)

    refused = assert_error(client.send("POST", "/campaigns", {**payload, "area_code": camp.subdistrict.code}), 422)
    assert "area" in refused["details"]
    assert_error(api(camp.worker).send("POST", "/campaigns", payload), 404)  # the district is above it
    assert Campaign.objects.count() == 2


def test_dashboard(camp):
    body = api(camp.admin).get("/dashboard", campaign="all").json()
    assert body["area_code"] == "4313" and body["campaign_id"] is None
    assert [r["code"] for r in body["rows"]] == ["431302", "431381"]
    assert body["total"]["elections"] == 1 and body["total"]["stages"]["not_started"] == 2
    assert body["rows"][0]["stages"]["draft"] == 1
    sub = api(camp.admin).get("/dashboard", area=camp.subdistrict.code, campaign="all").json()
    assert {r["code"]: r["election_id"] for r in sub["rows"]}[camp.community.code] == camp.election.pk
    assert_error(api(camp.outsider).get("/dashboard", area="431302"), 404)
    assert api(camp.outsider).get("/dashboard").json()["total"]["elections"] == 0
    assert_error(api(camp.resident_user).get("/dashboard"), 404)
