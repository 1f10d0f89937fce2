"""A resident objects to the published roll online — service, API and page: what each kind of objection names,
the refusals (window, no resident record, another community, a worker's account, a repeat), and the committee
answering it on its own list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from shequ.core.errors import Conflict, PermissionDenied, ValidationFailed
from shequ.core.models import AuditLog
from shequ.core.roles import Role
from shequ.core.testing.clients import ApiClient, assert_error, login
from shequ.core.testing.factories import make_user
from shequ.elections.models import Objection, ObjectionDecision, ObjectionKind, Voter, VoterStatus
from shequ.elections.selectors.roll import my_objections, objection_list, roll_deadlines
from shequ.elections.services.objections import objection_answer, objection_file_mine
from shequ.elections.services.roll import roll_generate, roll_publish, voter_exclude
from shequ.elections.testing import make_election

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(ew):  # type: ignore[no-untyped-def]
    """An election 30 days ahead whose roll (15 voters, 李娜 — the resident user — among them) is published
    today: objections are open."""
    ew.soon = make_election(actor=ew.admin, community=ew.community, day=timezone.localdate() + dt.timedelta(days=30),
                            title="近期换届")
    roll_generate(actor=ew.worker, election=ew.soon)
    ew.soon.refresh_from_db()
    return ew


def _publish(w):  # type: ignore[no-untyped-def]
    roll_publish(actor=w.worker, election=w.soon)
    w.soon.refresh_from_db()


def _voter(w, resident):  # type: ignore[no-untyped-def]
    return Voter.objects.get(election=w.soon, resident=resident)


def test_own_details_and_someone_who_should_not_be_on_it(published) -> None:  # type: ignore[no-untyped-def]
    w = published
    _publish(w)
    mine = objection_file_mine(actor=w.resident_user, election=w.soon, kind=ObjectionKind.WRONG_DETAILS,
                               reason="出生日期有误")
    assert mine.online and mine.recorded_by == w.resident_user and mine.filed_by_name == w.li.name
    assert mine.subject_voter == mine.filed_by_voter == _voter(w, w.li)
    assert AuditLog.objects.filter(action="objection.file", entity_id=str(mine.pk), actor=w.resident_user).exists()
    with pytest.raises(ValidationFailed) as exc:  # the same objection again, while pending
        objection_file_mine(actor=w.resident_user, election=w.soon, kind=ObjectionKind.WRONG_DETAILS, reason="再提")
    assert exc.value.code == "duplicate"

    wang = _voter(w, w.wang)
    other = objection_file_mine(actor=w.resident_user, election=w.soon, kind=ObjectionKind.WRONGLY_INCLUDED,
                                subject_voter=wang.pk, reason="已迁往外地")
    assert (other.subject_voter, other.subject_resident) == (wang, w.wang)
    assert list(objection_list(viewer=w.worker, election=w.soon)) == [mine, other]  # on the committee's list
    assert my_objections(viewer=w.resident_user, election=w.soon) == [mine, other]
    assert my_objections(viewer=w.worker, election=w.soon) == []

    objection_answer(actor=w.worker, election=w.soon, objection=other, decision=ObjectionDecision.UPHELD,
                     answer="经核实已迁出")
    assert _voter(w, w.wang).status == VoterStatus.EXCLUDED


def test_left_off_the_roll_and_put_back_by_the_answer(published) -> None:  # type: ignore[no-untyped-def]
    w = published
    li = _voter(w, w.li)
    voter_exclude(actor=w.worker, election=w.soon, voter=li, reason="误登记")
    _publish(w)
    with pytest.raises(ValidationFailed) as exc:  # not on the roll: no details of theirs to correct
        objection_file_mine(actor=w.resident_user, election=w.soon, kind=ObjectionKind.WRONG_DETAILS, reason="x")
    assert "kind" in exc.value.details
    row = objection_file_mine(actor=w.resident_user, election=w.soon, kind=ObjectionKind.OMITTED,
                              reason="本人常住本社区")
    assert (row.subject_resident, row.subject_voter, row.filed_by_voter) == (w.li, None, None)
    objection_answer(actor=w.worker, election=w.soon, objection=row, decision=ObjectionDecision.UPHELD)
    assert _voter(w, w.li).status == VoterStatus.ON_ROLL


def test_refused(published) -> None:  # type: ignore[no-untyped-def]
    w = published
    with pytest.raises(Conflict):  # not published yet
        objection_file_mine(actor=w.resident_user, election=w.soon, kind=ObjectionKind.WRONG_DETAILS, reason="x")
    _publish(w)
    last = roll_deadlines(w.soon).objection_last_day
    assert last is not None
    with pytest.raises(ValidationFailed) as exc:
        objection_file_mine(actor=w.resident_user, election=w.soon, kind=ObjectionKind.WRONG_DETAILS, reason="x",
                            on=last + dt.timedelta(days=1))
    assert exc.value.code == "deadline_passed"
    with pytest.raises(ValidationFailed) as exc:  # already on the roll
        objection_file_mine(actor=w.resident_user, election=w.soon, kind=ObjectionKind.OMITTED, reason="x")
    with pytest.raises(ValidationFailed) as exc:
        objection_file_mine(actor=w.resident_user, election=w.soon, kind=ObjectionKind.WRONGLY_INCLUDED, reason="x")
    assert "subject_voter" in exc.value.details
    with pytest.raises(ValidationFailed) as exc:
        objection_file_mine(actor=w.resident_user, election=w.soon, kind=ObjectionKind.WRONG_DETAILS, reason=" ")
    assert "reason" in exc.value.details
    with pytest.raises(ValidationFailed) as exc:
        objection_file_mine(actor=w.resident_user, election=w.soon, kind="nonsense", reason="x")
    assert "kind" in exc.value.details
    unlinked = make_user("resident_unlinked", Role.RESIDENT, w.community)
    with pytest.raises(ValidationFailed) as exc:
        objection_file_mine(actor=unlinked, election=w.soon, kind=ObjectionKind.WRONG_DETAILS, reason="x")
    assert "resident" in exc.value.details
    elsewhere = make_user("resident_elsewhere", Role.RESIDENT, w.community2, resident=w.zhao)
    for actor in (elsewhere, w.worker, w.analyst):
        with pytest.raises(PermissionDenied):
            objection_file_mine(actor=actor, election=w.soon, kind=ObjectionKind.WRONG_DETAILS, reason="x")
    assert not Objection.objects.exists()


def test_api(published) -> None:  # type: ignore[no-untyped-def]
    w = published
    _publish(w)
    api = ApiClient(w.resident_user)
    base = f"/elections/{w.soon.pk}/objections/mine"
    r = api.send("POST", base, {"kind": "wrongly_included", "reason": "已迁出"})
    assert "subject_voter" in assert_error(r, 422, "validation_failed")["details"]
    wang = _voter(w, w.wang).pk
    r = api.send("POST", base, {"kind": "wrongly_included", "reason": "已迁出", "subject_voter_id": wang})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["online"] and body["decision"] == "pending" and body["filed_by_name"] == w.li.name
    assert [o["id"] for o in api.get(base).json()] == [body["id"]]
    assert ApiClient(w.worker).get(base).json() == []
    assert [o["online"] for o in ApiClient(w.worker).get(f"/elections/{w.soon.pk}/objections").json()] == [True]
    assert_error(ApiClient(w.worker).send("POST", base, {"kind": "wrong_details", "reason": "x"}), 403)


def test_page(published) -> None:  # type: ignore[no-untyped-def]
    w = published
    _publish(w)
    url = reverse("elections:public_roll", args=[w.soon.pk])
    post = reverse("elections:public_roll_object", args=[w.soon.pk])
    anonymous = login(w.worker)
    anonymous.logout()
    html = anonymous.get(url).content.decode()
    assert w.li.name in html and post not in html
    assert post not in login(w.worker).get(url).content.decode()  # staff record objections on their own page

    client = login(w.resident_user)
    html = client.get(url).content.decode()
    wang = _voter(w, w.wang)
    assert post in html and f">{wang.pk}</td>" in html  # the voter numbers the form asks for
    bad = client.post(post, {"kind": "wrongly_included", "reason": "已迁出"})
    assert bad.status_code == 422 and "请选择选民名单中的一名选民" in bad.content.decode()
    assert client.post(post, {"kind": "wrongly_included", "reason": "已迁出",
                              "subject_voter_id": wang.pk}).status_code == 302
    html = client.get(url).content.decode()
    assert "您的异议已提交" in html and "我提出的异议" in html and wang.name in html
    worker_page = login(w.worker).get(reverse("elections:objections", args=[w.soon.pk])).content.decode()
    assert "网上提出" in worker_page

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get(url).content.decode()
    assert "Object to the roll" in english and "My objections" in english and "Filed online" not in english
