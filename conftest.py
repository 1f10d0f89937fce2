"""Test-wide fixtures: the Loudi-like hierarchy in miniature and one user per role."""

from __future__ import annotations

import os

os.environ.setdefault("SHEQU_FAST_PASSWORD_HASHER", "1")
os.environ.setdefault("SHEQU_TASK_BACKEND", "sync")

pytest_plugins = ["shequ.core.testing.fixtures"]
