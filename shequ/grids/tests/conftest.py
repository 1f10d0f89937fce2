"""Fixtures of the grid tests: the seeded Loudi standards (grid_households 200, grid_people 600) present."""

from __future__ import annotations

import pytest

from shequ.grids.tests.helpers import ensure_policy


@pytest.fixture
def policy(db):  # type: ignore[no-untyped-def]
    ensure_policy()
