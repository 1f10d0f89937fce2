"""/api/v1/elections results endpoints: count, results, publish, handover, repeat, certificate, public summary."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from shequ.core.models import AccessLog
from shequ.core.testing.clients import ApiClient, assert_error
from shequ.elections.models import Election, Round, RoundStatus, Stage
from shequ.elections.tests.test_results import box, voting_setup

pytestmark = pytest.mark.django_db

BASE = "/api/v1/elections"


def _votes(s):  # type: ignore[no-untyped-def]
    c = s.c
    return {c[0]: 9, c[1]: 3, c[2]: 8, c[3]: 5, c[4]: 11, c[5]: 8, c[6]: 8, c[7]: 2}


def test_count_publish_handover_over_the_api(ew):
    s = voting_setup(ew)
    box(s.round, "票箱", issued=14, votes=_votes(s))
    api = ApiClient(ew.worker, BASE)
    pk = s.election.pk
    body = api.send("POST", f"/{pk}/count").json()
    assert body["stage"] == Stage.COUNTED
    assert body["rounds"][0]["result"]["voted"] == 14 and body["rounds"][0]["turnout_percent"] == "63.6"
    assert sorted(e["name"] for e in body["elected"]) == sorted(s.c[i].name for i in (0, 2, 4, 5, 6))
    assert_error(api.send("POST", f"/{pk}/count"), 409, "wrong_stage")
    assert api.get(f"/{pk}/results").json()["elected"][0]["seat"] == "director"
    published = api.send("POST", f"/{pk}/results/publish").json()
    assert published["stage"] == Stage.COMPLETED and published["results_published_at"]
    done = api.send("POST", f"/{pk}/handover", {"handover_on": "2026-07-01", "note": "已移交"}).json()
    assert done["handover_on"] == "2026-07-01"
    assert_error(api.send("POST", f"/{pk}/handover", {"handover_on": "2026-07-01"}), 409, "handover_recorded")


def test_count_refused_with_a_box_missing(ew):
    s = voting_setup(ew)
    box(s.round, "票箱", issued=14, votes=_votes(s))
    box(s.round, "流动票箱", issued=0, tally=False)
    body = assert_error(ApiClient(ew.worker, BASE).send("POST", f"/{s.election.pk}/count"), 409, "tally_missing")
    assert body["details"]["boxes"] == ["流动票箱"]
    assert Round.objects.get(pk=s.round.pk).status == RoundStatus.OPEN


def test_scope_and_roles(ew):
    s = voting_setup(ew)
    box(s.round, "票箱", issued=14, votes=_votes(s))
    pk = s.election.pk
    outsider = ApiClient(ew.outsider, BASE)
    for method, path in [("POST", "count"), ("POST", "results/publish"), ("POST", "repeat")]:
        assert_error(outsider.send(method, f"/{pk}/{path}", {"election_day": "2027-01-10"}), 404, "not_found")
    assert_error(outsider.get(f"/{pk}/results"), 404)
    assert_error(outsider.get(f"/{pk}/certificate.pdf"), 404)
    assert_error(ApiClient(ew.analyst, BASE).send("POST", f"/{pk}/count"), 403, "permission_denied")
    assert Election.objects.get(pk=pk).stage == Stage.VOTING
    assert ApiClient(ew.analyst, BASE).get(f"/{pk}/results").status_code == 200
    assert Client().post(f"{BASE}/{pk}/count").status_code == 401


def test_certificate_download_is_logged(ew):
    s = voting_setup(ew)
    box(s.round, "票箱", issued=14, votes=_votes(s))
    api = ApiClient(ew.worker, BASE)
    assert_error(api.get(f"/{s.election.pk}/certificate.pdf"), 409, "not_counted")
    api.send("POST", f"/{s.election.pk}/count")
    response = api.get(f"/{s.election.pk}/certificate.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and len(response.content) > 2000
    assert AccessLog.objects.filter(kind="export", entity_id=str(s.election.pk), actor=ew.worker).count() == 1


def test_repeat_over_the_api(ew):
    s = voting_setup(ew)
    box(s.round, "票箱", issued=10, votes={s.c[0]: 10})
    ApiClient(ew.worker, BASE).send("POST", f"/{s.election.pk}/count")
    day = (timezone.localdate() + dt.timedelta(days=40)).isoformat()
    assert_error(ApiClient(ew.worker, BASE).send("POST", f"/{s.election.pk}/repeat", {"election_day": day}), 403)
    response = ApiClient(ew.subdistrict_officer, BASE).send("POST", f"/{s.election.pk}/repeat", {"election_day": day})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["attempt"] == 2 and body["repeat_of_id"] == s.election.pk and body["stage"] == Stage.DRAFT
    past = ApiClient(ew.subdistrict_officer, BASE).send("POST", f"/{body['id']}/repeat", {"election_day": day})
    assert_error(past, 409, "wrong_stage")


def test_public_summary_without_login(ew):
    s = voting_setup(ew)
    anon = Client()
    draft = Election.objects.create(community=ew.community_b, area_code=ew.community_b.code, title="筹备中",
                                    election_day=ew.day)
    assert anon.get(f"{BASE}/public/{draft.pk}").status_code == 404
    box(s.round, "票箱", issued=14, votes=_votes(s))
    ApiClient(ew.worker, BASE).send("POST", f"/{s.election.pk}/count")
    before = anon.get(f"{BASE}/public/{s.election.pk}").json()
    assert before["stage"] == Stage.COUNTED and before["published"] is False and before["elected"] == []
    ApiClient(ew.worker, BASE).send("POST", f"/{s.election.pk}/results/publish")
    after = anon.get(f"{BASE}/public/{s.election.pk}").json()
    assert after["published"] is True and len(after["elected"]) == 5
    assert set(after["elected"][0]) == {"seat", "seat_label", "name", "votes", "round"}
    text = str(after)
    for person in s.extra:
        assert person.id_number not in text
