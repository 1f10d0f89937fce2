"""The roll as the polling station reads it on election day: who has already voted online in the current round
(no paper ballot for them), on the committee's page and through the API, with a filter and a count."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shequ.core.testing.clients import ApiClient, login
from shequ.elections.services.online import ballot_cast
from shequ.elections.tests.test_online import open_for_voting

pytestmark = pytest.mark.django_db


@pytest.fixture
def voted(ew):
    s = open_for_voting(ew, voters=2)
    ballot_cast(actor=ew.resident_user, election=s.election, choices={s.director[0].pk: "F"})
    ballot_cast(actor=s.users[0], election=s.election, choices={s.director[1].pk: "F"})
    s.online_ids = {s.roll[0].pk, s.roll[1].pk}
    return s


def test_api_marks_and_filters_voters_who_voted_online(ew, voted):
    api = ApiClient(ew.worker, base="/api/v1/elections")
    body = api.get(f"/{voted.election.pk}/roll?page_size=100").json()
    marked = {v["id"] for v in body["results"] if v["voted_online"]}
    assert marked == voted.online_ids and body["counts"]["voted_online"] == 2
    online = api.get(f"/{voted.election.pk}/roll?voted=online").json()
    assert {v["id"] for v in online["results"]} == voted.online_ids and online["count"] == 2
    rest = api.get(f"/{voted.election.pk}/roll?voted=not_online&page_size=100").json()
    assert rest["count"] == len(voted.roll) - 2 and not {v["id"] for v in rest["results"]} & voted.online_ids


def test_page_shows_the_mark_the_count_and_the_filter(ew, voted):
    client = login(ew.worker)
    url = reverse("elections:roll", args=[voted.election.pk])
    html = client.get(url, {"voted": "online"}).content.decode()
    assert html.count("data-voted-online") == 2 and 'name="voted"' in html
    assert voted.roll[0].name in html and voted.roll[5].name not in html
    html = client.get(url, {"voted": "not_online"}).content.decode()
    assert "data-voted-online" not in html and voted.roll[5].name in html


def test_a_new_round_starts_with_no_marks(ew, voted):
    from shequ.elections.models import Round, RoundKind

    Round.objects.create(election=voted.election, number=2, kind=RoundKind.ADDITIONAL, seats={"member": 1})
    body = ApiClient(ew.worker, base="/api/v1/elections").get(f"/{voted.election.pk}/roll").json()
    assert not any(v["voted_online"] for v in body["results"]) and body["counts"]["voted_online"] == 0
