"""Helpers for the engine's tests: the seeded Loudi parameters as the rules see them, and facts in the database."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal
from typing import Any

from shequ.areas.models import Area
from shequ.standards.policy import LOUDI_SET, Params, parse_value

_SEED = importlib.import_module("shequ.standards.migrations.0002_loudi_policy")


def loudi_params(version: int = 2) -> Params:
    """The parameters the seed migration writes for v1 (2015) or v2 (2016 on), parsed like policy.params()."""
    rows = _SEED.V1_PARAMS + (_SEED.V2_EXTRA if version == 2 else [])
    return {key: parse_value(value) for key, _kind, value, _label in rows}


def ensure_loudi_policy() -> None:
    """A transactional test elsewhere may have flushed the rows the data migration seeded: put them back."""
    from django.apps import apps

    from shequ.standards.models import PolicySet

    if not PolicySet.objects.filter(code=LOUDI_SET).exists():
        _SEED.forwards(apps, None)


def add_premises(community: Area, *, area: str = "450", year_from: int = 2010, year_to: int | None = None,
                 new: bool = False, centre: str | None = "60", rooms: list[str] | None = None,
                 unifications: list[str] | None = None, plaques: list[str] | None = None) -> Any:  # fmt: skip
    from shequ.facilities.models import FunctionalRoom, Premises

    params = loudi_params()
    premises = Premises.objects.create(
        community=community,
        area_code=community.code,
        address="测试路1号",
        floor_area_m2=Decimal(area),
        year_from=year_from,
        year_to=year_to,
        newly_built=new,
        service_centre_m2=None if centre is None else Decimal(centre),
        unifications=list(params["unifications"]) if unifications is None else unifications,  # type: ignore[arg-type]
        plaques=list(params["plaques"]) if plaques is None else plaques,  # type: ignore[arg-type]
    )
    for name in params["functional_rooms"] if rooms is None else rooms:  # type: ignore[union-attr]
        FunctionalRoom.objects.create(premises=premises, area_code=community.code, name=name)
    return premises


def add_worker(community: Area, *, name: str = "张三", position: str = "member", pay: str = "1200",
               start: dt.date = dt.date(2010, 1, 1), end: dt.date | None = None) -> Any:  # fmt: skip
    from shequ.governance.models import Worker

    committee = "none" if position == "worker" else "residents"
    return Worker.objects.create(
        community=community,
        area_code=community.code,
        name=name,
        position=position,
        committee=committee,
        start_date=start,
        end_date=end,
        monthly_base_pay=Decimal(pay),
    )


def add_fund(community: Area, year: int, amount: str, *, project: bool = False) -> Any:
    from shequ.funding.models import OperatingFund, ProjectFund

    if project:
        return ProjectFund.objects.create(
            community=community, area_code=community.code, year=year, name="惠民项目", amount=Decimal(amount)
        )
    return OperatingFund.objects.create(
        community=community, area_code=community.code, year=year, source="city", amount=Decimal(amount)
    )


def add_households(community: Area, n: int, *, kind: str = "permanent") -> None:
    from shequ.registry.models import Household

    start = Household.objects.count()
    Household.objects.bulk_create(
        [
            Household(
                community=community, area_code=community.code, number=f"T{community.code}{start + i:06d}", kind=kind
            )
            for i in range(n)
        ]
    )
