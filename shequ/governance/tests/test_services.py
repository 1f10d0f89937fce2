"""Staff, evaluations and the two-year rule through the services: rules, validation, scope, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shequ.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shequ.core.models import AuditLog
from shequ.governance import services
from shequ.governance.models import ActionItem, Evaluation, Worker
from shequ.governance.tests.conftest import rate
from shequ.standards.models import ComplianceResult, PolicyParameter, PolicyVersion

BAD, OK = "incompetent", "competent"


def items(worker):
    return list(ActionItem.objects.filter(worker=worker).order_by("pk").values_list("first_year", "second_year",
                                                                                    "status"))


def member(world, **extra):
    fields = {
        "actor": world.worker,
        "community": world.community,
        "name": "刘芳",
        "position": "member",
        "committee": "party",
        "start_date": dt.date(2016, 1, 1),
        "monthly_base_pay": Decimal("1200"),
    }
    fields.update(extra)
    return services.worker_create(**fields)


# -- the two-year rule -------------------------------------------------------------------------------


def test_two_consecutive_incompetent_years_open_one_item(gov):
    rate(gov, gov.director, (2019, BAD))
    assert items(gov.director) == []
    rate(gov, gov.director, (2020, BAD))
    assert items(gov.director) == [(2019, 2020, "open")]
    item = ActionItem.objects.get()
    assert item.area_code == gov.community.code and item.kind == "incompetent_twice"
    # recording the same rating again changes nothing
    rate(gov, gov.director, (2020, BAD), (2019, BAD))
    assert items(gov.director) == [(2019, 2020, "open")]
    assert AuditLog.objects.filter(entity_type="action_item", action="action_item.open").count() == 1


def test_a_gap_year_breaks_the_run(gov):
    rate(gov, gov.director, (2018, BAD), (2020, BAD))  # 2019 not evaluated (on leave)
    assert items(gov.director) == []
    rate(gov, gov.director, (2019, OK))
    assert items(gov.director) == []


def test_a_correction_withdraws_the_item_and_correcting_back_opens_one_again(gov):
    rate(gov, gov.director, (2019, BAD), (2020, BAD))
    services.evaluation_record(actor=gov.worker, worker=gov.director, year=2020, rating="basic", note="复核更正")
    assert items(gov.director) == [(2019, 2020, "withdrawn")]
    assert AuditLog.objects.filter(action="action_item.withdraw").count() == 1
    assert AuditLog.objects.filter(action="evaluation.correct", entity_type="evaluation").count() == 1
    rate(gov, gov.director, (2020, BAD))
    assert items(gov.director) == [(2019, 2020, "withdrawn"), (2019, 2020, "open")]
    rate(gov, gov.director, (2020, BAD))
    assert ActionItem.objects.exclude(status="withdrawn").count() == 1  # no duplicates


def test_deleting_a_rating_breaks_the_run(gov):
    rate(gov, gov.director, (2019, BAD), (2020, BAD))
    services.evaluation_delete(actor=gov.worker, evaluation=Evaluation.objects.get(year=2019))
    assert items(gov.director) == [(2019, 2020, "withdrawn")]
    assert AuditLog.objects.filter(action="evaluation.delete").count() == 1


def test_resolved_items_stay_done(gov):
    rate(gov, gov.director, (2019, BAD), (2020, BAD))
    item = ActionItem.objects.get()
    services.action_item_resolve(actor=gov.subdistrict_officer, item=item, outcome="recalled", note="居民会议罢免")
    item.refresh_from_db()
    assert item.status == "done" and item.outcome == "recalled" and item.closed_by == gov.subdistrict_officer
    assert item.closed_at is not None and item.outcome_note == "居民会议罢免"
    rate(gov, gov.director, (2020, OK))
    assert items(gov.director) == [(2019, 2020, "done")]
    rate(gov, gov.director, (2020, BAD))
    assert items(gov.director) == [(2019, 2020, "done")]
    with pytest.raises(Conflict):
        services.action_item_resolve(actor=gov.subdistrict_officer, item=item, outcome="other", note="再次")


def test_a_run_that_goes_on_keeps_one_open_item_and_continues_after_an_outcome(gov):
    rate(gov, gov.director, (2018, BAD), (2019, BAD), (2020, BAD))
    assert items(gov.director) == [(2018, 2019, "open")]
    item = ActionItem.objects.get()
    services.action_item_resolve(actor=gov.admin, item=item, outcome="other", note="诫勉谈话")
    rate(gov, gov.director, (2021, BAD))
    assert items(gov.director) == [(2018, 2019, "done"), (2020, 2021, "open")]


def test_no_new_item_for_someone_who_has_left(gov):
    former = member(gov, start_date=dt.date(2016, 1, 1), end_date=dt.date(2018, 6, 30))
    rate(gov, former, (2016, BAD), (2017, BAD))
    assert items(former) == []
    rate(gov, gov.director, (2019, BAD), (2020, BAD))
    services.worker_end(actor=gov.worker, worker=gov.director, end_date=dt.date(2021, 3, 31))
    rate(gov, gov.director, (2021, BAD))
    assert items(gov.director) == [(2019, 2020, "open")]  # stays open until the outcome (resigned) is recorded


def test_no_item_without_a_policy_in_force(gov):
    gov.director.start_date = dt.date(2012, 1, 1)
    gov.director.save(update_fields=["start_date"])
    rate(gov, gov.director, (2013, BAD), (2014, BAD))  # the Loudi standards start in 2015
    assert items(gov.director) == []
    rate(gov, gov.director, (2015, BAD))
    assert items(gov.director) == [(2014, 2015, "open")]


def test_the_number_of_years_is_policy_data(gov):
    PolicyParameter.objects.filter(version__in=PolicyVersion.objects.filter(number=2), key="incompetent_years").update(
        value="3"
    )
    rate(gov, gov.director, (2019, BAD), (2020, BAD))
    assert items(gov.director) == []
    rate(gov, gov.director, (2018, BAD))
    assert items(gov.director) == [(2018, 2020, "open")]
    # the city goes back to two years: a recompute of the area follows the policy change
    PolicyParameter.objects.filter(key="incompetent_years").update(value="2")
    assert services.action_items_recompute_area(actor=gov.admin, area_code="4313") == 1
    assert items(gov.director) == [(2018, 2020, "open")]  # the open item of the run stays; no duplicate
    PolicyParameter.objects.filter(key="incompetent_years").update(value="4")
    services.action_items_recompute_area(actor=gov.admin, area_code="4313")
    assert items(gov.director) == [(2018, 2020, "withdrawn")]


# -- evaluation input --------------------------------------------------------------------------------


def test_a_rating_for_a_year_not_served_is_refused(gov):
    worker = member(gov, start_date=dt.date(2016, 5, 1), end_date=dt.date(2019, 6, 30))
    with pytest.raises(ValidationFailed) as caught:
        services.evaluation_record(actor=gov.worker, worker=worker, year=2020, rating=BAD)
    assert "2016–2019" in str(caught.value.message) and "2020" in str(caught.value.message)
    assert caught.value.details["year"]
    with pytest.raises(ValidationFailed):
        services.evaluation_record(actor=gov.worker, worker=worker, year=2015, rating=OK)
    services.evaluation_record(actor=gov.worker, worker=worker, year=2019, rating=OK)  # served half the year
    with pytest.raises(ValidationFailed) as future:
        services.evaluation_record(actor=gov.worker, worker=gov.director, year=dt.date.today().year + 1, rating=OK)
    assert "year" in future.value.details
    with pytest.raises(ValidationFailed) as bad:
        services.evaluation_record(actor=gov.worker, worker=gov.director, year="二〇二〇", rating="bad")
    assert "year" in bad.value.details
    with pytest.raises(ValidationFailed) as bad_rating:
        services.evaluation_record(actor=gov.worker, worker=gov.director, year=2020, rating="bad")
    assert "rating" in bad_rating.value.details
    assert Evaluation.objects.count() == 1


def test_a_term_cannot_be_shortened_past_its_evaluations(gov):
    rate(gov, gov.director, (2019, OK), (2020, OK))
    with pytest.raises(ValidationFailed) as caught:
        services.worker_end(actor=gov.worker, worker=gov.director, end_date=dt.date(2019, 12, 31))
    assert "2020" in caught.value.details["end_date"][0]
    services.worker_end(actor=gov.worker, worker=gov.director, end_date=dt.date(2020, 1, 15))
    gov.director.refresh_from_db()
    assert gov.director.end_date == dt.date(2020, 1, 15)
    assert AuditLog.objects.filter(action="worker.end", entity_type="worker").count() == 1
    with pytest.raises(Conflict):
        services.worker_delete(actor=gov.worker, worker=gov.director)


# -- worker input ------------------------------------------------------------------------------------


def test_worker_create_links_the_resident_and_audits(gov):
    assert gov.director.name == "王小明" and gov.director.resident == gov.wang
    assert gov.director.area_code == gov.community.code
    log = AuditLog.objects.get(entity_type="worker", action="worker.create")
    assert log.changes["name"] == [None, "王小明"] and log.area_code == gov.community.code


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"position": "worker", "committee": "party"}, "committee"),
        ({"position": "deputy", "committee": "none"}, "committee"),
        ({"position": "chief"}, "position"),
        ({"monthly_base_pay": Decimal("0")}, "monthly_base_pay"),
        ({"monthly_base_pay": Decimal("100000")}, "monthly_base_pay"),
        ({"monthly_base_pay": "一千"}, "monthly_base_pay"),
        ({"end_date": dt.date(2015, 12, 31)}, "end_date"),
        ({"name": ""}, "name"),
        ({"start_date": "2016-13-01"}, "start_date"),
    ],
)
def test_worker_input_is_checked(gov, fields, field):
    before = Worker.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        member(gov, **fields)
    assert field in caught.value.details
    assert Worker.objects.count() == before


def test_the_resident_must_live_in_the_community(gov):
    with pytest.raises(ValidationFailed) as caught:
        member(gov, actor=gov.admin, resident=gov.zhao)  # lives in community2
    assert "resident" in caught.value.details
    with pytest.raises(ValidationFailed):
        member(gov, actor=gov.worker, community=gov.community, resident=gov.zhao)  # not visible to the worker


def test_plain_staff_and_update(gov):
    staff = member(gov, position="worker", committee="none", monthly_base_pay="2000.50")
    assert staff.monthly_base_pay == Decimal("2000.50")
    services.worker_update(actor=gov.worker, worker=staff, monthly_base_pay=Decimal("2100"), name="刘芳芳")
    staff.refresh_from_db()
    assert staff.name == "刘芳芳"
    log = AuditLog.objects.filter(action="worker.update").get()
    assert log.changes["monthly_base_pay"] == ["2000.50", "2100.00"]
    with pytest.raises(TypeError):
        services.worker_update(actor=gov.worker, worker=staff, community=gov.community_b)
    services.worker_delete(actor=gov.worker, worker=staff)
    assert not Worker.objects.filter(pk=staff.pk).exists()


def test_staff_writes_recompute_compliance(gov):
    rows = ComplianceResult.objects.filter(community=gov.community, rule__in=["staffing", "base_pay"])
    assert rows.filter(year=2016).exists()
    before = rows.get(year=2016, rule="base_pay")
    member(gov, monthly_base_pay=Decimal("1000"))
    after = rows.get(year=2016, rule="base_pay")
    assert after.status == 2 and after.computed_at > before.computed_at


def test_deferred_compliance_runs_once(gov, monkeypatch):
    from shequ.standards import compliance

    calls = []
    monkeypatch.setattr(compliance, "compliance_recompute_community", lambda **kw: calls.append(kw))
    with services.compliance_deferred():
        member(gov)
        member(gov, name="陈晨", start_date=dt.date(2012, 1, 1), position="deputy")
        assert calls == []
    assert len(calls) == 1 and calls[0]["years"][0] == 2012


# -- scope and roles ---------------------------------------------------------------------------------


def test_outsiders_get_not_found_and_readers_permission_denied(gov):
    with pytest.raises(NotFound):
        member(gov, actor=gov.outsider)
    with pytest.raises(NotFound):
        services.evaluation_record(actor=gov.outsider, worker=gov.director, year=2020, rating=OK)
    for reader in (gov.analyst,):
        with pytest.raises(PermissionDenied):
            member(gov, actor=reader)
        with pytest.raises(PermissionDenied):
            services.evaluation_record(actor=reader, worker=gov.director, year=2020, rating=OK)
    for nobody in (gov.grid_worker, gov.auditor, gov.resident_user):
        with pytest.raises(NotFound):
            services.worker_update(actor=nobody, worker=gov.director, name="X")
    with pytest.raises(ValidationFailed):
        member(gov, actor=gov.admin, community=gov.subdistrict)
    assert Worker.objects.count() == 1 and Evaluation.objects.count() == 0


def test_only_subdistrict_officers_and_above_resolve(gov):
    rate(gov, gov.director, (2019, BAD), (2020, BAD))
    item = ActionItem.objects.get()
    with pytest.raises(PermissionDenied):
        services.action_item_resolve(actor=gov.worker, item=item, outcome="resigned", note="已辞职")
    with pytest.raises(PermissionDenied):
        services.action_item_resolve(actor=gov.analyst, item=item, outcome="resigned", note="已辞职")
    with pytest.raises(NotFound):
        services.action_item_resolve(actor=gov.outsider, item=item, outcome="resigned", note="已辞职")
    with pytest.raises(ValidationFailed) as caught:
        services.action_item_resolve(actor=gov.subdistrict_officer, item=item, outcome="resigned", note="  ")
    assert "note" in caught.value.details
    with pytest.raises(ValidationFailed):
        services.action_item_resolve(actor=gov.subdistrict_officer, item=item, outcome="fired", note="x")
    item.refresh_from_db()
    assert item.status == "open"
    services.action_item_resolve(actor=gov.subdistrict_officer, item=item, outcome="resigned", note="本人已辞职")
    assert AuditLog.objects.filter(entity_type="action_item", action="action_item.resolve").count() == 1
