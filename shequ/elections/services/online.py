"""Online voting: one ballot per voter and round, not linkable to the voter, with a receipt code.

Two rows are written in one transaction: `OnlineVoteMark(round, voter)` — that the voter voted — and
`OnlineBallot(round, marks, write_ins, receipt_hash)` — how, with a random id and no timestamp. The unique
constraint on the mark is what makes a second ballot impossible whatever the concurrency; the checks before
it only give the common case a clear answer early. Nothing here logs or audits the choices or the ballot id.

The election row is read `FOR SHARE` (PostgreSQL): ballots do not block one another, but the count (which
locks the election `FOR UPDATE`) waits for ballots in flight, and a ballot arriving after the count sees the
new stage — so no accepted ballot is left out of a count.
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
import uuid
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.utils.translation import gettext as _

from shequ.core import hot_sql
from shequ.core.errors import Conflict, NotFound
from shequ.elections.models import (
    Candidate,
    CandidateStatus,
    Election,
    OnlineBallot,
    OnlineVoteMark,
    Proxy,
    Round,
    RoundStatus,
    Stage,
    Voter,
    seat_label,
)
from shequ.elections.selectors.online import (
    require_voter_scope,
    voting_refusal,
)
from shequ.elections.services.common import invalid, require_stage

# No 0/O, 1/I/L: a code read aloud or copied from paper is not misread.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RECEIPT_LENGTH = 16
RECEIPT_GROUP = 4
CHOICES = ("F", "A", "N")
WRITE_IN_MAX = 64


def receipt_new() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))
    return "-".join(raw[i:i + RECEIPT_GROUP] for i in range(0, RECEIPT_LENGTH, RECEIPT_GROUP))


def receipt_normalise(code: str) -> str:
    """Upper case, separators and spaces dropped; "" when it cannot be a receipt code."""
    raw = "".join(ch for ch in str(code or "").upper() if ch.isalnum())
    if len(raw) != RECEIPT_LENGTH or any(ch not in RECEIPT_ALPHABET for ch in raw):
        return ""
    return raw


def receipt_hash(code: str) -> str:
    return hashlib.sha256(receipt_normalise(code).encode()).hexdigest()


class BallotEntry(NamedTuple):
    """A candidate as the ballot checks read it (a model instance per candidate per ballot costs more)."""

    pk: int
    name: str
    seat: str
    position: int


_STATE_SQL = (
    "SELECT e.id, e.stage, e.online_voting, e.area_code, r.id, r.number, r.status, r.seats, v.id, v.status, "
    "(SELECT 1 FROM {proxy} p WHERE p.election_id = e.id AND p.grantor_id = v.id LIMIT 1), "
    "c.id, c.name, c.seat, c.position, e.body "
    "FROM {election} e "
    "LEFT JOIN {round} r ON r.id = (SELECT r2.id FROM {round} r2 WHERE r2.election_id = e.id "
    "ORDER BY r2.number DESC LIMIT 1) "
    "LEFT JOIN {voter} v ON v.election_id = e.id AND v.resident_id = %s "
    "LEFT JOIN {candidate} c ON c.round_id = r.id AND c.status = %s "
    "WHERE e.id = %s ORDER BY c.position, c.id"
)


def _ballot_state(
    election: Election | int, resident_id: int | None
) -> tuple[Election, Round | None, Voter | None, list[BallotEntry]]:
    """The election (read `FOR SHARE` on PostgreSQL: ballots do not block each other, the count waits), its
    latest round, the actor's roll entry with `gave_proxy` and the round's formal candidates — one statement (a
    row per candidate), as a ballot is the hot path of an election day. Unsaved-looking instances carrying only
    the fields the checks read."""
    pk = election if isinstance(election, int) else election.pk
    sql = _state_sql(connection.vendor)
    rows = hot_sql.fetch(sql, [resident_id or -1, str(CandidateStatus.FORMAL), pk])
    if not rows:
        raise NotFound()
    eid, stage, online, area_code, rid, number, status, seats, vid, vstatus, proxy = rows[0][:11]
    found = Election(pk=eid, stage=stage, online_voting=bool(online), area_code=area_code, body=rows[0][15])
    round_ = None
    if rid is not None:
        round_ = Round(pk=rid, election_id=eid, number=number, status=status,
                       seats=json.loads(seats) if isinstance(seats, str) else seats)
    voter = None
    if vid is not None:
        voter = Voter(pk=vid, election_id=eid, status=vstatus)
        voter.gave_proxy = proxy is not None  # type: ignore[attr-defined]
    candidates = [BallotEntry(pk=row[11], name=row[12], seat=row[13], position=row[14])
                  for row in rows if row[11] is not None]
    return found, round_, voter, candidates


@functools.cache
def _state_sql(vendor: str) -> str:
    """_STATE_SQL with this backend's table names (built once: the ballot is the hot path)."""
    quote = connection.ops.quote_name
    sql = _STATE_SQL.format(proxy=quote(Proxy._meta.db_table), election=quote(Election._meta.db_table),
                            round=quote(Round._meta.db_table), voter=quote(Voter._meta.db_table),
                            candidate=quote(Candidate._meta.db_table))
    return sql + " FOR SHARE OF e" if vendor == "postgresql" else sql


_BALLOT_COLUMNS = ("id", "round_id", "marks", "write_ins", "receipt_hash")
_BALLOT_ID, _BALLOT_WRITE_INS = OnlineBallot._meta.pk, OnlineBallot.write_ins.field


@functools.cache
def _record_sql(vendor: str) -> tuple[str, ...]:
    """The statements `_record_ballot` sends on this backend (built once): on PostgreSQL one; elsewhere the mark
    and the ballot."""
    quote = connection.ops.quote_name
    fields = {f.attname: f for f in OnlineBallot._meta.concrete_fields}
    mark_table, ballot_table = quote(OnlineVoteMark._meta.db_table), quote(OnlineBallot._meta.db_table)
    columns = ", ".join(quote(str(fields[name].column)) for name in _BALLOT_COLUMNS)
    insert_mark = f"INSERT INTO {mark_table} (round_id, voter_id) VALUES (%s, %s) ON CONFLICT DO NOTHING"  # noqa: S608
    if vendor == "postgresql":
        casts = ", ".join(f"CAST(%s AS {fields[name].db_type(connection)})" for name in _BALLOT_COLUMNS)
        return (f"WITH mark AS ({insert_mark} RETURNING 1) "  # noqa: S608 - names from the models
                f"INSERT INTO {ballot_table} ({columns}) SELECT {casts} FROM mark",)
    values = ", ".join(["%s"] * len(_BALLOT_COLUMNS))
    return insert_mark, f"INSERT INTO {ballot_table} ({columns}) VALUES ({values})"  # noqa: S608


def _record_ballot(round_id: int, voter_id: int, marks: str, write_ins: dict[str, list[str]] | None,
                   hashed: str) -> bool:
    """The voter's mark and the ballot, or neither when the voter already has a mark for the round (False).
    `ON CONFLICT DO NOTHING` lets the unique mark decide without a savepoint (PostgreSQL; SQLite ≥ 3.24). On
    PostgreSQL both rows go in one statement: the ballot is inserted only from the mark's RETURNING row."""
    params = [_BALLOT_ID.get_db_prep_save(uuid.uuid4(), connection), round_id, marks,
              _BALLOT_WRITE_INS.get_db_prep_save(write_ins, connection), hashed]
    statements = _record_sql(connection.vendor)
    if len(statements) == 1:
        return hot_sql.run(statements[0], [round_id, voter_id, *params]) == 1
    if hot_sql.run(statements[0], [round_id, voter_id]) != 1:
        return False
    hot_sql.run(statements[1], params)
    return True


def _marks(candidates: list[Any], choices: dict[int, str] | dict[str, str], seats: dict[str, int],
           write_ins: dict[str, list[str]], *, body: str = "") -> str:
    by_id = {c.pk: c for c in candidates}
    picked: dict[int, str] = {}
    for key, value in (choices or {}).items():
        try:
            cid = int(key)
        except (TypeError, ValueError):
            raise invalid("choices", _("候选人编号“%(id)s”无效。") % {"id": key}) from None
        if cid not in by_id:
            raise invalid("choices", _("候选人编号 %(id)s 不在本轮选票上。") % {"id": cid})
        choice = str(value or "").strip().upper()
        if choice not in CHOICES:
            raise invalid("choices", _("对 %(name)s 的选择“%(value)s”无效：只能是赞成、反对或弃权。")
                          % {"name": by_id[cid].name, "value": value})
        picked[cid] = choice
    for seat, count in seats.items():
        marked = sum(1 for c in candidates if c.seat == seat and picked.get(c.pk) == "F")
        extra = len(write_ins.get(seat, []))
        if marked + extra > count:
            raise invalid("choices", _("“%(seat)s”应选 %(n)s 名，您赞成了 %(marked)s 名、另选了 %(extra)s 名，"
                                       "超过应选人数的选票无效，请修改。")
                          % {"seat": seat_label(seat, body), "n": count, "marked": marked, "extra": extra})
    positions = [c.position for c in candidates]
    if len(set(positions)) != len(positions) or (positions and max(positions) >= 200):
        raise Conflict(_("本轮选票的候选人顺序有误，请联系社区选举委员会。"), code="ballot_not_ready")
    cells = ["N"] * (max(positions) + 1 if positions else 0)
    for c in candidates:
        cells[c.position] = picked.get(c.pk, "N")
    return "".join(cells)


def _write_ins(
    write_ins: dict[str, list[str]] | None, seats: dict[str, int], candidates: list[Any], *, body: str = ""
) -> dict[str, list[str]]:
    clean: dict[str, list[str]] = {}
    for seat, names in (write_ins or {}).items():
        if seat not in seats:
            raise invalid("write_ins", _("本轮没有“%(seat)s”职位可以另选他人。")
                          % {"seat": seat_label(str(seat), body)})
        listed = {c.name for c in candidates if c.seat == seat}
        kept: list[str] = []
        for name in names or []:
            name = str(name or "").strip()
            if not name:
                continue
            if len(name) > WRITE_IN_MAX:
                raise invalid("write_ins", _("另选他人的姓名过长（最多 %(n)s 字）。") % {"n": WRITE_IN_MAX})
            if name in listed:
                raise invalid("write_ins", _("%(name)s 已是“%(seat)s”候选人，请直接在候选人处选择赞成。")
                              % {"name": name, "seat": seat_label(seat, body)})
            if name in kept:
                raise invalid("write_ins", _("另选他人中 %(name)s 重复填写。") % {"name": name})
            kept.append(name)
        if kept:
            clean[seat] = kept
    return clean


def _checked(
    actor: Any, election: Election, round_: Round | None, voter: Voter | None,
    choices: dict[int, str] | dict[str, str], write_ins: dict[str, list[str]] | None,
    candidates: list[BallotEntry],
) -> tuple[Round, Voter, str, dict[str, list[str]]]:
    """(round, voter, marks, write-ins) after every check but the unique mark; raises the refusal otherwise."""
    if election.online_voting:
        require_stage(election, [Stage.VOTING])
    refusal = voting_refusal(election, round_, voter, actor)
    if refusal is not None:
        raise refusal
    assert round_ is not None and voter is not None
    seats = {str(k): int(v) for k, v in (round_.seats or {}).items() if int(v) > 0}
    clean_write_ins = _write_ins(write_ins, seats, candidates, body=election.body)
    return round_, voter, _marks(candidates, choices, seats, clean_write_ins, body=election.body), clean_write_ins


def ballot_validate(
    *, actor: Any, election: Election, choices: dict[int, str] | dict[str, str],
    write_ins: dict[str, list[str]] | None = None,
) -> dict[str, list[str]]:
    """The checks of `ballot_cast` without writing (the ballot page's confirmation step); the cleaned write-ins."""
    require_voter_scope(actor, election.area_code)
    if OnlineVoteMark.objects.filter(round__election=election, round__status=RoundStatus.OPEN,
                                     voter__resident_id=getattr(actor, "resident_id", None) or 0).exists():
        raise _already_voted()
    state, round_, voter, candidates = _ballot_state(election, getattr(actor, "resident_id", None))
    return _checked(actor, state, round_, voter, choices, write_ins, candidates)[3]


@transaction.atomic
def ballot_cast(
    *, actor: Any, election: Election | int, choices: dict[int, str] | dict[str, str],
    write_ins: dict[str, list[str]] | None = None,
) -> str:
    """Cast the actor's online ballot in the election's open round; the receipt code (shown once, stored only
    as its hash). Refused: not a voter of this community (404/403), not on the roll, proxy given, online voting
    off, no open round, already voted (409 `already_voted`), an invalid ballot (422)."""
    election, round_, voter, candidates = _ballot_state(election, getattr(actor, "resident_id", None))
    require_voter_scope(actor, election.area_code)
    if election.stage == Stage.DRAFT:  # nobody's business but the committee's: answers like a missing election
        raise NotFound()
    round_, voter, marks, clean_write_ins = _checked(actor, election, round_, voter, choices, write_ins,
                                                     candidates)
    code = receipt_new()
    if not _record_ballot(round_.pk, voter.pk, marks, clean_write_ins or None, receipt_hash(code)):
        raise _already_voted()
    # No audit row per ballot: its time next to the ballots' storage order could tie a ballot to its voter. The
    # mark is the record that the voter voted (shown on the roll); how, nobody can tell.
    return code


def ballots_reshuffle(round_: Round) -> int:
    """Rewrite the round's online ballots with new ids in a random order, inside the caller's transaction (the
    count, once voting has closed); the number of ballots.

    A ballot and its voter's mark are written by one transaction, so the database's own bookkeeping could join
    them: on PostgreSQL both rows carry that transaction's id (`xmin`), on SQLite the ballots' storage order
    follows the marks'. Rewritten, every ballot carries the count's transaction id and a place drawn at random;
    receipts, marks and write-ins are unchanged. The old row versions are gone from PostgreSQL's tables after
    the next (auto)vacuum."""
    ballots = OnlineBallot.objects.filter(round=round_)
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(OnlineBallot._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(  # names from the model; the values are parameters
                f"CREATE TEMPORARY TABLE ballots_mixed ON COMMIT DROP AS "  # noqa: S608
                f"SELECT marks, write_ins, receipt_hash FROM {table} WHERE round_id = %s", [round_.pk])
            cursor.execute(f"DELETE FROM {table} WHERE round_id = %s", [round_.pk])  # noqa: S608
            cursor.execute(
                f"INSERT INTO {table} (id, round_id, marks, write_ins, receipt_hash) "  # noqa: S608
                f"SELECT gen_random_uuid(), %s, marks, write_ins, receipt_hash FROM ballots_mixed ORDER BY random()",
                [round_.pk])
            count = cursor.rowcount
            cursor.execute("DROP TABLE ballots_mixed")
        return count
    rows = list(ballots.values_list("marks", "write_ins", "receipt_hash"))
    secrets.SystemRandom().shuffle(rows)
    ballots.delete()
    OnlineBallot.objects.bulk_create(
        [OnlineBallot(round=round_, marks=marks, write_ins=write_ins, receipt_hash=hashed)
         for marks, write_ins, hashed in rows], batch_size=2000)
    return len(rows)


def _already_voted() -> Conflict:
    return Conflict(_("您已在本轮投过票，每位选民只能投一次。"), code="already_voted")


def receipt_check(code: str) -> dict[str, Any] | None:
    """Whether the ballot a receipt code stands for is stored, in which election and round, and whether that
    round has been counted. Never how it was cast: a receipt that showed the choices would let a voter prove
    to someone else how they voted, which is what buying or forcing votes needs."""
    if not receipt_normalise(code):
        return None
    ballot = (OnlineBallot.objects.filter(receipt_hash=receipt_hash(code))
              .select_related("round", "round__election").first())
    if ballot is None:
        return None
    round_ = ballot.round
    return {
        "election_id": round_.election_id,
        "election": round_.election.title,
        "round": round_.number,
        "round_status": round_.status,
        "counted": round_.status == RoundStatus.COUNTED,
    }
