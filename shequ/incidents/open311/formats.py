"""The two wire formats of GeoReport v2 and its error shape.

The spec defines XML and derives JSON from it by the Spark convention: a plural element holds repeated singular
children (<services><service>…) and becomes a JSON array; any other element becomes an object key. So one payload
(lists and dicts) renders to both, with `LIST_ITEMS` naming the singular tag of each plural one.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET  # builds our own documents only; nothing here parses input
from collections.abc import Sequence
from typing import Any

from django.http import HttpResponse

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
MIME_TYPES = {"xml": "text/xml", "json": "application/json"}
DEFAULT_FORMAT = "xml"  # the spec's required format; JSON is this provider's addition

LIST_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}

# Characters XML 1.0 cannot carry at all (control characters other than tab and newlines, lone surrogates);
# a description filed with one must still produce a well-formed document.
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Open311Error(Exception):
    """An answer in the spec's error format: HTTP `status` and a list of (code, description)."""

    def __init__(self, status: int, errors: Sequence[tuple[int | str, str]] | str):
        self.status = status
        self.errors = [(status, errors)] if isinstance(errors, str) else list(errors)
        super().__init__("; ".join(str(d) for _, d in self.errors))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), item)
    elif isinstance(value, (list, tuple)):
        child_tag = LIST_ITEMS[element.tag]
        for item in value:
            _fill(ET.SubElement(element, child_tag), item)
    elif value is not None:
        element.text = _text(value)


def to_xml(root: str, payload: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, payload)
    ET.indent(element, space="  ")
    body = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode("utf-8")


def to_json(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def render(fmt: str, root: str, payload: Any, status: int = 200) -> HttpResponse:
    """`payload` is a list (the items of the plural `root`) or a dict (the children of `root`)."""
    fmt = fmt if fmt in CONTENT_TYPES else DEFAULT_FORMAT
    body = to_json(payload) if fmt == "json" else to_xml(root, payload)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def render_error(fmt: str, error: Open311Error) -> HttpResponse:
    payload = [{"code": code, "description": str(description)} for code, description in error.errors]
    return render(fmt, "errors", payload, status=error.status)
