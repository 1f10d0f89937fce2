"""/api/v1/elections/public/{id}/roll and /public/{id}/candidates: the published roll and formal candidate list
without login — available exactly when the public pages are, showing exactly what they show (read back from the
pages' HTML), paginated like the other lists; the voter number is the one a resident's objection names."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shequ.core.testing.clients import ApiClient, assert_error, login
from shequ.elections.models import Candidate, CandidateStatus, NominationMethod, Objection, SeatKind, Stage, Voter
from shequ.elections.services.nomination import candidate_nominate, candidate_set_status, candidates_publish
from shequ.elections.services.roll import roll_generate, roll_publish, voter_exclude
from shequ.elections.testing import advance, formal_candidates, make_election, make_people, roll_from
from shequ.governance.services import worker_create

pytestmark = pytest.mark.django_db

BASE = "/api/v1/elections"
ROLL_ROW = re.compile(
    r'<tr><td data-label="序号">\d+</td><td data-label="编号">(\d+)</td><td data-label="姓名">([^<]*)</td>\s*'
    r'<td data-label="性别">([^<]*)</td>\s*<td data-label="年龄">([^<]*)</td>'
    r'<td data-label="居民小组">([^<]*)</td></tr>'
)
CANDIDATE_ROW = re.compile(
    r'<tr><td data-label="序号">(\d+)</td><td data-label="姓名">([^<]*)</td>\s*<td data-label="性别">([^<]*)</td>'
    r'<td data-label="年龄">([^<]*)</td>\s*<td data-label="备注">([^<]*)</td></tr>'
)
VOTER_FIELDS = {"number", "name", "sex", "age", "group"}
CANDIDATE_FIELDS = {"seat", "seat_label", "ballot_position", "name", "sex", "sex_label", "age", "incumbent"}


def _page(kind: str, pk: int) -> Any:
    return Client().get(reverse(f"elections:public_{kind}", args=[pk]))


def _api(kind: str, pk: int, **params: Any) -> Any:
    return Client().get(f"{BASE}/public/{pk}/{kind}", params)


def _whole_roll(pk: int, page_size: int = 200) -> list[dict[str, Any]]:
    first = _api("roll", pk, page_size=page_size).json()
    rows = list(first["results"])
    for n in range(2, first["num_pages"] + 1):
        rows += _api("roll", pk, page=n, page_size=page_size).json()["results"]
    return rows


def _as_on_roll_page(row: dict[str, Any]) -> tuple[str, ...]:
    return (str(row["number"]), row["name"], "女" if row["sex"] == "F" else "男", str(row["age"]),
            row["group"] or "—")


def _as_on_candidates_page(row: dict[str, Any]) -> tuple[str, ...]:
    return (str(row["ballot_position"]), row["name"], row["sex_label"], "—" if row["age"] is None else str(row["age"]),
            "本届成员" if row["incumbent"] else "—")


# -- the roll ------------------------------------------------------------------------------------------------------


@pytest.fixture
def published(ew):  # type: ignore[no-untyped-def]
    """An election 30 days ahead: its roll generated (15 voters, 李娜 — the resident user — and 王小明 among them),
    one voter left off it with a reason, the roll published today (objections open)."""
    ew.soon = make_election(actor=ew.admin, community=ew.community, day=timezone.localdate() + dt.timedelta(days=30),
                            title="近期换届")
    roll_generate(actor=ew.worker, election=ew.soon)
    ew.left_off = Voter.objects.get(election=ew.soon, resident=ew.people[11])
    voter_exclude(actor=ew.worker, election=ew.soon, voter=ew.left_off, reason="剥夺政治权利")
    ew.draft_roll = _api("roll", ew.soon.pk)
    roll_publish(actor=ew.worker, election=ew.soon)
    ew.soon.refresh_from_db()
    return ew


def test_roll_not_published_answers_404_like_the_page(published):
    w = published
    assert_error(w.draft_roll, 404, "not_found")  # the draft roll, before roll_publish
    draft = make_election(actor=w.admin, community=w.community_b, day=w.soon.election_day, title="筹备中")
    roll_from(draft, [w.zhao])
    assert _page("roll", draft.pk).status_code == 404
    assert_error(_api("roll", draft.pk), 404, "not_found")
    assert_error(login(w.worker).get(f"{BASE}/public/{draft.pk}/roll"), 404, "not_found")  # staff too: public only


def test_roll_shows_what_the_page_shows(published):
    w = published
    page = _page("roll", w.soon.pk)
    assert page.status_code == 200
    on_page = ROLL_ROW.findall(page.content.decode())
    rows = _whole_roll(w.soon.pk)
    assert len(rows) == len(on_page) == 14  # 15 generated, one left off
    assert [_as_on_roll_page(r) for r in rows] == on_page
    assert all(set(r) == VOTER_FIELDS for r in rows)
    wang = next(r for r in rows if r["name"] == w.wang.name)
    assert (wang["sex"], wang["group"]) == ("M", w.grid.name)
    assert wang["age"] == w.soon.election_day.year - 1985 - (w.soon.election_day < dt.date(
        w.soon.election_day.year, 3, 4))
    assert w.left_off.name not in {r["name"] for r in rows} and w.left_off.name not in page.content.decode()


def test_roll_hides_what_the_page_hides(published):
    w = published
    text = str([_api("roll", w.soon.pk, page_size=200).json()])
    people = [*w.people, w.wang, w.li]
    for person in people:
        assert person.id_number not in text and person.birth_date.isoformat() not in text
    for phone in ("13812345678", "13900001111"):
        assert phone not in text
    assert "剥夺政治权利" not in text and str(w.left_off.pk) not in {
        str(r["number"]) for r in _whole_roll(w.soon.pk)}
    body = _api("roll", w.soon.pk).json()
    assert body["roll_published_on"] == timezone.localdate().isoformat()
    assert body["objection_last_day"] == (timezone.localdate() + dt.timedelta(days=5)).isoformat()


def test_voter_number_is_the_page_number_the_objection_names(published):
    w = published
    rows = _whole_roll(w.soon.pk, page_size=5)
    number = next(r["number"] for r in rows if r["name"] == w.wang.name)
    assert (str(number), w.wang.name) in {(n, name) for n, name, *_rest in
                                          ROLL_ROW.findall(_page("roll", w.soon.pk).content.decode())}
    response = ApiClient(w.resident_user).send("POST", f"/elections/{w.soon.pk}/objections/mine", {
        "kind": "wrongly_included", "reason": "已迁往外地", "subject_voter_id": number})
    assert response.status_code == 201, response.content
    objection = Objection.objects.get(pk=response.json()["id"])
    assert objection.subject_voter_id == number and objection.subject_voter.resident_id == w.wang.pk


def test_roll_pagination(published, django_assert_max_num_queries):
    w = published
    everything = _whole_roll(w.soon.pk)
    with django_assert_max_num_queries(5):
        first = _api("roll", w.soon.pk, page_size=4).json()
    assert (first["count"], first["count_exact"], first["page"], first["page_size"], first["num_pages"]) == (
        14, True, 1, 4, 4)
    assert first["results"] == everything[:4]
    pages = [first["results"]] + [_api("roll", w.soon.pk, page=n, page_size=4).json()["results"] for n in (2, 3, 4)]
    assert [len(p) for p in pages] == [4, 4, 4, 2]
    assert [r for p in pages for r in p] == everything
    beyond = _api("roll", w.soon.pk, page=99, page_size=4).json()  # like every list: the last page
    assert beyond["page"] == 4 and beyond["results"] == everything[12:]
    default = _api("roll", w.soon.pk).json()
    assert default["page_size"] == 50 and default["results"] == everything
    for bad in ({"page_size": 0}, {"page_size": 201}, {"page": 0}, {"page": "x"}):
        assert_error(_api("roll", w.soon.pk, **bad), 422, "validation_failed")


def test_roll_count_is_not_capped(published, settings):
    """The staff lists stop counting at the cap; the published roll is counted whole, every page reachable."""
    w = published
    settings.SHEQU_LIST_COUNT_CAP = 5
    body = _api("roll", w.soon.pk, page=3, page_size=5).json()
    assert (body["count"], body["count_exact"], body["num_pages"], body["page"]) == (14, True, 3, 3)
    assert len(body["results"]) == 4


# -- the candidates ------------------------------------------------------------------------------------------------


@pytest.fixture
def listed(ew):  # type: ignore[no-untyped-def]
    """ew.election, roll frozen: formal candidates nominated through the service (2 directors — the first a sitting
    committee member —, 2 deputies, 4 members), one more withdrawn and one left nominated; not yet published."""
    singles = make_people(actor=ew.admin, community=ew.community, households=12, adults=1, prefix="单户")
    voters = roll_from(ew.election, [*ew.people, *singles])
    advance(ew.election, Stage.ROLL_FROZEN)
    worker_create(actor=ew.admin, community=ew.community, resident=singles[0], name=singles[0].name,
                  position="member", committee="residents", start_date=dt.date(2021, 6, 1),
                  monthly_base_pay=Decimal(1200))
    seats = [SeatKind.DIRECTOR] * 2 + [SeatKind.DEPUTY] * 2 + [SeatKind.MEMBER] * 6
    nominators = [v.pk for v in voters[:10]]
    rows = [candidate_nominate(actor=ew.worker, election=ew.election, resident=person, seat=seat,
                               method=NominationMethod.VOTERS_JOINTLY, nominator_ids=nominators,
                               on=ew.day - dt.timedelta(days=10))
            for person, seat in zip(singles, seats, strict=False)]
    for row in rows[:8]:
        candidate_set_status(actor=ew.worker, candidate=row, status=CandidateStatus.FORMAL)
    candidate_set_status(actor=ew.worker, candidate=rows[8], status=CandidateStatus.WITHDRAWN, reason="本人放弃")
    ew.formal, ew.withdrawn, ew.nominated = rows[:8], rows[8], rows[9]
    ew.singles = singles
    return ew


def test_candidates_before_publication_answer_404_like_the_page(listed):
    w = listed
    assert _page("candidates", w.election.pk).status_code == 404
    assert_error(_api("candidates", w.election.pk), 404, "not_found")
    draft = make_election(actor=w.admin, community=w.community_b, title="筹备中")
    assert _page("candidates", draft.pk).status_code == 404
    assert_error(_api("candidates", draft.pk), 404, "not_found")


def test_candidates_show_what_the_page_shows(listed):
    w = listed
    candidates_publish(actor=w.worker, election=w.election, on=w.day - dt.timedelta(days=6))
    page = _page("candidates", w.election.pk)
    assert page.status_code == 200
    body = _api("candidates", w.election.pk).json()
    rows = body["candidates"]
    assert body["count"] == len(rows) == 8 and body["candidates_published_on"] == (
        w.day - dt.timedelta(days=6)).isoformat()
    assert [_as_on_candidates_page(r) for r in rows] == CANDIDATE_ROW.findall(page.content.decode())
    assert all(set(r) == CANDIDATE_FIELDS for r in rows)
    assert [(r["seat"], r["ballot_position"]) for r in rows] == [
        ("director", 1), ("director", 2), ("deputy", 1), ("deputy", 2),
        ("member", 1), ("member", 2), ("member", 3), ("member", 4)]
    by_name = {r["name"]: r for r in rows}
    assert by_name[w.singles[0].name]["incumbent"] is True and by_name[w.singles[1].name]["incumbent"] is False
    assert (by_name[w.singles[0].name]["sex"], by_name[w.singles[1].name]["sex"]) == ("F", "M")
    # the ballot order the publication gave (seat, then name), one place for the page, the API and the ballot
    for seat in SeatKind.values:
        ballot = Candidate.objects.filter(election=w.election, seat=seat, status=CandidateStatus.FORMAL)
        assert [r["name"] for r in rows if r["seat"] == seat] == [c.name for c in ballot.order_by("position")]


def test_candidates_hide_what_the_page_hides(listed):
    w = listed
    candidates_publish(actor=w.worker, election=w.election, on=w.day - dt.timedelta(days=6))
    html = _page("candidates", w.election.pk).content.decode()
    text = str(_api("candidates", w.election.pk).json())
    for hidden in (w.withdrawn.name, w.nominated.name, "本人放弃"):  # only the formal list is published
        assert hidden not in text and hidden not in html
    for person in w.singles:
        assert person.id_number not in text and person.birth_date.isoformat() not in text
        assert f"'birth_year': {person.birth_date.year}" not in text


@pytest.mark.parametrize("stage", list(Stage.values))
def test_available_exactly_when_the_pages_are(ew, stage):
    roll = roll_from(ew.election, ew.people)
    formal_candidates(ew.election, SeatKind.DIRECTOR, roll[:2])
    advance(ew.election, stage)
    for kind in ("roll", "candidates"):
        page, api = _page(kind, ew.election.pk), _api(kind, ew.election.pk)
        assert api.status_code == page.status_code, (kind, stage)
        if page.status_code == 404:
            assert_error(api, 404, "not_found")
        else:
            rows = api.json()["results" if kind == "roll" else "candidates"]
            pattern = ROLL_ROW if kind == "roll" else CANDIDATE_ROW
            shown = _as_on_roll_page if kind == "roll" else _as_on_candidates_page
            assert [shown(r) for r in rows] == pattern.findall(page.content.decode())
    assert (_api("roll", ew.election.pk).status_code, _api("candidates", ew.election.pk).status_code) == {
        Stage.DRAFT: (404, 404), Stage.ROLL_PUBLISHED: (200, 404), Stage.ROLL_FROZEN: (200, 404),
    }.get(stage, (200, 200))


# -- unknown ids and the schema ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["roll", "candidates"])
def test_unknown_election_is_404_in_the_error_shape(ew, kind):
    assert_error(_api(kind, 999999), 404, "not_found")
    assert _page(kind, 999999).status_code == 404


def test_openapi_schema_and_docs_render(ew):
    client = login(ew.admin)
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    roll = paths[f"{BASE}/public/{{election_id}}/roll"]["get"]
    assert {p["name"] for p in roll["parameters"]} == {"election_id", "page", "page_size"}
    assert roll.get("security") in (None, [])  # no authentication asked
    assert f"{BASE}/public/{{election_id}}/candidates" in paths
    components = schema.json()["components"]["schemas"]
    assert set(components["PublicVoterOut"]["properties"]) == VOTER_FIELDS
    assert set(components["PublicCandidateOut"]["properties"]) == CANDIDATE_FIELDS
    assert client.get("/api/docs").url == "/api/v1/docs"
    assert client.get("/api/v1/docs").status_code == 200
