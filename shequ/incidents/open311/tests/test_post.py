"""POST requests.{xml,json}: who may file (api_key → a Shequ account with INCIDENT_REPORT where the place lies),
where (lat/long, address_id, address_string), what is kept, and every refusal in the spec's error format with
nothing written."""

from __future__ import annotations

import pytest
from django.test import override_settings

from shequ.incidents.models import Category, Event, Incident, Photo, Source, Status
from shequ.incidents.open311.tests.conftest import AWAY, BASE, HOME, errors, parse, post, report
from shequ.incidents.selectors import incident_list


def _valid(key: str, **extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "api_key": key, "service_code": "garbage", "lat": HOME[0], "long": HOME[1], "description": "楼下垃圾无人清运",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_missing_and_invalid_keys_answer_403(client, o311, fmt):
    data = _valid("")
    data.pop("api_key")
    for body in (data, _valid("not-a-key"), _valid(o311.keys.revoked)):
        response = post(client, fmt, **body)
        assert response.status_code == 403
        [(code, description)] = errors(response)
        assert code == 403 and "api_key" in description
    assert not Incident.objects.exists()


def test_an_account_that_may_not_report_answers_403(client, o311):
    response = post(client, **_valid(o311.keys.analyst))  # city analyst: INCIDENT_VIEW only
    assert response.status_code == 403
    assert errors(response)[0][0] == 403
    assert not Incident.objects.exists()


def test_a_place_outside_the_accounts_area_answers_403(client, o311):
    response = post(client, **_valid(o311.keys.outsider))  # a worker of 矿山社区 reporting in 长青社区
    assert response.status_code == 403
    assert errors(response)[0][0] == 403
    grid_worker = post(client, **_valid(o311.keys.grid_worker, lat=AWAY[0], long=AWAY[1]))
    assert grid_worker.status_code == 403
    assert not Incident.objects.exists() and not Event.objects.exists()


def test_a_grid_worker_reports_in_its_grid(client, o311):
    number = report(client, o311.keys.grid_worker)
    incident = Incident.objects.get(number=number)
    assert incident.area_code == o311.world.grid.code and incident.reporter_id == o311.world.grid_worker.pk


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_and_missing_service_codes(client, o311, fmt):
    unknown = post(client, fmt, **_valid(o311.keys.worker, service_code="pothole"))
    assert unknown.status_code == 404
    [(code, description)] = errors(unknown)
    assert code == 404 and "pothole" in description
    missing = post(client, fmt, **_valid(o311.keys.worker, service_code=""))
    assert missing.status_code == 400 and "service_code" in errors(missing)[0][1]
    Category.objects.filter(code="noise").update(active=False)
    assert post(client, fmt, **_valid(o311.keys.worker, service_code="noise")).status_code == 404
    assert not Incident.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_location_is_required(client, o311, fmt):
    response = post(client, fmt, api_key=o311.keys.worker, service_code="garbage", description="无位置")
    assert response.status_code == 400
    [(code, description)] = errors(response)
    assert code == 400 and "lat" in description and "address_string" in description and "address_id" in description
    half = post(client, fmt, **_valid(o311.keys.worker, long=""))
    assert half.status_code == 400 and "lat/long" in errors(half)[0][1]
    for lat in ("north", "nan", "inf", "1e400", "91"):
        bad = post(client, fmt, **_valid(o311.keys.worker, lat=lat))
        assert bad.status_code == 400, lat
    nowhere = post(client, fmt, **_valid(o311.keys.worker, lat=0, long=0))  # no community near
    assert nowhere.status_code == 400 and errors(nowhere)[0][1].startswith("lat/long")
    assert not Incident.objects.exists()


def test_address_id_is_a_building_the_account_may_report_at(client, o311):
    w = o311.world
    number = report(client, o311.keys.worker, lat="", long="", address_id=w.building.pk)
    incident = Incident.objects.get(number=number)
    assert incident.building_id == w.building.pk and incident.grid_id == w.grid.pk
    assert (incident.latitude, incident.longitude) == HOME  # taken from the building
    outside = post(client, **_valid(o311.keys.worker, lat="", long="", address_id=w.building2.pk))
    missing = post(client, **_valid(o311.keys.worker, lat="", long="", address_id=999999))
    garbage = post(client, **_valid(o311.keys.worker, lat="", long="", address_id="12a"))
    # Another community's building answers exactly like one that does not exist.
    assert outside.status_code == missing.status_code == garbage.status_code == 400
    assert errors(outside) == errors(missing) == errors(garbage)
    assert Incident.objects.count() == 1


def test_address_string_alone(client, o311):
    w = o311.world
    number = report(client, o311.keys.worker, lat="", long="", address_string="长青路1号1栋")
    assert Incident.objects.get(number=number).building_id == w.building.pk
    # No building of that address: the account's one community.
    number = report(client, o311.keys.resident_user, lat="", long="", address_string="长青路口")
    incident = Incident.objects.get(number=number)
    assert incident.community_id == w.community.pk and incident.building_id is None
    assert incident.address == "长青路口"
    # An officer over several communities must say where.
    response = post(client, **_valid(o311.keys.subdistrict_officer, lat="", long="", address_string="长青路口"))
    assert response.status_code == 400 and errors(response)[0][1].startswith("address_string")


def test_contact_details_are_kept_for_handlers(client, o311):
    number = report(
        client, o311.keys.resident_user, first_name="小红", last_name="李", phone="138 1234 5678",
        email="li@example.cn", media_url="https://img.example.cn/a.jpg",
    )
    incident = Incident.objects.get(number=number)
    assert (incident.reporter_name, incident.reporter_phone) == ("李小红", "138 1234 5678")
    assert incident.source == Source.OPEN311 and incident.status == Status.REPORTED
    note = Event.objects.get(incident=incident, action="note")
    assert note.note == "media_url: https://img.example.cn/a.jpg\nemail: li@example.cn"
    # The resident follows its own case; the community worker has it on its list.
    assert incident_list(viewer=o311.world.resident_user).filter(pk=incident.pk).exists()
    assert incident_list(viewer=o311.world.worker).filter(pk=incident.pk).exists()


@pytest.mark.parametrize(
    ("field", "value", "param"),
    [
        ("description", "", "description"),
        ("description", "长" * 2001, "description"),
        ("phone", "call me", "phone"),
        ("email", "not-an-address", "email"),
        ("media_url", "javascript:alert(1)", "media_url"),
        ("first_name", "名" * 80, "first_name/last_name"),
    ],
)
def test_bad_fields_answer_400_naming_the_argument(client, o311, field, value, param, small_png):
    response = post(client, "xml", **_valid(o311.keys.worker, **{field: value}), media=small_png())
    assert response.status_code == 400, response.content.decode()
    assert any(description.startswith(param) for _, description in errors(response)), errors(response)
    assert not Incident.objects.exists() and not Photo.objects.exists()


def test_a_photo_can_be_sent_as_media(client, o311, small_png):
    number = report(client, o311.keys.worker, media=small_png())
    assert Photo.objects.filter(incident__number=number).count() == 1
    not_an_image = post(client, **_valid(o311.keys.worker), media=small_png("x.png").__class__(
        "x.png", b"not an image", content_type="image/png"))
    assert not_an_image.status_code == 400 and errors(not_an_image)[0][1].startswith("media")


def test_the_key_may_come_as_a_bearer_header(client, o311):
    data = _valid("")
    data.pop("api_key")
    response = client.post(f"{BASE}requests.json", data, HTTP_AUTHORIZATION=f"Bearer {o311.keys.worker}")
    assert response.status_code == 200
    assert Incident.objects.get().reporter_id == o311.world.worker.pk


def test_jurisdiction(client, o311):
    assert post(client, **_valid(o311.keys.worker, jurisdiction_id="sfgov.org")).status_code == 404
    assert not Incident.objects.exists()
    assert post(client, **_valid(o311.keys.worker, jurisdiction_id="4313")).status_code == 200
    with override_settings(SHEQU_OPEN311_JURISDICTION="loudi.gov.cn"):
        assert post(client, **_valid(o311.keys.worker, jurisdiction_id="loudi.gov.cn")).status_code == 200
        assert client.get(f"{BASE}services.json?jurisdiction_id=loudi.gov.cn").status_code == 200
    assert client.get(f"{BASE}services.json?jurisdiction_id=loudi.gov.cn").status_code == 404


def test_the_answer_carries_the_id_and_notice_but_no_token(client, o311):
    response = post(client, **_valid(o311.keys.worker))
    [row] = parse(response)
    incident = Incident.objects.get()
    notice = "立案后 2 个工作日内办结"
    assert row == {"service_request_id": incident.number, "service_notice": notice, "account_id": None}


def test_a_session_alone_cannot_file(client, o311):
    """POST is authorised by the api_key only, so a browser session cannot be ridden across sites."""
    client.force_login(o311.world.worker)
    data = _valid("")
    data.pop("api_key")
    assert post(client, **data).status_code == 403
    assert not Incident.objects.exists()


def test_errors_in_the_requests_language(client, o311, monkeypatch):
    """Descriptions are translated in the language of `locale`, else of Accept-Language, else Chinese. (The English
    catalogue gets these messages when locale/pending/open311.json is merged, so the language is observed here.)"""
    from django.utils import translation

    from shequ.incidents.open311 import views

    monkeypatch.setattr(views, "_", lambda message: f"[{translation.get_language()}] {message}")
    data = _valid(o311.keys.worker)
    data.pop("lat"), data.pop("long")
    assert errors(client.post(f"{BASE}requests.json", data))[0][1].startswith("[zh-hans] ")
    assert errors(client.post(f"{BASE}requests.json?locale=en", data))[0][1].startswith("[en] ")
    english = client.post(f"{BASE}requests.xml", data, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")
    assert errors(english)[0][1].startswith("[en] ")
    assert errors(client.post(f"{BASE}requests.json?locale=zh_CN", data, HTTP_ACCEPT_LANGUAGE="en"))[0][1].startswith(
        "[zh-hans] ")
