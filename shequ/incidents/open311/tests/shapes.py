"""Comparing our documents with the specification's examples by shape: the same element names and nesting (XML),
the same keys and JSON types (JSON). Values differ by nature (ids, names, times)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any


def xml_shape(element: ET.Element) -> Any:
    """tag → shape of children (repeated children folded into one), a leaf → None."""
    children = list(element)
    if not children:
        return None
    shape: dict[str, Any] = {}
    for child in children:
        child_shape = xml_shape(child)
        known = shape.get(child.tag)
        if isinstance(known, dict) and isinstance(child_shape, dict):
            known.update(child_shape)
        else:
            shape[child.tag] = child_shape if child_shape is not None else known
    return shape


def xml_example(text: str) -> ET.Element:
    return ET.fromstring(text.encode("utf-8"))  # noqa: S314 - the spec's example text


def json_example(text: str) -> Any:
    return json.loads(text)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def assert_json_like(ours: Any, spec: Any, path: str = "$") -> None:
    """Same keys at every level; where both sides have a value, the same JSON type (null stands for any)."""
    if spec is None or ours is None:
        return
    assert _kind(ours) == _kind(spec), f"{path}: {_kind(ours)} where the spec has {_kind(spec)}"
    if isinstance(spec, dict):
        assert set(ours) == set(spec), f"{path}: keys {sorted(ours)} where the spec has {sorted(spec)}"
        for key in spec:
            assert_json_like(ours[key], spec[key], f"{path}.{key}")
    elif isinstance(spec, list) and ours and spec:
        for number, item in enumerate(ours):
            assert_json_like(item, spec[0], f"{path}[{number}]")
