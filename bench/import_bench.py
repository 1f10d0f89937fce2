"""Import benchmark (issue 2): the same residents CSV, in one run,
(a) raw PostgreSQL COPY into an unindexed table, (b) our import (full validation, household linking,
memberships, tags, audit, statistics), (b') the same file again (idempotent: everything unchanged),
(c) django-import-export on a subset of the same rows, extrapolated linearly.

    .venv/bin/python bench/import_bench.py --rows 100000
    .venv/bin/python bench/import_bench.py --rows 1000000 --iie-rows 20000

Runs against a separate database (default postgres://postgres@127.0.0.1:5432/shequ_bench, created and
migrated if missing; its registry tables are emptied between phases). Each phase runs in its own process,
so the peak RSS printed (resource.getrusage ru_maxrss) is that phase's alone.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/shequ_bench"


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _django(db: str) -> None:
    os.environ["SHEQU_DATABASE_URL"] = db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


# --- phases (each in a child process) ---------------------------------------------------------------------


def phase_prepare(args: argparse.Namespace) -> dict:
    from bench.make_residents_csv import ensure_communities, write_csv

    _django(args.db)
    communities = ensure_communities()
    if not args.csv.exists():
        write_csv(args.csv, args.rows, communities)
    return {"communities": len(communities), "bytes": args.csv.stat().st_size}


def phase_reset(args: argparse.Namespace) -> dict:
    _django(args.db)
    from django.db import connection

    with connection.cursor() as c:
        c.execute(
            "TRUNCATE registry_residenttag, registry_householdmembership, registry_resident, registry_household, "
            "registry_building, core_auditlog RESTART IDENTITY CASCADE"
        )
        c.execute("UPDATE areas_areastats SET buildings = 0, households = 0, residents = 0")
        c.execute("DELETE FROM areas_areatagcount")
        c.execute("DROP TABLE IF EXISTS bench_raw")
    return {}


def phase_copy(args: argparse.Namespace) -> dict:
    import psycopg

    with psycopg.connect(args.db.replace("postgres://", "postgresql://"), autocommit=False) as conn:
        with conn.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_raw")
            cur.execute(
                "CREATE TABLE bench_raw (name text, id_number text, phone text, household_number text, relation text, "
                "household_kind text, area_code text, building text, room text, tags text)"
            )
        conn.commit()
        started = time.perf_counter()
        with (
            conn.cursor() as cur,
            open(args.csv, "rb") as fh,
            cur.copy("COPY bench_raw FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            while chunk := fh.read(1 << 20):
                copy.write(chunk)
        conn.commit()
        seconds = time.perf_counter() - started
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM bench_raw")
            rows = cur.fetchone()[0]
            cur.execute("DROP TABLE bench_raw")
        conn.commit()
    return {"seconds": seconds, "rows": rows}


def phase_ours(args: argparse.Namespace) -> dict:
    _django(args.db)
    from shequ.registry.importing.engine import SYSTEM, run_import

    started = time.perf_counter()
    result = run_import(kind="residents", path=args.csv, filename=args.csv.name, actor=SYSTEM, dry_run=False,
                        batch_id="bench")
    seconds = time.perf_counter() - started
    result.discard_spool()
    return {"seconds": seconds, "counts": result.counts, "timings": result.timings, "committed": result.committed}


def phase_iie(args: argparse.Namespace) -> dict:
    _django(args.db)
    import itertools

    import tablib

    from bench.import_iie_resource import ResidentResource

    with open(args.csv, encoding="utf-8", newline="") as fh:
        text = "".join(itertools.islice(fh, args.iie_rows + 1))
    started = time.perf_counter()
    dataset = tablib.Dataset().load(text, format="csv")
    result = ResidentResource().import_data(dataset, dry_run=False, raise_errors=False, use_transactions=True)
    seconds = time.perf_counter() - started
    totals = dict(result.totals)
    return {"seconds": seconds, "rows": len(dataset), "totals": totals, "has_errors": result.has_errors()}


PHASES = {"prepare": phase_prepare, "reset": phase_reset, "copy": phase_copy, "ours": phase_ours,
          "iie": phase_iie}


def _child(phase: str, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--phase", phase, "--rows", str(args.rows), "--csv", str(args.csv),
           "--db", args.db, "--iie-rows", str(args.iie_rows)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _ensure_database(db: str) -> None:
    import psycopg

    name = db.rsplit("/", 1)[1]
    admin = db.rsplit("/", 1)[0].replace("postgres://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "SHEQU_DATABASE_URL": db}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], check=True, cwd=ROOT, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description="raw COPY vs our import vs django-import-export")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--iie-rows", type=int, default=10_000, help="rows given to django-import-export")
    parser.add_argument("--db", default=os.environ.get("SHEQU_BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--csv", type=Path)
    parser.add_argument("--skip-iie", action="store_true")
    parser.add_argument("--phase", choices=list(PHASES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.csv = args.csv or ROOT / "var" / "bench" / f"residents-{args.rows}.csv"
    args.iie_rows = min(args.iie_rows, args.rows)
    if args.phase:
        result = PHASES[args.phase](args)
        result["maxrss_mb"] = round(_maxrss_mb(), 1)
        print(json.dumps(result, ensure_ascii=False, default=str))
        return

    _ensure_database(args.db)
    load_before = os.getloadavg()[0]
    prepared = _child("prepare", args)
    print(f"file: {args.csv} ({args.rows} rows, {prepared['bytes'] / 1e6:.1f} MB, "
          f"{prepared['communities']} communities); database: {args.db}")
    _child("reset", args)
    copy = _child("copy", args)
    ours = _child("ours", args)
    again = _child("ours", args)
    iie = None
    if not args.skip_iie:
        _child("reset", args)
        iie = _child("iie", args)
    _child("reset", args)

    n = args.rows
    lines = [
        f"(a) raw COPY into an unindexed table : {copy['seconds']:8.2f} s  ({n / copy['seconds']:,.0f} rows/s)",
        f"(b) our import (commit)              : {ours['seconds']:8.2f} s  ({n / ours['seconds']:,.0f} rows/s)  "
        f"= {ours['seconds'] / copy['seconds']:.1f}× COPY; check {ours['timings'].get('check', 0):.1f} s, "
        f"write {ours['timings'].get('write', 0):.1f} s; peak RSS {ours['maxrss_mb']:.0f} MB",
        f"    counts: {json.dumps(ours['counts'], ensure_ascii=False)}",
        f"(b') same file again (all unchanged)  : {again['seconds']:8.2f} s  "
        f"(unchanged={again['counts'].get('unchanged')}); peak RSS {again['maxrss_mb']:.0f} MB",
    ]
    if iie:
        per_row = iie["seconds"] / max(iie["rows"], 1)
        extrapolated = per_row * n
        lines += [
            f"(c) django-import-export, {iie['rows']} rows  : {iie['seconds']:8.2f} s  "
            f"({iie['rows'] / iie['seconds']:,.0f} rows/s); peak RSS {iie['maxrss_mb']:.0f} MB; "
            f"totals {iie['totals']}",
            f"    extrapolated to {n} rows (linear): {extrapolated:8.1f} s "
            f"= {extrapolated / ours['seconds']:.1f}× ours",
        ]
    load = (load_before, os.getloadavg()[0])
    lines.append(f"machine: {os.cpu_count()} CPUs, 1-minute load average {load[0]:.1f} at the start, {load[1]:.1f} "
                 "at the end (other work on the same machine slows every phase)")
    print("\n".join(lines))
    summary = {"rows": n, "copy": copy, "ours": ours, "again": again, "iie": iie, "load": load}
    out = ROOT / "var" / "bench" / f"import-{n}.json"
    out.write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
    print(f"results: {out}")


if __name__ == "__main__":
    main()
