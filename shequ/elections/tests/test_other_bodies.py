"""The same engine for the other bodies (issue 4 §7): the supervision committee (居务监督委员会), the residents'
council (居民议事会) and residents' group leaders (居民小组长).

Seat limits at the rule's boundaries, through the service and through the API, for each rule version; and a whole
election run through the services — roll, nominations, the formal list, the vote, the count, the results — for a
supervision committee (paper ballots, two entries per box) and for a group leader (online ballots)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shequ.core.errors import PermissionDenied, ValidationFailed
from shequ.core.roles import Role
from shequ.core.testing.clients import ApiClient, assert_error, login
from shequ.core.testing.factories import make_user
from shequ.disclosure.models import Disclosure
from shequ.elections.certificate import certificate_download
from shequ.elections.models import (
    Body,
    Candidate,
    CandidateStatus,
    Election,
    NominationMethod,
    Round,
    RoundStatus,
    SeatKind,
    Stage,
    Voter,
    VoterStatus,
    seat_label,
)
from shequ.elections.rules import election_params, number, version_for_election
from shequ.elections.selectors.online import ballot_get
from shequ.elections.services.boxes import box_create
from shequ.elections.services.handover import handover_record
from shequ.elections.services.nomination import candidate_nominate, candidate_set_status, candidates_publish
from shequ.elections.services.online import ballot_cast
from shequ.elections.services.results import results_publish, round_count
from shequ.elections.services.roll import roll_freeze, roll_generate, roll_publish
from shequ.elections.services.tally import sheet_enter
from shequ.elections.services.voting import voting_open
from shequ.elections.testing import DAY, first_round, make_election, make_people
from shequ.governance.models import Worker
from shequ.governance.services import worker_create
from shequ.standards.tests.test_exports import pdf_text

pytestmark = pytest.mark.django_db

BASE = "/api/v1/elections"
LIMITS: dict[str, tuple[str, str]] = {Body.SUPERVISION_COMMITTEE: ("supervision_seats_min", "supervision_seats_max"),
          Body.COUNCIL: ("council_seats_min", "council_seats_max")}
V1_DAY = dt.date(2025, 12, 31)  # the last election day judged by rule version 1


def _limits(area_code: str, day: dt.date, body: str) -> tuple[int, int]:
    values = election_params(Election(policy_version=version_for_election(area_code, day)))
    low, high = LIMITS[body]
    return number(values, low), number(values, high)


def _seats(total: int) -> dict[str, int]:
    """A director and `total - 1` members (no deputy): accepted by both bodies whenever the total is."""
    return {"seats_director": 1, "seats_deputy": 0, "seats_member": total - 1}


# -- seat limits -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", [DAY, V1_DAY], ids=["rules-v2", "rules-v1"])
@pytest.mark.parametrize("body", [Body.SUPERVISION_COMMITTEE, Body.COUNCIL])
def test_seat_limits_through_the_service(ew, body, day):
    low, high = _limits(ew.community_b.code, day, body)
    assert 1 < low < high  # the rule has a range to test the edges of
    for total in (low - 1, high + 1):
        with pytest.raises(ValidationFailed) as exc:
            make_election(actor=ew.admin, community=ew.community_b, day=day, body=body, title="x", **_seats(total))
        message = f"成员总数为 {total} 人，按规则应为 {low} 至 {high} 人。"
        assert exc.value.details == {"seats_member": [message]} and exc.value.message == message
    assert not Election.objects.filter(body=body).exists()
    for total in (low, high):
        e = make_election(actor=ew.admin, community=ew.community_b, day=day, body=body, title=f"{total} 人",
                          **_seats(total))
        assert (e.body, e.seats_total, e.stage) == (body, total, Stage.DRAFT)
        assert e.policy_version.number == (2 if day == DAY else 1)
        assert Round.objects.get(election=e, number=1).seats == {"director": 1, "deputy": 0, "member": total - 1}
    assert Election.objects.filter(body=body).count() == 2


def test_director_rules_differ_by_body(ew):
    """The supervision committee has exactly one director; the council may have none, never two."""
    low, _high = _limits(ew.community_b.code, DAY, Body.SUPERVISION_COMMITTEE)
    with pytest.raises(ValidationFailed) as exc:
        make_election(actor=ew.admin, community=ew.community_b, body=Body.SUPERVISION_COMMITTEE, title="x",
                      seats_director=0, seats_deputy=0, seats_member=low)
    assert exc.value.details == {"seats_director": ["须设主任一名。"]}
    council_low, _ = _limits(ew.community_b.code, DAY, Body.COUNCIL)
    e = make_election(actor=ew.admin, community=ew.community_b, body=Body.COUNCIL, title="议事会",
                      seats_director=0, seats_deputy=0, seats_member=council_low)
    assert e.seats_total == council_low
    with pytest.raises(ValidationFailed) as exc:
        make_election(actor=ew.admin, community=ew.community_b, body=Body.COUNCIL, title="x",
                      seats_director=2, seats_deputy=0, seats_member=council_low)
    assert exc.value.details == {"seats_director": ["主任只能设一名。"]}


@pytest.mark.parametrize("body", [Body.SUPERVISION_COMMITTEE, Body.COUNCIL])
def test_seat_limits_through_the_api(ew, body):
    day = timezone.localdate() + dt.timedelta(days=60)
    low, high = _limits(ew.community_b.code, day, body)
    api = ApiClient(ew.subdistrict_officer, base=BASE)

    def create(total: int) -> Any:
        return api.send("POST", "/", {"community_code": ew.community_b.code, "title": f"{body} {total}",
                                      "election_day": day.isoformat(), "body": body, **_seats(total)})

    for total in (low - 1, high + 1):
        error = assert_error(create(total), 422, "validation_failed")
        assert error["details"] == {"seats_member": [f"成员总数为 {total} 人，按规则应为 {low} 至 {high} 人。"]}
    assert not Election.objects.filter(body=body).exists()
    for total in (low, high):
        response = create(total)
        assert response.status_code == 201, response.content
        created = response.json()
        assert (created["body"], created["seats_director"] + created["seats_deputy"] + created["seats_member"]) == (
            body, total)
        assert Election.objects.get(pk=created["id"]).seats_total == total
    assert Election.objects.filter(body=body).count() == 2


# -- whole elections -------------------------------------------------------------------------------------------


def _through_the_roll(w: Any, election: Election) -> list[Voter]:
    """Generate, publish (25 days ahead) and freeze (once the objection days are over) the roll; the voters."""
    roll_generate(actor=w.worker, election=election)
    roll_publish(actor=w.worker, election=election, on=election.election_day - dt.timedelta(days=25))
    roll_freeze(actor=w.worker, election=election, on=election.election_day - dt.timedelta(days=19))
    election.refresh_from_db()
    assert election.stage == Stage.ROLL_FROZEN
    return list(Voter.objects.filter(election=election, status=VoterStatus.ON_ROLL).order_by("id"))


def _publish_and_open(w: Any, election: Election, nominees: list[tuple[Any, str]], **how: Any) -> list[Candidate]:
    """Nominate each (resident, seat) ten days ahead (`how`: method and nominators), make them all formal,
    publish the list six days ahead and open the vote on election day; the candidates in `nominees` order."""
    day = election.election_day - dt.timedelta(days=10)
    rows = [candidate_nominate(actor=w.worker, election=election, resident=person, seat=seat, on=day, **how)
            for person, seat in nominees]
    for row in rows:
        candidate_set_status(actor=w.worker, candidate=row, status=CandidateStatus.FORMAL)
    candidates_publish(actor=w.worker, election=election, on=election.election_day - dt.timedelta(days=6))
    voting_open(actor=w.worker, election=election, on=election.election_day)
    election.refresh_from_db()
    assert election.stage == Stage.VOTING
    return [Candidate.objects.get(pk=row.pk) for row in rows]


def _elected(election: Election) -> set[int | None]:
    return set(Candidate.objects.filter(election=election, elected=True).values_list("resident_id", flat=True))


def test_supervision_committee_end_to_end_with_paper_ballots(ew):
    """A director and two members; ew.people[2h] heads household h and is a woman (the women rule), and no two
    candidates share a household (the close-relatives rule blocks publication otherwise)."""
    e = make_election(actor=ew.subdistrict_officer, community=ew.community, body=Body.SUPERVISION_COMMITTEE,
                      seats_director=1, seats_deputy=0, seats_member=2, title="长青社区居务监督委员会选举")
    voters = _through_the_roll(ew, e)
    adults = [*ew.people, ew.children[0], ew.wang, ew.li]
    assert sorted(v.resident_id for v in voters) == sorted(p.pk for p in adults)  # no children, not 赵强

    with pytest.raises(ValidationFailed) as exc:  # the committee has no deputy: nobody stands for one
        candidate_nominate(actor=ew.worker, election=e, resident=ew.people[4], seat=SeatKind.DEPUTY,
                           method=NominationMethod.SELF, on=e.election_day - dt.timedelta(days=10))
    assert "seat" in exc.value.details
    p = ew.people
    c = _publish_and_open(ew, e, [(p[0], SeatKind.DIRECTOR), (p[2], SeatKind.DIRECTOR), (p[4], SeatKind.MEMBER),
                                  (p[6], SeatKind.MEMBER), (p[8], SeatKind.MEMBER)],
                          method=NominationMethod.VOTERS_JOINTLY, nominator_ids=[v.pk for v in voters[:10]])
    assert [x.position for x in c] == [0, 1, 2, 3, 4]  # ballot order: the seat, then the name

    # 12 of 15 vote; 1 invalid; electing takes more than half of the 12 ballots: 7
    sheet = {"ballots_issued": 12, "ballots_returned": 12, "invalid_ballots": 1,
             "marks": {str(c[0].pk): [3, 6, 2], str(c[1].pk): [8, 2, 1], str(c[2].pk): [9, 1, 1],
                       str(c[3].pk): [7, 2, 2], str(c[4].pk): [6, 3, 2]}}
    box = box_create(actor=ew.worker, election=e, name="中心会场")
    second = make_user("community_worker2", Role.COMMUNITY_WORKER, ew.community)
    sheet_enter(actor=ew.worker, box=box, **sheet)
    sheet_enter(actor=second, box=box, **sheet)  # the second entry agrees: the box counts
    counted = round_count(actor=ew.worker, election=e, on=e.election_day)
    assert counted.status == RoundStatus.COUNTED
    res = counted.result
    assert (res["registered"], res["voted"], res["returned"], res["invalid"], res["valid"]) == (15, 12, 12, 1, True)
    assert res["threshold_votes"] == 7 and res["unfilled"] == {} and res["next_round"] is None
    assert _elected(e) == {p[2].pk, p[4].pk, p[6].pk}  # 7 of 12 elects; 6 (exactly half) would not
    assert {x.resident_id: x.votes_for for x in Candidate.objects.filter(election=e)} == {
        p[0].pk: 3, p[2].pk: 8, p[4].pk: 9, p[6].pk: 7, p[8].pk: 6}

    workers = Worker.objects.count()
    results_publish(actor=ew.worker, election=e)
    entry = Disclosure.objects.get(source_type="elections.Election", source_id=str(e.pk))
    assert all(p[i].name in entry.body for i in (2, 4, 6)) and p[0].name not in entry.body
    public = Client().get(f"{BASE}/public/{e.pk}").json()
    assert public["body"] == str(Body.SUPERVISION_COMMITTEE.label)
    assert sorted((x["seat"], x["name"]) for x in public["elected"]) == [
        ("director", p[2].name), ("member", p[4].name), ("member", p[6].name)]
    handover_record(actor=ew.worker, election=e, handover_on=e.election_day + dt.timedelta(days=3))
    e.refresh_from_db()
    assert e.stage == Stage.COMPLETED and e.handover_on is not None
    assert Worker.objects.count() == workers  # the staff register is the residents' committee's, not this body's


def test_group_leader_end_to_end_with_online_ballots(ew):
    """The first group (ew.grid) elects its leader online; the second group's residents neither vote nor stand."""
    others = make_people(actor=ew.admin, community=ew.community, households=2, adults=1, prefix="二组",
                         grid=ew.grid2)
    e = make_election(actor=ew.subdistrict_officer, community=ew.community, body=Body.GROUP_LEADER, group=ew.grid,
                      seats_director=1, seats_deputy=0, seats_member=0, online_voting=True,
                      title="长青社区第一居民小组组长选举")
    voters = _through_the_roll(ew, e)
    assert {v.group_code for v in voters} == {ew.grid.code}
    assert not Voter.objects.filter(election=e, resident__in=others).exists()

    with pytest.raises(ValidationFailed) as exc:  # another group's resident does not stand here
        candidate_nominate(actor=ew.worker, election=e, resident=others[0], seat=SeatKind.DIRECTOR,
                           method=NominationMethod.RESIDENT_GROUPS, group_code=ew.grid.code,
                           on=e.election_day - dt.timedelta(days=10))
    assert "resident" in exc.value.details
    p = ew.people
    # p[2] sits on the residents' committee: not an incumbent of the group leadership (the public list says
    # "本届成员" of an incumbent), the register holds no group leaders
    worker_create(actor=ew.admin, community=ew.community, resident=p[2], name=p[2].name, position="member",
                  committee="residents", start_date=dt.date(2021, 6, 1), monthly_base_pay=Decimal(1200))
    first, second = _publish_and_open(ew, e, [(p[0], SeatKind.DIRECTOR), (p[2], SeatKind.DIRECTOR)],
                                      method=NominationMethod.RESIDENT_GROUPS, group_code=ew.grid.code)
    assert (first.incumbent, second.incumbent) == (False, False)

    outsider = make_user("group2_resident", Role.RESIDENT, ew.community, resident=others[0])
    with pytest.raises(PermissionDenied) as refused:
        ballot_cast(actor=outsider, election=e, choices={second.pk: "F"})
    assert refused.value.code == "not_on_roll"
    # 9 of 15 vote online: 6 for the second candidate, 2 for the first, 1 abstains; more than half of 9 is 5
    choices = [{second.pk: "F", first.pk: "A"}] * 6 + [{first.pk: "F"}] * 2 + [{}]
    residents = [make_user(f"group1_voter{i}", Role.RESIDENT, ew.community, resident=person)
                 for i, person in enumerate(p[:9])]
    assert [(b.seat, b.label) for b in ballot_get(viewer=residents[0], pk=e.pk).blocks] == [("director", "组长")]
    with pytest.raises(ValidationFailed) as too_many:  # the ballot's own refusal names the seat as the voter sees it
        ballot_cast(actor=residents[0], election=e, choices={first.pk: "F", second.pk: "F"})
    assert too_many.value.message.startswith("“组长”应选 1 名")
    for resident, ballot in zip(residents, choices, strict=True):
        ballot_cast(actor=resident, election=e, choices=ballot)
    counted = round_count(actor=ew.worker, election=e, on=e.election_day)
    res = counted.result
    assert (res["registered"], res["voted"], res["returned"], res["valid"]) == (15, 9, 9, True)
    assert res["threshold_votes"] == 5 and res["unfilled"] == {}
    assert _elected(e) == {p[2].pk}
    assert {x.resident_id: (x.votes_for, x.votes_against, x.votes_abstain)
            for x in Candidate.objects.filter(election=e)} == {p[0].pk: (2, 6, 1), p[2].pk: (6, 0, 3)}
    results_publish(actor=ew.worker, election=e)
    e.refresh_from_db()
    assert e.stage == Stage.COMPLETED and first_round(e).status == RoundStatus.COUNTED
    public = Client().get(f"{BASE}/public/{e.pk}").json()
    assert [x["name"] for x in public["elected"]] == [p[2].name]

    # the elected group leader is 组长 everywhere, never 主任 (the residents' committee's director)
    leader = p[2].name
    assert [(x["seat"], x["seat_label"]) for x in public["elected"]] == [("director", "组长")]
    entry = Disclosure.objects.get(source_type="elections.Election", source_id=str(e.pk))
    assert f"组长：{leader}（得票 6 票）" in entry.body and "主任" not in entry.body
    page = login(ew.worker).get(reverse("elections:results", args=[e.pk])).content.decode()
    assert f'<td data-label="职位">组长</td><td data-label="姓名">{leader}</td>' in page and "主任" not in page
    public_page = Client().get(reverse("elections:public", args=[e.pk])).content.decode()
    assert f'<td data-label="职位">组长</td><td data-label="姓名">{leader}</td>' in public_page
    assert "主任" not in public_page
    overview = login(ew.worker).get(reverse("elections:detail", args=[e.pk])).content.decode()
    assert "组长 1 名" in overview and "主任 1" not in overview
    text = pdf_text(certificate_download(viewer=ew.worker, pk=e.pk).content)
    assert f"组长{leader}" in text and f"主任{leader}" not in text
    assert text.count("主任") == text.count("选举委员会主任（签字）") == 1  # the election committee's, who signs


# -- the women rule --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("body,applies", [(Body.RESIDENTS_COMMITTEE, True), (Body.GROUP_LEADER, False),
                                          (Body.SUPERVISION_COMMITTEE, False), (Body.COUNCIL, False)])
def test_the_women_rule_is_the_residents_committees(ew, body, applies):
    version = version_for_election(ew.community_b.code, DAY)
    rule = number(election_params(Election(policy_version=version)), "women_min")
    assert rule >= 1  # the rule version asks for women on the residents' committee
    got = number(election_params(Election(policy_version=version, body=body)), "women_min")
    assert got == (rule if applies else 0)


# -- what a seat is called -------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [*Body.values, ""])
def test_seat_labels_by_body(body):
    leader = body == Body.GROUP_LEADER
    assert [seat_label(seat, body) for seat in SeatKind.values] == (
        ["组长", "副组长", "组员"] if leader else ["主任", "副主任", "委员"])
    assert seat_label("treasurer", body) == "treasurer"  # an unknown seat: its raw value
