"""Overview pages: list, election hub, create and edit, campaigns — per role, scope, refused input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequ.core.testing.clients import login
from shequ.elections.models import Campaign, Election, Stage
from shequ.elections.services.elections import campaign_create
from shequ.elections.testing import advance, make_election

pytestmark = pytest.mark.django_db

VIEWERS = ("admin", "analyst", "district_officer", "subdistrict_officer", "worker")
NOBODY = ("grid_worker", "auditor", "outsider")  # outsider: a community worker of another district


@pytest.fixture
def pw(ew):  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    ew.future = today + dt.timedelta(days=60)
    ew.campaign = campaign_create(actor=ew.admin, area=ew.city, name="本届换届选举", term_label="第十二届",
                                  starts_on=today - dt.timedelta(days=30), ends_on=today + dt.timedelta(days=365),
                                  schedule=[{"key": "roll", "label": "名单公布", "due": today.isoformat()}])
    ew.draft = make_election(actor=ew.admin, community=ew.community_b, day=ew.future, campaign=ew.campaign)
    return ew


def _form(w, **extra):  # type: ignore[no-untyped-def]
    return {"community": w.community_b.code, "body": "residents_committee", "title": "花园社区补充选举",
            "mode": "all_voters", "election_day": w.future.isoformat(), "seats_director": 1, "seats_deputy": 1,
            "seats_member": 3, "campaign": "", **extra}


@pytest.mark.parametrize("role", VIEWERS)
def test_list_and_hub_per_role(pw, role):
    client = login(getattr(pw, role))
    html = client.get("/elections/").content.decode()
    assert f'data-election="{pw.election.pk}"' in html
    response = client.get(f"/elections/{pw.election.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="/elections/{pw.election.pk}/roll/"' in page and 'id="steps"' in page
    assert ('href="/elections/new/"' in html) == (role in ("admin", "district_officer", "subdistrict_officer"))


@pytest.mark.parametrize("role", NOBODY)
def test_outsiders_see_nothing(pw, role):
    client = login(getattr(pw, role))
    index = client.get("/elections/")
    if index.status_code == 200:
        assert f'data-election="{pw.election.pk}"' not in index.content.decode()
    else:
        assert index.status_code == 404
    district = campaign_create(actor=pw.district_officer, area=pw.district, name="娄星区换届", term_label="x",
                               starts_on=pw.future, ends_on=pw.future)
    for url in (f"/elections/{pw.election.pk}/", f"/elections/{pw.draft.pk}/edit/",
                f"/elections/campaigns/{district.pk}/", f"/elections/campaigns/{district.pk}/edit/"):
        assert client.get(url).status_code == 404, url


def test_resident_is_sent_to_voting(pw):
    response = login(pw.resident_user).get("/elections/")
    assert response.status_code in (302, 404)


def test_hub_figures_and_deadlines(pw):
    html = login(pw.worker).get(f"/elections/{pw.election.pk}/").content.decode()
    day = pw.election.election_day
    assert (day - dt.timedelta(days=20)).isoformat() in html  # roll publication, rule version 2
    assert (day - dt.timedelta(days=5)).isoformat() in html  # nominations close
    assert "/standards/policies/" in html
    assert f'href="/elections/{pw.election.pk}/edit/"' not in html  # a worker does not edit


def test_create_with_bad_seats_shows_the_error_and_writes_nothing(pw):
    client = login(pw.subdistrict_officer)
    assert client.get("/elections/new/").status_code == 200
    before = Election.objects.count()
    response = client.post("/elections/new/", _form(pw, seats_member=8))
    assert response.status_code == 422
    assert "成员总数为 10 人" in response.content.decode()
    assert Election.objects.count() == before
    response = client.post("/elections/new/", _form(pw, campaign=str(pw.campaign.pk)))
    created = Election.objects.get(title="花园社区补充选举")
    assert response.status_code == 302 and response["Location"] == f"/elections/{created.pk}/"
    assert created.campaign == pw.campaign


def test_create_refused_for_non_managers(pw):
    assert login(pw.worker).get("/elections/new/").status_code == 403
    assert login(pw.worker).post("/elections/new/", _form(pw)).status_code == 403
    assert login(pw.grid_worker).get("/elections/new/").status_code == 404
    assert not Election.objects.filter(title="花园社区补充选举").exists()


def test_edit_draft_only(pw):
    client = login(pw.subdistrict_officer)
    url = f"/elections/{pw.draft.pk}/edit/"
    assert client.get(url).status_code == 200
    data = {k: v for k, v in _form(pw, title="改名").items() if k not in ("community", "body")}
    bad = client.post(url, {**data, "seats_member": 8})
    assert bad.status_code == 422
    assert Election.objects.get(pk=pw.draft.pk).seats_member == 3
    assert client.post(url, data).status_code == 302
    assert Election.objects.get(pk=pw.draft.pk).title == "改名"
    assert login(pw.worker).get(f"/elections/{pw.election.pk}/edit/").status_code == 403
    advance(Election.objects.get(pk=pw.draft.pk), Stage.ROLL_PUBLISHED)
    assert client.get(url)["Location"] == f"/elections/{pw.draft.pk}/"
    client.post(url, {**data, "title": "不应保存"})
    assert Election.objects.get(pk=pw.draft.pk).title == "改名"


def test_campaign_pages(pw):
    client = login(pw.district_officer)
    html = client.get(f"/elections/campaigns/{pw.campaign.pk}/").content.decode()
    assert f'data-election="{pw.draft.pk}"' in html and "名单公布" in html
    # 长青's only election (the fixture's) is under no campaign: it has not started this one; 花园 has.
    assert f'data-area="{pw.community.code}"' in html and f'data-area="{pw.community_b.code}"' not in html
    assert f'href="/elections/campaigns/{pw.campaign.pk}/edit/"' not in html  # the city's campaign
    assert login(pw.outsider).get(f"/elections/campaigns/{pw.campaign.pk}/").status_code == 200  # the city's
    listing = client.get("/elections/campaigns/").content.decode()
    assert f'data-campaign="{pw.campaign.pk}"' in listing


def test_campaign_new_and_edit(pw):
    client = login(pw.district_officer)
    assert client.get("/elections/campaigns/new/").status_code == 200
    data = {"area": pw.district.code, "name": "娄星区换届", "term_label": "第十二届",
            "starts_on": "2027-01-01", "ends_on": "2026-12-31", "note": "",
            "schedule-TOTAL_FORMS": "2", "schedule-INITIAL_FORMS": "0", "schedule-MIN_NUM_FORMS": "0",
            "schedule-MAX_NUM_FORMS": "30", "schedule-0-label": "投票日", "schedule-0-due": "2027-02-01",
            "schedule-1-label": "", "schedule-1-due": ""}
    bad = client.post("/elections/campaigns/new/", data)
    assert bad.status_code == 422 and "完成期限不能早于开始日期" in bad.content.decode()
    assert not Campaign.objects.filter(name="娄星区换届").exists()
    response = client.post("/elections/campaigns/new/", {**data, "ends_on": "2027-06-30"})
    row = Campaign.objects.get(name="娄星区换届")
    assert response.status_code == 302 and row.schedule == [{"key": "m1", "label": "投票日", "due": "2027-02-01"}]
    html = client.get(f"/elections/campaigns/{row.pk}/").content.decode()
    assert f'data-area="{pw.community.code}"' in html and f'data-area="{pw.community_b.code}"' in html  # not started
    edit = f"/elections/campaigns/{row.pk}/edit/"
    assert client.get(edit).status_code == 200
    edited = {**data, "ends_on": "2027-06-30", "name": "娄星区第十二届换届", "schedule-0-due": "2026-01-01"}
    bad = client.post(edit, edited)  # a milestone before the campaign starts
    assert bad.status_code == 422 and Campaign.objects.get(pk=row.pk).name == "娄星区换届"
    assert client.post(edit, {**edited, "schedule-0-due": "2027-03-01"}).status_code == 302
    assert Campaign.objects.get(pk=row.pk).name == "娄星区第十二届换届"
    assert login(pw.worker).get("/elections/campaigns/new/").status_code == 403
    assert login(pw.outsider).get(edit).status_code == 404


def test_list_query_count_bounded(pw, django_assert_max_num_queries):
    for n in range(5):
        make_election(actor=pw.admin, community=pw.community_b, day=pw.future, title=f"第{n}次")
    client = login(pw.admin)
    with django_assert_max_num_queries(12):
        html = client.get("/elections/").content.decode()
    assert html.count("data-election=") == 7
