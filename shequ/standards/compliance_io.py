"""Set-based reads of the facts the compliance rules need, and fast bulk writes.

Reads: one query per kind of fact (premises, rooms, workers, operating funds, project funds, permanent
households) for a whole subtree, grouped in Python by community, so recomputing thousands of communities
costs a handful of round trips. Writes: PostgreSQL COPY (psycopg 3) or, on SQLite, one prepared INSERT run
through executemany.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db import connection, models
from django.db.models import Count, Q, Sum

from shequ.areas.models import Area, Level
from shequ.facilities.models import FunctionalRoom, Premises
from shequ.funding.models import OperatingFund, ProjectFund
from shequ.governance.models import Worker
from shequ.registry.models import Household, HouseholdKind
from shequ.standards.rules import PremisesFacts, WorkerFacts


@dataclass(frozen=True, slots=True)
class CommunityRef:
    id: int
    code: str
    kind: str


@dataclass(slots=True)
class CommunityFacts:
    premises: list[PremisesFacts] = field(default_factory=list)
    workers: list[WorkerFacts] = field(default_factory=list)
    households: int = 0
    operating_funds: dict[int, Decimal] = field(default_factory=dict)
    project_funds: dict[int, Decimal] = field(default_factory=dict)


def communities_under(area_code: str = "", community_id: int | None = None) -> list[CommunityRef]:
    qs = Area.objects.filter(level=Level.COMMUNITY)
    if community_id is not None:
        qs = qs.filter(pk=community_id)
    elif area_code:
        qs = qs.filter(code__startswith=area_code)
    return [
        CommunityRef(pk, code, kind)
        for pk, code, kind in qs.order_by("code").values_list("pk", "code", "community_kind")
    ]


def _scope(area_code: str, community_id: int | None, field_name: str = "community_id") -> Q:
    """Rows of one community, or of a subtree by their area_code prefix (an index range scan)."""
    if community_id is not None:
        return Q(**{field_name: community_id})
    if area_code:
        return Q(area_code__startswith=area_code)
    return Q()


def load_facts(
    *, area_code: str = "", community_id: int | None = None, years: Sequence[int] = ()
) -> dict[int, CommunityFacts]:
    """Facts of every community in the scope, keyed by community id (six queries)."""
    facts: dict[int, CommunityFacts] = defaultdict(CommunityFacts)

    rooms: dict[int, set[str]] = defaultdict(set)
    room_scope = _scope(area_code, community_id, "premises__community_id")
    # order_by(): the models' default orderings would join areas just to sort.
    for premises_id, name in FunctionalRoom.objects.filter(room_scope).order_by().values_list("premises_id", "name"):
        rooms[premises_id].add(name)
    premises = Premises.objects.filter(_scope(area_code, community_id)).values_list(
        "pk",
        "community_id",
        "floor_area_m2",
        "year_from",
        "year_to",
        "newly_built",
        "service_centre_m2",
        "unifications",
        "plaques",
    )
    for pk, cid, area, year_from, year_to, new, centre, unifications, plaques in premises.order_by("pk"):
        facts[cid].premises.append(
            PremisesFacts(
                floor_area_m2=area,
                year_from=year_from,
                year_to=year_to,
                newly_built=new,
                service_centre_m2=centre,
                rooms=frozenset(rooms.get(pk, ())),
                unifications=frozenset(unifications or ()),
                plaques=frozenset(plaques or ()),
            )
        )

    workers = Worker.objects.filter(_scope(area_code, community_id)).values_list(
        "pk", "community_id", "name", "position", "start_date", "end_date", "monthly_base_pay"
    )
    for pk, cid, name, position, start, end, pay in workers.order_by("pk"):
        facts[cid].workers.append(WorkerFacts(pk, name, position, start, end, pay))

    for model, attr in ((OperatingFund, "operating_funds"), (ProjectFund, "project_funds")):
        sums = (
            model.objects.filter(_scope(area_code, community_id), year__in=list(years))
            .values("community_id", "year")
            .annotate(total=Sum("amount"))
            .order_by()
            .values_list("community_id", "year", "total")
        )
        for cid, year, total in sums:
            getattr(facts[cid], attr)[year] = total

    households = (
        Household.objects.filter(
            _scope(area_code, community_id), kind=HouseholdKind.PERMANENT, dissolved_at__isnull=True
        )
        .values("community_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("community_id", "n")
    )
    for cid, n in households:
        facts[cid].households = n
    return facts


# --- writing ---------------------------------------------------------------------------------------------------


def _escape(text: str) -> str:
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _json(value: Any) -> str:
    return _escape(json.dumps(value, ensure_ascii=False))


@lru_cache(maxsize=64)
def _timestamp(value: dt.datetime) -> str:
    return value.isoformat()  # a bulk write stamps every row with the same moment: format it once


# PostgreSQL's COPY text format for each Python type (dispatch on the exact type: this runs per value).
_COPY_FORMAT: dict[type, Callable[[Any], str]] = {
    str: _escape,
    int: str,
    Decimal: str,
    bool: lambda v: "t" if v else "f",
    type(None): lambda v: "\\N",
    dt.date: dt.date.isoformat,
    dt.datetime: _timestamp,
    dict: _json,
    list: _json,
}


def _other(value: Any) -> str:
    return _escape(str(value))


def _copy_text(value: Any) -> str:
    """One value in PostgreSQL's COPY text format."""
    return _COPY_FORMAT.get(type(value), _other)(value)


def copy_lines(rows: Iterable[Sequence[Any]]) -> Iterable[str]:
    for row in rows:
        yield "\t".join(map(_copy_text, row)) + "\n"


def bulk_insert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    chunk: int = 5000,
    prepared: bool = False,
) -> int:
    """Insert `rows` (values in `columns` order: column names, Python values; dict/list → JSON) as fast as the
    database allows. The primary key comes from the table's default (sequence / rowid). `prepared`: the values
    are already what the SQLite driver takes (str, int, None), so they are passed through untouched."""
    if not rows:
        return 0
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    cols = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                buffer: list[str] = []
                for line in copy_lines(rows):
                    buffer.append(line)
                    if len(buffer) >= chunk:
                        copy.write("".join(buffer))
                        buffer = []
                if buffer:
                    copy.write("".join(buffer))
        else:
            sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
            adapt = connection.ops.adapt_datetimefield_value
            for start in range(0, len(rows), chunk):
                batch = rows[start : start + chunk]
                cursor.executemany(
                    sql, batch if prepared else [[_sqlite_value(v, adapt) for v in row] for row in batch]
                )
    return len(rows)


def _sqlite_value(value: Any, adapt_datetime: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return adapt_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
