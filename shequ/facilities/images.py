"""Checking that an uploaded photo really is a PNG, JPEG or WebP image of acceptable size, and making the
small copies shown on phone-width pages. Pillow (already installed as a dependency of reportlab) decodes the
header; the client's file name and content type are never trusted."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# Pillow format name → (extension, content type)
FORMATS: dict[str, tuple[str, str]] = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "WEBP": ("webp", "image/webp"),
}
CONTENT_TYPES = dict(FORMATS.values())
# Refuse images whose pixel count would take hundreds of MB to decode (a "decompression bomb").
MAX_PIXELS = 40_000_000
THUMB_SIZE = (480, 480)


class NotAnImage(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class CheckedImage:
    content: bytes
    extension: str
    content_type: str
    width: int
    height: int


def max_bytes() -> int:
    return int(getattr(settings, "SHEQU_PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES))


def _sniff(head: bytes) -> str | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def _read_limited(upload: Any, limit: int) -> bytes:
    """At most limit + 1 bytes, so an oversized upload is never read whole into memory."""
    if hasattr(upload, "seek"):
        upload.seek(0)
    if hasattr(upload, "chunks"):
        parts: list[bytes] = []
        total = 0
        for chunk in upload.chunks():
            parts.append(chunk)
            total += len(chunk)
            if total > limit:
                break
        return b"".join(parts)[: limit + 1]
    data = upload.read(limit + 1)
    return data if isinstance(data, bytes) else bytes(data)


def check_image(upload: Any) -> CheckedImage:
    """The upload's bytes when it is a PNG, JPEG or WebP within the size limit; NotAnImage otherwise."""
    from PIL import Image

    limit = max_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise NotAnImage(too_big_message(limit))
    content = _read_limited(upload, limit)
    if len(content) > limit:
        raise NotAnImage(too_big_message(limit))
    if not content:
        raise NotAnImage(_("文件为空"))
    sniffed = _sniff(content[:16])
    if sniffed is None:
        raise NotAnImage(_("不是图片文件：只接受 PNG、JPEG 或 WebP 格式的照片"))
    try:
        with Image.open(io.BytesIO(content)) as image:
            fmt = image.format
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise NotAnImage(_("图片像素过多，请缩小后再上传"))
            image.verify()
    except NotAnImage:
        raise
    except Exception:
        # Pillow raises many kinds of error on a damaged or disguised file; all mean the same here.
        raise NotAnImage(_("图片文件已损坏或无法识别")) from None
    if fmt != sniffed or fmt not in FORMATS:
        raise NotAnImage(_("不是图片文件：只接受 PNG、JPEG 或 WebP 格式的照片"))
    extension, content_type = FORMATS[fmt]
    return CheckedImage(content=content, extension=extension, content_type=content_type, width=width, height=height)


def too_big_message(limit: int) -> str:
    mib = 1024 * 1024
    size = f"{limit / mib:.1f}".removesuffix(".0") + " MB" if limit >= mib else f"{max(1, limit // 1024)} KB"
    return _("照片不能超过 %(size)s") % {"size": size}


def thumbnail(data: bytes) -> bytes:
    """A JPEG no larger than THUMB_SIZE, for lists on phones."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as opened:
        image: Image.Image = ImageOps.exif_transpose(opened) or opened
        image.thumbnail(THUMB_SIZE)
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=80)
        return out.getvalue()
