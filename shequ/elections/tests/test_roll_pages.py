"""Roll pages: the list with counts, filters and masked ID numbers; actions by POST and HTMX with the refusals
shown on the page; objections; the public roll (no login, names/sex/age/group only); scope and roles.

Pages stand on the real today, so the election here is set 30 days ahead (rule version 2)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shequ.core.testing.clients import login
from shequ.elections.models import Election, Mode, Objection, ObjectionDecision, Stage, Voter, VoterStatus
from shequ.elections.rules import election_params, number
from shequ.elections.services.elections import election_update
from shequ.elections.services.objections import objection_file
from shequ.elections.services.roll import roll_generate, roll_publish
from shequ.elections.testing import make_election

pytestmark = pytest.mark.django_db


@pytest.fixture
def soon(ew):
    ew.soon = make_election(actor=ew.admin, community=ew.community, day=timezone.localdate() + dt.timedelta(days=30),
                            title="近期换届")
    return ew


def _url(name, *args):
    return reverse(f"elections:{name}", args=args)


def test_roll_page_generate_filter_mask(soon, django_assert_max_num_queries):
    client = login(soon.worker)
    r = client.post(_url("roll_generate", soon.soon.pk), follow=True)
    assert r.status_code == 200
    html = r.content.decode()
    assert "王小明" in html
    assert soon.wang.id_number not in html and soon.wang.id_number[-4:] in html  # masked
    assert Voter.objects.filter(election=soon.soon, status=VoterStatus.ON_ROLL).count() == 15
    with django_assert_max_num_queries(20):
        r = client.get(_url("roll", soon.soon.pk), {"q": "王小明"})
    html = r.content.decode()
    assert "王小明" in html and "李娜" not in html


def test_exclude_by_htmx_and_refusal_on_page(soon):
    roll_generate(actor=soon.worker, election=soon.soon)
    client = login(soon.worker)
    v = Voter.objects.get(election=soon.soon, resident=soon.wang)
    r = client.post(_url("roll_exclude", soon.soon.pk, v.pk), {"reason": ""}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and 'role="alert"' in r.content.decode()
    v.refresh_from_db()
    assert v.status == VoterStatus.ON_ROLL
    r = client.post(_url("roll_exclude", soon.soon.pk, v.pk), {"reason": ""})  # plain post: the page, 422
    assert r.status_code == 422 and "请填写不列入的原因" in r.content.decode()
    r = client.post(_url("roll_exclude", soon.soon.pk, v.pk), {"reason": "剥夺政治权利"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "剥夺政治权利" in r.content.decode() and "<html" not in r.content.decode()
    v.refresh_from_db()
    assert v.status == VoterStatus.EXCLUDED
    r = client.post(_url("roll_include", soon.soon.pk, v.pk), HTTP_HX_REQUEST="true")
    v.refresh_from_db()
    assert r.status_code == 200 and v.status == VoterStatus.ON_ROLL


def test_add_form_errors_and_success(soon):
    roll_generate(actor=soon.worker, election=soon.soon)
    client = login(soon.worker)
    r = client.post(_url("roll_add", soon.soon.pk), {"resident_id": soon.zhao.pk})
    assert r.status_code == 422 and "不在本选区" in r.content.decode()
    r = client.post(_url("roll_add", soon.soon.pk), {"resident_id": soon.wang.pk})
    assert r.status_code == 409 and "已在选民名单中" in r.content.decode()
    assert Voter.objects.filter(election=soon.soon).count() == 15


def test_publish_refused_then_objections_and_public_page(soon):
    client = login(soon.worker)
    r = client.post(_url("roll_publish", soon.soon.pk))  # empty roll
    assert r.status_code == 422 and "选民名单为空" in r.content.decode()
    anonymous = Client()
    assert anonymous.get(_url("public_roll", soon.soon.pk)).status_code == 404  # draft
    roll_generate(actor=soon.worker, election=soon.soon)
    r = client.post(_url("roll_publish", soon.soon.pk), follow=True)
    soon.soon.refresh_from_db()
    assert r.status_code == 200 and soon.soon.stage == Stage.ROLL_PUBLISHED
    page = anonymous.get(_url("public_roll", soon.soon.pk))
    html = page.content.decode()
    assert page.status_code == 200 and "王小明" in html
    assert soon.wang.id_number not in html and soon.wang.id_number[-4:] not in html and "13812345678" not in html
    v = Voter.objects.get(election=soon.soon, resident=soon.wang)
    r = client.post(_url("objections", soon.soon.pk), {"kind": "wrongly_included", "filed_by_name": "张三",
                                                       "reason": "已迁出", "subject_voter_id": v.pk})
    assert r.status_code == 302
    objection = Objection.objects.get(election=soon.soon)
    r = client.post(_url("objection_answer", soon.soon.pk, objection.pk), {"decision": "rejected", "answer": ""})
    assert r.status_code == 422 and "须写明答复理由" in r.content.decode()
    r = client.post(_url("roll_freeze", soon.soon.pk))
    assert r.status_code == 422 and "异议期至" in r.content.decode()
    r = client.post(_url("objection_answer", soon.soon.pk, objection.pk), {"decision": "rejected", "answer": "仍居住"})
    assert r.status_code == 302
    objection.refresh_from_db()
    assert objection.decision == ObjectionDecision.REJECTED


def test_objections_page_flags_overdue(soon):
    day = timezone.localdate()
    roll_generate(actor=soon.worker, election=soon.soon)
    roll_publish(actor=soon.worker, election=soon.soon)
    v = Voter.objects.get(election=soon.soon, resident=soon.wang)
    objection_file(actor=soon.worker, election=soon.soon, kind="wrong_details", filed_by_name="张三", reason="错字",
                   subject_voter=v)
    days = number(election_params(soon.soon), "objection_answer_days")
    Objection.objects.update(filed_on=day - dt.timedelta(days=days + 1))
    html = login(soon.worker).get(_url("objections", soon.soon.pk)).content.decode()
    assert "已超期" in html


def test_scope_and_roles(soon):
    roll_generate(actor=soon.worker, election=soon.soon)
    v = Voter.objects.get(election=soon.soon, resident=soon.wang)
    outsider, analyst = login(soon.outsider), login(soon.analyst)
    for name, args in (("roll", ()), ("objections", ()), ("roll_add", ())):
        assert outsider.get(_url(name, soon.soon.pk, *args)).status_code == 404
    assert outsider.post(_url("roll_generate", soon.soon.pk)).status_code == 404
    assert outsider.post(_url("roll_exclude", soon.soon.pk, v.pk), {"reason": "x"}).status_code == 404
    assert analyst.get(_url("roll", soon.soon.pk)).status_code == 200
    assert analyst.post(_url("roll_exclude", soon.soon.pk, v.pk), {"reason": "x"}).status_code == 403
    assert analyst.post(_url("roll_publish", soon.soon.pk)).status_code == 403
    assert analyst.get(_url("roll_add", soon.soon.pk)).status_code == 403
    v.refresh_from_db()
    assert v.status == VoterStatus.ON_ROLL
    assert Election.objects.get(pk=soon.soon.pk).stage == Stage.DRAFT
    assert Client().get(_url("roll", soon.soon.pk)).status_code == 302  # login first


def test_household_swap_and_group_representatives_pages(soon):
    on = timezone.localdate()
    election_update(actor=soon.subdistrict_officer, election=soon.soon, mode=Mode.HOUSEHOLD_REPS, on=on)
    roll_generate(actor=soon.worker, election=soon.soon)
    client = login(soon.worker)
    head = Voter.objects.get(election=soon.soon, resident=soon.wang)
    r = client.post(_url("roll_replace", soon.soon.pk, head.pk), {"resident_id": soon.zhao.pk})
    assert r.status_code == 422
    assert Voter.objects.get(pk=head.pk).status == VoterStatus.ON_ROLL
    r = client.post(_url("roll_replace", soon.soon.pk, head.pk), {"resident_id": soon.li.pk})
    assert r.status_code == 302
    assert Voter.objects.get(election=soon.soon, resident=soon.li).status == VoterStatus.ON_ROLL
    assert Voter.objects.get(pk=head.pk).status == VoterStatus.EXCLUDED

    election_update(actor=soon.subdistrict_officer, election=soon.election, mode=Mode.GROUP_REPS,
                    on=soon.election.election_day - dt.timedelta(days=30))
    url = _url("roll_representatives", soon.election.pk)
    r = client.post(url, {"group_code": soon.grid.code, "residents": str(soon.wang.pk)})
    assert r.status_code == 422 and "现为 1 人" in r.content.decode()
    assert not Voter.objects.filter(election=soon.election).exists()
    r = client.post(url, {"group_code": soon.grid.code, "residents": f"{soon.wang.pk}，{soon.li.pk}"})
    assert r.status_code == 302
    assert set(Voter.objects.filter(election=soon.election).values_list("resident_id", flat=True)) == {
        soon.wang.pk, soon.li.pk}
    assert "登记居民小组代表" in client.get(_url("roll", soon.election.pk)).content.decode()
