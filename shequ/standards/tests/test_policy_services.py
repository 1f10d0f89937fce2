"""Policy version writes: the chain stays contiguous, values are sane, only the city administrator writes,
everything is audited, and a refused write changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequ.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shequ.core.models import AuditLog
from shequ.standards.models import ComplianceResult, PolicyParameter, PolicySet, PolicyVersion
from shequ.standards.policy_services import policy_version_create, policy_version_delete, policy_version_update
from shequ.standards.tests.policy_factories import make_policy_set, v1_values, v2_values

D = dt.date


@pytest.fixture
def ps(world):
    return make_policy_set()


def _state(policy_set: PolicySet) -> list:
    """Everything a refused write must leave untouched."""
    versions = list(
        PolicyVersion.objects.filter(policy_set=policy_set)
        .order_by("number")
        .values_list("number", "effective_from", "effective_to", "citation", "note")
    )
    params = list(
        PolicyParameter.objects.filter(version__policy_set=policy_set)
        .order_by("version__number", "key")
        .values_list("version__number", "key", "kind", "value")
    )
    return [versions, params, AuditLog.objects.filter(entity_type="policy_version").count()]


def _create(world, ps, start, end=None, *, base=None, **params):
    return policy_version_create(
        actor=world.admin,
        policy_set=ps.set,
        effective_from=start,
        effective_to=end,
        citation="娄民发〔2020〕1号",
        note="调整",
        parameters=(base if base is not None else v2_values()) | params,
    )


# -- the chain --------------------------------------------------------------------------------------


def test_new_version_closes_the_open_one_the_day_before_and_copies_nothing_it_was_not_given(world, ps):
    v3 = _create(world, ps, D(2020, 1, 1), premises_min_m2="450")
    ps.v2.refresh_from_db()
    assert ps.v2.effective_to == D(2019, 12, 31)
    assert (v3.number, v3.effective_from, v3.effective_to, v3.created_by) == (3, D(2020, 1, 1), None, world.admin)
    values = dict(v3.parameters.values_list("key", "value"))
    assert values["premises_min_m2"] == "450" and values["operating_funds_min_urban"] == "200000"
    assert values["plaques"] == ["社区党组织", "社区居民委员会", "社区服务中心"]
    # v2's own parameters untouched
    assert PolicyParameter.objects.get(version=ps.v2, key="premises_min_m2").value == "400"


@pytest.mark.parametrize(
    ("start", "outcome"),
    [
        (D(2020, 1, 2), "gap"),  # one day with no version
        (D(2019, 12, 31), "overlap"),  # one day judged by two versions
        (D(2020, 1, 1), "ok"),  # exactly contiguous
    ],
)
def test_after_a_closed_version_the_next_must_start_the_day_after(world, start, outcome):
    ps = make_policy_set(v2_end=D(2019, 12, 31))
    before = _state(ps.set)
    if outcome == "ok":
        v3 = _create(world, ps, start)
        assert v3.number == 3
        ps.v2.refresh_from_db()
        assert ps.v2.effective_to == D(2019, 12, 31)
        return
    with pytest.raises(ValidationFailed) as caught:
        _create(world, ps, start)
    message = str(caught.value.message)
    if outcome == "gap":
        assert "2019-12-31" in message and "2020-01-02" in message and "没有适用的版本" in message
        assert "2020-01-01 至 2020-01-01" in message
    else:
        assert "重叠" in message and "2019-12-31" in message
    assert set(caught.value.details) == {"effective_from"}
    assert _state(ps.set) == before


@pytest.mark.parametrize(
    ("end", "ok"),
    [(D(2014, 12, 31), True), (D(2014, 12, 30), False), (D(2015, 1, 1), False), (None, False)],
)
def test_a_version_before_the_first_must_reach_it_exactly(world, ps, end, ok):
    before = _state(ps.set)
    if ok:
        v0 = _create(world, ps, D(2014, 1, 1), end, base=v1_values())
        assert v0.number == 3 and v0.effective_to == end
        ps.v1.refresh_from_db()
        assert ps.v1.effective_from == D(2015, 1, 1)
        return
    with pytest.raises(ValidationFailed) as caught:
        _create(world, ps, D(2014, 1, 1), end, base=v1_values())
    assert set(caught.value.details) == {"effective_to"}
    assert _state(ps.set) == before


def test_same_start_as_an_existing_version_is_refused(world, ps):
    with pytest.raises(ValidationFailed) as caught:
        _create(world, ps, D(2016, 1, 1))
    assert "2016-01-01" in str(caught.value.message)


def test_end_before_start_is_refused(world, ps):
    with pytest.raises(ValidationFailed) as caught:
        _create(world, ps, D(2020, 1, 1), D(2019, 6, 1))
    assert caught.value.details["effective_to"]


@pytest.mark.parametrize(
    ("end", "ok"),
    [(D(2015, 12, 30), False), (D(2016, 1, 1), False), (None, False), (D(2015, 12, 31), True)],
)
def test_editing_a_boundary_alone_must_keep_the_chain(world, ps, end, ok):
    before = _state(ps.set)
    if ok:
        policy_version_update(actor=world.admin, version=ps.v1, effective_to=end, note="同上")
        ps.v1.refresh_from_db()
        assert ps.v1.note == "同上"
        return
    with pytest.raises(ValidationFailed) as caught:
        policy_version_update(actor=world.admin, version=ps.v1, effective_to=end, note="不应保存")
    assert "effective_to" in caught.value.details
    assert _state(ps.set) == before


def test_shift_neighbours_moves_the_hand_over_day_in_both_directions(world, ps):
    policy_version_update(actor=world.admin, version=ps.v1, effective_to=D(2015, 6, 30), shift_neighbours=True)
    ps.v2.refresh_from_db()
    assert ps.v2.effective_from == D(2015, 7, 1)
    policy_version_update(actor=world.admin, version=ps.v2, effective_from=D(2016, 3, 1), shift_neighbours=True)
    ps.v1.refresh_from_db()
    assert ps.v1.effective_to == D(2016, 2, 29)
    audited = AuditLog.objects.filter(entity_type="policy_version", action="policy_version.update")
    assert {a.entity_id for a in audited} == {str(ps.v1.pk), str(ps.v2.pk)}
    # a shift that would leave the neighbour ending before it starts is refused, on the field typed
    before = _state(ps.set)
    with pytest.raises(ValidationFailed) as caught:
        policy_version_update(actor=world.admin, version=ps.v2, effective_from=D(2014, 6, 1), shift_neighbours=True)
    assert "effective_from" in caught.value.details
    assert _state(ps.set) == before


# -- parameter values -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("premises_min_m2", "-1", "负数"),
        ("premises_min_m2", "100001", "100,000"),
        ("premises_min_m2", "abc", "不是有效的数字"),
        ("premises_min_m2", "", "请填写"),
        ("premises_min_m2", "400.123", "小数"),
        ("premises_min_m2", True, "不是有效的数字"),
        ("premises_min_m2", ["400"], "应为一个数字"),
        ("operating_funds_min_urban", "1000000001", "1,000,000,000"),
        ("operating_funds_min_urban", "-5", "负数"),
        ("staff_min", "5.5", "整数"),
        ("staff_min", "NaN", "不是有效的数字"),
        ("plaques", [], "至少"),
        ("plaques", ["社区党组织", "社区党组织"], "重复"),
        ("plaques", ["社区党组织", "  "], "第 2 项为空"),
        ("plaques", "社区党组织", "项目清单"),
        ("plaques", ["x" * 101], "过长"),
    ],
)
def test_bad_values_are_refused_naming_the_parameter(world, ps, key, value, fragment):
    before = _state(ps.set)
    with pytest.raises(ValidationFailed) as caught:
        _create(world, ps, D(2020, 1, 1), **{key: value})
    assert fragment in caught.value.details[f"parameters.{key}"][0]
    assert key in str(caught.value.message)
    assert _state(ps.set) == before


def test_values_are_stored_plainly(world, ps):
    v3 = _create(world, ps, D(2020, 1, 1), premises_min_m2=450.5, staff_min=6, operating_funds_min_urban="250,000")
    values = dict(v3.parameters.values_list("key", "value"))
    assert values["premises_min_m2"] == "450.5"
    assert values["staff_min"] == "6"
    assert values["operating_funds_min_urban"] == "250000"


def test_ratio_must_lie_between_zero_and_one(world, ps):
    with pytest.raises(ValidationFailed) as caught:
        _create(world, ps, D(2020, 1, 1), share={"kind": "ratio", "value": "1.5"})
    assert "0 到 1" in caught.value.details["parameters.share"][0]
    v3 = _create(world, ps, D(2020, 1, 1), share={"kind": "ratio", "value": "0.25", "label": "比例"})
    assert v3.parameters.get(key="share").value == "0.25"


def test_key_set_must_match_unless_removal_is_explicit(world, ps):
    params = v2_values()
    del params["staff_min"]
    before = _state(ps.set)
    with pytest.raises(ValidationFailed) as caught:
        policy_version_create(
            actor=world.admin, policy_set=ps.set, effective_from=D(2020, 1, 1), citation="x", parameters=params
        )
    assert "parameters.staff_min" in caught.value.details
    assert _state(ps.set) == before
    v3 = policy_version_create(
        actor=world.admin,
        policy_set=ps.set,
        effective_from=D(2020, 1, 1),
        citation="x",
        parameters=params,
        remove_keys=["staff_min"],
    )
    assert not v3.parameters.filter(key="staff_min").exists()


def test_new_keys_need_a_kind_and_a_valid_code_and_kinds_never_change(world, ps):
    for extra, where in [
        ({"grid_people": "600"}, "parameters.grid_people"),
        ({"Bad-Key": {"kind": "count", "value": "1"}}, "parameters.Bad-Key"),
        ({"staff_min": {"kind": "yuan", "value": "5"}}, "parameters.staff_min"),
    ]:
        with pytest.raises(ValidationFailed) as caught:
            _create(world, ps, D(2020, 1, 1), **extra)
        assert where in caught.value.details
    v3 = _create(world, ps, D(2020, 1, 1), grid_people={"kind": "count", "value": "600", "label": "网格规模（人）"})
    added = v3.parameters.get(key="grid_people")
    assert (added.kind, added.value, added.label) == ("count", "600", "网格规模（人）")


def test_update_changes_only_the_given_parameters_and_can_remove_one(world, ps):
    policy_version_update(
        actor=world.admin, version=ps.v2, parameters={"staff_min": "6"}, remove_keys=["operating_funds_min_urban"]
    )
    values = dict(ps.v2.parameters.values_list("key", "value"))
    assert values["staff_min"] == "6" and values["premises_min_m2"] == "400"
    assert "operating_funds_min_urban" not in values
    with pytest.raises(ValidationFailed):
        policy_version_update(actor=world.admin, version=ps.v2, parameters={"staff_min": "-6"})
    assert ps.v2.parameters.get(key="staff_min").value == "6"


def test_citation_is_required(world, ps):
    with pytest.raises(ValidationFailed) as caught:
        policy_version_create(
            actor=world.admin, policy_set=ps.set, effective_from=D(2020, 1, 1), citation="  ", parameters=v2_values()
        )
    assert "citation" in caught.value.details


def test_first_version_of_an_empty_set(world):
    empty = PolicySet.objects.create(code="empty", topic="t", name="空", jurisdiction_code="4313")
    with pytest.raises(ValidationFailed):
        policy_version_create(
            actor=world.admin, policy_set=empty, effective_from=D(2020, 1, 1), citation="x", parameters={}
        )
    v1 = policy_version_create(
        actor=world.admin,
        policy_set=empty,
        effective_from=D(2020, 1, 1),
        citation="x",
        parameters={"staff_min": {"kind": "count", "value": 5}},
    )
    assert v1.number == 1 and v1.effective_to is None


def test_the_seeded_loudi_set_takes_a_new_version(world):
    loudi = PolicySet.objects.get(code="loudi-community-standards")
    current = PolicyVersion.objects.get(policy_set=loudi, effective_to__isnull=True)
    params = {p.key: p.value for p in current.parameters.all()}
    v3 = policy_version_create(
        actor=world.admin,
        policy_set=loudi,
        effective_from=D(2024, 1, 1),
        citation="测试",
        parameters=params | {"base_pay_director": "1800"},
    )
    current.refresh_from_db()
    assert current.effective_to == D(2023, 12, 31)
    assert v3.parameters.get(key="base_pay_director").value == "1800"


# -- who may write, and the audit -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "error"),
    [
        ("analyst", PermissionDenied),
        ("district_officer", PermissionDenied),
        ("subdistrict_officer", PermissionDenied),
        ("worker", PermissionDenied),
        ("outsider", PermissionDenied),
        ("grid_worker", NotFound),
        ("auditor", NotFound),
        ("resident_user", NotFound),
    ],
)
def test_only_the_city_administrator_writes_and_refusals_change_nothing(world, ps, user, error):
    actor = getattr(world, user)
    before = _state(ps.set)
    with pytest.raises(error):
        policy_version_create(
            actor=actor, policy_set=ps.set, effective_from=D(2020, 1, 1), citation="x", parameters=v2_values()
        )
    with pytest.raises(error):
        policy_version_update(actor=actor, version=ps.v2, parameters={"staff_min": "6"})
    with pytest.raises(error):
        policy_version_delete(actor=actor, version=ps.v2)
    assert _state(ps.set) == before


def test_a_district_set_is_written_by_the_city_administrator_not_the_district_officer(world):
    district_set = make_policy_set(jurisdiction="431302", code="district-set")
    with pytest.raises(PermissionDenied):
        policy_version_update(actor=world.district_officer, version=district_set.v2, note="x")
    policy_version_update(actor=world.admin, version=district_set.v2, note="x")


def test_writes_are_audited_with_old_and_new_values(world, ps):
    v3 = _create(world, ps, D(2020, 1, 1), premises_min_m2="450")
    created = AuditLog.objects.get(action="policy_version.create", entity_id=str(v3.pk))
    assert created.entity_type == "policy_version" and created.actor == world.admin
    assert created.area_code == "4313"
    assert created.changes["effective_from"] == [None, "2020-01-01"]
    assert created.changes["parameters.premises_min_m2"] == [None, "450"]
    closed = AuditLog.objects.get(action="policy_version.update", entity_id=str(ps.v2.pk))
    assert closed.changes == {"effective_to": [None, "2019-12-31"]}

    policy_version_update(actor=world.admin, version=v3, parameters={"premises_min_m2": "500"}, citation="新文号")
    updated = AuditLog.objects.filter(action="policy_version.update", entity_id=str(v3.pk)).get()
    assert updated.changes == {
        "citation": ["娄民发〔2020〕1号", "新文号"],
        "parameters.premises_min_m2": ["450", "500"],
    }

    count = AuditLog.objects.count()
    policy_version_update(actor=world.admin, version=v3, parameters={"premises_min_m2": "500"})
    assert AuditLog.objects.count() == count  # nothing changed, nothing audited


# -- deletion ---------------------------------------------------------------------------------------


def test_only_the_latest_unjudged_version_may_be_deleted_and_the_previous_reopens(world, ps):
    v3 = _create(world, ps, D(2020, 1, 1))
    with pytest.raises(Conflict):
        policy_version_delete(actor=world.admin, version=ps.v2)
    ComplianceResult.objects.create(
        community=world.community,
        area_code=world.community.code,
        year=2020,
        rule="premises_area",
        status=1,
        policy_version=v3,
        computed_at=timezone.now(),
    )
    with pytest.raises(Conflict) as caught:
        policy_version_delete(actor=world.admin, version=v3)
    assert "1" in str(caught.value.message)
    ComplianceResult.objects.all().delete()
    policy_version_delete(actor=world.admin, version=v3)
    assert not PolicyVersion.objects.filter(pk=v3.pk).exists()
    ps.v2.refresh_from_db()
    assert ps.v2.effective_to is None
    deleted = AuditLog.objects.get(action="policy_version.delete", entity_id=str(v3.pk))
    assert deleted.changes["number"] == [3, None]


# -- the latest version stays open-ended ------------------------------------------------------------


@pytest.mark.parametrize(("end", "first_uncovered"), [(D(2020, 12, 31), 2021), (D(2020, 6, 30), 2020)])
def test_an_end_date_on_the_latest_version_is_refused_naming_the_years_left_uncovered(world, ps, end, first_uncovered):
    before = _state(ps.set)
    for shift in (False, True):
        with pytest.raises(ValidationFailed) as caught:
            policy_version_update(
                actor=world.admin,
                version=ps.v2,
                effective_to=end,
                note="不应保存",
                parameters={"staff_min": "6"},
                shift_neighbours=shift,
            )
        assert set(caught.value.details) == {"effective_to"}
        message = str(caught.value.message)
        assert f"自 {end + dt.timedelta(days=1)} 起（{first_uncovered} 年及以后各年）将没有适用的版本" in message
        assert "新增一个版本" in message
        assert _state(ps.set) == before
    # the same for a new version that would be the latest: its predecessor would have been closed for nothing
    with pytest.raises(ValidationFailed) as caught:
        _create(world, ps, D(2020, 1, 1), D(2022, 12, 31))
    assert set(caught.value.details) == {"effective_to"} and "2023 年及以后各年" in str(caught.value.message)
    assert _state(ps.set) == before


def test_versions_before_the_latest_keep_their_end_and_the_latest_may_be_reopened(world):
    ps = make_policy_set(v2_end=D(2019, 12, 31))  # e.g. data from before the rule
    policy_version_update(actor=world.admin, version=ps.v1, note="更正")  # not the latest: unaffected
    policy_version_update(actor=world.admin, version=ps.v2, effective_to=None)
    ps.v2.refresh_from_db()
    assert ps.v2.effective_to is None


# -- a version that judged years keeps its figures ----------------------------------------------------


def _judge(world, version, *years):
    for year in years:
        ComplianceResult.objects.create(
            community=world.community,
            area_code=world.community.code,
            year=year,
            rule="premises_area",
            status=1,
            policy_version=version,
            computed_at=timezone.now(),
        )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"parameters": {"staff_min": "6"}}, "parameters"),
        ({"parameters": {"plaques": ["社区党组织"]}}, "parameters"),
        ({"remove_keys": ["operating_funds_min_urban"]}, "parameters"),
        ({"parameters": {"grid_people": {"kind": "count", "value": "600"}}}, "parameters"),
        ({"parameters": {"staff_min": "-1"}}, "parameters"),  # in use comes first: no point fixing the value
        ({"effective_from": D(2016, 7, 1), "shift_neighbours": True}, "effective_from"),
    ],
)
def test_figures_or_start_of_a_version_that_judged_years_are_refused_and_nothing_is_saved(world, ps, change, field):
    _judge(world, ps.v2, 2016, 2017, 2019)
    before = _state(ps.set)
    with pytest.raises(Conflict) as caught:
        policy_version_update(actor=world.admin, version=ps.v2, note="不应保存", **change)
    assert caught.value.code == "version_in_use" and caught.value.status == 409
    assert set(caught.value.details) == {field}
    message = str(caught.value.message)
    assert "第 2 版已用于评判 2016–2017、2019 年的达标结果" in message
    assert "新增一个自该年起生效的版本" in message
    assert _state(ps.set) == before


def test_a_version_that_judged_years_keeps_its_start_when_a_neighbour_would_push_it(world, ps):
    _judge(world, ps.v2, 2016)
    before = _state(ps.set)
    with pytest.raises(Conflict) as caught:
        policy_version_update(actor=world.admin, version=ps.v1, effective_to=D(2016, 6, 30), shift_neighbours=True)
    assert set(caught.value.details) == {"effective_to"} and "第 2 版" in str(caught.value.message)
    assert _state(ps.set) == before


def test_texts_of_a_version_that_judged_years_stay_editable_and_a_new_version_carries_new_figures(world, ps):
    _judge(world, ps.v2, 2016)
    same = {"premises_min_m2": "400.0", "staff_min": 5, "operating_funds_min_urban": "200,000"}
    policy_version_update(actor=world.admin, version=ps.v2, citation="新文号", note="更正", parameters=same)
    ps.v2.refresh_from_db()
    assert (ps.v2.citation, ps.v2.note) == ("新文号", "更正")
    assert dict(ps.v2.parameters.values_list("key", "value"))["premises_min_m2"] == "400"
    # a parameter's label is text too
    policy_version_update(
        actor=world.admin, version=ps.v2, parameters={"staff_min": {"value": "5", "label": "最少人数"}}
    )
    assert ps.v2.parameters.get(key="staff_min").label == "最少人数"
    # without results the same figures change in place (a version not yet used is still a draft)
    _create(world, ps, D(2020, 1, 1), staff_min="6")
    v3 = PolicyVersion.objects.get(policy_set=ps.set, number=3)
    policy_version_update(actor=world.admin, version=v3, parameters={"staff_min": "7"})
    assert v3.parameters.get(key="staff_min").value == "7"
