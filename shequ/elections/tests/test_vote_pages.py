"""Online voting pages: the resident's list, the ballot with its confirmation step and receipt, the public check."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from shequ.core.testing.clients import login
from shequ.elections.models import OnlineBallot, OnlineVoteMark, Stage
from shequ.elections.services.online import receipt_hash
from shequ.elections.testing import advance
from shequ.elections.tests.test_online import counts, open_for_voting

pytestmark = pytest.mark.django_db


def test_my_elections_lists_and_marks_voted(ew):
    s = open_for_voting(ew)
    client = login(ew.resident_user)
    html = client.get(reverse("elections:my_elections")).content.decode()
    assert s.election.title in html and reverse("elections:vote", args=[s.election.pk]) in html
    assert "已网上投票" not in html
    client.post(reverse("elections:vote", args=[s.election.pk]), {"step": "cast", f"c{s.director[0].pk}": "F"})
    html = client.get(reverse("elections:my_elections")).content.decode()
    assert "已网上投票" in html
    other = login(ew.outsider).get(reverse("elections:my_elections")).content.decode()
    assert s.election.title not in other


def test_ballot_review_cast_and_second_visit(ew):
    s = open_for_voting(ew)
    client = login(ew.resident_user)
    url = reverse("elections:vote", args=[s.election.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    for c in s.cands:
        assert c.name in html and f'name="c{c.pk}"' in html
    assert html.count('name="w_member"') == 3 and html.count('name="w_director"') == 1
    form = {f"c{s.director[0].pk}": "F", f"c{s.member[1].pk}": "A", "w_member": ["张三", ""]}
    review = client.post(url, {**form, "step": "review"})
    assert review.status_code == 200 and "确认投票" in review.content.decode()
    assert counts() == (0, 0)  # the review step writes nothing
    cast = client.post(url, {f"c{s.director[0].pk}": "F", f"c{s.member[1].pk}": "A", "w_member": "张三",
                             "step": "cast"})
    assert cast.status_code == 200
    code = re.search(r'id="receipt-code">([A-Z0-9-]+)<', cast.content.decode()).group(1)
    ballot = OnlineBallot.objects.get()
    assert ballot.receipt_hash == receipt_hash(code) and ballot.write_ins == {"member": ["张三"]}
    assert ballot.marks[s.director[0].position] == "F" and ballot.marks[s.member[1].position] == "A"
    again = client.get(url).content.decode()
    assert "已网上投票" in again and 'name="step"' not in again
    assert client.post(url, {"step": "cast"}).status_code == 409
    assert counts() == (1, 1)


def test_invalid_ballot_shown_on_the_form(ew):
    s = open_for_voting(ew)
    client = login(ew.resident_user)
    url = reverse("elections:vote", args=[s.election.pk])
    response = client.post(url, {f"c{s.director[0].pk}": "F", f"c{s.director[1].pk}": "F", "step": "review"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "应选 1 名" in html and 'value="F" checked' in html  # the message, and the choices kept
    assert client.post(url, {f"c{s.director[0].pk}": "F", f"c{s.director[1].pk}": "F",
                             "step": "cast"}).status_code == 422
    assert counts() == (0, 0)


def test_refusals_on_the_page(ew):
    s = open_for_voting(ew)
    url = reverse("elections:vote", args=[s.election.pk])
    assert login(ew.outsider).get(url).status_code == 404
    assert login(ew.worker).get(url).status_code == 403
    assert login(ew.outsider).post(url, {"step": "cast"}).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page
    advance(s.election, Stage.COUNTED)
    page = login(ew.resident_user).get(url)
    assert "不在投票时间内" in page.content.decode() and 'name="step"' not in page.content.decode()
    assert login(ew.resident_user).post(url, {"step": "cast"}).status_code == 409
    assert counts() == (0, 0)


def test_public_receipt_page(ew):
    s = open_for_voting(ew)
    client = login(ew.resident_user)
    url = reverse("elections:vote", args=[s.election.pk])
    cast = client.post(url, {f"c{s.member[0].pk}": "F", "w_director": "王五", "step": "cast"}).content.decode()
    code = re.search(r'id="receipt-code">([A-Z0-9-]+)<', cast).group(1)
    public = Client()
    html = public.get(reverse("elections:receipt"), {"code": code}).content.decode()
    assert s.election.title in html and "尚未计票" in html
    assert s.member[0].name not in html and "王五" not in html  # the choices stay secret, even to the code
    assert public.get(reverse("elections:receipt"), {"code": "2222-2222-2222-2222"}).status_code == 404
    assert public.get(reverse("elections:receipt")).status_code == 200
    voter_name = OnlineVoteMark.objects.get().voter.name
    assert voter_name not in html  # the check shows the ballot, never who cast it
