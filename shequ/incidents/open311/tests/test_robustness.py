"""Never a 500, never a personal detail: garbage in every argument and path, wrong methods and formats, broken
bodies; and the reporter's name, phone, e-mail and account never appear in any read, whoever reads."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from shequ.incidents.models import Incident
from shequ.incidents.open311.tests.conftest import BASE, HOME, errors, parse, report
from shequ.incidents.open311.views import general_error
from shequ.incidents.services import incident_transition

GARBAGE = [
    " ",
    "\x00",
    "%",
    "'; DROP TABLE incidents_incident; --",
    "☃" * 5000,
    "9" * 400,
    "-1",
    "1e309",
    "nan",
    "0001-01-01",
    "9999-12-31T23:59:59-14:00",
    "<x>&amp;",
    "null",
    "[]",
    "a,b,,c,",
]
# For the form fields, the values that reach the most code (parsers, validators, the database).
POST_GARBAGE = [" ", "\x00", "'; DROP TABLE incidents_incident; --", "☃" * 5000, "1e309", "nan", "<x>&amp;", "a,b,,c,"]
LIST_ARGUMENTS = ("jurisdiction_id", "service_request_id", "service_code", "start_date", "end_date", "status", "page",
                  "page_size", "locale", "api_key")
POST_FIELDS = ("api_key", "jurisdiction_id", "service_code", "lat", "long", "address_string", "address_id",
               "description", "first_name", "last_name", "phone", "email", "media_url", "device_id", "account_id",
               "attribute[x]")


def _sound(response: Any, fmt: str) -> None:
    assert response.status_code in (200, 400, 403, 404), (response.status_code, response.content[:300])
    body = parse(response)
    if response.status_code != 200:
        assert all(description != general_error() for _, description in errors(response)), errors(response)
    assert (isinstance(body, (list, dict))) if fmt == "json" else body.tag


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_garbage_arguments_never_fail(client, o311, fmt):
    number = report(client, o311.keys.worker)
    token = Incident.objects.get(number=number).token
    paths = ["services", "services/garbage", "discovery", f"requests/{number}", f"tokens/{token}"]
    for value in GARBAGE:
        for argument in LIST_ARGUMENTS:
            _sound(client.get(f"{BASE}requests.{fmt}", {argument: value}), fmt)
        for path in paths:
            for argument in ("jurisdiction_id", "locale", "api_key"):
                _sound(client.get(f"{BASE}{path}.{fmt}", {argument: value}), fmt)
        for resource in ("requests", "tokens", "services"):
            _sound(client.get(f"{BASE}{resource}/{quote(value, safe='')}.{fmt}"), fmt)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_garbage_fields_never_fail(client, o311, fmt):
    valid = {"api_key": o311.keys.worker, "service_code": "garbage", "lat": HOME[0], "long": HOME[1],
             "description": "描述"}
    for field in POST_FIELDS:
        for value in POST_GARBAGE:
            _sound(client.post(f"{BASE}requests.{fmt}", {**valid, field: value}), fmt)


def test_broken_bodies_and_sizes(client, o311):
    url = f"{BASE}requests.json"
    body = "--xyz\r\nContent-Disposition: form-data; name=\r\n\r\n"
    broken = client.post(url, body, content_type="multipart/form-data")
    _sound(broken, "json")
    assert broken.status_code == 400
    _sound(client.post(url, '{"service_code": "garbage"}', content_type="application/json"), "json")
    huge = client.post(url, {"api_key": o311.keys.worker}, CONTENT_LENGTH=str(10**12))
    assert huge.status_code == 400 and errors(huge)[0][1].startswith("media")
    assert not Incident.objects.exists()


def test_wrong_methods_formats_and_paths(client, o311):
    wrong = client.delete(f"{BASE}requests.json")
    assert wrong.status_code == 400 and "DELETE" in errors(wrong)[0][1]
    assert wrong["Allow"] == "GET, HEAD, POST"
    assert client.post(f"{BASE}services.xml").status_code == 400
    assert client.put(f"{BASE}requests/SJ1.json").status_code == 400
    assert client.head(f"{BASE}services.json").status_code == 200
    for path in ("services.csv", "requests/SJ1.yaml", "nothing.json", "services/", "requests"):
        response = client.get(BASE + path)
        assert response.status_code == 404, path
        assert errors(response)[0][0] == 404
    assert client.get(f"{BASE}services.JSON")["Content-Type"].startswith("application/json")


def test_control_characters_in_a_description_still_make_valid_xml(client, o311):
    number = report(client, o311.keys.worker, description="垃圾\x07堆放\x1b")
    xml = parse(client.get(f"{BASE}requests/{number}.xml"))
    assert xml.findtext("request/description") == "垃圾堆放"
    assert parse(client.get(f"{BASE}requests/{number}.json"))[0]["description"] == "垃圾\x07堆放\x1b"


def test_no_personal_data_in_any_read(client, o311):
    w = o311.world
    personal = {"first_name": "Qiaolin", "last_name": "Zhangsan", "phone": "13912345678",
                "email": "qiaolin@example.cn"}
    number = report(client, o311.keys.worker, **personal, media_url="https://img.example.cn/q.jpg")
    incident = Incident.objects.get(number=number)
    incident_transition(actor=w.worker, incident=incident, action="open", note="已立案")
    secrets = [*personal.values(), w.worker.username, "reporter", "Qiaolin Zhangsan"]
    paths = ["requests", f"requests/{number}", f"tokens/{incident.token}", "services", "discovery"]
    for fmt in ("json", "xml"):
        for path in paths:
            for query in ({}, {"api_key": o311.keys.worker}, {"service_request_id": number}):
                body = client.get(f"{BASE}{path}.{fmt}", query).content.decode("utf-8")
                assert number in body or path in ("services", "discovery")
                for secret in secrets:
                    assert secret not in body, (secret, path, fmt)
        client.force_login(w.worker)
        body = client.get(f"{BASE}requests.{fmt}").content.decode("utf-8")
        assert "https://img.example.cn/q.jpg" in body  # the viewer may see the case: its link, nothing more
        assert not any(secret in body for secret in secrets)
        client.logout()
