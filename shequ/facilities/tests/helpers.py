"""Test helpers shared by the facilities and funding tests."""

from __future__ import annotations

import importlib
import io
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile

ROOMS = ["党群活动室", "调解室", "警务室", "计划生育服务室", "慈善超市", "社区办公室", "辅助用房"]
UNIFICATIONS = ["社区标识", "外墙装饰", "机构门牌", "服务窗口", "宣传栏目"]
PLAQUES = ["社区党组织", "社区居民委员会", "社区服务中心"]


def ensure_policy() -> None:
    """The seeded Loudi standards (a transactional test elsewhere may have flushed them)."""
    importlib.import_module("shequ.standards.migrations.0002_loudi_policy").forwards(apps, None)


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, format=fmt)
    return out.getvalue()


def upload(data: bytes, name: str = "photo.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def premises_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "address": "长青路8号",
        "floor_area_m2": Decimal("620"),
        "year_from": 2016,
        "service_centre_m2": Decimal("80"),
        "unifications": UNIFICATIONS[:3],
        "plaques": list(PLAQUES),
        "rooms": {"党群活动室": Decimal("60"), "调解室": Decimal("20"), "警务室": None},
        "name": "长青社区综合服务中心",
    }
    fields.update(overrides)
    return fields
