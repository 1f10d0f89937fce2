"""Grid partition with its database write (issue 5) on PostgreSQL for every community and village of the demo
city, side by side with its own dry run (the same reads and partition, nothing written).

    .venv/bin/python bench/grids_write_bench.py --build --residents 200000   # (re)build shequ_bench_grids, measure
    .venv/bin/python bench/grids_write_bench.py --scatter                    # every row back to community level first
    .venv/bin/python bench/grids_write_bench.py --per-community              # grids_generate, one community at a time

Default: the city as the background job regrids it (shequ.grids.tasks): batches of consecutive communities, each
batch planned (three reads, one partition per community) and written set-based (regrid.write_many). The reference
is the same batches planned only (regrid.plan_many). `--scatter` first puts every building, household, resident
and unit back at community level, so the write moves every row of the city (the worst case).

The database is the demo's (`demo_build`: the real Loudi hierarchy, buildings with coordinates, households and
residents in them, one grid per community). Each community is timed three times, in this order: the dry run
(reference), the write (grids created or reused; buildings, households, residents and units moved set-based;
counts, profiles, run record and audit row written), and the write again (nothing changes: the no-op path).
Printed: totals per phase, the write's ratio to the dry run, households per second of the write, and what that
rate gives for the brief's 1.3 million households.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/shequ_bench_grids"
CITY_HOUSEHOLDS = 1_300_000
CITY_COMMUNITIES = 5_000


def build(db: str, residents: int) -> None:
    import psycopg

    admin = db.rsplit("/", 1)[0] + "/postgres"
    name = db.rsplit("/", 1)[1]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "SHEQU_DATABASE_URL": db}
    python = sys.executable
    t0 = time.perf_counter()
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([python, "manage.py", "demo_build", "--residents", str(residents)], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    print(f"built {name} with {residents:,} residents in {time.perf_counter() - t0:.1f} s")


def scatter() -> None:
    """Every registry row at community level, no grid: the next regrid moves all of them."""
    from django.db import connection

    from shequ.registry.models import Building, Household, Resident, ResidentUnit

    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        for model in (Building, Household, Resident, ResidentUnit):
            table = model._meta.db_table
            cursor.execute(f"UPDATE {table} AS x SET grid_id = NULL, area_code = a.code "
                           f"FROM areas_area AS a WHERE a.id = x.community_id AND x.grid_id IS NOT NULL")
        cursor.execute("VACUUM ANALYZE")
    print(f"scattered every row to community level in {time.perf_counter() - t0:.1f} s")


def measure_batched() -> None:
    from django.db import transaction

    from shequ.accounts.models import User
    from shequ.areas.models import Area, Level
    from shequ.core.roles import Role
    from shequ.grids import regrid, store_many, tasks
    from shequ.registry.models import Household

    admin = User.objects.filter(role_assignments__role=Role.CITY_ADMIN).first()
    if admin is None:
        raise SystemExit("no city administrator in the database: build it with --build")
    communities = list(Area.objects.filter(level=Level.COMMUNITY).order_by("code"))
    households = Household.objects.filter(dissolved_at__isnull=True, building__isnull=False).count()
    batches = [communities[i : i + tasks.BATCH] for i in range(0, len(communities), tasks.BATCH)]
    results: dict[str, float] = {}
    cpu: dict[str, float] = {}
    moved: dict[str, dict[str, int]] = {}
    for phase in ("plan only", "write", "write again"):
        c0, t0 = time.process_time(), time.perf_counter()
        totals = dict.fromkeys(("buildings", "households", "residents", "units"), 0)
        for batch in batches:
            if phase == "plan only":
                regrid.plan_many(batch, store_many.code_range(batch))
                continue
            with transaction.atomic():
                runs, _failed = regrid.write_many(admin, batch)
            for run in runs:
                for kind, n in run.summary["moved"].items():
                    totals[kind] += n
        results[phase] = time.perf_counter() - t0
        cpu[phase] = time.process_time() - c0
        moved[phase] = totals
    grids = Area.objects.filter(level=Level.GRID).count()
    print(f"\n{len(communities):,} communities and villages, {households:,} households in buildings, "
          f"{grids:,} grids after the write; batches of {tasks.BATCH}\n")
    print("| phase | total s | python CPU s | buildings moved | households moved | residents moved | units moved |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for phase, seconds in results.items():
        m = moved[phase]
        print(f"| {phase} | {seconds:.2f} | {cpu[phase]:.2f} | {m['buildings']:,} | {m['households']:,} | "
              f"{m['residents']:,} | {m['units']:,} |")
    write = results["write"]
    print(f"\nwrite ÷ plan only: {write / results['plan only']:.2f}×; "
          f"write again ÷ plan only: {results['write again'] / results['plan only']:.2f}×")
    rate = households / write if write else 0.0
    if rate:
        print(f"write: {rate:,.0f} households/s → {CITY_HOUSEHOLDS:,} households in {CITY_HOUSEHOLDS / rate:.0f} s "
              f"at this rate (one process)")


def measure() -> None:
    from django.db import connection
    from django.db.models import Count

    from shequ.accounts.models import User
    from shequ.areas.models import Area, Level
    from shequ.core.roles import Role
    from shequ.grids.services import grids_generate
    from shequ.registry.models import Household

    admin = User.objects.filter(role_assignments__role=Role.CITY_ADMIN).first()
    if admin is None:
        raise SystemExit("no city administrator in the database: build it with --build")
    per_community = dict(
        Household.objects.filter(dissolved_at__isnull=True, building__isnull=False)
        .values("community_id").annotate(n=Count("pk")).values_list("community_id", "n")
    )
    communities = list(Area.objects.filter(level=Level.COMMUNITY, pk__in=list(per_community)).order_by("code"))
    households = sum(per_community.values())
    phases: dict[str, list[float]] = {"dry run": [], "write": [], "write again": []}
    cpu = dict.fromkeys(phases, 0.0)
    grids = moved = 0
    for community in communities:
        for phase, dry in (("dry run", True), ("write", False), ("write again", False)):
            c0, t0 = time.process_time(), time.perf_counter()
            run = grids_generate(actor=admin, community=community, dry_run=dry)
            phases[phase].append(time.perf_counter() - t0)
            cpu[phase] += time.process_time() - c0
            if phase == "write":
                grids += run.grids
                moved += int(run.summary["moved"]["households"])
    connection.close()
    dry, write, again = (sum(phases[p]) for p in phases)
    print(f"\n{len(communities):,} communities and villages with households, {households:,} households; "
          f"{grids:,} grids after the write, {moved:,} households moved to another grid\n")
    print("| phase | total s | median per community ms | p95 ms | python CPU s |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for phase, values in phases.items():
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        print(f"| {phase} | {sum(values):.2f} | {statistics.median(values) * 1000:.1f} | {p95 * 1000:.1f} | "
              f"{cpu[phase]:.2f} |")
    rate = households / write if write else 0.0
    print(f"\nwrite ÷ dry run: {write / dry:.2f}×; write again ÷ dry run: {again / dry:.2f}×")
    if rate:
        per_community = write / len(communities)
        print(f"write: {rate:,.0f} households/s → {CITY_HOUSEHOLDS:,} households in {CITY_HOUSEHOLDS / rate:.0f} s "
              f"at this rate; {per_community * 1000:.0f} ms per community → {CITY_COMMUNITIES:,} communities in "
              f"{CITY_COMMUNITIES * per_community:.0f} s (one process)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=os.environ.get("SHEQU_BENCH_GRIDS_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--build", action="store_true", help="drop and rebuild the database with the demo generator")
    parser.add_argument("--residents", type=int, default=200_000)
    parser.add_argument("--scatter", action="store_true", help="first put every registry row at community level")
    parser.add_argument("--per-community", action="store_true", help="grids_generate one community at a time")
    args = parser.parse_args()
    if args.build:
        build(args.db, args.residents)
    os.environ["SHEQU_DATABASE_URL"] = args.db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if args.scatter:
        scatter()
    if args.per_community:
        measure()
    else:
        measure_batched()


if __name__ == "__main__":
    main()
