"""The seed data of migration 0002 (categories, departments, the 2026 calendar), read from the migration itself so
there is one copy: the holiday page marks the rows still equal to it, and tests put it back after a flush."""

from __future__ import annotations

import datetime as dt
import importlib
from functools import cache
from types import ModuleType

MIGRATION = "shequ.incidents.migrations.0002_seed_categories_calendar"


@cache
def _module() -> ModuleType:
    return importlib.import_module(MIGRATION)


def seeded_days() -> dict[dt.date, tuple[bool, str]]:
    return {day: (is_workday, name) for day, is_workday, name in _module().calendar_rows()}


def ensure_seed() -> None:
    from django.apps import apps

    from shequ.incidents import calendar

    _module().forwards(apps, None)
    calendar.invalidate()
