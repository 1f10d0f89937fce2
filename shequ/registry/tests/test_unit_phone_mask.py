"""Resident units' contact phones are personal data like residents' and staff phones: masked on the page and in
every API answer (list, detail, create, update)."""

from __future__ import annotations

import json

from django.urls import reverse

from shequ.core.testing.clients import ApiClient, login
from shequ.registry import services

MOBILE = "13812349999"
LANDLINE = "0738-8123456"


class Api(ApiClient):
    base = "/api/v1/registry"


def test_unit_detail_page_masks_the_phone(world):
    unit = services.unit_create(actor=world.admin, community=world.community, name="长青小学", phone=MOBILE)
    for user in (world.worker, world.admin, world.analyst):
        page = login(user).get(reverse("registry:unit_detail", args=[unit.pk])).content.decode()
        assert "138****9999" in page, user.username
        assert MOBILE not in page, user.username
    services.unit_update(actor=world.admin, unit=unit, phone=LANDLINE)
    page = login(world.worker).get(reverse("registry:unit_detail", args=[unit.pk])).content.decode()
    assert "073*****3456" in page and LANDLINE not in page and "8123456" not in page


def test_unit_api_masks_the_phone_everywhere(world):
    api = Api(world.worker)
    created = api.send("POST", "/units", {"community_code": world.community.code, "name": "长青医院", "phone": MOBILE})
    assert created.status_code == 201, created.content
    assert created.json()["phone"] == "138****9999"
    unit_id = created.json()["id"]
    assert api.get(f"/units/{unit_id}").json()["phone"] == "138****9999"
    listing = api.get("/units")
    assert [u["phone"] for u in listing.json()["results"]] == ["138****9999"]
    patched = api.send("PATCH", f"/units/{unit_id}", {"phone": LANDLINE})
    assert patched.json()["phone"] == "073*****3456"
    for response in (created, listing, patched, api.get(f"/units/{unit_id}")):
        text = json.dumps(response.json())
        assert MOBILE not in text and "8123456" not in text
    # an empty phone stays empty
    assert api.send("PATCH", f"/units/{unit_id}", {"phone": ""}).json()["phone"] == ""
