"""Serving a case's photos to viewers who may see the case (never through a public MEDIA URL), and refusing an
oversized upload by its Content-Length before the body is read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from shequ.core.errors import NotFound, ValidationFailed
from shequ.facilities.images import max_bytes, thumbnail, too_big_message
from shequ.incidents import selectors
from shequ.incidents.models import Photo
from shequ.incidents.services.photos import max_photos

# Room for the multipart envelope and the form's text fields around the photos.
MULTIPART_OVERHEAD = 256 * 1024
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


def refuse_oversized(request: HttpRequest) -> None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_bytes() * max_photos() + MULTIPART_OVERHEAD:
        message = too_big_message(max_bytes())
        raise ValidationFailed(message, details={"photos": [message]})


def photo_response(photo: Photo, *, thumb: bool = False) -> HttpResponse:
    try:
        with photo.image.open("rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        raise NotFound() from None  # the row outlived its file
    content_type = photo.content_type if photo.content_type in EXTENSIONS else "application/octet-stream"
    if thumb:
        try:
            data, content_type = thumbnail(data), "image/jpeg"
        except Exception:
            raise NotFound() from None
    response = HttpResponse(data, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    extension = EXTENSIONS.get(content_type, "bin")
    response["Content-Disposition"] = f'inline; filename="incident-photo-{photo.pk}.{extension}"'
    return response


@login_required
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    thumb = request.GET.get("size") == "thumb"
    return photo_response(selectors.photo_get(viewer=request.user, pk=pk), thumb=thumb)
