"""Candidate and proxy pages: render, nominate (errors on the form, 422), decide, publish with problems shown,
record and revoke proxies, the roll lookup, the public list (404 before publication, no ID numbers); scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shequ.core.testing.clients import login
from shequ.elections.models import Candidate, CandidateStatus, Proxy, SeatKind, Stage
from shequ.elections.rules import election_params, number
from shequ.elections.testing import advance, formal_candidates, make_people, roll_from

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen(ew, settings):  # type: ignore[no-untyped-def]
    """ew.election with the roll frozen; ew.voters (ew.people) and ew.alone (14 single-adult households)."""
    ew.singles = make_people(actor=ew.admin, community=ew.community, households=14, adults=1, prefix="单户")
    ew.voters = roll_from(ew.election, ew.people)
    ew.alone = roll_from(ew.election, ew.singles)
    advance(ew.election, Stage.ROLL_FROZEN)
    return ew


def _url(name, ew, *args):  # type: ignore[no-untyped-def]
    return reverse(f"elections:{name}", args=[ew.election.pk, *args])


def _before_deadline(monkeypatch, ew):  # type: ignore[no-untyped-def]
    """Pages pass no date: stand on a day before the nomination deadline."""
    day = ew.day - dt.timedelta(days=10)
    monkeypatch.setattr("shequ.elections.services.common.timezone.localdate", lambda *a, **k: day)


def test_page_renders_for_runner_and_viewer(frozen):
    ew = frozen
    formal_candidates(ew.election, SeatKind.DIRECTOR, ew.alone[:1])
    html = login(ew.worker).get(_url("candidates", ew)).content.decode()
    assert ew.alone[0].name in html and 'action="{}"'.format(_url("nominate", ew)) in html
    response = login(ew.analyst).get(_url("candidates", ew))
    assert response.status_code == 200
    assert _url("nominate", ew) not in response.content.decode()  # a viewer sees no forms
    assert login(ew.outsider).get(_url("candidates", ew)).status_code == 404
    assert login(ew.outsider).get(_url("proxies", ew)).status_code == 404


def test_nominate_and_errors_on_the_form(frozen, monkeypatch):
    ew = frozen
    _before_deadline(monkeypatch, ew)
    client = login(ew.worker)
    minimum = number(election_params(ew.election), "nomination_joint_voters_min")
    few = " ".join(str(v.pk) for v in ew.alone[: minimum - 1])
    response = client.post(_url("nominate", ew), {"resident_id": ew.people[0].pk, "seat": "member",
                                                  "method": "voters_jointly", "nominator_ids": few})
    assert response.status_code == 422
    assert str(minimum) in response.content.decode()
    assert Candidate.objects.count() == 0
    enough = ",".join(str(v.pk) for v in ew.alone[:minimum])
    response = client.post(_url("nominate", ew), {"resident_id": ew.people[0].pk, "seat": "member",
                                                  "method": "voters_jointly", "nominator_ids": enough})
    assert response.status_code == 302
    candidate = Candidate.objects.get()
    assert candidate.name == ew.people[0].name
    # A decision without a reason is refused on the row; with one it is kept.
    response = client.post(_url("candidate_status", ew, candidate.pk), {"status": "rejected", "reason": ""})
    assert response.status_code == 422 and "原因" in response.content.decode()
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.NOMINATED
    assert client.post(_url("candidate_status", ew, candidate.pk), {"status": "formal"}).status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.FORMAL
    # Outsiders and viewers change nothing.
    assert login(ew.outsider).post(_url("candidate_status", ew, candidate.pk), {"status": "withdrawn",
                                                                                  "reason": "x"}).status_code == 404
    assert login(ew.analyst).post(_url("candidate_status", ew, candidate.pk), {"status": "withdrawn",
                                                                                 "reason": "x"}).status_code == 403
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.FORMAL


def test_publish_shows_problems_then_publishes(frozen, monkeypatch):
    ew = frozen
    _before_deadline(monkeypatch, ew)
    client = login(ew.worker)
    formal_candidates(ew.election, SeatKind.DIRECTOR, ew.alone[:2])
    response = client.post(_url("candidates_publish", ew))
    assert response.status_code == 422
    html = response.content.decode()
    assert "副主任" in html and "委员" in html  # every seat's problem at once
    ew.election.refresh_from_db()
    assert ew.election.stage == Stage.ROLL_FROZEN
    formal_candidates(ew.election, SeatKind.DEPUTY, ew.alone[2:4])
    formal_candidates(ew.election, SeatKind.MEMBER, ew.alone[4:8])
    response = client.post(_url("candidates_publish", ew))
    assert response.status_code == 302
    ew.election.refresh_from_db()
    assert ew.election.stage == Stage.CANDIDATES_PUBLISHED


def test_public_list_after_publication_only(frozen):
    ew = frozen
    formal_candidates(ew.election, SeatKind.DIRECTOR, ew.alone[:2])
    anonymous = login(ew.worker)
    anonymous.logout()
    url = reverse("elections:public_candidates", args=[ew.election.pk])
    assert anonymous.get(url).status_code == 404
    advance(ew.election, Stage.CANDIDATES_PUBLISHED)
    html = anonymous.get(url).content.decode()
    assert ew.alone[0].name in html
    assert ew.singles[0].id_number not in html and ew.singles[0].id_number[-4:] not in html


def test_roll_lookup_and_pick(frozen):
    ew = frozen
    client = login(ew.worker)
    html = client.get(_url("candidate_lookup", ew), {"q": ew.alone[3].name}).content.decode()
    assert ew.alone[3].name in html and ew.singles[3].id_number not in html
    assert f'data-add-nominator="{ew.alone[3].pk}"' in html  # the voter's number, for the nominators field
    proxy = client.get(_url("candidate_lookup", ew), {"q": ew.alone[3].name, "for": "proxy"}).content.decode()
    assert ew.alone[3].name in proxy and "data-add-nominator" not in proxy
    html = client.get(_url("candidate_lookup", ew), {"pick": ew.alone[3].pk, "field": "resident_id"}).content.decode()
    assert f'value="{ew.singles[3].pk}"' in html
    assert login(ew.outsider).get(_url("candidate_lookup", ew), {"q": "单户"}).status_code == 404
    assert login(ew.analyst).get(_url("candidate_lookup", ew), {"q": "单户"}).status_code == 403


def test_proxies_record_limit_and_revoke(frozen, monkeypatch):
    ew = frozen
    _before_deadline(monkeypatch, ew)
    client = login(ew.worker)
    limit = number(election_params(ew.election), "proxy_max")
    holder = ew.voters[0]
    day = (ew.day - dt.timedelta(days=10)).isoformat()
    for grantor in ew.voters[1: limit + 1]:
        response = client.post(_url("proxies", ew), {"grantor_id": grantor.pk, "holder_id": holder.pk,
                                                     "written_on": day})
        assert response.status_code == 302
    response = client.post(_url("proxies", ew), {"grantor_id": ew.voters[limit + 1].pk, "holder_id": holder.pk,
                                                 "written_on": day})
    assert response.status_code == 422 and holder.name in response.content.decode()
    assert Proxy.objects.count() == limit
    html = client.get(_url("proxies", ew)).content.decode()
    assert f"{limit} / {limit}" in html
    proxy = Proxy.objects.first()
    assert login(ew.outsider).post(_url("proxy_revoke", ew, proxy.pk)).status_code == 404
    assert client.post(_url("proxy_revoke", ew, proxy.pk)).status_code == 302
    assert Proxy.objects.count() == limit - 1


def test_candidates_page_queries_do_not_grow_with_candidates(frozen, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ew = frozen
    client = login(ew.worker)
    formal_candidates(ew.election, SeatKind.DIRECTOR, ew.alone[:1])
    with CaptureQueriesContext(connection) as few:
        assert client.get(_url("candidates", ew)).status_code == 200
    formal_candidates(ew.election, SeatKind.MEMBER, ew.alone[1:9])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(_url("candidates", ew)).status_code == 200
