"""Online voting throughput (issue 4): ballots per second through the real API, with 0 double votes and 0 lost.

    .venv/bin/python bench/vote_bench.py --voters 20000 --clients 64

1. Prepares the bench database (default postgres://postgres@127.0.0.1:5432/shequ_bench_vote; created and
   migrated when missing): one community, one election in stage `voting` with online voting on (made by
   `election_create`, then its roll, 8 formal candidates for 1 director, 1 deputy and 3 members), and N voters,
   each a resident on the roll with a resident user and an API token (bulk-created rows; the token stored as its
   SHA-256 like `accounts.ApiToken`). A previous run's rows are removed first.
2. Starts gunicorn on loopback (gthread: --workers W --threads T; default 3 × 4 for a 2-core machine — the
   request is mostly Python CPU, so about one process per core plus one to cover PostgreSQL's commit waits,
   and a few threads each so a worker keeps its CPU busy while one request waits for its commit).
3. A separate load process (this script with --load, stdlib `http.client` only, keep-alive connections)
   runs C concurrent clients POSTing /api/v1/elections/<id>/ballot with each voter's own bearer token; every
   `--dup-every`-th voter also sends a second ballot from the neighbouring client at the same moment.
   The same load (same bodies, same clients) is sent to a bare Django view that inserts one row
   (bench/bare_urls.py: /bench/bare-insert/), before and after the real run, as the reference.
4. Reports ballots/s, p50/p95 latency and errors, then checks the database: ballots == voters answered 200 ==
   marks; no voter with two marks; every receipt handed out hashes to a stored ballot and no stored ballot lacks
   a receipt (0 lost, 0 phantom); every duplicate send answered 409 already_voted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/shequ_bench_vote"
TARGET = 300.0  # ballots per second (issue 4)
COMMUNITY_CODE = "431302001901"  # a bench-only community under a real sub-district code
USER_PREFIX = "benchvoter"


# -- load process (no Django) ----------------------------------------------------------------------------

def _client(host: str, port: int, jobs: list[dict[str, Any]], start: threading.Event, out: list[dict]) -> None:
    import http.client

    conn = http.client.HTTPConnection(host, port, timeout=60)
    start.wait()
    for job in jobs:
        t0 = time.perf_counter()
        try:
            conn.request("POST", job["path"], body=job["body"],
                         headers={"Content-Type": "application/json", "Authorization": f"Bearer {job['token']}"})
            resp = conn.getresponse()
            data = resp.read()
            status = resp.status
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=60)
            out.append({"voter": job["voter"], "status": 0, "ms": (time.perf_counter() - t0) * 1000,
                        "error": repr(exc)})
            continue
        ms = (time.perf_counter() - t0) * 1000
        row: dict[str, Any] = {"voter": job["voter"], "status": status, "ms": ms}
        try:
            payload = json.loads(data)
            row["receipt"] = payload.get("receipt") or payload.get("id")
            row["code"] = payload.get("code", "")
        except ValueError:
            row["code"] = "not json"
        out.append(row)
    conn.close()


def load_main(job_file: str, result_file: str) -> None:
    job = json.loads(Path(job_file).read_text())
    clients = job["clients"]
    per_client: list[list[dict[str, Any]]] = [[] for _ in range(clients)]
    for j, request in enumerate(job["requests"]):
        per_client[j % clients].append(request)
    outs: list[list[dict]] = [[] for _ in range(clients)]
    start = threading.Event()
    threads = [threading.Thread(target=_client, args=(job["host"], job["port"], per_client[i], start, outs[i]))
               for i in range(clients)]
    for t in threads:
        t.start()
    time.sleep(0.2)  # every client connected and waiting
    t0 = time.perf_counter()
    start.set()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    Path(result_file).write_text(json.dumps({"wall": wall, "rows": [r for o in outs for r in o]}))


# -- the bench (Django) ----------------------------------------------------------------------------------

def _ensure_database(db: str) -> None:
    import psycopg

    name = db.rsplit("/", 1)[1]
    admin = db.rsplit("/", 1)[0].replace("postgres://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "SHEQU_DATABASE_URL": db, "DJANGO_SETTINGS_MODULE": "config.settings"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)


def _area(code: str, name: str, level: str, parent: Any, **extra: Any) -> Any:
    from shequ.areas.models import Area, AreaStats

    area, _created = Area.objects.get_or_create(code=code, defaults={"name": name, "level": level, "parent": parent,
                                                                      **extra})
    AreaStats.objects.get_or_create(area=area)
    return area


def _prepare(n: int) -> dict[str, Any]:
    """The election, its candidates and the voters' tokens (a previous run's rows removed first)."""
    import datetime as dt

    from django.db import connection, transaction
    from django.utils import timezone

    from shequ.accounts.models import ApiToken, RoleAssignment, User
    from shequ.core.models import AuditLog
    from shequ.core.roles import Role
    from shequ.elections.models import Election, SeatKind, Stage, Voter, VoterStatus
    from shequ.elections.services.elections import election_create
    from shequ.elections.testing import advance, first_round, formal_candidates
    from shequ.registry.models import Resident

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_bare_insert (id bigserial PRIMARY KEY, body text NOT NULL)")
        cursor.execute("TRUNCATE bench_bare_insert")
    city = _area("4313", "娄底市", "city", None)
    district = _area("431302", "娄星区", "district", city)
    subdistrict = _area("431302001", "乐坪街道", "subdistrict", district)
    community = _area(COMMUNITY_CODE, "投票测试社区", "community", subdistrict, urban_rural_class="111",
                      community_kind="central_urban")
    Election.objects.filter(community=community).delete()
    AuditLog.objects.filter(area_code__startswith=COMMUNITY_CODE).delete()
    User.objects.filter(username__startswith=USER_PREFIX).delete()
    Resident.objects.filter(community=community).delete()
    admin, _ = User.objects.get_or_create(username=f"{USER_PREFIX}-admin")
    RoleAssignment.objects.get_or_create(user=admin, role=Role.CITY_ADMIN, area=city)

    day = timezone.localdate()
    with transaction.atomic():
        election = election_create(actor=admin, community=community, election_day=day, on=day - dt.timedelta(days=40),
                                   title="投票基准测试社区第十二届居民委员会选举")
        residents = Resident.objects.bulk_create([
            Resident(community=community, area_code=COMMUNITY_CODE, name=f"选民{i:05d}", id_number=f"B{i:017d}",
                     sex="F" if i % 2 else "M", birth_date=dt.date(1970, 1, 1) + dt.timedelta(days=i % 9000))
            for i in range(n)
        ], batch_size=2000)
        voters = Voter.objects.bulk_create([
            Voter(election=election, resident=r, name=r.name, sex=r.sex, birth_date=r.birth_date,
                  status=VoterStatus.ON_ROLL)
            for r in residents
        ], batch_size=2000)
        cands = (formal_candidates(election, SeatKind.DIRECTOR, voters[0:2])
                 + formal_candidates(election, SeatKind.DEPUTY, voters[2:4])
                 + formal_candidates(election, SeatKind.MEMBER, voters[4:8]))
        election.online_voting = True
        election.save(update_fields=["online_voting"])
        advance(election, Stage.VOTING)
        users = User.objects.bulk_create([
            User(username=f"{USER_PREFIX}{i:05d}", password="!", resident_id=r.pk) for i, r in enumerate(residents)
        ], batch_size=2000)
        RoleAssignment.objects.bulk_create([RoleAssignment(user=u, role=Role.RESIDENT, area=community)
                                            for u in users], batch_size=2000)
        keys = [secrets.token_urlsafe(24) for _ in users]
        ApiToken.objects.bulk_create([ApiToken(user=u, name="bench", key_hash=ApiToken.hash_key(k), prefix=k[:8])
                                      for u, k in zip(users, keys, strict=True)], batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"election": election, "round": first_round(election), "keys": keys, "voter_ids": [v.pk for v in voters],
            "seats": {str(s): [c.pk for c in cands if c.seat == s]
                      for s in (SeatKind.DIRECTOR, SeatKind.DEPUTY, SeatKind.MEMBER)}}


def _requests(prep: dict[str, Any], path: str, dup_every: int, seed: int = 4) -> list[dict[str, Any]]:
    """One ballot per voter (a valid one: at most the seats' number of "for"), and a second, concurrent one
    for every `dup_every`-th voter (sent by the neighbouring client)."""
    rng = random.Random(seed)
    limits = {"director": 1, "deputy": 1, "member": 3}
    out: list[dict[str, Any]] = []
    for i, key in enumerate(prep["keys"]):
        choices: dict[str, str] = {}
        for seat, ids in prep["seats"].items():
            fors = set(rng.sample(ids, rng.randint(0, limits[seat])))
            for cid in ids:
                choices[str(cid)] = "F" if cid in fors else rng.choice("AN")
        body = {"choices": choices}
        if i % 10 == 3 and sum(1 for cid in prep["seats"]["member"] if choices[str(cid)] == "F") < 3:
            body["write_ins"] = {"member": [f"另选{i % 7}"]}
        job = {"voter": i, "path": path, "token": key, "body": json.dumps(body)}
        out.append(job)
        if dup_every and i % dup_every == 0:
            out.append(dict(job))
    return out


def _run_load(base_port: int, requests: list[dict[str, Any]], clients: int, tag: str) -> dict[str, Any]:
    work = ROOT / "var" / "bench"
    job_file, result_file = work / f"vote_{tag}_job.json", work / f"vote_{tag}_result.json"
    job_file.write_text(json.dumps({"host": "127.0.0.1", "port": base_port, "clients": clients,
                                    "requests": requests}))
    subprocess.run([sys.executable, __file__, "--load", str(job_file), str(result_file)], check=True, timeout=3600)
    result = json.loads(result_file.read_text())
    job_file.unlink()
    result_file.unlink()
    return dict(result)


def _summary(label: str, result: dict[str, Any], ok_status: int = 200) -> dict[str, Any]:
    rows = result["rows"]
    ok = [r for r in rows if r["status"] == ok_status]
    lat = sorted(r["ms"] for r in rows)
    p = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]) if lat else (lambda q: 0.0)
    dup = [r for r in rows if r["status"] == 409 and r.get("code") == "already_voted"]
    # (few 409s: the membership test stays cheap)
    errors = [r for r in rows if r["status"] != ok_status and r not in dup]
    s = {"label": label, "requests": len(rows), "ok": len(ok), "per_s": len(ok) / result["wall"],
         "req_per_s": len(rows) / result["wall"], "wall": result["wall"], "p50": p(0.50), "p95": p(0.95),
         "mean": statistics.fmean(lat) if lat else 0.0, "already_voted": len(dup), "errors": len(errors),
         "error_samples": errors[:5]}
    print(f"  {label:<34} {s['per_s']:8.1f} ok/s  {s['requests']:>6} requests ({s['ok']} ok, "
          f"{s['already_voted']} already_voted, {s['errors']} errors) in {s['wall']:.1f} s  "
          f"p50 {s['p50']:.1f} ms  p95 {s['p95']:.1f} ms", flush=True)
    return s


def _check_db(prep: dict[str, Any], result: dict[str, Any], dup_every: int) -> bool:
    from django.db.models import Count

    from shequ.elections.models import OnlineBallot, OnlineVoteMark
    from shequ.elections.services.online import receipt_hash

    round_ = prep["round"]
    accepted: dict[int, list[str]] = {}
    for r in result["rows"]:
        if r["status"] == 200:
            accepted.setdefault(r["voter"], []).append(r["receipt"])
    http_double = sum(1 for v in accepted.values() if len(v) > 1)
    ballots = OnlineBallot.objects.filter(round=round_).count()
    marks = OnlineVoteMark.objects.filter(round=round_).count()
    voters_marked_twice = (OnlineVoteMark.objects.filter(round=round_).values("voter").annotate(n=Count("id"))
                           .filter(n__gt=1).count())
    stored = set(OnlineBallot.objects.filter(round=round_).values_list("receipt_hash", flat=True))
    handed = {receipt_hash(code) for codes in accepted.values() for code in codes}
    lost = len(handed - stored)
    phantom = len(stored - handed)
    marked_voters = set(OnlineVoteMark.objects.filter(round=round_).values_list("voter_id", flat=True))
    accepted_voters = {prep["voter_ids"][i] for i in accepted}
    dups_sent = len([i for i in range(len(prep["keys"])) if dup_every and i % dup_every == 0])
    dups_refused = sum(1 for r in result["rows"] if r["status"] == 409 and r.get("code") == "already_voted")
    checks = [
        ("ballots stored == voters answered 200", ballots == len(accepted), f"{ballots} == {len(accepted)}"),
        ("marks == ballots", marks == ballots, f"{marks} == {ballots}"),
        ("marked voters == voters answered 200", marked_voters == accepted_voters,
         f"{len(marked_voters)} vs {len(accepted_voters)}"),
        ("double votes (voters with 2 marks / 2 receipts)", voters_marked_twice == 0 and http_double == 0,
         f"{voters_marked_twice} / {http_double}"),
        ("lost ballots (receipt without a stored ballot)", lost == 0, str(lost)),
        ("ballots without a receipt handed out", phantom == 0, str(phantom)),
        ("duplicate sends answered 409 already_voted", dups_refused == dups_sent, f"{dups_refused} of {dups_sent}"),
    ]
    for label, ok, detail in checks:
        print(f"  {'ok ' if ok else 'NO '} {label}: {detail}")
    return all(ok for _label, ok, _detail in checks)


def _in_process(n: int) -> None:
    """N ballots one at a time through the whole stack in this process (Django test client: middleware, token
    auth, the API, the service): CPU and wall medians per ballot and the statements each one sends."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    prep = _prepare(n)
    requests = _requests(prep, f"/api/v1/elections/{prep['election'].pk}/ballot", 0)
    client = Client()
    cpu: list[float] = []
    wall: list[float] = []
    queries: list[int] = []
    sql_ms: list[float] = []
    for r in requests:
        c0, w0 = time.process_time(), time.perf_counter()
        with CaptureQueriesContext(connection) as q:
            resp = client.post(r["path"], r["body"], content_type="application/json",
                               HTTP_AUTHORIZATION=f"Bearer {r['token']}")
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
        queries.append(len(q.captured_queries))
        sql_ms.append(sum(float(x["time"]) for x in q.captured_queries) * 1000)
        if resp.status_code != 200:
            raise SystemExit(f"ballot {r['voter']}: {resp.status_code} {resp.content[:200]!r}")
    skip = min(10, n // 10)  # the first requests import and warm up
    med = statistics.median
    print(f"in-process, {n - skip} ballots one at a time: wall median {med(wall[skip:]):.2f} ms, Django CPU median "
          f"{med(cpu[skip:]):.2f} ms, SQL (as the client waits for it) median {med(sql_ms[skip:]):.2f} ms, "
          f"{med(queries[skip:]):.0f} statements through Django's cursor per ballot (on PostgreSQL the three prepared "
          f"ones — token + scope + last used; election + round + voter + proxy + candidates FOR SHARE; mark and "
          f"ballot — go through their own cursor and are not counted here)")


def _cpu_by_group(server_pid: int) -> dict[str, float]:
    """CPU seconds so far (user + system, Linux /proc) of the app server (gunicorn master and workers) and of
    PostgreSQL's processes; a phase's cost is the difference of two readings."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {"app": 0.0, "postgres": 0.0}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1:raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2:].split()
        ppid, used = int(fields[1]), (int(fields[11]) + int(fields[12])) / tick
        if int(entry) == server_pid or ppid == server_pid:
            out["app"] += used
        elif comm == "postgres" or comm.startswith("postgres:"):
            out["postgres"] += used
    return out


def _phase(server_pid: int, label: str, run: Any) -> tuple[dict[str, Any], str]:
    """Run one load phase; its result and a line of CPU milliseconds per request by app, PostgreSQL and load."""
    import resource

    before, load_before = _cpu_by_group(server_pid), resource.getrusage(resource.RUSAGE_CHILDREN)
    result = run()
    after, load_after = _cpu_by_group(server_pid), resource.getrusage(resource.RUSAGE_CHILDREN)
    n = max(1, len(result["rows"]))
    load = (load_after.ru_utime + load_after.ru_stime - load_before.ru_utime - load_before.ru_stime)
    app, pg = after["app"] - before["app"], after["postgres"] - before["postgres"]
    busy = (app + pg + load) / result["wall"]
    line = (f"  {label:<34} CPU per request: app {app / n * 1000:.2f} ms, PostgreSQL {pg / n * 1000:.2f} ms, "
            f"load {load / n * 1000:.2f} ms; {busy:.2f} of {os.cpu_count()} cores busy")
    return result, line


def _wait_up(base: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/login/", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not come up")


def main() -> None:
    parser = argparse.ArgumentParser(description="online ballots/s through the API vs a bare insert view")
    parser.add_argument("--db", default=os.environ.get("SHEQU_BENCH_VOTE_DB", DEFAULT_DB))
    parser.add_argument("--voters", type=int, default=20000)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--dup-every", type=int, default=50, help="every n-th voter also sends a second ballot")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--in-process", type=int, default=0, metavar="N",
                        help="time N ballots one at a time in this process instead (CPU, wall, statements)")
    parser.add_argument("--load", nargs=2, metavar=("JOB", "RESULT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        load_main(*args.load)
        return

    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    print(f"preparing {args.db.rsplit('/', 1)[1]} with {args.in_process or args.voters} voters ...", flush=True)
    _ensure_database(args.db)
    os.environ["SHEQU_DATABASE_URL"] = args.db
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bare_settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    if args.in_process:
        _in_process(args.in_process)
        return
    t0 = time.perf_counter()
    prep = _prepare(args.voters)
    connection.close()
    print(f"prepared in {time.perf_counter() - t0:.1f} s: election {prep['election'].pk}, round {prep['round'].pk}")

    vote_path = f"/api/v1/elections/{prep['election'].pk}/ballot"
    vote_requests = _requests(prep, vote_path, args.dup_every)
    bare_requests = [{**r, "path": "/bench/bare-insert/"} for r in _requests(prep, vote_path, 0)]

    base = f"http://127.0.0.1:{args.port}"
    env = {**os.environ, "SHEQU_DATABASE_URL": args.db, "DJANGO_SETTINGS_MODULE": "bench.bare_settings"}
    log = open(ROOT / "var" / "bench" / "vote_gunicorn.log", "w")  # noqa: SIM115 - closed in finally
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi:application", "--workers", str(args.workers),
         "--worker-class", "gthread", "--threads", str(args.threads), "--bind", f"127.0.0.1:{args.port}",
         "--timeout", "120", "--keep-alive", "30", "--backlog", "512"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        _wait_up(base)
        print(f"gunicorn gthread {args.workers} workers × {args.threads} threads on {base}; load: "
              f"{args.clients} clients (a second process, http.client keep-alive); {len(vote_requests)} ballot "
              f"requests for {args.voters} voters (every {args.dup_every}th voter twice, concurrently)\n", flush=True)
        for _ in range(2 * args.workers * args.threads):  # every worker has imported the app
            urllib.request.urlopen(base + "/login/", timeout=30).read()
        half = len(bare_requests) // 2
        cpu_lines = []
        res, line = _phase(server.pid, "bare insert (run 1)",
                           lambda: _run_load(args.port, bare_requests[:half], args.clients, "bare1"))
        bare1 = _summary("bare insert (run 1)", res)
        cpu_lines.append(line)
        result, line = _phase(server.pid, "POST /api/v1/elections/<id>/ballot",
                              lambda: _run_load(args.port, vote_requests, args.clients, "vote"))
        vote = _summary("POST /api/v1/elections/<id>/ballot", result)
        cpu_lines.append(line)
        res, line = _phase(server.pid, "bare insert (run 2)",
                           lambda: _run_load(args.port, bare_requests[half:], args.clients, "bare2"))
        bare2 = _summary("bare insert (run 2)", res)
        cpu_lines.append(line)
        print()
        print("\n".join(cpu_lines))
        print()
        ok = _check_db(prep, result, args.dup_every)
        bare_mean = (bare1["per_s"] + bare2["per_s"]) / 2
        print(f"\nballots/s {vote['per_s']:.1f} (all requests {vote['req_per_s']:.1f}/s); bare insert mean "
              f"{bare_mean:.1f}/s; ratio {vote['per_s'] / bare_mean:.0%}; p50 {vote['p50']:.1f} ms, "
              f"p95 {vote['p95']:.1f} ms; errors {vote['errors']}")
        met = vote["per_s"] >= TARGET and ok and vote["errors"] == 0
        print(f"target (>= {TARGET:.0f} ballots/s, 0 double votes, 0 lost): {'met' if met else 'NOT met'}")
        if vote["error_samples"]:
            print("error samples:", json.dumps(vote["error_samples"], ensure_ascii=False)[:1000])
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


if __name__ == "__main__":
    main()
