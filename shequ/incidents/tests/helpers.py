"""Helpers of the incident tests: images, a clock set to a chosen local time, cases created through the services."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shequ.incidents import services
from shequ.incidents.models import Category, Department, Incident


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
