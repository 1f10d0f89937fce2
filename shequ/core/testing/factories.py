"""Deterministic test data, created through the services like real data."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from stdnum.cn import ric

from shequ.accounts.models import RoleAssignment, User
from shequ.areas.models import Area

_seq = itertools.count(1)


def make_id_number(
    birth: dt.date = dt.date(1980, 1, 1), *, region: str = "431302", seq: int | None = None, male: bool = True
) -> str:
    """A valid 18-digit 公民身份号码 (real check digit, real address code)."""
    n = seq if seq is not None else next(_seq)
    order = (n * 2 + (1 if male else 0)) % 1000
    body = f"{region}{birth:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_user(username: str, role: str | None = None, area: Area | None = None, **extra: Any) -> User:
    user = User.objects.create_user(username=username, password="shequ-demo", **extra)
    if role and area:
        RoleAssignment.objects.create(user=user, role=role, area=area)
    return user


def make_residents(
    count: int, *, actor: Any, prefix: str = "居民", born: dt.date = dt.date(1980, 1, 1), **fields: Any
) -> list[Any]:
    """`count` residents created through the service, named prefix00, prefix01, ... and born a day apart;
    `fields` (household or community, tags, ...) go to resident_create as they are."""
    from shequ.registry import services

    return [
        services.resident_create(
            actor=actor, name=f"{prefix}{i:02d}", id_number=make_id_number(born + dt.timedelta(days=i)), **fields
        )
        for i in range(count)
    ]
