"""Build the search/list benchmark database: a separate PostgreSQL database, migrated, filled by the demo
generator (`manage.py demo_build`: the real Loudi hierarchy, buildings, households, residents, demo users),
then VACUUM ANALYZE. Prints the time of each step.

    .venv/bin/python bench/load_bench_db.py --residents 1000000
    .venv/bin/python bench/load_bench_db.py --residents 1000000 --db postgres://postgres@127.0.0.1:5432/other

The default database is shequ_bench_search (bench/import_bench.py empties the registry tables of
shequ_bench between its phases, so the two benchmarks keep separate databases).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/shequ_bench_search"


def _step(label: str, cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, env=env)
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.1f} s", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description="create, migrate and fill the benchmark database")
    parser.add_argument("--db", default=os.environ.get("SHEQU_BENCH_SEARCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--force", action="store_true", help="rebuild even if the same demo is already there")
    args = parser.parse_args()

    import psycopg

    name = args.db.rsplit("/", 1)[1]
    admin = args.db.rsplit("/", 1)[0].replace("postgres://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "SHEQU_DATABASE_URL": args.db}
    py = sys.executable
    _step("migrate", [py, "manage.py", "migrate", "--noinput", "-v0"], env)
    build = [py, "manage.py", "demo_build", "--residents", str(args.residents)]
    _step(f"demo_build --residents {args.residents}", build + (["--force"] if args.force else []), env)
    started = time.perf_counter()
    with psycopg.connect(args.db.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        total = conn.execute("SELECT count(*) FROM registry_resident").fetchone()[0]
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
    print(f"VACUUM ANALYZE: {time.perf_counter() - started:.1f} s")
    print(f"residents: {total:,}; database size: {size}")


if __name__ == "__main__":
    main()
