"""Serving stored photos to viewers who may see them: never through a public MEDIA URL, always after a
scoped read (selectors.photo_get), with headers that keep browsers and proxies from reusing or sniffing them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from shequ.core.errors import NotFound, ValidationFailed
from shequ.facilities import selectors
from shequ.facilities.images import CONTENT_TYPES, max_bytes, thumbnail, too_big_message
from shequ.facilities.models import FacilityPhoto

# Room for the multipart envelope and the caption around the photo itself.
MULTIPART_OVERHEAD = 64 * 1024


def refuse_oversized(request: HttpRequest) -> None:
    """By Content-Length, before the body is read: an oversized upload never reaches the disk."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_bytes() + MULTIPART_OVERHEAD:
        message = too_big_message(max_bytes())
        raise ValidationFailed(message, details={"image": [message]})


def _read(photo: FacilityPhoto) -> bytes:
    try:
        with photo.image.open("rb") as handle:
            return handle.read()
    except (OSError, ValueError):
        # the row outlived its file (restored database, removed volume): answer like a missing photo
        raise NotFound() from None


def photo_response(photo: FacilityPhoto, *, thumb: bool = False) -> HttpResponse:
    data = _read(photo)
    if thumb:
        try:
            data, content_type = thumbnail(data), "image/jpeg"
        except Exception:
            raise NotFound() from None
    else:
        extension = (photo.image.name or "").rsplit(".", 1)[-1].lower()
        content_type = CONTENT_TYPES.get(extension, "application/octet-stream")
    response = HttpResponse(data, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="photo-{photo.pk}.{"jpg" if thumb else extension}"'
    return response


@login_required
def photo_file(request: HttpRequest, pk: int) -> HttpResponse:
    return photo_response(selectors.photo_get(viewer=request.user, pk=pk))


@login_required
def photo_thumb(request: HttpRequest, pk: int) -> HttpResponse:
    return photo_response(selectors.photo_get(viewer=request.user, pk=pk), thumb=True)
