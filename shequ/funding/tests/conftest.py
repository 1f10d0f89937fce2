"""Fixtures of the funding tests: the Loudi policy present (its minimums show on the pages)."""

from __future__ import annotations

import pytest

from shequ.facilities.tests.helpers import ensure_policy


@pytest.fixture(autouse=True)
def _policy(db):  # type: ignore[no-untyped-def]
    ensure_policy()
