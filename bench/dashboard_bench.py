"""Compliance dashboard latency (issue 3): p95 of every dashboard page at ~5,000 communities × 10 years, side by
side with a bare Django view, PostgreSQL.

    .venv/bin/python bench/dashboard_bench.py                      # build the database if needed, then measure
    .venv/bin/python bench/dashboard_bench.py --duration 20 --connections 2 --rebuild

The database (default shequ_bench_dashboard) is created and migrated here (migrate seeds the Loudi policy), the
real Loudi hierarchy gets the demo's generated communities and villages scaled up to ~5,000 (the same plan as
bench/compliance_bench.py), the demo users are created, and ComplianceResult rows for 2015–2024 are COPYed in
directly (every rule the policy version of the year has, per community, with statuses, measured values,
thresholds from the policy parameters, gaps and details drawn deterministically: about 80 % meet, 15 % short,
5 % without data). Built once; later runs reuse it unless --rebuild.

Measured in two phases — warm: figures cached (the default; each process computes an area's figures once
per version of the results); cold: SHEQU_DASHBOARD_CACHE_SECONDS=0, every request aggregates in the database
(what the first view after a recompute pays) — and two ways each:

1. in-process: Django's test client, one request at a time, each page request followed by one bare-view
   request; wall time, the process's CPU time and the time in SQL, p50/p95 over --requests requests;
2. over HTTP: gunicorn (2 sync workers, the app's settings + the bare view: bench/bare_settings.py) on
   127.0.0.1, each viewer logged in through the real login form, every target checked to answer 200 with its
   content, then `wrk` (Debian package) at --connections concurrent connections for --duration seconds per
   target; a small Lua script makes wrk print the 95th percentile. The bare view (GET /bench/bare/: one
   query, no template) runs first, between and last; each ratio is a page's p95 over the mean of the bare
   runs' p95.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/shequ_bench_dashboard"
YEARS = list(range(2015, 2025))
TARGET_MS = 200.0
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("P50 %d\\nP95 %d\\nP99 %d\\nREQUESTS %d\\nERRORS %d\\n", latency:percentile(50),
    latency:percentile(95), latency:percentile(99), summary.requests,
    e.connect + e.read + e.write + e.timeout + e.status))
end
"""


# --- the database ------------------------------------------------------------------------------------------


def _create_and_migrate(db: str) -> None:
    import psycopg

    name = db.rsplit("/", 1)[1]
    admin = db.rsplit("/", 1)[0].replace("postgres://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "SHEQU_DATABASE_URL": db}
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    print(f"migrate: {time.perf_counter() - started:.1f} s", flush=True)


def _django(db: str) -> None:
    os.environ["SHEQU_DATABASE_URL"] = db
    # the app's settings plus the bare view's URL (the in-process phase requests it too)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bare_settings"
    import django

    django.setup()


def _draw(rng: random.Random, rule: str, kind: str, p: dict, bad: float) -> tuple:  # type: ignore[type-arg]
    """(status, measured, threshold, gap, detail) for one rule, thresholds from the policy parameters."""
    roll = rng.random()
    status = 3 if roll < 0.05 else (2 if roll < 0.05 + bad else 1)
    if rule in ("premises_area", "service_centre"):
        key = "service_centre_min_m2" if rule == "service_centre" else "premises_min_m2"
        if rule == "premises_area" and rng.random() < 0.05:
            key = "premises_min_m2_new"
        t = p[key]
        if status == 3:
            return 3, None, t, None, {}
        m = (t * Decimal(rng.uniform(0.55, 0.99))) if status == 2 else (t * Decimal(rng.uniform(1, 2.2)))
        m = m.quantize(Decimal("0.01"))
        if rule == "service_centre" and status == 2 and rng.random() < 0.4:
            return 2, Decimal(0), t, t, {"no_centre": True}
        return status, m, t, max(Decimal(0), t - m), {"newly_built": True} if key.endswith("_new") else {}
    if rule in ("functional_rooms", "five_unifications", "plaques"):
        items = p[{"functional_rooms": "functional_rooms", "five_unifications": "unifications"}.get(rule, rule)]
        t = Decimal(len(items))
        if status == 3:
            return 3, None, t, None, {}
        missing = rng.sample(items, rng.randint(1, 2)) if status == 2 else []
        detail: dict = {"missing": missing}  # type: ignore[type-arg]
        if rule == "plaques":
            detail["extra"] = ["老年协会"] if status == 2 and rng.random() < 0.5 else []
        return status, t - len(missing), t, Decimal(len(missing) + len(detail.get("extra", []))), detail
    if rule == "staffing":
        t = Decimal(rng.randint(int(p["staff_min"]), int(p["staff_max"])))
        if status == 3:
            return 3, None, t, None, {"households": int(t) * 190}
        m = t - rng.randint(1, 2) if status == 2 else t + rng.randint(0, 1)
        return status, m, t, max(Decimal(0), t - m), {"households": int(t) * 190}
    if rule in ("operating_funds", "project_funds"):
        key = "project_funds_min_central_urban" if rule == "project_funds" else f"operating_funds_min_{kind}"
        t = p[key]
        if status == 3:
            return 3, None, t, None, {}
        m = (t * Decimal(rng.uniform(0.5, 0.98) if status == 2 else rng.uniform(1, 1.3))).quantize(Decimal("1"))
        return status, m, t, max(Decimal(0), t - m), {}
    # base_pay
    if status == 3:
        return 3, None, Decimal(0), None, {}
    if status == 1:
        return 1, Decimal(0), Decimal(0), Decimal(0), {}
    below = [
        {"name": f"委员{i}", "position": "member", "pay": "1000", "standard": str(p["base_pay_member"]),
         "months": 12, "shortfall": str((p["base_pay_member"] - 1000) * 12)}
        for i in range(rng.randint(1, 3))
    ]  # fmt: skip
    gap = sum((Decimal(str(b["shortfall"])) for b in below), Decimal(0))
    return 2, Decimal(len(below)), Decimal(0), gap, {"below": below}


COLUMNS = (
    "community_id", "area_code", "community_kind", "year", "rule", "status", "measured", "threshold", "gap",
    "policy_version_id", "detail", "computed_at", "block_digest",
)  # fmt: skip


def _copy(rows: list[tuple]) -> int:  # type: ignore[type-arg]
    """COPY the rows into standards_complianceresult (text format; the values here need no escaping)."""
    import json

    from django.db import connection

    def text(v: object) -> str:
        if v is None:
            return "\\N"
        if isinstance(v, dict):
            return json.dumps(v, ensure_ascii=False)
        return v.isoformat() if hasattr(v, "isoformat") else str(v)

    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY standards_complianceresult ({', '.join(COLUMNS)}) FROM STDIN") as copy,
    ):
        copy.write("".join("\t".join(map(text, row)) + "\n" for row in rows))
    return len(rows)


def _results(seed: int) -> int:
    from django.db import transaction
    from django.utils import timezone

    from shequ.areas.generator import seeded
    from shequ.areas.models import Area, Level
    from shequ.standards.models import ComplianceResult
    from shequ.standards.policy import RULES, TOPIC, PolicyResolver, rule_applies

    resolver = PolicyResolver(TOPIC)
    now = timezone.now()
    with transaction.atomic():
        ComplianceResult.objects.all()._raw_delete("default")
    rows: list[tuple] = []  # type: ignore[type-arg]
    total = 0
    communities = (
        Area.objects.filter(level=Level.COMMUNITY).order_by("code").values_list("pk", "code", "community_kind")
    )
    for pk, code, kind in communities:
        rng = seeded(seed, "bench-results", code)
        bad = rng.choice((0.05, 0.1, 0.15, 0.2, 0.3))
        for year in YEARS:
            version = resolver.version_for(code, year)
            if version is None:
                continue
            p = resolver.params(version)
            for rule in RULES:
                if not rule_applies(rule, p, kind):
                    continue
                status, measured, threshold, gap, detail = _draw(rng, rule, kind, p, bad)
                # No block digest: rows written outside the recompute (it rewrites them when it next runs).
                rows.append((pk, code, kind, year, rule, status, measured, threshold, gap, version.pk, detail, now, ""))
        if len(rows) > 50_000:
            total += _copy(rows)
            rows = []
    total += _copy(rows)
    return total


def build(db: str, seed: int, rebuild: bool) -> None:
    from django.db import connection, transaction
    from django.db.models import Count

    from shequ.areas.generator import HierarchyPlan, hierarchy_build
    from shequ.areas.models import Area, Level
    from shequ.registry.generator.users import demo_users_create
    from shequ.standards.models import ComplianceResult

    started = time.perf_counter()
    communities = hierarchy_build(seed=seed, plan=HierarchyPlan(town_villages=(62, 82), township_villages=(50, 70)))
    print(f"areas: {len(communities):,} communities and villages ({time.perf_counter() - started:.1f} s)", flush=True)
    demo_users_create(city_code="4313", central_district="431302")
    have = ComplianceResult.objects.count()
    if rebuild or have == 0 or not ComplianceResult.objects.filter(area_code=communities[-1].code).exists():
        started = time.perf_counter()
        rows = _results(seed)
        print(f"compliance results (COPY): {rows:,} rows ({time.perf_counter() - started:.1f} s)", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE standards_complianceresult")
            cursor.execute("ANALYZE areas_area")
    else:
        print(f"compliance results: {have:,} rows already there (--rebuild to redraw)", flush=True)
    from shequ.standards.compliance_rollup import rollup_fresh, rollup_rebuild

    if not rollup_fresh():  # the rows were COPYed in, not written by the recompute that keeps the rollup
        started = time.perf_counter()
        with transaction.atomic():
            rollup_rebuild()
        print(f"compliance rollup rebuilt ({time.perf_counter() - started:.1f} s)", flush=True)
    kinds = dict(
        Area.objects.filter(level=Level.COMMUNITY).values_list("community_kind").annotate(n=Count("pk")).order_by()
    )
    print(f"kinds: {kinds}", flush=True)


# --- the measurement ---------------------------------------------------------------------------------------


def _wrk(url: str, cookie: str | None, args: argparse.Namespace, script: str) -> dict:  # type: ignore[type-arg]
    cmd = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.duration}s", "--timeout",
           "30s", "-s", script]  # fmt: skip
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*cmd, url], check=True, capture_output=True, text=True, timeout=args.duration + 60).stdout
    values = dict(re.findall(r"^(P50|P95|P99|REQUESTS|ERRORS) (\d+)$", out, re.M))
    non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    return {
        "p50": int(values["P50"]) / 1000,
        "p95": int(values["P95"]) / 1000,
        "p99": int(values["P99"]) / 1000,
        "requests": int(values["REQUESTS"]),
        "errors": int(values["ERRORS"]) + non2xx,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
    }


def _pages() -> list[tuple[str, str, str, str]]:
    """(label, username, path, a marker the answer must contain) of every page measured."""
    from shequ.accounts.models import RoleAssignment

    homes = {a.user.username: a.area.code for a in RoleAssignment.objects.select_related("user", "area")}
    community, subdistrict = homes["community_worker"], homes["subdistrict_officer"]
    pages = [
        ("city dashboard /standards/?area=4313", "city_admin", "/standards/?area=4313", "dash-chart-data"),
        ("district dashboard (431302)", "district_officer", "/standards/", "dash-chart-data"),
        (f"sub-district dashboard ({subdistrict})", "subdistrict_officer", "/standards/", "dash-chart-data"),
        (f"community evidence ({community})", "community_worker", f"/standards/community/{community}/",
         "evidence-table"),
        ("drill-down premises short, city", "city_admin", "/standards/rule/premises_area/?area=4313",
         "drill-table"),
        ("problems report, city", "city_admin", "/standards/problems/?area=4313", "problems-report"),
        ("api summary, city", "city_admin", "/api/v1/standards/summary?area=4313", '"headlines"'),
    ]  # fmt: skip
    return pages


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def measure_inprocess(args: argparse.Namespace, phase: str) -> None:
    """Each page through Django's test client, one request at a time, each followed by one request of the bare
    view: wall time, the process's CPU time (what the page costs in Python, whatever the machine's load) and
    the time spent in SQL."""
    from django.db import connection
    from django.test import Client, override_settings

    from shequ.accounts.models import User

    sql = {"s": 0.0}

    def timed(execute, query, params, many, context):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        try:
            return execute(query, params, many, context)
        finally:
            sql["s"] += time.perf_counter() - t0

    pages, bare = _pages(), Client()
    clients: dict[str, Client] = {}
    for _label, user, _path, _marker in pages:
        if user not in clients:
            clients[user] = Client()
            clients[user].force_login(User.objects.get(username=user))
    print(f"\n== {phase}, in-process (test client, {args.requests} requests per page, one at a time); "
          f"load average {os.getloadavg()[0]:.1f}\n")  # fmt: skip
    header = (f"{'target':<48}{'wall p50':>9}{'p95':>8}{'cpu p50':>9}{'p95':>8}{'sql p95':>9}"
              f"{'bare p50':>9}{'p95':>7}  p95 < {TARGET_MS:.0f} ms")  # fmt: skip
    print(header + "\n" + "-" * len(header))
    with (
        override_settings(SHEQU_DASHBOARD_CACHE_SECONDS=0 if phase == "cold" else 600),
        connection.execute_wrapper(timed),
    ):
        for label, user, path, marker in pages:
            first = clients[user].get(path)
            assert first.status_code == 200 and marker in first.content.decode(), (path, first.status_code)
            wall, cpu, sqls, bare_wall = [], [], [], []
            for _ in range(args.requests):
                sql["s"] = 0.0
                t0, c0 = time.perf_counter(), time.process_time()
                clients[user].get(path)
                wall.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
                sqls.append(sql["s"] * 1000)
                t0 = time.perf_counter()
                bare.get("/bench/bare/")
                bare_wall.append((time.perf_counter() - t0) * 1000)
            p95 = _pct(wall, 95)
            print(f"{label:<48}{_pct(wall, 50):9.1f}{p95:8.1f}{_pct(cpu, 50):9.1f}{_pct(cpu, 95):8.1f}"
                  f"{_pct(sqls, 95):9.1f}{_pct(bare_wall, 50):9.1f}{_pct(bare_wall, 95):7.1f}  "
                  f"{'yes' if p95 < TARGET_MS else 'NO'}", flush=True)  # fmt: skip


def measure(args: argparse.Namespace, phase: str) -> None:
    from list_rps import _check, _login, _wait_up  # the same login and checks as the list benchmark

    pages = _pages()
    base = f"http://127.0.0.1:{args.port}"
    env = {**os.environ, "SHEQU_DATABASE_URL": args.db, "DJANGO_SETTINGS_MODULE": "bench.bare_settings"}
    # warm: figures cached (the default, 10 minutes; each worker computes them once, then reads the cache);
    # cold: no cache, every request aggregates the subtree in the database (what the first request after a
    # recompute pays)
    env["SHEQU_DASHBOARD_CACHE_SECONDS"] = "0" if phase == "cold" else "600"
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    log = open(ROOT / "var" / "bench" / "gunicorn-dashboard.log", "w")  # noqa: SIM115 - closed in finally
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi:application", "--workers", "2", "--worker-class",
         "sync", "--bind", f"127.0.0.1:{args.port}", "--timeout", "120"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115 - removed in finally
    script.write(WRK_SCRIPT)
    script.close()
    try:
        _wait_up(base)
        cookies = {u: _login(base, u) for u in {user for _l, user, _p, _m in pages}}
        bare = ("bare /bench/bare/", None, base + "/bench/bare/")
        _check(bare[2], None, "<title>bare</title>")
        targets = []
        for label, user, path, marker in pages:
            _check(base + path, cookies[user], marker, timeout=120)  # also warms each worker's first request up
            targets.append((label, cookies[user], base + path))
        print(f"\n== {phase}: gunicorn 2 sync workers on {base}; wrk -t{args.threads} -c{args.connections} "
              f"-d{args.duration}s; db {args.db.rsplit('/', 1)[1]}; load average {os.getloadavg()[0]:.1f}\n",
              flush=True)  # fmt: skip
        half = (len(targets) + 1) // 2
        plan = [(f"{bare[0]} (run 1)", None, bare[2]), *targets[:half], (f"{bare[0]} (run 2)", None, bare[2])]
        plan += [*targets[half:], (f"{bare[0]} (run 3)", None, bare[2])]
        results = []
        for label, cookie, url in plan:
            r = _wrk(url, cookie, args, script.name)
            results.append((label, r))
            print(f"  {label:<48} p50 {r['p50']:7.1f} ms  p95 {r['p95']:7.1f} ms  p99 {r['p99']:7.1f} ms  "
                  f"{r['rps']:7.1f} req/s  {r['requests']:>6} requests  errors {r['errors']}", flush=True)  # fmt: skip
        bare_p95 = [r["p95"] for label, r in results if label.startswith("bare")]
        mean = sum(bare_p95) / len(bare_p95)
        print(f"\nbare view p95 mean: {mean:.1f} ms (runs: {', '.join(f'{x:.1f}' for x in bare_p95)})")
        header = f"{'target':<48}{'p50 ms':>9}{'p95 ms':>9}{'ratio':>8}{'errors':>8}  p95 < {TARGET_MS:.0f} ms"
        print(header + "\n" + "-" * len(header))
        ok_all = True
        for label, r in results:
            if label.startswith("bare"):
                continue
            ok = r["p95"] < TARGET_MS and r["errors"] == 0
            ok_all &= ok
            print(f"{label:<48}{r['p50']:9.1f}{r['p95']:9.1f}{r['p95'] / mean:7.1f}×{r['errors']:8d}  "
                  f"{'yes' if ok else 'NO'}")  # fmt: skip
        print(f"\n{phase}: all pages p95 < {TARGET_MS:.0f} ms with 0 errors: {'yes' if ok_all else 'NO'}; "
              f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    finally:
        os.unlink(script.name)
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="compliance dashboard p95 vs a bare Django view (gunicorn, wrk)")
    parser.add_argument("--db", default=os.environ.get("SHEQU_BENCH_DASHBOARD_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--rebuild", action="store_true", help="redraw the compliance results")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--duration", type=int, default=15, help="seconds per target")
    parser.add_argument("--connections", type=int, default=2, help="concurrent connections (2 = one per worker)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--phases", default="warm,cold", help="warm (figures cached), cold (no cache), or both")
    parser.add_argument("--requests", type=int, default=40, help="requests per page in the in-process phase")
    parser.add_argument("--no-wrk", action="store_true", help="only the in-process measurement")
    args = parser.parse_args()
    _create_and_migrate(args.db)
    _django(args.db)
    build(args.db, args.seed, args.rebuild)
    if not args.build_only:
        for phase in args.phases.split(","):
            measure_inprocess(args, phase)
            if not args.no_wrk:
                measure(args, phase)


if __name__ == "__main__":
    main()
