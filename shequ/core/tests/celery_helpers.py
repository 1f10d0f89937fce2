"""Test helpers for Celery (not collected: the file name does not start with test_)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def celery_conf(**overrides: Any) -> Iterator[Any]:
    """Point the project's Celery app somewhere else for one test, then put everything back."""
    from config.celery import app

    saved = {key: app.conf.get(key) for key in overrides}
    app.conf.update(**overrides)
    app.close()
    with contextlib.suppress(AttributeError):
        del app.amqp  # queues and routes are cached from the configuration
    try:
        yield app
    finally:
        app.conf.update(**saved)
        app.close()
        with contextlib.suppress(AttributeError):
            del app.amqp
