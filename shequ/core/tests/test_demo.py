"""`manage.py demo_build` and `manage.py demo_logins`: build once, skip a same-size rebuild, --force rebuilds
the same data (deterministic), never overwrite data that no demo build made, one login per role."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from shequ.accounts.models import RoleAssignment
from shequ.areas.models import Area, Level
from shequ.core.models import AuditLog
from shequ.registry.generator import DEMO_PASSWORD, DEMO_USERS, demo_matches, holds_other_data
from shequ.registry.models import Household, Resident

SMALL = 300


def run(*args: str, **options: Any) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def fingerprint() -> list[tuple[str, ...]]:
    return list(
        Resident.objects.order_by("id_number").values_list(
            "id_number", "name", "phone", "area_code", "relation", "household__number", "household__building__address"
        )
    )


@pytest.mark.django_db
def test_build_skip_force_and_logins():
    output = run("demo_build", residents=SMALL, verbosity=0)
    assert "300" in output
    assert Resident.objects.count() == SMALL
    assert Area.objects.filter(level=Level.COMMUNITY).count() > 261
    first = fingerprint()
    first_pks = set(Resident.objects.values_list("pk", flat=True))

    output = run("demo_build", residents=SMALL)
    assert "不再重新生成" in output
    assert set(Resident.objects.values_list("pk", flat=True)) == first_pks

    # Another size (or seed) is a different demo: the command would rebuild it without --force.
    assert demo_matches(residents=SMALL, seed=4313)
    assert not demo_matches(residents=SMALL + 1, seed=4313)
    assert not demo_matches(residents=SMALL, seed=1)
    assert not holds_other_data()

    assert AuditLog.objects.filter(action="demo.build").count() == 1
    run("demo_build", residents=SMALL, force=True, verbosity=0)
    assert AuditLog.objects.filter(action="demo.build").count() == 2
    assert fingerprint() == first
    assert Household.objects.filter(head__isnull=True).count() == 0

    logins = run("demo_logins")
    assert "http://127.0.0.1:8000/login/" in logins
    for spec in DEMO_USERS:
        assert spec.username in logins
        area = RoleAssignment.objects.get(user__username=spec.username).area
        assert f"{area.name}（{area.code}）" in logins
    assert logins.count(DEMO_PASSWORD) == len(DEMO_USERS)


@pytest.mark.django_db
def test_logins_before_any_build_says_what_to_do():
    with pytest.raises(CommandError, match="demo_build"):
        run("demo_logins")


@pytest.mark.django_db
def test_refuses_to_overwrite_data_no_demo_made(world):
    with pytest.raises(CommandError, match="--force"):
        run("demo_build", residents=SMALL)
    assert Resident.objects.filter(pk=world.wang.pk).exists()
    assert Resident.objects.count() == 3


@pytest.mark.django_db
def test_too_small_is_refused_before_anything_is_touched(world):
    with pytest.raises(CommandError):
        run("demo_build", residents=10, force=True)
    assert Resident.objects.count() == 3
