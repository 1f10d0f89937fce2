"""Search benchmark (issue 2): p50/p95/p99 of the scoped resident search, every search kind, on PostgreSQL.

    SHEQU_DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequ_bench_search \\
        .venv/bin/python bench/search_bench.py --per-kind 200

Each measured call is what the API's list endpoint (and, but for the tag filter's options, the page) does
for one request: the scope (re-derived for the viewer each time), `selectors.resident_list(viewer=...,
q=..., kind=...)`, the capped page count (`paginate`) and the first page of 50 rows with their visible
tags (`selectors.resident_rows`). A count that hit the cap is cached by the app for a minute
(shequ/registry/paging.py); the benchmark turns that off (SHEQU_LIST_COUNT_CACHE_SECONDS = 0) unless
--count-cache is given, so every call counts. Query values
are drawn from the data itself (random residents and buildings inside the viewer's subtree), for a
city-level viewer (city_admin) and a community-level viewer (community_worker), both made by
`manage.py demo_build`.

Side by side, in the same loop (one reference call right after each search call, so both see the
same machine noise): a plain primary-key lookup `Resident.objects.get(pk=...)` and a bare
`SELECT ... LIMIT 50` (`list(Resident.objects.order_by("id")[offset:offset+50])`).

`--explain` prints EXPLAIN ANALYZE of the slowest query of every kind whose p95 misses the target.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/shequ_bench_search"
TARGET_MS = 50.0

KINDS = (
    # label, search kind, how the value is drawn
    ("name (汉字 prefix)", "name", "name2"),
    ("pinyin full", "pinyin", "pinyin"),
    ("pinyin initials", "pinyin", "initials"),
    ("ID full", "id", "id"),
    ("ID last 4", "id", "id4"),
    ("ID last 6", "id", "id6"),
    ("phone full", "phone", "phone"),
    ("phone last 4", "phone", "phone4"),
    ("address", "address", "address"),
    ("auto (汉字 full name)", "auto", "name"),
)


def _django(db: str) -> None:
    os.environ["SHEQU_DATABASE_URL"] = db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def _draw(prefix: str, n: int, rng: random.Random) -> dict[str, list[str]]:
    """Realistic search values: fields of random residents / buildings under `prefix`."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT name, name_pinyin, name_initials, id_number, phone FROM registry_resident "
            "WHERE area_code LIKE %s ORDER BY random() LIMIT %s",
            [prefix + "%", n * 2],
        )
        people = cur.fetchall()
        cur.execute(
            "SELECT address, compound FROM registry_building WHERE area_code LIKE %s ORDER BY random() LIMIT %s",
            [prefix + "%", n],
        )
        buildings = cur.fetchall()
    phones = [p[4] for p in people if p[4] and p[4].isdigit()]
    values: dict[str, list[str]] = {
        "name": [p[0] for p in people],
        "name2": [p[0][:2] for p in people],
        "pinyin": [p[1] for p in people],
        "initials": [p[2] for p in people],
        "id": [p[3] for p in people],
        "id4": [p[3][-4:] for p in people],
        "id6": [p[3][-6:] for p in people],
        "phone": phones,
        "phone4": [p[-4:] for p in phones],
        "address": [_address_term(a, c, rng) for a, c in buildings],
    }
    return {k: (v * (n // max(1, len(v)) + 1))[:n] for k, v in values.items() if v}


def _address_term(address: str, compound: str, rng: random.Random) -> str:
    """What a person types: half the time the street or village alone (broad: many households), half the
    time the compound name or the street and number without the building part (narrow)."""
    if rng.random() < 0.5:
        street = re.match(r"\D+", address)
        return street.group(0) if street else address
    if compound:
        return compound
    cut = address.find("号")
    return address[: cut + 1] if cut > 0 else address


_SQL = {"s": 0.0}


def _timed_sql(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        _SQL["s"] += time.perf_counter() - t0


def _search_once(viewer, kind: str, q: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """What the API's list endpoint does (the page adds the tag filter's options and the HTML)."""
    from shequ.registry import selectors
    from shequ.registry.paging import paginate

    viewer.__dict__.pop("_shequ_scope", None)  # a fresh request derives the scope again
    qs = selectors.resident_list(viewer=viewer, q=q, kind=kind)
    page = paginate(
        qs, 1, rows=lambda ids, order: selectors.resident_rows(viewer=viewer, ids=ids, order_by=order)
    )
    return len(page.object_list), page.paginator.num_pages


def _ref_pk(ids: list[int], rng: random.Random) -> None:
    from shequ.registry.models import Resident

    Resident.objects.get(pk=rng.choice(ids))


def _ref_slice(max_id: int, rng: random.Random) -> None:
    from shequ.registry.models import Resident

    start = rng.randrange(1, max(2, max_id - 100))
    list(Resident.objects.filter(id__gte=start).order_by("id")[:50])


def _explain(viewer, kind: str, q: str) -> str:  # type: ignore[no-untyped-def]
    """EXPLAIN ANALYZE of every query one search call sends (captured, so exactly what Django runs)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        _search_once(viewer, kind, q)
    out = [f"-- q={q!r} kind={kind}: {len(ctx.captured_queries)} queries"]
    with connection.cursor() as cur:
        for item in ctx.captured_queries:
            sql = item["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(r[0] for r in cur.fetchall())
            out.append(f"--- {item['time']}s: {sql[:300]}\n{plan}")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description="p50/p95/p99 of the scoped resident search, every kind")
    parser.add_argument("--db", default=os.environ.get("SHEQU_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--per-kind", type=int, default=200)
    parser.add_argument("--viewers", default="city_admin,community_worker")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE slow kinds")
    parser.add_argument("--count-cache", action="store_true", help="keep the app's cache of capped counts")
    args = parser.parse_args()
    _django(args.db)
    if not args.count_cache:
        from django.conf import settings

        settings.SHEQU_LIST_COUNT_CACHE_SECONDS = 0

    from django.db import connection
    from django.db.models import Max

    from shequ.accounts.models import User
    from shequ.accounts.scope import viewer_scope
    from shequ.core.roles import Perm
    from shequ.registry.models import Resident

    rng = random.Random(args.seed)
    total = Resident.objects.count()
    max_id = Resident.objects.aggregate(m=Max("id"))["m"] or 1
    ids = list(Resident.objects.order_by("?").values_list("id", flat=True)[:5000])
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}, residents: {total:,}")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    print(f"target: p95 < {TARGET_MS:.0f} ms per kind; {args.per_kind} queries per kind and viewer\n")
    header = (
        f"{'viewer':<17}{'kind':<22}{'p50':>7}{'p95':>7}{'p99':>7}{'max':>8}{'sql p95':>8}{'hits':>9}"
        f"{'ref pk p50/p95':>16}{'ref LIMIT50 p50/p95':>21}{'p95 ratio':>10}  ok"
    )
    print(header)
    print("-" * len(header))
    misses = []
    for username in args.viewers.split(","):
        viewer = User.objects.get(username=username)
        codes = sorted(viewer_scope(viewer).codes_for(Perm.REGISTRY_VIEW))
        prefix = codes[0] if codes else ""
        draws = _draw(prefix, args.per_kind, rng)
        for label, kind, source in KINDS:
            values = draws.get(source, [])
            if not values:
                print(f"{username:<17}{label:<22} (no values to draw)")
                continue
            _search_once(viewer, kind, values[0])  # warm the plan cache / connection
            t_search, t_pk, t_slice, hits, worst = [], [], [], 0, (0.0, "")
            t_sql = []
            for q in values:
                _SQL["s"] = 0.0
                t0 = time.perf_counter()
                with connection.execute_wrapper(_timed_sql):
                    n, _pages = _search_once(viewer, kind, q)
                t1 = time.perf_counter()
                t_sql.append(_SQL["s"] * 1000)
                _ref_pk(ids, rng)
                t2 = time.perf_counter()
                _ref_slice(max_id, rng)
                t3 = time.perf_counter()
                ms = (t1 - t0) * 1000
                t_search.append(ms)
                t_pk.append((t2 - t1) * 1000)
                t_slice.append((t3 - t2) * 1000)
                hits += n > 0
                if ms > worst[0]:
                    worst = (ms, q)
            p95 = _pct(t_search, 95)
            ok = p95 < TARGET_MS
            ratio = p95 / max(_pct(t_slice, 95), 1e-6)
            print(
                f"{username:<17}{label:<22}{_pct(t_search, 50):7.1f}{p95:7.1f}{_pct(t_search, 99):7.1f}"
                f"{max(t_search):8.1f}{_pct(t_sql, 95):8.1f}{hits:>5}/{len(values):<3}"
                f"{_pct(t_pk, 50):8.2f}/{_pct(t_pk, 95):<7.2f}{_pct(t_slice, 50):11.2f}/{_pct(t_slice, 95):<9.2f}"
                f"{ratio:8.1f}x  {'yes' if ok else 'NO'}",
                flush=True,
            )
            if not ok:
                misses.append((username, label, kind, worst[1], viewer))
    print(f"\nload average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"all kinds p95 < {TARGET_MS:.0f} ms: {'yes' if not misses else 'NO'}")
    for username, label, kind, q, viewer in misses:
        print(f"missed: {username} / {label}")
        if args.explain:
            print(_explain(viewer, kind, q))
            print()


if __name__ == "__main__":
    main()
