"""Paths under /api/v1/ that match no operation: a trailing-slash variant of a real operation is redirected to it
with its method kept; anything else is a 404 in the API's error shape (not the site's HTML page)."""

from __future__ import annotations

import pytest

from shequ.core.testing.clients import assert_error, login

pytestmark = pytest.mark.django_db


def test_slash_variants_redirect_with_method_and_query_kept(world):
    client = login(world.worker)
    r = client.get("/api/v1/registry/residents/?q=wxm")
    assert r.status_code == 308 and r["Location"] == "/api/v1/registry/residents?q=wxm"
    assert client.get(r["Location"]).status_code == 200
    r = client.post("/api/v1/registry/residents/", "{}", content_type="application/json")
    assert r.status_code == 308 and r["Location"] == "/api/v1/registry/residents"
    r = client.get("/api/v1/elections")  # this list is declared with its slash
    assert r.status_code == 308 and r["Location"] == "/api/v1/elections/"
    assert client.get(r["Location"]).status_code == 200


def test_unknown_api_paths_answer_in_the_error_shape(world):
    client = login(world.worker)
    for path in ("/api/v1/nothing-here", "/api/v1/registry/residents/x/y/z", "/api/v1/elections/7/no-such-thing"):
        body = assert_error(client.get(path), 404, "not_found")
        assert body["message"] == "未找到该记录。"
    english = client.get("/api/v1/nothing-here", headers={"accept-language": "en"})
    assert english.status_code == 404 and "not found" in english.json()["message"].lower()
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and "application/json" not in page["Content-Type"]
