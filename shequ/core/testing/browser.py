"""Browser-test support shared by every app: Debian's Chromium driven by Playwright against the live server.

Use `@browser_test` on a test taking `live_server`, `world` and `page_for`; `log_in(page, base_url, username)`
signs in with the demo password the `world` fixture's users carry.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections

try:
    from playwright import sync_api
except ImportError:  # pragma: no cover - requirements-dev.txt installs it
    sync_api = None  # type: ignore[assignment]

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "shequ-demo"
# 4 digits, asterisks, then the last four (the check character may be X).
MASKED_ID = re.compile(r"^\d{4}\*+\d{3}[\dX]$")

BROWSER_MARKS = [
    pytest.mark.browser,
    # live_server needs committed rows; serialized_rollback puts back the tags the migrations seed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
    pytest.mark.skipif(sync_api is None, reason="playwright is not installed"),
]


def browser_test(func: Any) -> Any:
    for mark in reversed(BROWSER_MARKS):
        func = mark(func)
    return func


@pytest.fixture(scope="module")
def browser(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    # Django keeps database connections in context variables, and the code after sync_playwright() runs in
    # a context of its own: without this, tests would talk to the test database through fresh connection
    # objects, missing what the test set-up put on the original ones (serialized_rollback's snapshot).
    shared = {alias: connections[alias] for alias in connections}
    try:
        with pytest.MonkeyPatch.context() as patch:
            # Between its calls Playwright's sync API marks an event loop as running in this thread, and
            # Django then refuses synchronous database calls (the tests' own, and the set-up and tear-down of
            # their data) unless told they are safe: they are, nothing here is asynchronous.
            patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
            with sync_api.sync_playwright() as p:  # type: ignore[union-attr]
                for alias, connection in shared.items():
                    connections[alias] = connection
                chromium = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
                yield chromium
                chromium.close()
    finally:
        _restore_migrated_rows(django_db_blocker)


def _restore_migrated_rows(django_db_blocker: Any) -> None:
    """A transactional test's tear-down empties every table, rows seeded by migrations (the tags) included;
    tests that run after these in the same process expect those rows, so they are put back."""
    with django_db_blocker.unblock():
        for alias in connections:
            connection = connections[alias]
            snapshot = getattr(connection, "_test_serialized_contents", None)
            if snapshot:
                connection.creation.deserialize_db_from_string(snapshot)


@pytest.fixture
def page_for(browser: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        context = browser.new_context(locale="zh-CN", **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def log_in(page: Any, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    form = page.locator("main form")
    form.locator("#id_username").fill(username)
    form.locator("#id_password").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    sync_api.expect(page.locator("header .who")).to_have_text(username)  # type: ignore[union-attr]
