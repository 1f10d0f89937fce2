"""Helpers of the incident tests: images, a clock set to a chosen local time, cases created through the services."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from shequ.incidents import services
from shequ.incidents.models import Category, Department, Incident


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def refused(response: Any, status: int) -> dict[str, Any]:
    """An API refusal: the status asked for, in the one {code, message, details} shape."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "details"} and body["message"]
    return body


def fields(body: dict[str, Any]) -> set[str]:
    """The fields a 422 names: {field: [messages]} from a service, [{field, message}] from the schema."""
    details = body["details"]
    if isinstance(details, dict):
        return set(details)
    return {d["field"] for d in details}


def png_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def upload(data: bytes | None = None, name: str = "photo.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes() if data is None else data, content_type=content_type)


def local(*args: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))  # type: ignore[arg-type]


def set_clock(monkeypatch: Any, at: dt.datetime) -> None:
    from shequ.incidents.services import common

    monkeypatch.setattr(common, "now", lambda: at)


def category(code: str = "garbage") -> Category:
    return Category.objects.get(code=code)


def department(name: str = "市城市管理和综合执法局") -> Department:
    return Department.objects.get(name=name, area_code="4313")


def report(world: Any, actor: Any = None, **fields: Any) -> Incident:
    values: dict[str, Any] = {
        "category": category(),
        "description": "长青路1号楼下垃圾堆放多日",
        "source": "grid_worker",
        "building": world.building,
    }
    values.update(fields)
    return services.incident_report(actor=actor or world.grid_worker, **values)


def walk(incident: Incident, actor: Any, *actions: str, **extra: Any) -> Incident:
    """Apply the actions in order, with what each one needs."""
    for action in actions:
        kwargs: dict[str, Any] = {}
        if action == "dispatch":
            kwargs["department"] = extra.get("department") or department()
        if action == "reject":
            kwargs["note"] = "不属于网格事件"
        if action == "evaluate":
            kwargs["rating"] = extra.get("rating", 5)
        incident = services.incident_transition(actor=actor, incident=incident, action=action, **kwargs)
    return incident
