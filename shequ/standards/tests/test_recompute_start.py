"""Starting a compliance recompute from the API and from the dashboard, its status and summary, and the nightly run."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from shequ.core.jobs import run_job
from shequ.core.models import BackgroundJob
from shequ.registry.services import household_create
from shequ.standards.models import ComplianceResult
from shequ.standards.rules import MEETS, SHORT
from shequ.standards.selectors import cache_clear
from shequ.standards.tasks import NIGHTLY_TASK, compliance_recompute_nightly
from shequ.standards.tests.engine_helpers import add_households, add_premises, add_worker, ensure_loudi_policy

pytestmark = pytest.mark.django_db
API = "/api/v1/standards/recompute"
PAGE = "/standards/recompute/"


@pytest.fixture
def rworld(world):  # type: ignore[no-untyped-def]
    """world.community (长青社区) with premises and five staff; the registry holds one permanent household there."""
    cache_clear()  # figures cached by an earlier test outlive its transaction
    ensure_loudi_policy()
    add_premises(world.community, area="450", year_from=2012)
    for i, position in enumerate(["director", "deputy", "member", "member", "member"]):
        add_worker(world.community, name=f"委员{i}", position=position)
    return world


def _client(user, **kwargs) -> Client:  # type: ignore[no-untyped-def]
    client = Client(**kwargs)
    client.force_login(user)
    return client


def _start(client: Client, capture, **body):  # type: ignore[no-untyped-def]
    """POST the API and run the job when the request's transaction commits (SHEQU_TASK_BACKEND is "sync")."""
    with capture(execute=True):
        return client.post(API, body, content_type="application/json")


def _staffing(code: str, year: int) -> ComplianceResult:
    return ComplianceResult.objects.get(area_code=code, year=year, rule="staffing")


# --- API ---------------------------------------------------------------------------------------------------------


def test_api_starts_the_job_and_reports_status_progress_and_summary(rworld, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    client = _client(rworld.subdistrict_officer)
    response = _start(client, django_capture_on_commit_callbacks, area="431302001", years=[2017, 2016, 2017])
    assert response.status_code == 202, response.content
    started = response.json()
    assert started["area"] == "431302001" and started["years"] == [2016, 2017]
    assert started["status"] == "pending" and started["summary"] is None  # the job runs after the commit
    assert started["status_url"] == f"{API}/{started['id']}"

    job = client.get(started["status_url"])
    assert job.status_code == 200
    body = job.json()
    assert body["id"] == started["id"] and body["status"] == "succeeded", body["error"]
    # 乐坪街道 has two communities (长青社区, 花园社区)
    assert (body["progress_done"], body["progress_total"], body["percent"]) == (2, 2, 100)
    summary = body["summary"]
    in_area = ComplianceResult.objects.filter(area_code__startswith="431302001")
    assert summary["communities"] == 2 and summary["years"] == [2016, 2017]
    assert summary["rows"] == in_area.count() > 0 and summary["inserted"] == summary["rows"]
    assert summary["deleted"] == 0 and summary["seconds"] >= 0
    assert summary["meets"] + summary["short"] + summary["no_data"] == summary["rows"]
    assert set(in_area.values_list("year", flat=True)) == {2016, 2017}
    assert not ComplianceResult.objects.exclude(area_code__startswith="431302001").exists()
    assert BackgroundJob.objects.get(pk=started["id"]).created_by == rworld.subdistrict_officer


def test_api_default_area_is_the_viewers_own(rworld, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    client = _client(rworld.worker)
    response = _start(client, django_capture_on_commit_callbacks, years=[2017])
    assert response.status_code == 202 and response.json()["area"] == "431302001001"
    assert client.get(response.json()["status_url"]).json()["summary"]["communities"] == 1
    assert set(ComplianceResult.objects.values_list("area_code", flat=True)) == {"431302001001"}
    # an empty body: the same
    with django_capture_on_commit_callbacks(execute=True):
        bare = client.post(API, content_type="application/json")
    assert bare.status_code == 202 and bare.json()["area"] == "431302001001" and bare.json()["years"] == []


@pytest.mark.parametrize(
    ("user", "area", "status", "code"),
    [
        ("analyst", "4313", 403, "permission_denied"),  # sees the figures, may not change them
        ("analyst", "", 403, "permission_denied"),
        ("grid_worker", "", 403, "permission_denied"),  # no compliance figures at all
        ("auditor", "", 403, "permission_denied"),
        ("auditor", "431302", 404, "not_found"),  # like every other compliance route with an area it may not see
        ("worker", "431302001", 404, "not_found"),  # above its community
        ("outsider", "431302001001", 404, "not_found"),  # another community
        ("district_officer", "431381", 404, "not_found"),  # another district
        ("district_officer", "43x", 404, "not_found"),
        ("subdistrict_officer", "999999", 404, "not_found"),  # does not exist
    ],
)
def test_api_refuses_without_the_right_or_outside_the_scope(  # type: ignore[no-untyped-def]
    rworld, django_capture_on_commit_callbacks, user, area, status, code
):
    response = _start(_client(getattr(rworld, user)), django_capture_on_commit_callbacks, area=area, years=[2017])
    assert response.status_code == status, response.content
    assert response.json()["code"] == code and response.json()["message"]
    assert not BackgroundJob.objects.exists() and not ComplianceResult.objects.exists()


def test_api_refuses_bad_years(rworld, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    client = _client(rworld.admin)
    response = _start(client, django_capture_on_commit_callbacks, years=[2017, 1800])
    assert response.status_code == 422 and response.json()["code"] == "validation_failed"
    assert "years" in response.json()["details"]
    assert _start(client, django_capture_on_commit_callbacks, years=["soon"]).status_code == 422
    assert not BackgroundJob.objects.exists()


def test_api_anonymous_is_refused(rworld):  # type: ignore[no-untyped-def]
    assert Client().post(API, {}, content_type="application/json").status_code in (401, 403)
    assert not BackgroundJob.objects.exists()


def test_api_another_users_job_is_not_found(rworld, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    mine = _start(_client(rworld.subdistrict_officer), django_capture_on_commit_callbacks, years=[2017]).json()
    for user in ("district_officer", "admin", "worker"):  # even those who may see or recompute the same area
        response = _client(getattr(rworld, user)).get(mine["status_url"])
        assert response.status_code == 404 and response.json()["code"] == "not_found", user
    owner = _client(rworld.subdistrict_officer)
    assert owner.get(mine["status_url"]).status_code == 200
    assert owner.get(f"{API}/{uuid.uuid4()}").status_code == 404
    assert owner.get(f"{API}/not-a-uuid").status_code == 404
    # a job of another kind, even the viewer's own, is not a recompute job
    other = BackgroundJob.objects.create(kind="standards.bulk", created_by=rworld.subdistrict_officer, params={})
    assert owner.get(f"{API}/{other.pk}").status_code == 404


def test_api_recompute_reflects_households_added_in_the_registry(rworld, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    year = timezone.localdate().year
    client = _client(rworld.subdistrict_officer)
    assert _start(client, django_capture_on_commit_callbacks, years=[year]).status_code == 202
    before = _staffing("431302001001", year)
    assert before.detail["households"] == 1 and before.status == MEETS
    for _i in range(3):
        household_create(actor=rworld.worker, community=rworld.community)
    assert _staffing("431302001001", year).detail["households"] == 1  # stale until recomputed
    response = _start(client, django_capture_on_commit_callbacks, years=[year])
    assert client.get(response.json()["status_url"]).json()["status"] == "succeeded"
    assert _staffing("431302001001", year).detail["households"] == 4


# --- Pages ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "area", "shown"),
    [
        ("admin", "4313", True),
        ("admin", "431381", True),
        ("analyst", "4313", False),
        ("district_officer", "431302", True),
        ("subdistrict_officer", "431302001", True),
        ("subdistrict_officer", "", True),
    ],
)
def test_dashboard_button_only_for_those_allowed(rworld, user, area, shown):  # type: ignore[no-untyped-def]
    response = _client(getattr(rworld, user)).get("/standards/", {"area": area} if area else {})
    assert response.status_code == 200
    html = response.content.decode()
    assert ('data-testid="recompute"' in html) is shown
    assert (f'action="{PAGE}"' in html) is shown
    if shown:
        assert "csrfmiddlewaretoken" in html and "重新计算" in html


def test_dashboard_button_in_the_htmx_fragment_too(rworld):  # type: ignore[no-untyped-def]
    response = _client(rworld.admin).get(
        "/standards/", {"area": "4313"}, headers={"HX-Request": "true", "HX-Target": "dash"}
    )
    html = response.content.decode()
    assert "<html" not in html and 'data-testid="recompute"' in html and "csrfmiddlewaretoken" in html


def test_dashboard_shows_when_results_were_last_computed(rworld, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    client = _client(rworld.admin)
    assert "尚未计算达标结果" in client.get("/standards/", {"area": "4313"}).content.decode()
    _start(_client(rworld.subdistrict_officer), django_capture_on_commit_callbacks, years=[2017])
    latest = max(ComplianceResult.objects.values_list("computed_at", flat=True))
    shown = timezone.localtime(latest).strftime("%Y-%m-%d %H:%M")
    for area in ("4313", "431302", "431302001"):
        html = client.get("/standards/", {"area": area}).content.decode()
        assert f"结果计算于 {shown}" in html, area
    # the other district has no results of its own
    assert "尚未计算达标结果" in client.get("/standards/", {"area": "431381"}).content.decode()


def test_page_post_starts_the_job_and_the_status_page_shows_progress_then_the_summary(rworld):  # type: ignore[no-untyped-def]
    client = _client(rworld.subdistrict_officer)
    response = client.post(PAGE, {"area": "431302001"})
    job = BackgroundJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{PAGE}{job.pk}/"
    assert job.kind == "standards.recompute" and job.params["area_code"] == "431302001"

    waiting = client.get(response["Location"]).content.decode()  # not run yet: it waits for the commit
    assert 'role="progressbar"' in waiting and f'hx-get="{PAGE}{job.pk}/status/"' in waiting
    assert "乐坪街道" in waiting and 'data-testid="recompute-outcome"' not in waiting

    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.SUCCEEDED, job.error
    fragment = client.get(f"{PAGE}{job.pk}/status/").content.decode()
    assert "<html" not in fragment and "hx-get" not in fragment  # finished: the polling stops
    done = client.get(response["Location"]).content.decode()
    assert 'data-testid="recompute-outcome"' in done and "hx-get" not in done
    rows = ComplianceResult.objects.filter(area_code__startswith="431302001").count()
    assert rows > 0 and job.result["rows"] == rows
    assert 'data-count="communities"><b>2</b>' in done and f'data-count="rows"><b>{rows}</b>' in done
    assert f'data-count="inserted"><b>{rows}</b>' in done
    assert 'href="/standards/?area=431302001" data-testid="back-to-dashboard"' in done
    assert f"已重新计算 2015–{timezone.localdate().year} 年的达标情况" in done  # the default years


def test_page_refusals(rworld):  # type: ignore[no-untyped-def]
    assert _client(rworld.analyst).post(PAGE, {"area": "4313"}).status_code == 403
    assert _client(rworld.worker).post(PAGE, {"area": "431302001"}).status_code == 404
    assert _client(rworld.outsider).post(PAGE, {"area": "431302001001"}).status_code == 404
    assert _client(rworld.admin).get(PAGE).status_code == 405
    assert not BackgroundJob.objects.exists()
    # CSRF is checked
    assert _client(rworld.admin, enforce_csrf_checks=True).post(PAGE, {"area": "4313"}).status_code == 403
    assert not BackgroundJob.objects.exists()
    # only the user who started a job sees its page
    client = _client(rworld.subdistrict_officer)
    location = client.post(PAGE, {"area": "431302001"})["Location"]
    assert client.get(location).status_code == 200
    assert _client(rworld.admin).get(location).status_code == 404
    assert _client(rworld.district_officer).get(location + "status/").status_code == 404


def test_status_page_shows_a_failure(rworld):  # type: ignore[no-untyped-def]
    client = _client(rworld.subdistrict_officer)
    location = client.post(PAGE, {"area": "431302001"})["Location"]
    job = BackgroundJob.objects.get()
    BackgroundJob.objects.filter(pk=job.pk).update(status=BackgroundJob.Status.FAILED, error="磁盘已满")
    html = client.get(location).content.decode()
    assert "重新计算失败" in html and "磁盘已满" in html and "hx-get" not in html


# --- Nightly -------------------------------------------------------------------------------------------------------


def test_nightly_schedule_entry_exists() -> None:
    from celery.schedules import crontab

    from config.celery import app

    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == NIGHTLY_TASK]
    assert len(entries) == 1
    assert entries[0]["schedule"] == crontab(hour=2, minute=30)
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
    assert any(e["task"] == NIGHTLY_TASK for e in app.conf.beat_schedule.values())
    assert NIGHTLY_TASK in app.tasks


def test_nightly_task_recomputes_the_whole_city(rworld) -> None:  # type: ignore[no-untyped-def]
    year = timezone.localdate().year
    compliance_recompute_nightly()
    codes = set(ComplianceResult.objects.values_list("area_code", flat=True))
    assert codes == {"431302001001", "431302001002", "431381001001"}
    years = set(ComplianceResult.objects.values_list("year", flat=True))
    assert years == set(range(2015, year + 1))  # the first policy year (2015) to the current one
    before = _staffing("431302001001", year)
    assert (before.status, before.threshold, before.detail["households"]) == (MEETS, 5, 1)

    add_households(rworld.community, 1001)  # 1,002 permanent households → 6 staff required; there are 5
    assert _staffing("431302001001", year).status == MEETS  # stale until the nightly run
    summary = compliance_recompute_nightly()
    after = _staffing("431302001001", year)
    assert (after.status, after.threshold, after.gap, after.detail["households"]) == (SHORT, 6, 1, 1002)
    assert summary["communities"] == 3 and summary["area_code"] == ""


def test_nightly_task_covers_a_new_year(rworld, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The range follows the calendar: on 1 January the new year gets results without anyone asking."""
    year = timezone.localdate().year
    compliance_recompute_nightly()
    assert not ComplianceResult.objects.filter(year=year + 1).exists()
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(year + 1, 1, 1))
    compliance_recompute_nightly()
    assert _staffing("431302001001", year + 1).status == MEETS
