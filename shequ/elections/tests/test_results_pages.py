"""Results pages: the count button, the results per round, publish, handover and repeat forms, the certificate,
the public page (no login), scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shequ.core.models import AccessLog
from shequ.core.testing.clients import login
from shequ.elections.models import Election, RoundStatus, Stage
from shequ.elections.testing import first_round
from shequ.elections.tests.test_results import box, voting_setup
from shequ.governance.models import Worker

pytestmark = pytest.mark.django_db


def _votes(s):  # type: ignore[no-untyped-def]
    c = s.c
    return {c[0]: 9, c[1]: 3, c[2]: 8, c[3]: 5, c[4]: 11, c[5]: 8, c[6]: 8, c[7]: 2}


def test_count_from_the_results_page_and_publish(ew):
    s = voting_setup(ew)
    box(s.round, "第一票箱", issued=14, votes=_votes(s))
    client = login(ew.worker)
    url = reverse("elections:results", args=[s.election.pk])
    page = client.get(url).content.decode()
    assert 'id="count-form"' in page and "第一票箱" in page and "计票结果已核对" in page
    response = client.post(reverse("elections:count", args=[s.election.pk]))
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url).content.decode()
    assert page.count('class="el-elected"') == 5 and "当选" in page
    assert 'id="count-form"' not in page and 'id="publish-form"' in page
    assert reverse("elections:certificate", args=[s.election.pk]) in page
    assert client.post(reverse("elections:results_publish", args=[s.election.pk])).status_code == 302
    page = client.get(url).content.decode()
    assert 'id="handover-form"' in page and 'id="publish-form"' not in page


def test_count_refused_is_explained_on_the_page(ew):
    s = voting_setup(ew)
    box(s.round, "第一票箱", issued=14, votes=_votes(s))
    box(s.round, "流动票箱", issued=0, tally=False)
    client = login(ew.worker)
    page = client.get(reverse("elections:results", args=[s.election.pk])).content.decode()
    assert "尚无核对一致的计票结果" in page
    response = client.post(reverse("elections:count", args=[s.election.pk]))
    assert response.status_code == 409
    assert 'id="action-error"' in response.content.decode() and "流动票箱" in response.content.decode()
    assert first_round(s.election).status == RoundStatus.OPEN


def test_scope_on_pages(ew):
    s = voting_setup(ew)
    box(s.round, "票箱", issued=14, votes=_votes(s))
    outsider = login(ew.outsider)
    for name in ("results", "certificate", "handover", "repeat"):
        assert outsider.get(reverse(f"elections:{name}", args=[s.election.pk])).status_code == 404
    assert outsider.post(reverse("elections:count", args=[s.election.pk])).status_code == 404
    analyst = login(ew.analyst)
    page = analyst.get(reverse("elections:results", args=[s.election.pk])).content.decode()
    assert 'id="count-form"' not in page
    assert analyst.post(reverse("elections:count", args=[s.election.pk])).status_code == 403
    assert Election.objects.get(pk=s.election.pk).stage == Stage.VOTING
    anon = Client().get(reverse("elections:results", args=[s.election.pk]))
    assert anon.status_code == 302


def test_certificate_page_and_handover_form(ew):
    s = voting_setup(ew)
    box(s.round, "票箱", issued=14, votes=_votes(s))
    client = login(ew.worker)
    client.post(reverse("elections:count", args=[s.election.pk]))
    response = client.get(reverse("elections:certificate", args=[s.election.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert AccessLog.objects.filter(kind="export", entity_type="elections.Election").count() == 1
    client.post(reverse("elections:results_publish", args=[s.election.pk]))
    url = reverse("elections:handover", args=[s.election.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"handover_on": "2026-06-01", "note": "", "create_workers": "on"})
    assert bad.status_code == 422 and "工作移交日期不能早于选举日" in bad.content.decode()
    assert Election.objects.get(pk=s.election.pk).handover_on is None and not Worker.objects.exists()
    ok = client.post(url, {"handover_on": "2026-07-01", "note": "档案已移交", "create_workers": "on"})
    assert ok.status_code == 302
    assert Worker.objects.filter(start_date=dt.date(2026, 7, 1)).count() == 5
    page = client.get(reverse("elections:results", args=[s.election.pk])).content.decode()
    assert 'id="handover-done"' in page


def test_repeat_form(ew):
    s = voting_setup(ew)
    box(s.round, "票箱", issued=10, votes={s.c[0]: 10})
    login(ew.worker).post(reverse("elections:count", args=[s.election.pk]))
    url = reverse("elections:repeat", args=[s.election.pk])
    assert 'id="repeat-form"' not in login(ew.worker).get(
        reverse("elections:results", args=[s.election.pk])).content.decode()
    officer = login(ew.subdistrict_officer)
    page = officer.get(reverse("elections:results", args=[s.election.pk])).content.decode()
    assert 'id="repeat-form"' in page and "选举无效" in page
    bad = officer.post(url, {"election_day": "2020-01-01"})
    assert bad.status_code == 422 and not Election.objects.filter(repeat_of=s.election).exists()
    day = (timezone.localdate() + dt.timedelta(days=40)).isoformat()
    ok = officer.post(url, {"election_day": day})
    again = Election.objects.get(repeat_of=s.election)
    assert ok.status_code == 302 and again.attempt == 2


def test_public_page(ew):
    s = voting_setup(ew)
    anon = Client()
    draft = Election.objects.create(community=ew.community_b, area_code=ew.community_b.code, title="筹备中",
                                    election_day=ew.day)
    assert anon.get(reverse("elections:public", args=[draft.pk])).status_code == 404
    url = reverse("elections:public", args=[s.election.pk])
    page = anon.get(url).content.decode()
    assert s.election.title in page and "选举结果公布后在此显示" in page
    box(s.round, "票箱", issued=14, votes=_votes(s))
    client = login(ew.worker)
    client.post(reverse("elections:count", args=[s.election.pk]))
    assert s.c[0].name not in anon.get(url).content.decode()  # counted, not yet published
    client.post(reverse("elections:results_publish", args=[s.election.pk]))
    page = anon.get(url).content.decode()
    assert 'id="public-results"' in page
    for i in (0, 2, 4, 5, 6):
        assert s.c[i].name in page
    for person in s.extra:
        assert person.id_number not in page and person.id_number[-4:] + "<" not in page



def test_tie_and_additional_round_on_the_page(ew):
    s = voting_setup(ew)
    c = s.c
    box(s.round, "票箱", issued=14, votes={c[0]: 9, c[2]: 8, c[4]: 10, c[5]: 9, c[6]: 9, c[7]: 9})
    client = login(ew.worker)
    client.post(reverse("elections:count", args=[s.election.pk]))
    page = client.get(reverse("elections:results", args=[s.election.pk])).content.decode()
    assert page.count("得票相等，另行选举") == 3 and 'id="round-2"' in page
    assert "已安排第 2 轮另行选举" in page and 'id="count-form"' in page
