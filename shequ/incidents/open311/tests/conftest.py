"""Fixtures for the Open311 tests: API keys for users of every kind, located buildings, and small helpers to call
the endpoint and read its XML or JSON."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest

from shequ.accounts.services import token_create, token_revoke
from shequ.registry.services import building_update

BASE = "/open311/v2/"
# Two points in Loudi: at the world's building in 长青社区, and at the building of 矿山社区 far to the west.
HOME = (27.7301, 111.9952)
AWAY = (27.6843, 111.4361)


def parse(response: Any) -> Any:
    """The body as Python data: JSON as is, XML as an ElementTree element."""
    content_type = response["Content-Type"]
    if content_type.startswith("application/json"):
        return json.loads(response.content.decode("utf-8"))
    assert content_type.startswith("text/xml"), content_type
    text = response.content.decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)  # noqa: S314 - our own output


def adapt(body: str, **replace: str) -> str:
    """The spec's example form body with some arguments replaced (order and the rest kept)."""
    pairs = [(k, replace.get(k, v)) for k, v in parse_qsl(body, keep_blank_values=True)]
    return urlencode(pairs)


@pytest.fixture(autouse=True)
def _seed_and_media(db, settings, tmp_path):  # type: ignore[no-untyped-def]
    """The seeded categories present (a transactional test elsewhere may have flushed them), a fresh working-day
    calendar, and photos written to a temporary directory."""
    from shequ.incidents import calendar
    from shequ.incidents.seed import ensure_seed

    ensure_seed()
    settings.MEDIA_ROOT = str(tmp_path / "media")
    yield
    calendar.invalidate()


@pytest.fixture
def o311(world):  # type: ignore[no-untyped-def]
    w = world
    building_update(actor=w.admin, building=w.building, latitude=HOME[0], longitude=HOME[1])
    building_update(actor=w.admin, building=w.building2, latitude=AWAY[0], longitude=AWAY[1])
    keys = SimpleNamespace()
    for name in ("worker", "grid_worker", "resident_user", "outsider", "analyst", "subdistrict_officer"):
        user = getattr(w, name)
        setattr(keys, name, token_create(actor=user, owner=user, name="open311")[1])
    revoked, keys.revoked = token_create(actor=w.worker, owner=w.worker, name="old")
    token_revoke(actor=w.worker, token=revoked)
    return SimpleNamespace(world=w, keys=keys)


def post(client: Any, fmt: str = "json", **fields: Any) -> Any:
    return client.post(f"{BASE}requests.{fmt}", fields)


def get(client: Any, path: str, **query: Any) -> Any:
    return client.get(BASE + path, query)


def report(client: Any, key: str, fmt: str = "json", **fields: Any) -> str:
    """File a request at HOME and return its id."""
    data = {"api_key": key, "service_code": "garbage", "lat": HOME[0], "long": HOME[1], "description": "垃圾堆放"}
    data.update(fields)
    response = post(client, fmt, **data)
    assert response.status_code == 200, response.content.decode()
    body = parse(response)
    return body[0]["service_request_id"] if fmt == "json" else body.find("request/service_request_id").text


@pytest.fixture
def small_png():  # type: ignore[no-untyped-def]
    """A factory of small real PNG uploads."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    def make(name: str = "photo.png") -> SimpleUploadedFile:
        buffer = io.BytesIO()
        Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
        return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")

    return make


def errors(response: Any) -> list[tuple[int, str]]:
    """(code, description) of an error answer, read from XML or JSON alike."""
    body = parse(response)
    if isinstance(body, list):
        return [(item["code"], item["description"]) for item in body]
    assert body.tag == "errors", body.tag
    return [(int(e.findtext("code")), e.findtext("description")) for e in body.findall("error")]
