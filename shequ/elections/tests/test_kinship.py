"""Close relatives (近亲属): pairs derived from the registry's relations to the head (kin and not kin), kinships the
election committee declares (service, scope, duplicates, audit), and the close-relatives rule in the formal list
and at counting using both — across households, and against someone elected in an earlier round."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from shequ.core.errors import NotFound, PermissionDenied, ValidationFailed
from shequ.core.models import AuditLog
from shequ.core.testing.factories import make_id_number
from shequ.elections.kinship import kin_pairs, registry_pairs, relations_are_kin
from shequ.elections.models import Candidate, DeclaredKinship, Round, SeatKind, Stage
from shequ.elections.rules import HUNAN_SET, election_params, number
from shequ.elections.selectors.candidates import publication_check
from shequ.elections.selectors.kinship import candidate_kin, kinship_list
from shequ.elections.services.kinship import kinship_declare, kinship_remove
from shequ.elections.services.results import round_count
from shequ.elections.testing import advance, formal_candidates, make_people, roll_from
from shequ.elections.tests.test_results import box, voting_setup

pytestmark = pytest.mark.django_db


def _family(ew: Any, relations: list[str], room: str = "901") -> dict[str, Any]:
    """One household of ew.community with a member per relation to the head (keys: relation, or relation + n)."""
    from shequ.registry import services

    household = services.household_create(actor=ew.admin, building=ew.building, room=room)
    members: dict[str, Any] = {}
    for i, relation in enumerate(relations):
        key = relation if relation not in members else f"{relation}{i}"
        members[key] = services.resident_create(
            actor=ew.admin, name=f"家庭{room}{i}", household=household, relation=relation,
            id_number=make_id_number(dt.date(1970 + i, 1, 1), male=i % 2 == 0))
    return members


def _pair(a: Any, b: Any) -> frozenset[int]:
    return frozenset((a.pk, b.pk))


# -- registry-derived ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("a,b,kin", [
    ("head", "spouse", True), ("spouse", "head", True), ("head", "child", True), ("head", "parent", True),
    ("head", "grandchild", True), ("head", "grandparent", True), ("head", "sibling", True),
    ("spouse", "child", True), ("child", "child", True), ("parent", "child", True),
    ("head", "other", False), ("other", "other", False), ("head", "", False), ("head", "child_in_law", False),
    ("spouse", "parent", False), ("spouse", "sibling", False), ("parent", "parent", False),
    ("child", "grandchild", False), ("sibling", "sibling", False), ("child", "child_in_law", False),
])
def test_relations_to_the_head_that_make_close_relatives(a, b, kin):
    assert relations_are_kin(a, b) is kin


def test_registry_pairs_within_a_household(ew):
    f = _family(ew, ["head", "spouse", "child", "child", "other", "child_in_law"])
    head, spouse, son, daughter, lodger, in_law = (f["head"], f["spouse"], f["child"], f["child3"], f["other"],
                                                   f["child_in_law"])
    pairs = registry_pairs([r.pk for r in f.values()])
    assert _pair(head, spouse) in pairs  # spouses
    assert _pair(head, son) in pairs and _pair(spouse, daughter) in pairs  # parent and child
    assert _pair(son, daughter) in pairs  # siblings
    assert not any(lodger.pk in p for p in pairs)  # "other": living together is not kinship
    assert not any(in_law.pk in p for p in pairs)  # a child-in-law is an in-law, not a close relative
    assert len(pairs) == 6  # head–spouse, head–child ×2, spouse–child ×2, child–child
    # Members of different households are not kin by the registry, however they are related to their heads.
    other = _family(ew, ["head", "spouse"], room="902")
    assert registry_pairs([head.pk, other["head"].pk, other["spouse"].pk]) == {_pair(other["head"], other["spouse"])}


def test_the_households_head_counts_as_head_whatever_relation_was_typed(ew):
    from shequ.registry.models import Resident

    f = _family(ew, ["head", "child"], room="903")
    Resident.objects.filter(pk=f["head"].pk).update(relation="")
    assert registry_pairs([f["head"].pk, f["child"].pk]) == {_pair(f["head"], f["child"])}


def test_make_people_households_are_head_and_spouse(ew):
    # The election fixtures' households of two are married couples: truly kin, so tests relying on them hold.
    a, b, c = ew.people[0], ew.people[1], ew.people[2]
    assert kin_pairs(community_id=ew.community.pk, resident_ids=[a.pk, b.pk, c.pk]) == {_pair(a, b)}


# -- declaring ------------------------------------------------------------------------------------------------------


def test_declare_list_and_remove_with_audit(ew):
    a, b = ew.people[0], ew.people[2]  # heads of two different households
    row = kinship_declare(actor=ew.worker, election=ew.election, resident_a=b.pk, resident_b=a, relation="siblings",
                          note="户籍分立的兄弟")
    assert (row.resident_a_id, row.resident_b_id) == tuple(sorted((a.pk, b.pk)))  # stored once, in order
    assert (row.community_id, row.area_code, row.election_id) == (ew.community.pk, ew.community.code,
                                                                  ew.election.pk)
    assert list(kinship_list(viewer=ew.worker, election=ew.election)) == [row]
    assert kin_pairs(community_id=ew.community.pk, resident_ids=[a.pk, b.pk]) == {_pair(a, b)}
    created = AuditLog.objects.get(entity_type="elections.DeclaredKinship", action="create")
    assert created.entity_id == str(row.pk) and created.area_code == ew.election.area_code
    assert created.changes["relation"] == "siblings"

    kinship_remove(actor=ew.worker, election=ew.election, kinship=row)
    assert not DeclaredKinship.objects.exists()
    assert AuditLog.objects.filter(entity_type="elections.DeclaredKinship", action="delete",
                                   entity_id=str(row.pk)).exists()
    assert kin_pairs(community_id=ew.community.pk, resident_ids=[a.pk, b.pk]) == frozenset()
    with pytest.raises(NotFound):
        kinship_remove(actor=ew.worker, election=ew.election, kinship=row)


def test_duplicate_pair_refused_in_either_order(ew):
    a, b = ew.people[0], ew.people[2]
    kinship_declare(actor=ew.worker, election=ew.election, resident_a=a.pk, resident_b=b.pk, relation="spouse")
    for x, y in ((a, b), (b, a)):
        with pytest.raises(ValidationFailed) as exc:
            kinship_declare(actor=ew.worker, election=ew.election, resident_a=x.pk, resident_b=y.pk,
                            relation="siblings")
        assert exc.value.code == "kinship_exists" and a.name in str(exc.value.message)
    assert DeclaredKinship.objects.count() == 1 and DeclaredKinship.objects.get().relation == "spouse"


def test_declare_refuses_bad_input_and_changes_nothing(ew):
    a = ew.people[0]
    cases = [
        ({"resident_a": a.pk, "resident_b": a.pk, "relation": "spouse"}, "resident_b"),  # the same person
        ({"resident_a": a.pk, "resident_b": ew.zhao.pk, "relation": "spouse"}, "resident_b"),  # another community
        ({"resident_a": 999999, "resident_b": a.pk, "relation": "spouse"}, "resident_a"),
        ({"resident_a": a.pk, "resident_b": ew.people[2].pk, "relation": "cousin"}, "relation"),  # not 近亲属
        ({"resident_a": a.pk, "resident_b": ew.people[2].pk, "relation": "spouse", "note": "长" * 201}, "note"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationFailed) as exc:
            kinship_declare(actor=ew.worker, election=ew.election, **kwargs)
        assert field in exc.value.details, (kwargs, exc.value.details)
    assert not DeclaredKinship.objects.exists()
    assert not AuditLog.objects.filter(entity_type="elections.DeclaredKinship").exists()


def test_scope_outsiders_and_viewers_change_nothing(ew):
    a, b = ew.people[0], ew.people[2]
    with pytest.raises(NotFound):
        kinship_declare(actor=ew.outsider, election=ew.election, resident_a=a.pk, resident_b=b.pk, relation="spouse")
    with pytest.raises(PermissionDenied):
        kinship_declare(actor=ew.analyst, election=ew.election, resident_a=a.pk, resident_b=b.pk, relation="spouse")
    assert not DeclaredKinship.objects.exists()
    row = kinship_declare(actor=ew.worker, election=ew.election, resident_a=a.pk, resident_b=b.pk, relation="spouse")
    with pytest.raises(NotFound):
        kinship_list(viewer=ew.outsider, election=ew.election)
    with pytest.raises(NotFound):
        kinship_remove(actor=ew.outsider, election=ew.election, kinship=row)
    with pytest.raises(PermissionDenied):
        kinship_remove(actor=ew.analyst, election=ew.election, kinship=row)
    assert list(kinship_list(viewer=ew.analyst, election=ew.election)) == [row]  # a viewer may read
    assert DeclaredKinship.objects.count() == 1


def test_a_kinship_declared_in_one_election_holds_in_the_communitys_others(ew):
    from shequ.elections.testing import make_election

    a, b = ew.people[0], ew.people[2]
    row = kinship_declare(actor=ew.worker, election=ew.election, resident_a=a.pk, resident_b=b.pk, relation="spouse")
    later = make_election(actor=ew.subdistrict_officer, community=ew.community, day=ew.day + dt.timedelta(days=30))
    assert list(kinship_list(viewer=ew.worker, election=later)) == [row]
    other = make_election(actor=ew.admin, community=ew.community2, title="矿山社区选举")
    assert list(kinship_list(viewer=ew.admin, election=other)) == []


# -- the formal list ------------------------------------------------------------------------------------------------


def _frozen(ew: Any) -> tuple[list[Any], list[Any]]:
    singles = make_people(actor=ew.admin, community=ew.community, households=14, adults=1, prefix="单户")
    people = roll_from(ew.election, ew.people)
    alone = roll_from(ew.election, singles)
    advance(ew.election, Stage.ROLL_FROZEN)
    return people, alone


def _formal_list(election: Any, alone: list[Any]) -> list[Candidate]:
    out = formal_candidates(election, SeatKind.DIRECTOR, alone[0:2])
    out += formal_candidates(election, SeatKind.DEPUTY, alone[2:4])
    return out + formal_candidates(election, SeatKind.MEMBER, alone[4:8])


def test_declared_kinship_across_households_stops_the_formal_list(ew):
    _people, alone = _frozen(ew)
    c = _formal_list(ew.election, alone)
    on = ew.day - dt.timedelta(days=10)
    assert publication_check(ew.election, on).errors == {}
    assert candidate_kin(viewer=ew.worker, election=ew.election) == []
    kinship_declare(actor=ew.worker, election=ew.election, resident_a=c[0].resident_id, resident_b=c[5].resident_id,
                    relation="parent_child")
    check = publication_check(ew.election, on)
    assert set(check.errors) == {"relatives"}
    assert c[0].name in check.errors["relatives"][0] and c[5].name in check.errors["relatives"][0]
    [pair] = candidate_kin(viewer=ew.worker, election=ew.election)
    assert {pair.a.pk, pair.b.pk} == {c[0].pk, c[5].pk} and pair.source == "declared"


def test_members_of_one_household_who_are_not_kin_do_not_stop_the_list(ew):
    _people, alone = _frozen(ew)
    c = _formal_list(ew.election, alone)
    # A lodger (relation "other") added to the household of the member c[4]: the same household, not a relative.
    from shequ.registry import services

    household = alone[4].resident.household
    lodger = services.resident_create(actor=ew.admin, name="租住者", household=household, relation="other",
                                      id_number=make_id_number(dt.date(1979, 5, 5)))
    [voter] = roll_from(ew.election, [lodger])
    formal_candidates(ew.election, SeatKind.MEMBER, [voter])
    Candidate.objects.filter(pk=c[7].pk).update(status="withdrawn")
    on = ew.day - dt.timedelta(days=10)
    assert Candidate.objects.get(resident=lodger).household_id == c[4].household_id
    assert publication_check(ew.election, on).errors == {}


# -- counting -------------------------------------------------------------------------------------------------------


def _votes(s: Any) -> dict[Any, int]:
    # 14 returned (8 elects), three member seats: director c[0] 12; deputy c[2] 11; members c[4] 13, c[5] 10,
    # c[6] 9 and c[7] 8 (all four qualify; the fourth takes a seat only if one of the first three cannot).
    c = s.c
    return {c[0]: 12, c[1]: 1, c[2]: 11, c[3]: 2, c[4]: 13, c[5]: 10, c[6]: 9, c[7]: 8}


def test_declared_kinship_across_households_blocks_at_counting(ew):
    s = voting_setup(ew)  # single-adult households: nobody is kin by the registry
    c = s.c
    kinship_declare(actor=ew.worker, election=s.election, resident_a=c[0].resident_id, resident_b=c[5].resident_id,
                    relation="spouse")
    assert number(election_params(s.election), "close_relatives_block") == 1
    box(s.round, "票箱", issued=14, votes=_votes(s))
    counted = round_count(actor=ew.worker, election=s.election, on=ew.day)
    # c[5] (10) is the director's spouse: blocked; the member seat passes to c[7] (8).
    assert counted.result["blocked"] == [c[5].pk]
    assert sorted(counted.result["elected"]) == sorted([c[0].pk, c[2].pk, c[4].pk, c[6].pk, c[7].pk])
    assert counted.result["warnings"] == []


def test_declared_kinship_only_warns_under_a_version_that_warns(ew, django_user_model):
    from shequ.standards.models import PolicySet
    from shequ.standards.policy_services import policy_version_create

    province = django_user_model.objects.create_superuser("province", password="x")
    values = {k: (v if isinstance(v, list) else str(v)) for k, v in election_params(ew.election).items()}
    values["close_relatives_block"] = "0"
    version = policy_version_create(actor=province, policy_set=PolicySet.objects.get(code=HUNAN_SET),
                                    effective_from=dt.date(2026, 6, 1), citation="测试：近亲属仅提示",
                                    parameters=values)
    s = voting_setup(ew)
    # The election (day 2026-06-20) falls under the new version, as election_create would have found it.
    type(s.election).objects.filter(pk=s.election.pk).update(policy_version=version)
    s.election.refresh_from_db()
    c = s.c
    kinship_declare(actor=ew.worker, election=s.election, resident_a=c[0].resident_id, resident_b=c[5].resident_id,
                    relation="spouse")
    box(s.round, "票箱", issued=14, votes=_votes(s))
    counted = round_count(actor=ew.worker, election=s.election, on=ew.day)
    assert counted.result["blocked"] == [] and counted.result["warnings"] == ["close_relatives"]
    assert sorted(counted.result["elected"]) == sorted([c[0].pk, c[2].pk, c[4].pk, c[5].pk, c[6].pk])


def test_relative_of_someone_elected_in_an_earlier_round(ew):
    s = voting_setup(ew)
    c = s.c
    # Round 1: one member seat left (c[6] 6 and c[7] 2 fall short); both stand in 另行选举.
    box(s.round, "票箱", issued=14, votes={c[0]: 9, c[1]: 3, c[2]: 8, c[3]: 5, c[4]: 11, c[5]: 8, c[6]: 6, c[7]: 2})
    first = round_count(actor=ew.worker, election=s.election, on=ew.day)
    assert first.result["next_round"] == 2
    second = Round.objects.get(election=s.election, number=2)
    new6 = Candidate.objects.get(round=second, name=c[6].name)
    new7 = Candidate.objects.get(round=second, name=c[7].name)
    # Only now the committee learns that c[6] is the child of the director elected in round 1.
    kinship_declare(actor=ew.worker, election=s.election, resident_a=c[0].resident_id, resident_b=c[6].resident_id,
                    relation="parent_child")
    box(second, "另行选举票箱", issued=12, votes={new6: 6, new7: 4})
    counted = round_count(actor=ew.worker, election=s.election, on=ew.day)
    assert counted.result["blocked"] == [new6.pk] and counted.result["elected"] == [new7.pk]


def test_relative_of_someone_elected_does_not_stand_in_the_additional_round(ew):
    s = voting_setup(ew)
    c = s.c
    kinship_declare(actor=ew.worker, election=s.election, resident_a=c[0].resident_id, resident_b=c[6].resident_id,
                    relation="parent_child")
    box(s.round, "票箱", issued=14, votes={c[0]: 9, c[1]: 3, c[2]: 8, c[3]: 5, c[4]: 11, c[5]: 8, c[6]: 6, c[7]: 2})
    first = round_count(actor=ew.worker, election=s.election, on=ew.day)
    assert first.result["unfilled"] == {"member": 1} and first.result["next_round"] == 2
    second = Round.objects.get(election=s.election, number=2)
    # c[6], the elected director's child, is left out of the 另行选举; c[7] stands alone.
    assert list(Candidate.objects.filter(round=second).values_list("name", flat=True)) == [c[7].name]
