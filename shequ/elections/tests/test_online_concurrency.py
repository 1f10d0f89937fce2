"""No double vote under real concurrency (PostgreSQL): threads with their own connections cast at the same
instant; the unique (round, voter) mark lets exactly one ballot per voter through."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connection

from shequ.core.errors import Conflict
from shequ.elections.models import OnlineBallot, OnlineVoteMark
from shequ.elections.services.online import ballot_cast, receipt_hash
from shequ.elections.tests.test_online import open_for_voting

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs PostgreSQL: SQLite serialises writers, so there is no race to test"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _race(jobs: list[tuple[Any, Any, dict[int, str]]]) -> list[str]:
    """Run every (actor, election, choices) in its own thread, released together; each outcome is a receipt
    code, "already_voted", or "error: ..." (anything else)."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = [""] * len(jobs)

    def cast(i: int, actor: Any, election: Any, choices: dict[int, str]) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[i] = ballot_cast(actor=actor, election=election, choices=choices)
        except Conflict as exc:
            outcomes[i] = exc.code
        except Exception as exc:  # reported by the assertions on `outcomes`, not swallowed
            outcomes[i] = f"error: {exc!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=cast, args=(i, *job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return outcomes


def test_no_double_vote_under_concurrency(ew):
    """One test, two races: each transactional test costs a flush and a re-seed of the whole database."""
    s = open_for_voting(ew, voters=8)

    # The same voter from 12 threads at once: one ballot, eleven "already voted".
    outcomes = _race([(ew.resident_user, s.election, {s.director[i % 2].pk: "F"}) for i in range(12)])
    kinds = Counter("receipt" if len(o) == 19 else o for o in outcomes)
    assert kinds == {"receipt": 1, "already_voted": 11}, outcomes
    assert OnlineBallot.objects.count() == 1 and OnlineVoteMark.objects.count() == 1
    first = next(o for o in outcomes if len(o) == 19)

    # Eight other voters, each from two threads at once (16 threads): exactly one ballot each.
    jobs = [(u, s.election, {s.member[n % 4].pk: "F"}) for n, u in enumerate(s.users) for _ in range(2)]
    outcomes = _race(jobs)
    receipts = [o for o in outcomes if len(o) == 19]
    assert len(receipts) == 8 and outcomes.count("already_voted") == 8, outcomes
    assert OnlineBallot.objects.count() == 9
    per_voter = Counter(OnlineVoteMark.objects.values_list("voter_id", flat=True))
    assert len(per_voter) == 9 and set(per_voter.values()) == {1}
    stored = set(OnlineBallot.objects.values_list("receipt_hash", flat=True))
    assert {receipt_hash(c) for c in [first, *receipts]} == stored
