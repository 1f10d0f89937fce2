"""Test-wide settings and fixtures: the Loudi-like hierarchy in miniature and one user per role."""

from __future__ import annotations

pytest_plugins = ["shequ.core.testing.fixtures", "shequ.core.testing.browser"]


def pytest_configure(config):  # type: ignore[no-untyped-def]
    # pytest-django has imported the settings before this file is read, so override them here.
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SHEQU_TASK_BACKEND = "sync"
