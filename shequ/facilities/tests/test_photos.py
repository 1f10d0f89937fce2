"""Photos: only real PNG/JPEG/WebP within the size limit are stored (under our own file name), served only
through the scoped views, and their files go when they do."""

from __future__ import annotations

import os

import pytest
from django.test import Client
from django.urls import reverse

from shequ.core.errors import NotFound, PermissionDenied, ValidationFailed
from shequ.core.models import AuditLog
from shequ.facilities import services
from shequ.facilities.models import FacilityPhoto
from shequ.facilities.tests.helpers import image_bytes, premises_fields, upload


@pytest.fixture
def premises(world):
    return services.premises_create(actor=world.worker, community=world.community, **premises_fields())


def add(world, premises, data: bytes, name: str = "x.png", **kwargs):
    return services.photo_add(actor=world.worker, premises=premises, upload=upload(data, name), **kwargs)


@pytest.mark.parametrize(("fmt", "ext"), [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp")])
def test_real_images_are_stored_under_our_name(world, premises, fmt, ext, _media):
    photo = add(world, premises, image_bytes(fmt), name="../../etc/passwd.exe", caption="外景")
    assert photo.area_code == world.community.code and photo.caption == "外景"
    assert photo.image.name.startswith("facilities/") and photo.image.name.endswith("." + ext)
    assert "passwd" not in photo.image.name
    assert os.path.exists(photo.image.path) and str(_media) in photo.image.path
    row = AuditLog.objects.get(entity_type="facility_photo", action="facility_photo.create")
    assert row.entity_id == str(photo.pk) and row.area_code == world.community.code


@pytest.mark.parametrize(
    "data",
    [
        b"just some text, not a picture",
        b"GIF89a" + b"\x00" * 40,  # a GIF: not accepted
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,  # PNG magic, garbage after it
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
        b"",
    ],
    ids=["text", "gif", "broken-png", "pdf", "empty"],
)
def test_not_an_image_is_refused(world, premises, data, _media):
    with pytest.raises(ValidationFailed) as info:
        add(world, premises, data, name="photo.png")
    assert "image" in info.value.details
    assert FacilityPhoto.objects.count() == 0
    assert not any(files for _, _, files in os.walk(_media))


def test_disguised_image_is_refused(world, premises):
    """A JPEG body behind a PNG signature is not what it claims to be."""
    data = b"\x89PNG\r\n\x1a\n" + image_bytes("JPEG")
    with pytest.raises(ValidationFailed):
        add(world, premises, data)


def test_too_big_is_refused(world, premises, settings):
    settings.SHEQU_PHOTO_MAX_BYTES = 1024
    data = image_bytes("PNG", size=(300, 300)) + b"\x00" * 2048
    with pytest.raises(ValidationFailed) as info:
        add(world, premises, data)
    assert info.value.details["image"] == ["照片不能超过 1 KB"]
    assert FacilityPhoto.objects.count() == 0


def test_default_limit_is_five_mib(settings):
    from shequ.facilities.images import max_bytes, too_big_message

    if hasattr(settings, "SHEQU_PHOTO_MAX_BYTES"):
        del settings.SHEQU_PHOTO_MAX_BYTES
    assert max_bytes() == 5 * 1024 * 1024
    assert too_big_message(max_bytes()) == "照片不能超过 5 MB"


def test_photo_writes_respect_scope(world, premises):
    photo = add(world, premises, image_bytes())
    with pytest.raises(NotFound):
        services.photo_add(actor=world.outsider, premises=premises, upload=upload(image_bytes()))
    with pytest.raises(PermissionDenied):
        services.photo_add(actor=world.analyst, premises=premises, upload=upload(image_bytes()))
    with pytest.raises(NotFound):
        services.photo_delete(actor=world.grid_worker, photo=photo)
    assert FacilityPhoto.objects.count() == 1


def test_delete_removes_row_and_file(world, premises, django_capture_on_commit_callbacks):
    photo = add(world, premises, image_bytes())
    path, pk = photo.image.path, photo.pk
    assert os.path.exists(path)
    with django_capture_on_commit_callbacks(execute=True):
        services.photo_delete(actor=world.worker, photo=photo)
    assert not FacilityPhoto.objects.exists() and not os.path.exists(path)
    assert AuditLog.objects.filter(action="facility_photo.delete", entity_id=str(pk)).exists()


def test_premises_delete_takes_its_photos(world, premises, django_capture_on_commit_callbacks):
    photo = add(world, premises, image_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        services.premises_delete(actor=world.worker, premises=premises)
    assert not FacilityPhoto.objects.exists() and not os.path.exists(photo.image.path)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("worker", 200),
        ("analyst", 200),
        ("admin", 200),
        ("subdistrict_officer", 200),
        ("outsider", 404),
        ("grid_worker", 404),
        ("resident_user", 404),
        ("auditor", 404),
    ],
)
def test_photo_served_only_to_viewers_in_scope(world, premises, role, status):
    photo = add(world, premises, image_bytes("JPEG"))
    client = Client()
    client.force_login(getattr(world, role))
    for name in ("facilities:photo_file", "facilities:photo_thumb"):
        response = client.get(reverse(name, args=[photo.pk]))
        assert response.status_code == status, (name, role)
        if status == 200:
            assert response["Content-Type"] == "image/jpeg"
            assert response["X-Content-Type-Options"] == "nosniff"
            assert response["Cache-Control"].startswith("private")
            assert response.content[:3] == b"\xff\xd8\xff"
    api = client.get(f"/api/v1/facilities/photos/{photo.pk}/file")
    assert api.status_code == status


def test_anonymous_cannot_fetch_a_photo(world, premises):
    photo = add(world, premises, image_bytes())
    response = Client().get(reverse("facilities:photo_file", args=[photo.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert Client().get(f"/api/v1/facilities/photos/{photo.pk}/file").status_code == 401


def test_missing_file_answers_404_not_500(world, premises):
    photo = add(world, premises, image_bytes())
    os.remove(photo.image.path)
    client = Client()
    client.force_login(world.worker)
    assert client.get(reverse("facilities:photo_file", args=[photo.pk])).status_code == 404
    assert client.get(reverse("facilities:photo_thumb", args=[photo.pk])).status_code == 404
