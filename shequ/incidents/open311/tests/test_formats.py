"""The wire formats and argument parsing on their own: Spark-convention XML/JSON, W3C dates, windows, names."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.http import QueryDict
from django.utils import timezone

from shequ.incidents.open311 import params, serialize
from shequ.incidents.open311.formats import Open311Error, render, render_error, to_json, to_xml
from shequ.incidents.open311.services import reporter_name

UTC = dt.UTC


def test_lists_become_plural_elements_with_singular_children():
    body = to_xml("services", [{"service_code": "a", "metadata": False, "group": None}, {"service_code": "b"}])
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<services>')
    root = ET.fromstring(body)  # noqa: S314 - our own output
    assert [child.tag for child in root] == ["service", "service"]
    first = root.find("service")
    assert (first.findtext("service_code"), first.findtext("metadata")) == ("a", "false")
    assert first.find("group").text is None
    discovery = to_xml("discovery", {"endpoints": [{"formats": ["text/xml", "application/json"]}]})
    nested = ET.fromstring(discovery)  # noqa: S314
    assert [f.text for f in nested.iter("format")] == ["text/xml", "application/json"]
    expected = '[{"name": "垃圾", "ok": true, "none": null}]'.encode()
    assert to_json([{"name": "垃圾", "ok": True, "none": None}]) == expected


def test_characters_xml_cannot_carry_are_dropped_from_xml_only():
    body = to_xml("service_requests", [{"description": "a\x00b\x0bc\td\ne\ufffe"}])
    assert ET.fromstring(body).findtext("request/description") == "abc\td\ne"  # noqa: S314


def test_responses_and_errors():
    response = render("json", "services", [])
    assert (response.status_code, response["Content-Type"]) == (200, "application/json; charset=utf-8")
    error = render_error("xml", Open311Error(403, "api_key: missing"))
    assert (error.status_code, error["Content-Type"]) == (403, "text/xml; charset=utf-8")
    root = ET.fromstring(error.content)  # noqa: S314
    assert (root.findtext("error/code"), root.findtext("error/description")) == ("403", "api_key: missing")
    several = render_error("json", Open311Error(400, [(400, "lat: x"), (400, "phone: y")]))
    assert several.content == b'[{"code": 400, "description": "lat: x"}, {"code": 400, "description": "phone: y"}]'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2010-01-01T00:00:00Z", dt.datetime(2010, 1, 1, tzinfo=UTC)),  # the spec's example
        ("1994-11-05T08:15:30-05:00", dt.datetime(1994, 11, 5, 13, 15, 30, tzinfo=UTC)),  # the spec's examples
        ("1994-11-05T13:15:30Z", dt.datetime(1994, 11, 5, 13, 15, 30, tzinfo=UTC)),
        ("2026-03-01T08:00:00 08:00", dt.datetime(2026, 3, 1, 0, 0, tzinfo=UTC)),  # "+" lost in a query string
        ("2026-03-01", dt.datetime(2026, 2, 28, 16, 0, tzinfo=UTC)),  # a date: midnight in Loudi
        ("2026-03-01T08:00:00.250+08:00", dt.datetime(2026, 3, 1, 0, 0, 0, 250000, tzinfo=UTC)),
    ],
)
def test_w3c_datetimes(text, expected):
    assert params.parse_datetime("start_date", text) == expected


@pytest.mark.parametrize("text", ["yesterday", "2026-02-30", "2026/03/01", "0001-01-01T00:00:00+14:00", "99999-01-01"])
def test_bad_datetimes(text):
    with pytest.raises(Open311Error) as caught:
        params.parse_datetime("start_date", text)
    assert caught.value.status == 400 and caught.value.errors[0][1].startswith("start_date")


def test_date_windows_are_at_most_90_days():
    now = dt.datetime(2026, 11, 30, tzinfo=UTC)
    assert params.date_window(QueryDict(""), now) == (now - dt.timedelta(days=90), now)
    start = QueryDict("start_date=2026-01-01T00:00:00Z")
    assert params.date_window(start, now)[1] == dt.datetime(2026, 4, 1, tzinfo=UTC)
    end = QueryDict("end_date=2026-04-01T00:00:00Z")
    assert params.date_window(end, now)[0] == dt.datetime(2026, 1, 1, tzinfo=UTC)
    exactly = QueryDict("start_date=2026-01-01T00:00:00Z&end_date=2026-04-01T00:00:00Z")
    jan, apr = dt.datetime(2026, 1, 1, tzinfo=UTC), dt.datetime(2026, 4, 1, tzinfo=UTC)
    assert params.date_window(exactly, now) == (jan, apr)
    with pytest.raises(Open311Error):
        params.date_window(QueryDict("start_date=2026-01-01T00:00:00Z&end_date=2026-04-01T00:00:01Z"), now)


def test_lists_locales_and_numbers():
    assert params.values(QueryDict("status=open,closed&status=open"), "status") == ["open", "closed", "open"]
    assert params.locale(QueryDict("locale=en_US")) == "en"
    assert params.locale(QueryDict("locale=zh-Hans-CN")) == "zh-hans"
    assert params.locale(QueryDict("locale=fr")) is None
    assert params.positive_int(QueryDict("page=3"), "page", 1, 10) == 3
    for bad in ("0", "-1", "1.5", "11", "٣"):
        with pytest.raises(Open311Error):
            params.positive_int(QueryDict(f"page={bad}"), "page", 1, 10)


def test_names_keywords_and_times():
    assert reporter_name("小红", "李") == "李小红"
    assert reporter_name("john", "smith") == "john smith"
    assert reporter_name("", "smith") == "smith"
    assert serialize.keywords("垃圾 堆放，清运、杂物") == "垃圾, 堆放, 清运, 杂物"
    stamp = serialize.w3c(dt.datetime(2026, 3, 2, 1, 15, tzinfo=UTC))
    assert stamp == "2026-03-02T09:15:00+08:00"
    assert timezone.is_aware(dt.datetime.fromisoformat(stamp))
