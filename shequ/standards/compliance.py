"""Recompute the compliance results (ComplianceResult) of communities × years from the facts and the policy.

The facts of the whole scope are read in a handful of set-based queries (compliance_io), the rules run in
Python (rules.py) with the policy held in memory (policy.PolicyResolver), and the rows of those communities
× years are replaced in one transaction (compliance_write: on PostgreSQL only the community-years whose results
changed are deleted and COPYed again; on SQLite the scope is deleted and inserted again).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import gc
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.scope import require
from shequ.areas.models import Area
from shequ.core.audit import audit_record
from shequ.core.errors import PermissionDenied
from shequ.core.roles import Perm
from shequ.standards.compliance_eval import Evaluator, Sink
from shequ.standards.compliance_io import CommunityFacts, communities_under, load_facts
from shequ.standards.compliance_rollup import rollup_after_write, rollup_fresh
from shequ.standards.compliance_write import replace_results
from shequ.standards.policy import TOPIC, PolicyResolver

ACTION = "standards.recompute"
# Progress is reported after about this many communities.
PROGRESS_EVERY = 250

Progress = Callable[[int, int], None]


@dataclass
class RecomputeSummary:
    area_code: str = ""
    years: list[int] = field(default_factory=list)
    communities: int = 0
    rows: int = 0  # results computed (= rows of the scope afterwards)
    deleted: int = 0  # rows removed (changed or no longer produced)
    inserted: int = 0  # rows written (changed or new)
    unchanged: int = 0  # rows left as they were
    meets: int = 0
    short: int = 0
    no_data: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_years(resolver: PolicyResolver | None = None, today: dt.date | None = None) -> list[int]:
    """From the year of the earliest version of the topic to the current year (empty when no policy)."""
    first = (resolver or PolicyResolver(TOPIC)).first_year()
    current = (today or timezone.localdate()).year
    return list(range(first, current + 1)) if first is not None else []


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The facts and results are hundreds of thousands of small acyclic objects: the cyclic garbage collector would
    rescan them again and again while they are built and written (about a quarter of the CPU time) and find
    nothing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _recompute(
    *,
    area_code: str = "",
    community: Area | None = None,
    years: list[int] | None = None,
    progress: Progress | None = None,
) -> RecomputeSummary:
    started, cpu_started = time.perf_counter(), time.process_time()
    timings: dict[str, float] = {}

    def lap(label: str, since: float) -> float:
        now = time.perf_counter()
        timings[label] = round(now - since, 3)
        return now

    resolver = PolicyResolver(TOPIC)
    years = sorted(set(years)) if years else default_years(resolver)
    summary = RecomputeSummary(area_code=community.code if community else area_code, years=years)
    community_id = community.pk if community is not None else None
    communities = communities_under(area_code, community_id)
    summary.communities = len(communities)
    mark = lap("policy+communities", started)
    with _collector_paused():
        facts = load_facts(area_code=area_code, community_id=community_id, years=years) if communities else {}
        mark = lap("load", mark)

        sink = Sink(timezone.now())
        evaluator = Evaluator(resolver, timezone.localdate(), sink)
        empty = CommunityFacts()
        total = len(communities)
        for index, ref in enumerate(communities, 1):
            evaluator.community(ref, facts.get(ref.id, empty), years)
            if progress is not None and (index % PROGRESS_EVERY == 0 or index == total):
                progress(index, total)
        mark = lap("evaluate", mark)
        del facts, evaluator  # no longer needed while writing

        with transaction.atomic():
            was_fresh = rollup_fresh()
            counts = replace_results(sink, area_code=area_code, community_id=community_id, years=years)
            mark = lap("write", mark)
            rollup_after_write(
                area_code=community.code if community else area_code, years=years, was_fresh=was_fresh,
                touched=counts.touched, sums=counts.sums,
            )  # fmt: skip
            mark = lap("rollup", mark)
    summary.rows = len(sink)
    summary.deleted, summary.inserted, summary.unchanged = counts.deleted, counts.inserted, counts.unchanged
    lap("commit", mark)
    summary.meets, summary.short, summary.no_data = sink.counts[1], sink.counts[2], sink.counts[3]
    timings["python_cpu"] = round(time.process_time() - cpu_started, 3)  # this process only, not the database
    summary.timings = timings
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


def check_recompute_allowed(actor: Any, area_code: str) -> None:
    if actor is None or not getattr(actor, "pk", None):
        return
    if area_code:
        require(actor, Perm.STANDARDS_CHANGE, area_code)
    else:
        require(actor, Perm.POLICY_CHANGE)


def recompute_allowed(actor: Any, area_code: str) -> bool:
    """Whether `actor` may recompute `area_code` (what a page asks before it offers the button)."""
    if actor is None or not getattr(actor, "pk", None):
        return False
    try:
        check_recompute_allowed(actor, area_code)
    except PermissionDenied:
        return False
    return True


def compliance_recompute(
    *, actor: Any, area_code: str = "", years: list[int] | None = None, progress: Progress | None = None
) -> RecomputeSummary:
    """Replace the results of every community under `area_code` ("" = all) for `years` (default: from the
    first policy year to this year). One audit row summarises the run.

    `actor` None is the system (command line, demo build); a user needs standards.change over `area_code`, or
    standards.policy (city administrators) for every community at once."""
    check_recompute_allowed(actor, area_code)
    summary = _recompute(area_code=area_code, years=years, progress=progress)
    audit_record(
        actor=actor,
        action=ACTION,
        entity_type="compliance",
        entity_id=area_code or "*",
        area_code=area_code,
        changes={
            "years": [summary.years[0], summary.years[-1]] if summary.years else [],
            "communities": summary.communities,
            "rows": summary.rows,
            "deleted": summary.deleted,
            "inserted": summary.inserted,
            "seconds": summary.seconds,
        },
        summary=_("重新计算达标情况：%(communities)d 个社区（村），%(rows)d 条结果")
        % {"communities": summary.communities, "rows": summary.rows},
    )
    return summary


def compliance_recompute_community(*, community: Area, years: list[int] | None = None) -> RecomputeSummary:
    """Recompute one community after a write to its facts (the caller's service audits that write)."""
    return _recompute(community=community, years=years)


# community pk -> (community, years) collected inside compliance_deferred()
_deferred: contextvars.ContextVar[dict[int, tuple[Area, set[int]]] | None] = contextvars.ContextVar(
    "standards_compliance_deferred", default=None
)


def compliance_recompute_after_write(*, community: Area, years: Iterable[int]) -> None:
    """What every service writing a community's facts calls: recompute those years now, or — inside
    `compliance_deferred()` — once per community when the block ends."""
    wanted = {int(year) for year in years}
    if not wanted:
        return
    pending = _deferred.get()
    if pending is not None:
        pending.setdefault(community.pk, (community, set()))[1].update(wanted)
        return
    compliance_recompute_community(community=community, years=sorted(wanted))


@contextmanager
def compliance_deferred() -> Iterator[None]:
    """For bulk loads: one recompute per community for all the writes inside the block; none when the block
    ends in an exception (a rolled-back dry run leaves the results alone)."""
    if _deferred.get() is not None:  # nested: the outer block recomputes
        yield
        return
    token = _deferred.set({})
    try:
        yield
        pending = _deferred.get() or {}
    finally:
        _deferred.reset(token)
    for community, years in pending.values():
        compliance_recompute_community(community=community, years=sorted(years))
