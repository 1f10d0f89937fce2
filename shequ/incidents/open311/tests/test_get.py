"""GET requests.{xml,json} (by id list, service code, status, dates, pages), requests/{id}, tokens/{token}: the
spec's fields filled from Shequ's cases, Open311 statuses, W3C times with the +08:00 offset, and errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from shequ.incidents.models import Department, Incident
from shequ.incidents.open311.tests.conftest import BASE, errors, get, parse, report
from shequ.incidents.services import incident_merge, incident_transition


def walk(incident: Incident, actor: Any, *actions: str, note: str = "") -> Incident:
    department = Department.objects.get(name="市城市管理和综合执法局", area_code="4313")
    for action in actions:
        incident = incident_transition(
            actor=actor, incident=incident, action=action, note=note or f"{action} 说明",
            department=department if action == "dispatch" else None, rating=5 if action == "evaluate" else None,
        )
    return incident


def rows(response: Any) -> list[dict[str, Any]]:
    """Request rows of either format as dicts of text (XML) or values (JSON)."""
    body = parse(response)
    if isinstance(body, list):
        return body
    return [{child.tag: child.text for child in request} for request in body.findall("request")]


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content.decode()
    return [row["service_request_id"] for row in rows(response)]


def _aged(number: str, days: int) -> None:
    Incident.objects.filter(number=number).update(reported_at=timezone.now() - dt.timedelta(days=days))


@pytest.fixture
def cases(client, o311):  # type: ignore[no-untyped-def]
    key = o311.keys.worker
    return {
        "new": report(client, key),
        "noise": report(client, key, service_code="noise", description="夜间施工噪声"),
        "closed": report(client, key),
        "old": report(client, key),
    }


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_filters(client, o311, cases, fmt):
    w = o311.world
    walk(Incident.objects.get(number=cases["closed"]), w.worker, "open", "dispatch", "handle", "check", "close")
    _aged(cases["old"], 120)
    recent = {cases["new"], cases["noise"], cases["closed"]}
    assert set(ids(get(client, f"requests.{fmt}"))) == recent  # the last 90 days by default
    assert set(ids(get(client, f"requests.{fmt}", service_code="noise"))) == {cases["noise"]}
    assert set(ids(get(client, f"requests.{fmt}", service_code="noise,garbage"))) == recent
    assert set(ids(get(client, f"requests.{fmt}", status="closed"))) == {cases["closed"]}
    assert set(ids(get(client, f"requests.{fmt}", status="open"))) == {cases["new"], cases["noise"]}
    assert set(ids(get(client, f"requests.{fmt}", status="open,closed"))) == recent
    # service_request_id overrides every other argument, the date window included.
    listed = get(client, f"requests.{fmt}", service_request_id=f"{cases['old']}, {cases['noise']},SJ0", status="closed")
    assert set(ids(listed)) == {cases["old"], cases["noise"]}
    # An explicit window, offsets and all.
    start = (timezone.now() - dt.timedelta(days=130)).astimezone(dt.timezone(dt.timedelta(hours=-5)))
    end = start + dt.timedelta(days=30)
    window = {"start_date": start.isoformat(timespec="seconds"), "end_date": end.isoformat()}
    assert ids(get(client, f"requests.{fmt}", **window)) == [cases["old"]]
    assert set(ids(get(client, f"requests.{fmt}", start_date=start.strftime("%Y-%m-%d")))) == {cases["old"]}
    future = (timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert set(ids(get(client, f"requests.{fmt}", end_date=future))) == recent


def test_newest_first_and_pages(client, o311, cases):
    _aged(cases["old"], 3)
    everything = ids(get(client, "requests.json"))
    assert everything[-1] == cases["old"] and len(everything) == 4
    assert ids(get(client, "requests.json", page_size=3)) == everything[:3]
    assert ids(get(client, "requests.json", page_size=3, page=2)) == everything[3:]
    assert ids(get(client, "requests.json", page_size=3, page=9)) == []


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("query", "argument"),
    [
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2026-13-45T00:00:00Z"}, "end_date"),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "end_date"),  # > 90 days
        ({"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"}, "start_date"),
        ({"start_date": "0001-01-01T00:00:00+14:00"}, "start_date"),
        ({"status": "pending"}, "status"),
        ({"page": "0"}, "page"),
        ({"page_size": "1001"}, "page_size"),
        ({"page_size": "²"}, "page_size"),
    ],
)
def test_bad_arguments_answer_400(client, db, fmt, query, argument):
    response = get(client, f"requests.{fmt}", **query)
    assert response.status_code == 400
    [(code, description)] = errors(response)
    assert code == 400 and description.startswith(argument)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_ids_and_tokens_answer_404(client, db, fmt):
    for path in (f"requests/SJ000.{fmt}", f"tokens/5f0c.{fmt}", f"services/pothole.{fmt}"):
        response = get(client, path)
        assert response.status_code == 404
        assert errors(response)[0][0] == 404


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_one_request_by_id_and_by_token(client, o311, fmt):
    number = report(client, o311.keys.worker, fmt=fmt)
    incident = Incident.objects.get(number=number)
    [row] = rows(get(client, f"requests/{number}.{fmt}"))
    assert row["service_request_id"] == number and row["service_code"] == "garbage"
    [row] = rows(get(client, f"tokens/{incident.token}.{fmt}"))
    assert row == {"service_request_id": number, "token": incident.token}


def test_fields_follow_the_case(client, o311):
    w = o311.world
    number = report(client, o311.keys.worker, address_string="长青路1号1栋东侧")
    incident = Incident.objects.get(number=number)
    [row] = rows(get(client, f"requests/{number}.json"))
    assert row["status"] == "open" and row["status_notes"] is None and row["expected_datetime"] is None
    assert row["address"] == "长青路1号1栋东侧" and row["address_id"] == w.building.pk
    assert row["requested_datetime"] == timezone.localtime(incident.reported_at).isoformat(timespec="seconds")
    assert row["requested_datetime"].endswith("+08:00")
    assert row["agency_responsible"] == "市城市管理和综合执法局"  # the category's department until dispatched
    incident = walk(incident, w.worker, "open", note="已立案，请城管处理")
    [row] = rows(get(client, f"requests/{number}.json"))
    assert row["status"] == "open" and row["status_notes"] == "已立案，请城管处理"
    assert row["expected_datetime"] == timezone.localtime(incident.due_at).isoformat(timespec="seconds")
    incident = walk(incident, w.worker, "dispatch", "handle", "check", "close")
    incident = walk(incident, w.resident_user if incident.reporter_id == w.resident_user.pk else w.worker, "evaluate",
                    note="满意，谢谢")
    [row] = rows(get(client, f"requests/{number}.json"))
    assert row["status"] == "closed"
    assert row["status_notes"] == "close 说明"  # the evaluation's note is the reporter's, not a status note
    assert row["updated_datetime"] == timezone.localtime(incident.closed_at).isoformat(timespec="seconds")


def test_rejected_and_merged_requests_are_closed(client, o311):
    w = o311.world
    rejected = report(client, o311.keys.worker)
    walk(Incident.objects.get(number=rejected), w.worker, "reject", note="不属于受理范围")
    primary, duplicate = report(client, o311.keys.worker), report(client, o311.keys.worker)
    incident_merge(actor=w.worker, incident=Incident.objects.get(number=duplicate),
                   into=Incident.objects.get(number=primary))
    by_id = {row["service_request_id"]: row for row in rows(get(client, "requests.json"))}
    assert by_id[rejected]["status"] == "closed" and by_id[rejected]["status_notes"] == "不属于受理范围"
    assert by_id[duplicate]["status"] == "closed" and primary in by_id[duplicate]["status_notes"]
    assert by_id[primary]["status"] == "open"


def test_service_names_in_english_on_request(client, o311):
    number = report(client, o311.keys.worker)
    chinese = parse(get(client, "services.json"))
    assert {s["service_code"]: s["service_name"] for s in chinese}["garbage"] == "垃圾堆放"
    for response in (
        client.get(f"{BASE}services.json", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"),
        get(client, "services.json", locale="en_US"),
    ):
        names = {s["service_code"]: s["service_name"] for s in parse(response)}
        assert names["garbage"] == "Dumped rubbish"
    english = rows(get(client, f"requests/{number}.xml", locale="en"))
    assert english[0]["service_name"] == "Dumped rubbish"
    assert rows(get(client, f"requests/{number}.xml", locale="zh-Hans"))[0]["service_name"] == "垃圾堆放"


def test_photo_links_only_for_those_who_may_see_the_case(client, o311, small_png):
    keys = o311.keys
    number = report(client, keys.worker, media=small_png())
    linked = report(client, keys.worker, media_url="https://img.example.cn/b.jpg")
    photo = Incident.objects.get(number=number).photos.get()

    def media(**query: Any) -> dict[str, Any]:
        return {row["service_request_id"]: row.get("media_url") for row in rows(get(client, "requests.json", **query))}

    assert media() == {number: None, linked: None}  # anonymous
    assert media(api_key=keys.outsider) == {number: None, linked: None}  # another community's worker
    shown = media(api_key=keys.worker)
    assert shown == {number: f"http://testserver/incidents/photos/{photo.pk}/", linked: "https://img.example.cn/b.jpg"}
    client.force_login(o311.world.worker)
    assert media() == shown
    client.logout()
    # And the link serves the photo to that viewer only.
    client.force_login(o311.world.outsider)
    assert client.get(f"/incidents/photos/{photo.pk}/").status_code == 404


def test_a_wrong_key_on_a_read_answers_403(client, o311, cases):
    response = get(client, "requests.xml", api_key="nope")
    assert response.status_code == 403 and errors(response)[0][0] == 403


def test_lists_take_a_fixed_number_of_queries(client, o311, django_assert_max_num_queries, small_png):
    for _ in range(2):
        report(client, o311.keys.worker, media=small_png())
    with django_assert_max_num_queries(1):
        assert len(ids(get(client, "requests.json"))) == 2
    # The key and its last-used stamp, the account's roles, then visibility, photos and filed links: 7 for any count.
    with django_assert_max_num_queries(7):
        assert len(ids(get(client, "requests.xml", api_key=o311.keys.worker))) == 2
    for _ in range(6):
        report(client, o311.keys.worker, media_url="https://img.example.cn/c.jpg")
    with django_assert_max_num_queries(1):
        assert len(ids(get(client, "requests.json"))) == 8
    with django_assert_max_num_queries(7):
        assert len(ids(get(client, "requests.xml", api_key=o311.keys.worker))) == 8
