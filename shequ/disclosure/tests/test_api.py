"""/api/v1/disclosure: public reads and verification, authenticated publishing, the one error shape."""

from __future__ import annotations

from django.test import Client

from shequ.core.testing.clients import ApiClient, assert_error
from shequ.disclosure.models import Disclosure

BASE = "/api/v1/disclosure"


def body(**extra):
    data = {"category": "finance", "title": "2025年经费收支", "body": "收入 200,000 元"}
    data.update(extra)
    return data


def test_publish_read_verify(world):
    api = ApiClient(world.worker, BASE)
    code = world.community.code
    created = api.send("POST", f"/{code}", body())
    assert created.status_code == 201, created.content
    first = created.json()
    assert first["sequence"] == 1 and first["previous_digest"] == "" and len(first["digest"]) == 64
    fix = api.send("POST", f"/{code}", body(title="更正", body="收入 210,000 元", corrects_id=first["id"]))
    assert fix.status_code == 201 and fix.json()["previous_digest"] == first["digest"]

    anon = Client()
    listing = anon.get(f"{BASE}/{code}").json()
    assert listing["count"] == 2 and [r["sequence"] for r in listing["results"]] == [2, 1]
    assert listing["results"][1]["corrected_by"] == [fix.json()["id"]]
    assert anon.get(f"{BASE}/{code}", {"category": "election"}).json()["count"] == 0
    entry = anon.get(f"{BASE}/entry/{first['id']}")
    assert entry.status_code == 200 and entry.json()["body"] == "收入 200,000 元"
    verified = anon.get(f"{BASE}/{code}/verify").json()
    assert verified == {"community_code": code, "entries": 2, "valid": True, "problems": []}

    Disclosure.objects.filter(pk=first["id"]).update(title="改过")
    broken = anon.get(f"{BASE}/{code}/verify").json()
    assert broken["valid"] is False and broken["problems"][0]["sequence"] == 1
    assert broken["problems"][0]["kind"] == "altered"


def test_errors_and_scope(world):
    code = world.community.code
    assert_error(Client().post(f"{BASE}/{code}", body(), content_type="application/json"), 401, "unauthenticated")
    assert_error(ApiClient(world.outsider, BASE).send("POST", f"/{code}", body()), 404, "not_found")
    assert_error(ApiClient(world.analyst, BASE).send("POST", f"/{code}", body()), 403, "permission_denied")
    bad = assert_error(ApiClient(world.worker, BASE).send("POST", f"/{code}", body(title=" ")), 422)
    assert "title" in bad["details"]
    assert not Disclosure.objects.exists()
    assert_error(Client().get(f"{BASE}/{world.subdistrict.code}"), 404, "not_found")
    assert_error(Client().get(f"{BASE}/entry/999"), 404, "not_found")
    assert_error(Client().get(f"{BASE}/999/verify"), 404, "not_found")
