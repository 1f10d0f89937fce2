"""Governance test helpers: the seeded Loudi policy and a way to make staff through the services."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest

from shequ.governance import services


def _ensure_policy() -> None:
    """A transactional test flushes the policy the migrations seed; put it back."""
    from django.apps import apps

    from shequ.standards.models import PolicySet

    if not PolicySet.objects.filter(code="loudi-community-standards").exists():
        importlib.import_module("shequ.standards.migrations.0002_loudi_policy").forwards(apps, None)


@pytest.fixture
def gov(world):  # type: ignore[no-untyped-def]
    """`world` plus a director serving since 2015 in world.community."""
    _ensure_policy()
    world.director = services.worker_create(
        actor=world.worker,
        community=world.community,
        name="",
        resident=world.wang,
        position="director",
        committee="residents",
        start_date=dt.date(2015, 3, 1),
        monthly_base_pay=Decimal("1600"),
    )
    return world


def rate(world, worker, *pairs, actor=None):  # type: ignore[no-untyped-def]
    for year, rating in pairs:
        services.evaluation_record(actor=actor or world.worker, worker=worker, year=year, rating=rating)
