"""Conformance by the specification's own examples (tests/spec_examples.py): each of our answers has the shape of
the spec's example answer for the same call, in XML and in JSON, and the spec's example requests work here."""

from __future__ import annotations

import pytest

from shequ.incidents.models import Event, Incident, Source
from shequ.incidents.open311.tests import spec_examples as spec
from shequ.incidents.open311.tests.conftest import BASE, HOME, adapt, get, parse, report
from shequ.incidents.open311.tests.shapes import assert_json_like, json_example, xml_example, xml_shape
from shequ.incidents.selectors import incident_list

FORM = "application/x-www-form-urlencoded; charset=utf-8"


def _spec_post(client, o311, fmt: str):  # type: ignore[no-untyped-def]
    body = adapt(
        spec.POST_BODY, api_key=o311.keys.worker, jurisdiction_id="4313", service_code="garbage",
        lat=str(HOME[0]), long=str(HOME[1]),
    )
    return client.post(f"{BASE}requests.{fmt}", body, content_type=FORM)


def test_services_have_the_spec_example_shape(client, o311):
    xml = client.get(f"{BASE}services.xml?jurisdiction_id=4313")  # the spec's sample URL, our jurisdiction
    assert xml.status_code == 200 and xml["Content-Type"] == "text/xml; charset=utf-8"
    ours, example = parse(xml), xml_example(spec.SERVICES_XML)
    assert ours.tag == example.tag == "services"
    assert xml_shape(ours) == xml_shape(example)
    assert {e.text for e in ours.iter("type")} == {"realtime"}
    assert {e.text for e in ours.iter("metadata")} == {"false"}
    data = parse(get(client, "services.json"))
    assert len(data) == len(ours) > 0
    assert_json_like(data, json_example(spec.SERVICES_JSON))


def test_service_definition_has_the_spec_example_shape(client, o311):
    xml = client.get(f"{BASE}services/garbage.xml?jurisdiction_id=4313")
    ours, example = parse(xml), xml_example(spec.SERVICE_DEFINITION_XML)
    assert ours.tag == example.tag == "service_definition"
    assert [c.tag for c in ours] == ["service_code", "attributes"] == [c.tag for c in example]
    assert ours.findtext("service_code") == "garbage" and list(ours.find("attributes")) == []
    data = parse(get(client, "services/garbage.json"))
    assert data == {"service_code": "garbage", "attributes": []}
    assert_json_like(data, json_example(spec.SERVICE_DEFINITION_JSON))


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_the_spec_example_post_files_a_case(client, o311, fmt):
    w = o311.world
    response = _spec_post(client, o311, fmt)
    assert response.status_code == 200, response.content.decode()
    if fmt == "xml":
        ours, example = parse(response), xml_example(spec.POST_RESPONSE_XML)
        assert ours.tag == "service_requests" and xml_shape(ours) == xml_shape(example)
        number = ours.findtext("request/service_request_id")
        assert ours.find("request/account_id").text is None  # <account_id/>, as in the example
    else:
        data = parse(response)
        assert_json_like(data, json_example(spec.POST_RESPONSE_JSON))
        number = data[0]["service_request_id"]
    incident = Incident.objects.get(number=number)
    assert incident.source == Source.OPEN311
    assert incident.description == "A large sinkhole is destroying the street"
    assert incident.address == "1234 5th street"
    assert (incident.reporter_name, incident.reporter_phone) == ("john smith", "111111111")
    assert incident.reporter_id == w.worker.pk and incident.community_id == w.community.pk
    assert incident.building_id == w.building.pk and incident.area_code == w.grid.code
    note = Event.objects.get(incident=incident, action="note")
    assert note.data["media_url"] == "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg"
    assert note.data["email"] == "smit333@sfgov.edu"
    # The community worker has it on its list, as a case from Open311.
    assert list(incident_list(viewer=w.worker).filter(source=Source.OPEN311)) == [incident]


def test_the_spec_example_error_is_what_a_wrong_key_gets(client, o311):
    body = adapt(spec.POST_BODY, jurisdiction_id="4313", service_code="garbage")  # api_key=xyz, as in the spec
    xml = client.post(f"{BASE}requests.xml", body, content_type=FORM)
    assert xml.status_code == 403
    ours, example = parse(xml), xml_example(spec.ERROR_XML)
    assert ours.tag == example.tag == "errors" and xml_shape(ours) == xml_shape(example)
    assert ours.findtext("error/code") == "403"
    data = parse(client.post(f"{BASE}requests.json", body, content_type=FORM))
    assert_json_like(data, json_example(spec.ERROR_JSON))
    assert data[0]["code"] == 403
    assert not Incident.objects.exists()


def test_token_lookup_has_the_spec_example_shape(client, o311):
    number = report(client, o311.keys.worker)
    token = Incident.objects.get(number=number).token
    xml = client.get(f"{BASE}tokens/{token}.xml?jurisdiction_id=4313")
    ours, example = parse(xml), xml_example(spec.TOKEN_RESPONSE_XML)
    assert xml_shape(ours) == xml_shape(example)
    assert (ours.findtext("request/service_request_id"), ours.findtext("request/token")) == (number, token)
    data = parse(get(client, f"tokens/{token}.json"))
    assert_json_like(data, json_example(spec.TOKEN_RESPONSE_JSON))
    assert data == [{"service_request_id": number, "token": token}]


def _sample_query() -> str:
    """The spec's sample GET Service Requests query with dates around today and our jurisdiction."""
    import datetime as dt

    from django.utils import timezone

    today = timezone.now()
    return adapt(
        spec.REQUESTS_SAMPLE_QUERY,
        start_date=(today - dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        end_date=(today + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        jurisdiction_id="4313",
    )


def test_requests_have_the_spec_example_shape(client, o311, small_png):
    number = report(client, o311.keys.worker, media=small_png())
    xml = client.get(f"{BASE}requests.xml?{_sample_query()}")
    ours, example = parse(xml), xml_example(spec.REQUESTS_XML)
    assert [r.findtext("service_request_id") for r in ours] == [number]
    # Anonymous: everything the example has except media_url (photos are shown only to those who may see the case).
    expected = xml_shape(example)
    expected["request"].pop("media_url")
    assert xml_shape(ours) == expected
    data = parse(client.get(f"{BASE}requests.json?{_sample_query()}"))
    example_json = json_example(spec.REQUESTS_JSON)
    example_json[0].pop("media_url")
    assert_json_like(data, example_json)
    # The community worker's own key: media_url too, exactly the example's fields.
    key = o311.keys.worker
    seen = parse(client.get(f"{BASE}requests.xml?{_sample_query()}&api_key={key}"))
    assert xml_shape(seen) == xml_shape(example)
    assert_json_like(parse(client.get(f"{BASE}requests.json?{_sample_query()}&api_key={key}")),
                     json_example(spec.REQUESTS_JSON))


def test_one_request_has_the_spec_example_shape(client, o311):
    number = report(client, o311.keys.worker)
    xml = client.get(f"{BASE}requests/{number}.xml?jurisdiction_id=4313")
    expected = xml_shape(xml_example(spec.REQUESTS_XML))
    expected["request"].pop("media_url")
    assert xml_shape(parse(xml)) == expected
    data = parse(get(client, f"requests/{number}.json"))
    example = json_example(spec.REQUESTS_JSON)
    example[0].pop("media_url")
    assert_json_like(data, example)
    assert data[0]["service_request_id"] == number and data[0]["status"] == "open"


def test_discovery_has_the_spec_example_shape(client, o311):
    for path in ("discovery.xml", ""):
        ours = parse(client.get(BASE + path))
        example = xml_example(spec.DISCOVERY_XML)
        assert ours.tag == "discovery" and xml_shape(ours) == xml_shape(example)
        endpoint = ours.find("endpoints/endpoint")
        assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint.findtext("url") == "http://testserver/open311/v2"
        assert [f.text for f in endpoint.iter("format")] == ["text/xml", "application/json"]
    data = parse(get(client, "discovery.json"))
    assert_json_like(data, json_example(spec.DISCOVERY_JSON))
    assert data["endpoints"][0]["type"] == "production"


def test_the_changeset_moves_when_a_service_changes(client, o311):
    from shequ.incidents.models import Category
    from shequ.incidents.services import category_update

    before = parse(get(client, "discovery.json"))["changeset"]
    assert before == "2026-11-30 00:00"  # this endpoint's first release
    category_update(actor=o311.world.admin, category=Category.objects.get(code="garbage"), name_en="Rubbish dumped")
    after = parse(get(client, "discovery.json"))
    assert after["changeset"] > before and after["endpoints"][0]["changeset"] == after["changeset"]
    names = {s["service_code"]: s["service_name"] for s in parse(get(client, "services.json", locale="en"))}
    assert names["garbage"] == "Rubbish dumped"
