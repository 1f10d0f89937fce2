"""Fixtures of the facilities tests: the Loudi policy present, photos written to a temporary directory."""

from __future__ import annotations

import io

import pytest

from shequ.facilities.tests.helpers import ensure_policy


@pytest.fixture(autouse=True)
def _policy(db):  # type: ignore[no-untyped-def]
    ensure_policy()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()
