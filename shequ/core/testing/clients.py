"""Test clients shared by every app's tests: a signed-in page client, a JSON API client, the error shape."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client


def login(user: Any) -> Client:
    """A test client signed in as `user` (no password round trip)."""
    client = Client()
    client.force_login(user)
    return client


def page_text(client: Client, url: str, **params: Any) -> str:
    """GET a page that must answer 200; its HTML."""
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


class ApiClient:
    """JSON calls under `base` (e.g. "/api/v1/registry") as a signed-in user."""

    base = "/api/v1"

    def __init__(self, user: Any, base: str | None = None):
        self.client = login(user)
        if base is not None:
            self.base = base

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(self.base + path, params)

    def send(self, method: str, path: str, body: Any = None) -> Any:
        return self.client.generic(method, self.base + path, json.dumps(body or {}), content_type="application/json")


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The one error shape {code, message, details}, with this status (and code)."""
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "details"}
    if code:
        assert body["code"] == code
    return body
