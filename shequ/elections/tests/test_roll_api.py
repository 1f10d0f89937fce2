"""/api/v1/elections/{id}/roll and /objections: the procedure through the API, the error shape, scope and roles.

The API stands on the real today, so the election here is set 30 days ahead (rule version 2)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequ.core.testing.clients import ApiClient, assert_error
from shequ.elections.models import Election, Objection, Stage, Voter, VoterStatus
from shequ.elections.rules import election_params, number
from shequ.elections.testing import make_election

pytestmark = pytest.mark.django_db


@pytest.fixture
def soon(ew):
    ew.soon = make_election(actor=ew.admin, community=ew.community, day=timezone.localdate() + dt.timedelta(days=30),
                            title="近期换届")
    ew.base = f"/elections/{ew.soon.pk}"
    return ew


def test_roll_procedure(soon):
    api = ApiClient(soon.worker)
    r = api.send("POST", soon.base + "/roll/generate")
    assert r.status_code == 200, r.content
    assert r.json()["on_roll"] == 15
    page = api.get(soon.base + "/roll", q="王小明").json()
    assert page["count"] == 1 and page["counts"]["on_roll"] == 15
    wang = page["results"][0]
    assert wang["id_number"].startswith("4313") and "*" in wang["id_number"]
    r = api.send("POST", f"{soon.base}/roll/voters/{wang['id']}/exclude", {"reason": ""})
    assert "reason" in assert_error(r, 422, "validation_failed")["details"]
    r = api.send("POST", f"{soon.base}/roll/voters/{wang['id']}/exclude", {"reason": "剥夺政治权利"})
    assert r.json()["status"] == VoterStatus.EXCLUDED
    assert api.get(soon.base + "/roll", status="excluded").json()["count"] == 1
    r = api.send("POST", f"{soon.base}/roll/voters/{wang['id']}/include")
    assert r.json()["status"] == VoterStatus.ON_ROLL
    r = api.send("POST", soon.base + "/roll/voters", {"resident_id": soon.zhao.pk})
    assert "resident" in assert_error(r, 422)["details"]
    r = api.send("POST", soon.base + "/roll/voters", {"resident_id": soon.li.pk})
    assert_error(r, 409, "already_on_roll")
    r = api.send("POST", soon.base + "/roll/publish")
    assert r.status_code == 200 and r.json()["stage"] == Stage.ROLL_PUBLISHED
    # Published: direct edits refused, objections accepted.
    r = api.send("POST", f"{soon.base}/roll/voters/{wang['id']}/exclude", {"reason": "x"})
    assert_error(r, 409, "wrong_stage")
    r = api.send("POST", soon.base + "/objections", {"kind": "wrongly_included", "filed_by_name": "张三",
                                                    "reason": "已迁出", "subject_voter_id": wang["id"]})
    assert r.status_code == 201, r.content
    objection = r.json()
    assert objection["decision"] == "pending" and not objection["overdue"]
    r = api.send("POST", soon.base + "/roll/freeze")
    assert_error(r, 422, "objection_window_open")
    r = api.send("POST", f"{soon.base}/objections/{objection['id']}/answer", {"decision": "rejected"})
    assert "answer" in assert_error(r, 422)["details"]
    r = api.send("POST", f"{soon.base}/objections/{objection['id']}/answer", {"decision": "upheld", "answer": "属实"})
    assert r.json()["decision"] == "upheld"
    assert Voter.objects.get(pk=wang["id"]).status == VoterStatus.EXCLUDED
    assert len(api.get(soon.base + "/objections").json()) == 1
    # The window over: freeze.
    days = number(election_params(soon.soon), "objection_days")
    Election.objects.filter(pk=soon.soon.pk).update(
        roll_published_on=timezone.localdate() - dt.timedelta(days=days + 1))
    r = api.send("POST", soon.base + "/roll/freeze")
    assert r.status_code == 200 and r.json()["stage"] == Stage.ROLL_FROZEN


def test_scope_and_roles(soon):
    url = soon.base + "/roll/generate"
    assert_error(ApiClient(soon.outsider).send("POST", url), 404, "not_found")
    assert_error(ApiClient(soon.outsider).get(soon.base + "/roll"), 404)
    assert_error(ApiClient(soon.outsider).get(soon.base + "/objections"), 404)
    assert_error(ApiClient(soon.analyst).send("POST", url), 403, "permission_denied")
    assert_error(ApiClient(soon.analyst).send("POST", soon.base + "/roll/publish"), 403)
    assert not Voter.objects.filter(election=soon.soon).exists()
    assert ApiClient(soon.analyst).get(soon.base + "/roll").status_code == 200
    ApiClient(soon.worker).send("POST", url)
    voter = Voter.objects.filter(election=soon.soon).first()
    r = ApiClient(soon.outsider).send("POST", f"{soon.base}/roll/voters/{voter.pk}/exclude", {"reason": "x"})
    assert_error(r, 404)
    r = ApiClient(soon.analyst).send("POST", f"{soon.base}/roll/voters/{voter.pk}/exclude", {"reason": "x"})
    assert_error(r, 403)
    # A voter of another election is not found under this one.
    other = Voter.objects.create(election=soon.election, name="x", sex="M", birth_date=dt.date(1980, 1, 1))
    r = ApiClient(soon.worker).send("POST", f"{soon.base}/roll/voters/{other.pk}/exclude", {"reason": "x"})
    assert_error(r, 404)
    assert Voter.objects.get(pk=voter.pk).status == VoterStatus.ON_ROLL
    assert not Objection.objects.exists()


def test_publish_after_deadline_names_it(ew):
    day = timezone.localdate() + dt.timedelta(days=5)
    election = make_election(actor=ew.admin, community=ew.community, day=day, title="临近")
    api = ApiClient(ew.worker)
    api.send("POST", f"/elections/{election.pk}/roll/generate")
    body = assert_error(api.send("POST", f"/elections/{election.pk}/roll/publish"), 422, "deadline_passed")
    days = number(election_params(election), "roll_publish_days_before")
    assert (day - dt.timedelta(days=days)).isoformat() in body["message"]
    election.refresh_from_db()
    assert election.stage == Stage.DRAFT
