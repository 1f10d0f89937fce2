"""Tally benchmark (issue 4): count a round of 1,000,000 online ballots plus a few paper boxes in under 2 s.

    .venv/bin/python bench/tally_bench.py
    .venv/bin/python bench/tally_bench.py --db postgres://postgres@127.0.0.1:5432/shequ_bench_tally --rounds 7
    .venv/bin/python bench/tally_bench.py --db sqlite:////tmp/shequ_bench_tally.sqlite3 --ballots 1000000

The database comes from `--db` (default: `SHEQU_DATABASE_URL` when it names a `shequ_bench…` database, else
PostgreSQL `shequ_bench_tally`). Unless `--reuse` is given and the database already holds the bench round with the
requested number of ballots, it is dropped and rebuilt: migrate (which seeds the election rules), a community, one
election (1 director, 1 deputy, 3 members; 8 formal candidates), its first round, 4 paper boxes with accepted
tallies and `--ballots` `OnlineBallot` rows loaded with PostgreSQL COPY (SQLite: executemany). Marks are drawn per
candidate with candidate-specific for/against/abstain odds (a front-runner, rivals, the also-rans), about 0.5 % of
the ballots carry a write-in; then VACUUM ANALYZE (SQLite: ANALYZE).

Timed, `--rounds` times: `aggregate.round_figures(round)` (paper tallies + GROUP BY marks + GROUP BY write-ins)
then `aggregate.round_input` + `counting.count_round` with the election's rule version — everything the count
does to decide a round, without writing the result. Side by side in the same round, as references: the raw
`SELECT count(*) FROM elections_onlineballot WHERE round_id = …` and, on PostgreSQL, a raw
`COPY (SELECT marks FROM elections_onlineballot WHERE round_id = …) TO STDOUT` read to the end by the client
(SQLite: `SELECT marks …` fetched in full). The registered count is set so that about 70 % voted (no roll is
built: the roll's `count(*)` is the count service's, not the tally's).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/shequ_bench_tally"
TARGET_S = 2.0
TITLE = "计票基准测试选举"
TURNOUT = (7, 10)  # the registered count is set so that about 70 % voted
CHUNK = 100_000

# (seat, name, sex, P(for), P(against)) by ballot position; abstain is the rest.
CANDIDATES: list[tuple[str, str, str, float, float]] = [
    ("director", "张建国", "M", 0.62, 0.25),
    ("director", "李秀英", "F", 0.30, 0.45),
    ("deputy", "王丽华", "F", 0.55, 0.30),
    ("deputy", "刘志强", "M", 0.40, 0.40),
    ("member", "陈明", "M", 0.70, 0.15),
    ("member", "杨芳", "F", 0.58, 0.22),
    ("member", "赵磊", "M", 0.51, 0.30),
    ("member", "黄静", "F", 0.35, 0.40),
]


def _is_pg(db: str) -> bool:
    return db.startswith(("postgres://", "postgresql://"))


def _recreate(db: str) -> None:
    if not _is_pg(db):
        Path(db.split("sqlite:///", 1)[1]).unlink(missing_ok=True)
        return
    import psycopg

    name = db.rsplit("/", 1)[1]
    admin = db.rsplit("/", 1)[0].replace("postgres://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _django(db: str) -> None:
    os.environ["SHEQU_DATABASE_URL"] = db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _timed(label: str, func, *args, **kwargs):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = func(*args, **kwargs)
    print(f"{label}: {time.perf_counter() - started:.1f} s", flush=True)
    return result


def _bench_round() -> Any:
    from shequ.elections.models import Election

    election = Election.objects.filter(title=TITLE).first()
    return election.rounds.get(number=1) if election else None


def _election() -> Any:
    """The community, election, round, candidates and paper boxes: rows laid down directly (a bench, not a test)."""
    from shequ.areas.models import Area, AreaStats, Level
    from shequ.elections.models import (
        BallotBox,
        BoxKind,
        BoxTally,
        Candidate,
        CandidateStatus,
        Election,
        Round,
        RoundKind,
        Stage,
    )
    from shequ.elections.rules import version_for_election

    parent = None
    for code, name, level in [("4313", "娄底市", Level.CITY), ("431302", "娄星区", Level.DISTRICT),
                              ("431302001", "乐坪街道", Level.SUBDISTRICT),
                              ("431302001001", "长青社区", Level.COMMUNITY)]:
        parent, created = Area.objects.get_or_create(code=code, defaults={"name": name, "level": level,
                                                                          "parent": parent})
        if created:
            AreaStats.objects.get_or_create(area=parent)
    community = parent
    assert community is not None
    day = dt.date(2026, 6, 20)
    election = Election.objects.create(
        community=community, area_code=community.code, title=TITLE, election_day=day, stage=Stage.VOTING,
        online_voting=True, policy_version=version_for_election(community.code, day),
    )
    round_ = Round.objects.create(election=election, number=1, kind=RoundKind.FIRST, seats=election.seats)
    candidates = Candidate.objects.bulk_create([
        Candidate(election=election, round=round_, seat=seat, name=name, sex=sex, household_id=1000 + i,
                  status=CandidateStatus.FORMAL, position=i)
        for i, (seat, name, sex, _f, _a) in enumerate(CANDIDATES)
    ])
    for b, (name, kind, issued) in enumerate([("中心会场", BoxKind.CENTRAL, 2400), ("第一投票站", BoxKind.FIXED, 1500),
                                              ("第二投票站", BoxKind.FIXED, 1300), ("流动票箱", BoxKind.MOBILE, 240)]):
        box = BallotBox.objects.create(round=round_, name=name, kind=kind, staff=["甲", "乙", "丙"])
        returned = issued - 3 - b
        marks = {str(c.pk): [int(returned * f), int(returned * a), returned - int(returned * f) - int(returned * a)]
                 for c, (_s, _n, _x, f, a) in zip(candidates, CANDIDATES, strict=True)}
        BoxTally.objects.create(box=box, ballots_issued=issued, ballots_returned=returned, invalid_ballots=2 + b,
                                marks=marks, write_ins={"member": {"周六": 4 + b}})
    return round_


def _ballot_rows(n: int, seed: int):  # type: ignore[no-untyped-def]
    """(id, marks, write_ins JSON or None, receipt hash) in chunks, drawn with numpy."""
    import numpy as np

    rng = np.random.default_rng(seed)
    positions = len(CANDIDATES)
    # Every mark string by its base-3 code: position p's digit is 0 (F), 1 (A) or 2 (N).
    table = ["".join("FAN"[(code // 3**p) % 3] for p in range(positions)) for code in range(3**positions)]
    weights = 3 ** np.arange(positions)
    write_ins = [json.dumps({"member": ["周六"]}, ensure_ascii=False),
                 json.dumps({"member": ["吴七"], "deputy": ["郑八"]}, ensure_ascii=False)]
    done = 0
    while done < n:
        size = min(CHUNK, n - done)
        u = rng.random((size, positions))
        pf = np.array([c[3] for c in CANDIDATES])
        pa = np.array([c[4] for c in CANDIDATES])
        digits = np.where(u < pf, 0, np.where(u < pf + pa, 1, 2))
        codes = (digits * weights).sum(axis=1)
        extra = rng.random(size)
        rows = []
        for i in range(size):
            k = done + i
            w = write_ins[0] if extra[i] < 0.004 else (write_ins[1] if extra[i] < 0.005 else None)
            rows.append((str(uuid.UUID(int=k + 1, version=4)), table[codes[i]], w, f"{k:064x}"))
        yield rows
        done += size


def _load_ballots(round_id: int, n: int, seed: int) -> None:
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = "COPY elections_onlineballot (id, round_id, marks, write_ins, receipt_hash) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for rows in _ballot_rows(n, seed):
                    for id_, marks, w, receipt in rows:
                        copy.write_row((id_, round_id, marks, w, receipt))
        else:
            sql = ("INSERT INTO elections_onlineballot (id, round_id, marks, write_ins, receipt_hash) "
                   "VALUES (%s, %s, %s, %s, %s)")
            for rows in _ballot_rows(n, seed):
                # Django stores UUIDs on SQLite as 32 hex digits without dashes.
                cursor.executemany(sql, [(i.replace("-", ""), round_id, m, w, r) for i, m, w, r in rows])
    print(f"load {n:,} online ballots: {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE elections_onlineballot" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"VACUUM ANALYZE / ANALYZE: {time.perf_counter() - started:.1f} s", flush=True)


def build(args: argparse.Namespace) -> Any:
    from django.core.management import call_command

    _timed("migrate", call_command, "migrate", "--noinput", verbosity=0)
    round_ = _election()
    _load_ballots(round_.pk, args.ballots, args.seed)
    return round_


def _count(round_: Any, registered: int) -> tuple[Any, Any, Any]:
    from shequ.elections.aggregate import round_figures, round_input
    from shequ.elections.counting import count_round
    from shequ.elections.rules import election_params

    figures = round_figures(round_)
    data = round_input(round_, figures, registered=registered)
    return figures, data, count_round(data, election_params(round_.election))


def _reference(round_id: int) -> tuple[float, float, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("SELECT count(*) FROM elections_onlineballot WHERE round_id = %s", [round_id])
        n = cursor.fetchone()[0]
        count_s = time.perf_counter() - started
        started = time.perf_counter()
        if connection.vendor == "postgresql":
            size = 0
            sql = f"COPY (SELECT marks FROM elections_onlineballot WHERE round_id = {int(round_id)}) TO STDOUT"
            with cursor.cursor.copy(sql) as copy:
                for chunk in copy:
                    size += len(chunk)
        else:
            cursor.execute("SELECT marks FROM elections_onlineballot WHERE round_id = %s", [round_id])
            size = len(cursor.fetchall())
        read_s = time.perf_counter() - started
    return count_s, read_s, n


def measure(args: argparse.Namespace, round_: Any) -> None:
    from django.db import connection

    from shequ.elections.models import BoxTally, OnlineBallot

    ballots = OnlineBallot.objects.filter(round=round_).count()
    paper = sum(BoxTally.objects.filter(box__round=round_).values_list("ballots_issued", flat=True))
    registered = (ballots + paper) * TURNOUT[1] // TURNOUT[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(DISTINCT marks) FROM elections_onlineballot WHERE round_id = %s", [round_.pk])
        distinct = cursor.fetchone()[0]
    read_label = "COPY marks TO STDOUT" if connection.vendor == "postgresql" else "SELECT marks (fetchall)"
    print(f"\n{connection.vendor}: round {round_.pk}, {ballots:,} online ballots ({distinct:,} distinct mark "
          f"strings), {round_.boxes.count()} paper boxes ({paper:,} ballots issued); {registered:,} registered; "
          f"{args.rounds} rounds\n")
    print(f"| round | round_figures + count_round s | count(*) s | {read_label} s | ratio to count(*) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    tally: list[float] = []
    counts: list[float] = []
    reads: list[float] = []
    outcome = figures = None
    for n in range(1, args.rounds + 1):
        started = time.perf_counter()
        figures, _data, outcome = _count(round_, registered)
        seconds = time.perf_counter() - started
        count_s, read_s, _n = _reference(round_.pk)
        tally.append(seconds)
        counts.append(count_s)
        reads.append(read_s)
        print(f"| {n} | **{seconds:.3f}** | {count_s:.3f} | {read_s:.3f} | {seconds / count_s:.1f}× |", flush=True)
    assert figures is not None and outcome is not None
    best, median = min(tally), statistics.median(tally)
    print(f"\nround_figures + count_round: best {best:.3f} s, median {median:.3f} s")
    print(f"reference count(*): best {min(counts):.3f} s, median {statistics.median(counts):.3f} s; "
          f"{read_label}: best {min(reads):.3f} s, median {statistics.median(reads):.3f} s")
    print(f"ratio (median): {median / statistics.median(counts):.1f}× count(*), "
          f"{median / statistics.median(reads):.2f}× {read_label}")
    print(f"figures: issued {figures.ballots_issued:,}, returned {figures.ballots_returned:,}, invalid "
          f"{figures.invalid_ballots:,}; write-ins {figures.write_ins}")
    print(f"outcome: valid {outcome.valid}, threshold {outcome.threshold_votes:,} ({outcome.threshold_rule}), "
          f"elected {[(e.seat, e.name, e.votes) for e in outcome.elected]}, unfilled {outcome.unfilled}, "
          f"warnings {outcome.warnings}")
    verdict = "met" if median < TARGET_S else "MISSED"
    print(f"target tally of {ballots:,} ballots < {TARGET_S:.0f} s: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    env = os.environ.get("SHEQU_DATABASE_URL", "")
    parser.add_argument("--db", default=env if "shequ_bench" in env else DEFAULT_DB)
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=4313)
    parser.add_argument("--reuse", action="store_true", help="keep the database when it already holds the ballots")
    args = parser.parse_args()
    if "shequ_bench" not in args.db.rsplit("/", 1)[1]:
        parser.error("the bench database is dropped and recreated: its name must contain shequ_bench")
    round_ = None
    if args.reuse:
        try:
            _django(args.db)
            from shequ.elections.models import OnlineBallot

            round_ = _bench_round()
            if round_ is None or OnlineBallot.objects.filter(round=round_).count() != args.ballots:
                sys.exit("--reuse: the database does not hold the bench round with that many ballots")
        except Exception as exc:  # a missing database or table: say so rather than rebuild behind the user's back
            sys.exit(f"--reuse: {exc}")
    else:
        _recreate(args.db)
        _django(args.db)
        round_ = build(args)
    measure(args, round_)


if __name__ == "__main__":
    main()
