"""Reading GeoReport v2 arguments: each bad one becomes a 400 (403 for the api_key) in the spec's error format.

Per the spec an optional argument sent empty means the same as not sent at all.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.incidents.open311.formats import Open311Error

CITY_JURISDICTION = "4313"
MAX_VALUE_LENGTH = 4000  # the spec's limit on a description; nothing we read is longer
MAX_LIST_ITEMS = 1000
MAX_PAGE_SIZE = 1000  # the spec's default response volume: "first 1000 requests"
WINDOW = dt.timedelta(days=90)  # the spec's default and maximum date span
# A "+hh:mm" offset sent unencoded in a query string arrives as " hh:mm".
_SPACED_OFFSET = re.compile(r"^(.*\d)\s(\d{2}(?::?\d{2})?)$")


def bad(name: str, message: str) -> Open311Error:
    return Open311Error(400, [(400, f"{name}: {message}")])


def value(data: QueryDict, name: str) -> str:
    raw = data.get(name)
    text = "" if raw is None else str(raw).strip()
    if "\x00" in text:
        raise bad(name, _("含有不允许的字符"))
    if len(text) > MAX_VALUE_LENGTH:
        raise bad(name, _("不能超过 %(n)s 个字符") % {"n": MAX_VALUE_LENGTH})
    return text


def values(data: QueryDict, name: str) -> list[str]:
    """A comma-delimited argument that may also be repeated (`status=open,closed` or `status=open&status=closed`)."""
    items: list[str] = []
    for raw in data.getlist(name):
        if "\x00" in raw:
            raise bad(name, _("含有不允许的字符"))
        items += [part.strip() for part in raw.split(",") if part.strip()]
    if len(items) > MAX_LIST_ITEMS:
        raise bad(name, _("最多 %(n)s 项") % {"n": MAX_LIST_ITEMS})
    return items


def jurisdictions() -> set[str]:
    return {CITY_JURISDICTION, str(getattr(settings, "SHEQU_OPEN311_JURISDICTION", CITY_JURISDICTION))}


def check_jurisdiction(data: QueryDict) -> None:
    given = value(data, "jurisdiction_id")
    if given and given not in jurisdictions():
        raise Open311Error(404, _("jurisdiction_id：未找到辖区“%(id)s”") % {"id": given[:50]})


def parse_datetime(name: str, text: str) -> dt.datetime | None:
    """A W3C (ISO 8601 subset) date or datetime; one without an offset is read in the server's time zone."""
    if not text:
        return None
    spaced = _SPACED_OFFSET.match(text)
    if spaced and "T" in text:
        text = f"{spaced.group(1)}+{spaced.group(2)}"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise bad(name, _("不是有效的 W3C 日期时间，例如 2026-01-01T00:00:00+08:00")) from None
    # Far ends of the calendar overflow when moved to UTC; nothing filed here is that old or that far ahead.
    if not 1900 <= parsed.year <= 9000:
        raise bad(name, _("日期超出范围"))
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def date_window(data: QueryDict, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """[start, end] of requested_datetime: the last 90 days by default, never more than 90 days wide."""
    start = parse_datetime("start_date", value(data, "start_date"))
    end = parse_datetime("end_date", value(data, "end_date"))
    if start is not None and end is not None:
        if start > end:
            raise bad("start_date", _("不能晚于 end_date"))
        if end - start > WINDOW:
            raise bad("end_date", _("start_date 与 end_date 相隔不能超过 90 天"))
        return start, end
    if start is not None:
        return start, start + WINDOW
    if end is not None:
        return end - WINDOW, end
    return now - WINDOW, now


def positive_int(data: QueryDict, name: str, default: int, maximum: int) -> int:
    text = value(data, name)
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or len(text) > 9 or int(text) < 1:
        raise bad(name, _("必须是正整数"))
    number = int(text)
    if number > maximum:
        raise bad(name, _("不能大于 %(n)s") % {"n": maximum})
    return number


def coordinates(data: QueryDict) -> tuple[float, float] | None:
    lat, lon = value(data, "lat"), value(data, "long")
    if not lat and not lon:
        return None
    if not lat or not lon:
        raise bad("lat/long", _("纬度和经度须同时提供"))
    try:
        latitude, longitude = float(lat), float(lon)
    except ValueError:
        raise bad("lat/long", _("必须是 WGS84 十进制度数")) from None
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        raise bad("lat/long", _("必须是 WGS84 十进制度数"))
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise bad("lat/long", _("纬度应在 -90 至 90 之间，经度应在 -180 至 180 之间"))
    return latitude, longitude


def address_id(data: QueryDict) -> int | None:
    text = value(data, "address_id")
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise bad("address_id", unknown_address_id())
    return int(text)


def api_key(request: HttpRequest) -> str:
    """The `api_key` argument (query string or form body), else an `Authorization: Bearer` header."""
    for data in (request.POST if request.method == "POST" else None, request.GET):
        if data is not None:
            key = value(data, "api_key")
            if key:
                return key
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return ""


LANGUAGE_CODES = {"en": "en", "zh": "zh-hans"}


def unknown_address_id() -> str:
    # One answer for an id that is not a number, not a building, or a building out of the account's reach.
    return _("未找到该地址编号，或该地址不在您可以上报事件的范围内")


def locale(data: QueryDict) -> str | None:
    """The `locale` argument (en, en-US, zh-Hans, zh_CN …) as one of our languages; None to keep the request's."""
    text = value(data, "locale").lower().replace("_", "-")
    return LANGUAGE_CODES.get(text.split("-")[0]) if text else None


def text_fields(data: QueryDict, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: value(data, name) for name in names}
