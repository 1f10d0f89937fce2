"""Resident list throughput (issue 2): the scoped, masked, paginated list vs a bare Django view.

    SHEQU_DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequ_bench_search \\
        .venv/bin/python bench/list_rps.py --duration 20 --connections 32

Starts gunicorn (2 sync workers, the app's settings plus one bare view: bench/bare_settings.py) on
127.0.0.1, logs in `community_worker` and `city_admin` through the real login form (session cookie),
checks every target answers 200 with residents in it, then loads each target from a second process
(`wrk`, Debian package `wrk`, 2 threads) at N concurrent connections for a fixed duration:

- bare: GET /bench/bare/ — 50 residents' names as plain HTML, one query, no auth/scope/masking;
- rows: GET /bench/bare-rows/?area=…&order=… — the same 50 rows the user's page shows (same filter, order,
  columns, joins and tags), from a plain Django view: no login, scope, masking, count, pager or template;
  as an HTML table (reference for the page) and with &format=json (reference for the API); per user;
- page: GET /registry/residents/ (scoped, masked, paginated, with visible tags), per user;
- api:  GET /api/v1/registry/residents (the same, as JSON), per user.

The trivial bare view is measured before, between and after the others (same run, same machine load); each
target's ratio is given against the mean of those runs ("vs bare") and against its own user's rows
reference measured right before it ("vs rows"). Before loading, the script checks that the rows reference
returns the same residents as the API's first page. Errors = socket errors (connect, read, write, timeout) +
non-2xx/3xx answers. Loopback only; the load is bounded by --duration; gunicorn is stopped at the end (also
on failure).

`--in-process N` times the same targets one request at a time inside this process instead (CPU and wall
medians, query counts): where a request's time goes, without the machine's other load in the way.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/shequ_bench_search"
PASSWORD = "shequ-demo"  # the published demo password (manage.py demo_build)
TARGET_RATIO = 0.40


def _wait_up(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/login/", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not come up")


def _login(base: str, username: str) -> str:
    """The real login form (CSRF token, POST); returns the session cookie header value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base + "/login/", timeout=10) as r:
        html = r.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    data = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token})
    req = urllib.request.Request(base + "/login/", data=data.encode(), headers={"Referer": base + "/login/"})
    with opener.open(req, timeout=10) as r:
        r.read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise SystemExit(f"login failed for {username}")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def _check(url: str, cookie: str | None, must_contain: str, timeout: float = 60) -> int:
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        body = r.read().decode()
        if r.status != 200 or r.geturl() != url or must_contain not in body:
            raise SystemExit(f"{url}: status {r.status}, final url {r.geturl()}, {must_contain!r} missing")
        return len(body)


def _rows_reference(db: str, base: str, api_url: str, cookie: str, username: str) -> str:
    """The bare rows URL showing what this user's first page shows: the user's area (its role assignment)
    and the page's order (by name, or by area code when the result is too big to count); checked against
    the API's first page."""
    import psycopg

    with psycopg.connect(db.replace("postgres://", "postgresql://")) as conn:
        codes = [
            code
            for (code,) in conn.execute(
                "SELECT a.code FROM accounts_roleassignment ra JOIN accounts_user u ON u.id = ra.user_id "
                "JOIN areas_area a ON a.id = ra.area_id WHERE u.username = %s ORDER BY length(a.code)",
                [username],
            )
        ]
    if len(codes) != 1:
        raise SystemExit(f"{username}: expected one role assignment, found {codes}")
    req = urllib.request.Request(api_url, headers={"Cookie": cookie})
    with urllib.request.urlopen(req, timeout=60) as r:
        page = json.loads(r.read())
    order = "area" if page["reordered"] else "pinyin"
    url = f"{base}/bench/bare-rows/?area={codes[0]}&order={order}"
    with urllib.request.urlopen(url + "&format=json", timeout=60) as r:
        bare = json.loads(r.read())
    if [x["id"] for x in bare["results"]] != [x["id"] for x in page["results"]]:
        raise SystemExit(f"{url}: not the same residents as the API's first page for {username}")
    return url


def _wrk(url: str, cookie: str | None, args: argparse.Namespace) -> dict:
    cmd = [
        "wrk",
        "-t",
        str(args.threads),
        "-c",
        str(args.connections),
        "-d",
        f"{args.duration}s",
        "--timeout",
        f"{args.timeout}s",
        "--latency",
    ]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*cmd, url], check=True, capture_output=True, text=True, timeout=args.duration + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    sock_errors = sum(int(x) for x in sock.groups()) if sock else 0
    lat = dict(re.findall(r"^\s+(50|90|99)%\s+([\d.]+\w+)", out, re.M))
    return {
        "rps": rps,
        "requests": total,
        "errors": non2xx + sock_errors,
        "p50": lat.get("50", "?"),
        "p99": lat.get("99", "?"),
    }


def _in_process(args: argparse.Namespace) -> None:
    import statistics
    import sys

    sys.path.insert(0, str(ROOT))
    os.environ["SHEQU_DATABASE_URL"] = args.db
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bare_settings"
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from shequ.accounts.models import User

    print(f"in process, {args.in_process} requests per target, one at a time; load average {os.getloadavg()[0]:.2f}")
    print(f"{'user':<18}{'target':<8}{'cpu p50':>9}{'wall p50':>10}{'queries':>9}{'bytes':>8}")
    for username in args.users.split(","):
        user = User.objects.get(username=username)
        code = user.role_assignments.values_list("area__code", flat=True).get()
        client = Client()
        client.force_login(user)
        reordered = client.get("/api/v1/registry/residents").json()["reordered"]
        rows = f"/bench/bare-rows/?area={code}&order={'area' if reordered else 'pinyin'}"
        targets = [
            ("bare", "/bench/bare/"),
            ("rows", rows),
            ("rows-j", rows + "&format=json"),
            ("page", "/registry/residents/"),
            ("api", "/api/v1/registry/residents"),
        ]
        for label, url in targets:
            client.get(url)  # warm-up
            with CaptureQueriesContext(connection) as ctx:
                size = len(client.get(url).content)
            queries = len(ctx.captured_queries)  # now: the next request empties the log
            cpu, wall = [], []
            for _ in range(args.in_process):
                c0, w0 = time.process_time(), time.perf_counter()
                client.get(url)
                cpu.append((time.process_time() - c0) * 1000)
                wall.append((time.perf_counter() - w0) * 1000)
            print(
                f"{username:<18}{label:<8}{statistics.median(cpu):7.2f}ms{statistics.median(wall):8.2f}ms"
                f"{queries:9d}{size:8d}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description="resident list req/s vs a bare Django view (gunicorn, wrk)")
    parser.add_argument("--db", default=os.environ.get("SHEQU_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--duration", type=int, default=20, help="seconds per target")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--timeout", type=int, default=30, help="wrk per-request timeout, seconds")
    parser.add_argument("--users", default="community_worker,city_admin")
    parser.add_argument(
        "--in-process",
        type=int,
        default=0,
        metavar="N",
        help="instead: time N requests per target one at a time in this process (Django test client; CPU and "
        "wall medians, queries) — where the time goes, without gunicorn, wrk or concurrency",
    )
    args = parser.parse_args()
    if args.in_process:
        _in_process(args)
        return

    base = f"http://127.0.0.1:{args.port}"
    env = {**os.environ, "SHEQU_DATABASE_URL": args.db, "DJANGO_SETTINGS_MODULE": "bench.bare_settings"}
    log = open(ROOT / "var" / "bench" / "gunicorn.log", "w")  # noqa: SIM115 - closed in finally
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi:application",
            "--workers",
            "2",
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_up(base)
        bare = base + "/bench/bare/"
        _check(bare, None, "<li>")
        # (label, url, cookie, reference label or None)
        targets: list[tuple[str, str, str | None, str | None]] = []
        for username in args.users.split(","):
            cookie = _login(base, username)
            page_url, api_url = base + "/registry/residents/", base + "/api/v1/registry/residents"
            rows_url = _rows_reference(args.db, base, api_url, cookie, username)
            _check(page_url, cookie, "</table>")
            _check(rows_url, None, "</table>")
            rows_html, rows_json = f"rows html ({username})", f"rows json ({username})"
            targets.append((rows_html, rows_url, None, None))
            targets.append((f"page /registry/residents/ ({username})", page_url, cookie, rows_html))
            targets.append((rows_json, rows_url + "&format=json", None, None))
            targets.append((f"api /api/v1/registry/residents ({username})", api_url, cookie, rows_json))
        print(
            f"gunicorn 2 sync workers on {base}; wrk -t{args.threads} -c{args.connections} -d{args.duration}s; "
            f"db {args.db.rsplit('/', 1)[1]}\n",
            flush=True,
        )
        plan: list[tuple[str, str, str | None, str | None]] = [("bare /bench/bare/ (run 1)", bare, None, None)]
        half = (len(targets) + 1) // 2
        plan += [*targets[:half], ("bare /bench/bare/ (run 2)", bare, None, None), *targets[half:]]
        plan += [("bare /bench/bare/ (run 3)", bare, None, None)]
        results: dict[str, dict] = {}
        for label, target_url, target_cookie, _reference in plan:
            r = _wrk(target_url, target_cookie, args)
            results[label] = r
            print(
                f"  {label:<52} {r['rps']:8.1f} req/s  {r['requests']:>6} requests  errors {r['errors']}  "
                f"p50 {r['p50']}  p99 {r['p99']}",
                flush=True,
            )
            _check(bare, None, "<li>", timeout=300)  # waits until the workers drained the closed connections
        bare_rps = [r["rps"] for label, r in results.items() if label.startswith("bare")]
        bare_mean = sum(bare_rps) / len(bare_rps)
        print(f"\nbare view mean: {bare_mean:.1f} req/s (runs: {', '.join(f'{x:.1f}' for x in bare_rps)})")
        header = (
            f"{'target':<52}{'req/s':>9}{'vs bare':>9}{'vs rows':>9}{'errors':>8}"
            f"  ok (>= {TARGET_RATIO:.0%} of bare, 0 errors)"
        )
        print(header)
        print("-" * len(header))
        all_ok = True
        for label, _url, _cookie, ref in plan:
            if label.startswith("bare"):
                continue
            r = results[label]
            ratio = r["rps"] / bare_mean
            if ref is None:
                print(f"{label:<52}{r['rps']:9.1f}{ratio:9.0%}{'':>9}{r['errors']:8d}  (reference)")
                continue
            vs_rows = r["rps"] / results[ref]["rps"]
            ok = ratio >= TARGET_RATIO and r["errors"] == 0
            all_ok &= ok
            print(f"{label:<52}{r['rps']:9.1f}{ratio:9.0%}{vs_rows:9.0%}{r['errors']:8d}  {'yes' if ok else 'NO'}")
        total_errors = sum(r["errors"] for r in results.values())
        print(f"\nall targets met (vs bare): {'yes' if all_ok else 'NO'}; total errors over all runs: {total_errors}")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


if __name__ == "__main__":
    main()
