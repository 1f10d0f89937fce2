"""The recompute's inner loop: every applicable rule for each community × year, rendered for the writer.

Hot path (≈400,000 results for a 5,000-community city over 10 years):
- the version timeline is shared by all communities under the same policy sets, and the rule list is fixed
  per (version, community kind);
- results of the five premises rules are reused while a community's premises in use and the version stay the
  same; every other rule is evaluated once per distinct `rules.RULE_KEYS` key and version (many communities
  and years share one: same fund amount, same household count and staff in post, nobody under the pay
  standard);
- each result is rendered once, as the text of its stored values (`Rendered.text`), so a community-year is a
  block of text whose digest is compared with the one stored on its rows (compliance_write), and written with
  COPY only when it changed. SQLite gets row tuples instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Hashable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection

from shequ.standards.compliance_io import CommunityFacts, CommunityRef
from shequ.standards.policy import RULES, PolicyResolver, rule_applies
from shequ.standards.rules import PREMISES_RULES, RULE_FUNCTIONS, RULE_KEYS, Facts

NULL = "\\N"

# The detail's JSON text is part of the block's digest: the same dict (the rule functions build theirs in a fixed
# key order) always gives the same text. One encoder for every call: json.dumps with options builds a new one each
# time.
_ENCODER = json.JSONEncoder(ensure_ascii=False)


def dump_detail(detail: dict[str, Any]) -> str:
    return _ENCODER.encode(detail) if detail else "{}"


def copy_escape(text: str) -> str:
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _fixed(value: Decimal | None) -> str:
    """numeric(14, 2) as PostgreSQL prints it."""
    return NULL if value is None else f"{value:.2f}"


class Rendered:
    """One rule's result under one version, rendered once.

    `text` = rule, status, measured, threshold, gap, policy_version_id, detail — tab-separated, NULL as \\N,
    numbers with two decimals, detail as JSON. `copy` is the same with the detail escaped for COPY (usually the
    same string)."""

    __slots__ = ("copy", "detail", "gap", "measured", "rule", "status", "text", "threshold", "totals", "version_id")

    def __init__(
        self, rule: str, status: int, measured: Decimal | None, threshold: Decimal | None, gap: Decimal | None,
        detail: str, version_id: int,
    ) -> None:  # fmt: skip
        self.rule = rule
        self.status = status
        self.measured = measured
        self.threshold = threshold
        self.gap = gap
        self.detail = detail
        self.version_id = version_id
        head = f"{rule}\t{status}\t{_fixed(measured)}\t{_fixed(threshold)}\t{_fixed(gap)}\t{version_id}\t"
        self.text = head + detail
        escaped = copy_escape(detail)
        self.copy = self.text if escaped is detail else head + escaped
        self.totals = 0  # Sink.totals' number for what the rollup sums of this result (set by the Evaluator)


class Block:
    """The results of one community in one year, in rule-name order. `digest` covers everything written for it
    but the time: the community's code and kind and every result's text."""

    __slots__ = ("cid", "code", "digest", "kind", "results", "year")

    def __init__(self, cid: int, code: str, kind: str, year: int, results: list[Rendered]):
        self.cid = cid
        self.code = code
        self.kind = kind
        self.year = year
        self.results = results
        text = "\n".join([f"{code}\t{kind}", *(r.text for r in results)])
        self.digest = hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


class Sink:
    """Collects the blocks, counting statuses on the way."""

    def __init__(self, now: dt.datetime):
        self.copy = connection.vendor == "postgresql"
        self.blocks: list[Block] = []
        self.now = now
        self.rows = 0
        self.counts = {1: 0, 2: 0, 3: 0}
        # (rule, status, measured, threshold, gap) → a number: results that differ only in their detail (another
        # community's premises, the staff named in a list) add up the same in the rollup (compliance_rollup).
        self.totals: dict[tuple[Any, ...], int] = {}

    def add(self, block: Block) -> None:
        counts = self.counts
        for r in block.results:
            counts[r.status] += 1
        self.rows += len(block.results)
        self.blocks.append(block)

    def __len__(self) -> int:
        return self.rows


# (premises rules, other rules, the order that puts premises + other results in rule-name order)
_Plan = tuple[tuple[str, ...], tuple[str, ...], tuple[int, ...]]


class Evaluator:
    """Runs every applicable rule for one community over the years, into a Sink."""

    def __init__(self, resolver: PolicyResolver, today: dt.date, sink: Sink):
        self.resolver = resolver
        self.today = today
        self.sink = sink
        self._plans: dict[tuple[int, str], _Plan] = {}
        self._schedules: dict[tuple[int, str], list[tuple[int, int, dict[str, Any], _Plan]]] = {}
        self._details: dict[tuple[Any, ...], str] = {}
        # (rule, version id, rules.RULE_KEYS[rule](facts)) → result: many communities and years share one.
        self._memo: dict[tuple[str, int, Hashable], Rendered] = {}

    def _plan(self, version_id: int, params: dict[str, Any], kind: str) -> _Plan:
        """(premises rules, other rules, the order that puts premises + other results in rule-name order)."""
        key = (version_id, kind)
        plan = self._plans.get(key)
        if plan is None:
            rules = [rule for rule in RULES if rule_applies(rule, params, kind)]
            premises = tuple(r for r in rules if r in PREMISES_RULES)
            other = tuple(r for r in rules if r not in PREMISES_RULES)
            both = premises + other
            order = tuple(sorted(range(len(both)), key=lambda i: both[i]))
            plan = self._plans[key] = (premises, other, order)
        return plan

    def _schedule(self, ref: CommunityRef, years: Sequence[int]) -> list[tuple[int, int, dict[str, Any], _Plan]]:
        """(year, version id, parameters, plan) per judged year; shared by communities of the same sets and kind."""
        timeline = self.resolver.timeline(ref.code, years)
        key = (id(timeline), ref.kind)  # the resolver keeps each timeline list alive for its whole life
        schedule = self._schedules.get(key)
        if schedule is None:
            schedule = []
            for year, version in timeline:
                params = self.resolver.params(version)
                plan = self._plan(version.pk, params, ref.kind)
                if plan[2]:
                    schedule.append((year, version.pk, params, plan))
            self._schedules[key] = schedule
        return schedule

    def community(self, ref: CommunityRef, facts: CommunityFacts, years: Sequence[int]) -> None:
        sink, memo = self.sink, self._memo
        premises = facts.premises
        reuse: dict[tuple[int, tuple[int, ...]], list[Rendered]] = {}
        facts_y = Facts(
            year=0,
            community_kind=ref.kind,
            premises=premises,
            workers=facts.workers,
            households=facts.households,
            today=self.today,
        )
        for year, vid, params, (premises_rules, other_rules, order) in self._schedule(ref, years):
            facts_y.year = year
            facts_y.operating_funds = facts.operating_funds.get(year)
            facts_y.project_funds = facts.project_funds.get(year)
            results: list[Rendered] = []
            if premises_rules:
                key = (vid, tuple(i for i, p in enumerate(premises) if p.in_use(year)))
                cached = reuse.get(key)
                if cached is None:
                    cached = reuse[key] = [self._render(rule, facts_y, params, vid) for rule in premises_rules]
                results.extend(cached)
            for rule in other_rules:
                memo_key = (rule, vid, RULE_KEYS[rule](facts_y, params))
                rendered = memo.get(memo_key)
                if rendered is None:
                    rendered = memo[memo_key] = self._render(rule, facts_y, params, vid)
                results.append(rendered)
            sink.add(Block(ref.id, ref.code, ref.kind, year, [results[i] for i in order]))

    def _render(self, rule: str, facts: Facts, params: dict[str, Any], version_id: int) -> Rendered:
        status, measured, threshold, gap, detail = RULE_FUNCTIONS[rule](facts, params)
        rendered = Rendered(rule, status, measured, threshold, gap, self._dump(detail), version_id)
        totals = self.sink.totals
        rendered.totals = totals.setdefault((rule, status, measured, threshold, gap), len(totals))
        return rendered

    def _dump(self, detail: dict[str, Any]) -> str:
        """Details repeat a lot (the same missing rooms, the same household count): encode each once."""
        if not detail:
            return "{}"
        try:
            key = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in detail.items())
            text = self._details.get(key)
        except TypeError:  # unhashable (e.g. the list of people below the pay standard)
            return dump_detail(detail)
        if text is None:
            text = self._details[key] = dump_detail(detail)
        return text


__all__ = ["Block", "Evaluator", "Rendered", "Sink", "dump_detail"]
