"""/api/v1/elections/{id}/candidates and /proxies: the shapes, the one error shape, scope and roles."""

from __future__ import annotations

import datetime as dt

import pytest

from shequ.core.testing.clients import ApiClient, assert_error
from shequ.elections.models import Candidate, CandidateStatus, Proxy, SeatKind, Stage
from shequ.elections.rules import election_params, number
from shequ.elections.testing import advance, formal_candidates, make_people, roll_from

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen(ew, monkeypatch):  # type: ignore[no-untyped-def]
    ew.singles = make_people(actor=ew.admin, community=ew.community, households=14, adults=1, prefix="单户")
    ew.voters = roll_from(ew.election, ew.people)
    ew.alone = roll_from(ew.election, ew.singles)
    advance(ew.election, Stage.ROLL_FROZEN)
    ew.today = ew.day - dt.timedelta(days=10)  # the API passes no date: stand before the nomination deadline
    monkeypatch.setattr("shequ.elections.services.common.timezone.localdate", lambda *a, **k: ew.today)
    ew.base = f"/elections/{ew.election.pk}"
    return ew


def _api(user):  # type: ignore[no-untyped-def]
    return ApiClient(user, "/api/v1")


def test_nominate_decide_list_publish(frozen):
    ew = frozen
    api = _api(ew.worker)
    minimum = number(election_params(ew.election), "nomination_joint_voters_min")
    body = {"resident_id": ew.people[0].pk, "seat": "director", "method": "voters_jointly",
            "nominator_ids": [v.pk for v in ew.alone[: minimum - 1]]}
    error = assert_error(api.send("POST", f"{ew.base}/candidates", body), 422, "validation_failed")
    assert "nominator_ids" in error["details"]
    assert Candidate.objects.count() == 0
    body["nominator_ids"] = [v.pk for v in ew.alone[:minimum]]
    response = api.send("POST", f"{ew.base}/candidates", body)
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["name"] == ew.people[0].name and out["status"] == "nominated" and "id_number" not in out
    assert out["nominations"][0]["nominator_ids"] == body["nominator_ids"]
    cid = out["id"]
    assert_error(api.send("POST", f"{ew.base}/candidates/{cid}/status", {"status": "withdrawn"}), 422)
    response = api.send("POST", f"{ew.base}/candidates/{cid}/status", {"status": "formal"})
    assert response.status_code == 200 and response.json()["status"] == "formal"

    listed = api.get(f"{ew.base}/candidates").json()
    director = next(s for s in listed["seats"] if s["seat"] == "director")
    assert director["formal"] == 1 and director["low"] == 1 + number(election_params(ew.election),
                                                                      "margin_director_min")
    assert [c["id"] for c in director["candidates"]] == [cid]
    assert {"director", "deputy", "member"} <= set(listed["problems"])

    error = assert_error(api.send("POST", f"{ew.base}/candidates/publish"), 422, "candidates_not_ready")
    assert {"director", "deputy", "member"} <= set(error["details"])
    formal_candidates(ew.election, SeatKind.DIRECTOR, ew.alone[:1])
    formal_candidates(ew.election, SeatKind.DEPUTY, ew.alone[1:3])
    formal_candidates(ew.election, SeatKind.MEMBER, ew.alone[3:7])
    response = api.send("POST", f"{ew.base}/candidates/publish")
    assert response.status_code == 200, response.content
    assert response.json()["stage"] == "candidates_published"
    assert response.json()["candidates_published_on"] == ew.today.isoformat()
    assert_error(api.send("POST", f"{ew.base}/candidates/publish"), 409, "wrong_stage")


def test_candidates_scope_and_roles(frozen):
    ew = frozen
    [c] = formal_candidates(ew.election, SeatKind.DIRECTOR, ew.alone[:1])
    assert_error(_api(ew.outsider).get(f"{ew.base}/candidates"), 404, "not_found")
    assert_error(_api(ew.outsider).send("POST", f"{ew.base}/candidates/{c.pk}/status",
                                        {"status": "rejected", "reason": "x"}), 404)
    assert_error(_api(ew.analyst).send("POST", f"{ew.base}/candidates/{c.pk}/status",
                                       {"status": "rejected", "reason": "x"}), 403)
    assert_error(_api(ew.resident_user).get(f"{ew.base}/candidates"), 404)
    assert_error(_api(ew.worker).send("POST", f"{ew.base}/candidates/999999/status", {"status": "formal"}), 404)
    assert _api(ew.analyst).get(f"{ew.base}/candidates").status_code == 200
    c.refresh_from_db()
    assert c.status == CandidateStatus.FORMAL


def test_proxies(frozen):
    ew = frozen
    api = _api(ew.worker)
    limit = number(election_params(ew.election), "proxy_max")
    holder = ew.voters[0]
    for grantor in ew.voters[1: limit + 1]:
        response = api.send("POST", f"{ew.base}/proxies", {"grantor_id": grantor.pk, "holder_id": holder.pk,
                                                           "written_on": ew.today.isoformat()})
        assert response.status_code == 201, response.content
    error = assert_error(api.send("POST", f"{ew.base}/proxies", {
        "grantor_id": ew.voters[limit + 1].pk, "holder_id": holder.pk, "written_on": ew.today.isoformat()}),
        422, "proxy_limit")
    assert holder.name in error["message"] and "holder" in error["details"]
    listed = api.get(f"{ew.base}/proxies").json()
    assert listed["proxy_max"] == limit
    assert listed["holders"] == [{"voter_id": holder.pk, "name": holder.name, "count": limit}]
    pid = listed["proxies"][0]["id"]
    assert_error(_api(ew.outsider).send("DELETE", f"{ew.base}/proxies/{pid}"), 404)
    assert_error(_api(ew.analyst).send("DELETE", f"{ew.base}/proxies/{pid}"), 403)
    assert Proxy.objects.count() == limit
    assert api.send("DELETE", f"{ew.base}/proxies/{pid}").status_code == 204
    assert_error(api.send("DELETE", f"{ew.base}/proxies/{pid}"), 404)
    assert Proxy.objects.count() == limit - 1
