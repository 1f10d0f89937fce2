"""Photos of a case: real PNG, JPEG or WebP images (checked by their bytes, never by the client's name or
content type), each within SHEQU_PHOTO_MAX_BYTES, at most SHEQU_INCIDENT_MAX_PHOTOS per submission."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from shequ.core.validation import Problems
from shequ.facilities.images import CheckedImage, NotAnImage, check_image
from shequ.incidents.models import Incident, Photo

DEFAULT_MAX_PHOTOS = 4


def max_photos() -> int:
    return int(getattr(settings, "SHEQU_INCIDENT_MAX_PHOTOS", DEFAULT_MAX_PHOTOS))


def check_photos(problems: Problems, uploads: Iterable[Any] | None, field: str = "photos") -> list[CheckedImage]:
    """The checked images, or problems under `field` naming each bad file."""
    files = [u for u in (uploads or ()) if u is not None]
    if len(files) > max_photos():
        problems.add(field, _("最多上传 %(n)s 张照片") % {"n": max_photos()})
        return []
    checked: list[CheckedImage] = []
    for number, upload in enumerate(files, start=1):
        try:
            checked.append(check_image(upload))
        except NotAnImage as exc:
            problems.add(field, _("第 %(n)s 张照片：%(reason)s") % {"n": number, "reason": exc.message})
    return checked


def store_photos(incident: Incident, images: list[CheckedImage], stage: str, saved: list[str]) -> list[Photo]:
    """Rows and files for the images; the stored names go into `saved` so a failed write can remove them."""
    photos = []
    for image in images:
        photo = Photo(incident=incident, area_code=incident.area_code, content_type=image.content_type, stage=stage)
        # The stored name is ours: the client's file name never reaches the disk.
        photo.image.save(f"{uuid.uuid4().hex}.{image.extension}", ContentFile(image.content), save=False)
        saved.append(photo.image.name or "")
        photo.save()
        photos.append(photo)
    return photos


def remove_files(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        if name:
            default_storage.delete(name)
