"""Deterministic standards facts for the demo and the benchmark: premises and rooms, workers and their annual
evaluations (with the action items two 不称职 years in a row open), operating and project funds.

Drawn around the numbers of the policy in force (so a new policy version moves the demo with it): most
communities meet the standards, some do not — about 10 % of central-city premises under the minimum area,
some without a service centre, rooms, unifications or plaques missing or extra, staff short or over the
ratio, committee members paid under the standard, a few workers rated 不称职 twice running, funds short or
not recorded. Each community draws from its own random stream (seed + code), so the output does not depend
on the order or the subset of communities generated. Rows go in with COPY (PostgreSQL) or batched INSERTs.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Count, Max
from django.utils import timezone

from shequ.areas.generator import seeded
from shequ.areas.models import Area, CommunityKind, Level
from shequ.facilities.models import FacilityPhoto, FunctionalRoom, Premises
from shequ.funding.models import OperatingFund, ProjectFund
from shequ.governance.models import ActionItem, Evaluation, Worker
from shequ.registry.generator.people import given_name, surname
from shequ.registry.models import Household, HouseholdKind
from shequ.standards.compliance_io import bulk_insert
from shequ.standards.models import ComplianceResult
from shequ.standards.policy import OPERATING_FUNDS_KEYS, TOPIC, Params, PolicyResolver

# Used only when no policy version supplies a number (a database without the seed policy): what to draw
# around, never what anything is judged by.
FALLBACK: dict[str, Any] = {
    "premises_min_m2": Decimal(400),
    "premises_min_m2_new": Decimal(600),
    "service_centre_min_m2": Decimal(50),
    "functional_rooms": ["党群活动室", "调解室", "警务室", "计划生育服务室", "慈善超市", "社区办公室", "辅助用房"],
    "unifications": ["社区标识", "外墙装饰", "机构门牌", "服务窗口", "宣传栏目"],
    "plaques": ["社区党组织", "社区居民委员会", "社区服务中心"],
    "staff_households_per_worker": Decimal(200),
    "staff_min": Decimal(5),
    "staff_max": Decimal(9),
    "operating_funds_min_village": Decimal(80000),
    "operating_funds_min_urban": Decimal(200000),
    "operating_funds_min_central_urban": Decimal(250000),
    "operating_funds_min_township": Decimal(100000),
    "project_funds_min_central_urban": Decimal(200000),
    "base_pay_director": Decimal(1500),
    "base_pay_deputy": Decimal(1400),
    "base_pay_member": Decimal(1200),
}
EXTRA_PLAQUES = ("社区老年协会", "社区志愿者协会", "社区关工委", "社区禁毒工作站", "社区妇联")
PROJECTS = ("老旧小区改造", "社区养老服务站", "便民服务设施", "文体活动场所", "社区绿化提质", "背街小巷整治")
STREETS = ("路", "街", "大道", "巷")
FUND_SOURCES = ("city", "district", "subdistrict", "other")
_FACT_MODELS: tuple[type[models.Model], ...] = (
    ComplianceResult,
    ActionItem,
    Evaluation,
    Worker,
    FacilityPhoto,
    FunctionalRoom,
    Premises,
    OperatingFund,
    ProjectFund,
)


def standards_facts_delete(*, root_code: str) -> None:
    """Remove every standards fact (and result) under `root_code`: before regenerating, and before the demo
    deletes the generated communities these rows point at."""
    for model in _FACT_MODELS:
        model._base_manager.filter(area_code__startswith=root_code)._raw_delete(connection.alias)


def _params(resolver: PolicyResolver, code: str, year: int, memo: dict[int, dict[str, Any]]) -> dict[str, Any]:
    version = resolver.version_for(code, year)
    key = version.pk if version is not None else 0
    if key not in memo:
        params: Params = resolver.params(version)
        memo[key] = {**FALLBACK, **params}
    return memo[key]


def _money(value: float) -> Decimal:
    """Rounded to 100 yuan, as budgets are."""
    return Decimal(round(value / 100) * 100)


def _split(rng: random.Random, total: Decimal, parts: int) -> list[Decimal]:
    """`total` in `parts` amounts of whole hundreds that add up exactly."""
    if parts <= 1:
        return [total]
    shares = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    whole = sum(shares)
    amounts = [_money(float(total) * s / whole) for s in shares[:-1]]
    return [*amounts, total - sum(amounts, Decimal(0))]


class _Ids:
    """Primary keys handed out up front, so rooms, evaluations and action items can point at their rows."""

    def __init__(self, *model_list: type[models.Model]):
        self.next = {m: (m._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1 for m in model_list}

    def take(self, model: type[models.Model]) -> int:
        pk = self.next[model]
        self.next[model] += 1
        return pk


class _Rows:
    def __init__(self) -> None:
        self.premises: list[tuple[Any, ...]] = []
        self.rooms: list[tuple[Any, ...]] = []
        self.workers: list[tuple[Any, ...]] = []
        self.evaluations: list[tuple[Any, ...]] = []
        self.actions: list[tuple[Any, ...]] = []
        self.operating: list[tuple[Any, ...]] = []
        self.projects: list[tuple[Any, ...]] = []


class _Community:
    """One community's facts over the years, appended to the shared row lists."""

    def __init__(self, ctx: _Context, area: tuple[int, str, str, str], households: int):
        self.ctx = ctx
        self.cid, self.code, self.kind, self.name = area
        self.households = households
        self.rng = seeded(ctx.seed, "standards", self.code)
        self.first, self.last = ctx.years[0], ctx.years[-1]
        self.p = _params(ctx.resolver, self.code, self.last, ctx.params_memo)

    def build(self) -> None:
        self.premises()
        self.workers()
        self.funds()

    # -- premises ------------------------------------------------------------------------------------------
    def premises(self) -> None:
        rng = self.rng
        if rng.random() < 0.9 or self.last <= self.first:
            start = self.first - rng.randint(0, 8)
        else:
            start = rng.randint(self.first + 1, self.last)
        if rng.random() < 0.15 and self.last - start >= 3:
            move = rng.randint(start + 2, self.last)
            self._one_premises(start, move - 1, new=False, old=True)
            self._one_premises(move, None, new=rng.random() < 0.7, old=False)
        else:
            self._one_premises(start, None, new=rng.random() < 0.05, old=False)

    def _one_premises(self, year_from: int, year_to: int | None, *, new: bool, old: bool) -> None:
        rng, p, ctx = self.rng, self.p, self.ctx
        minimum = float(p["premises_min_m2_new"] if new else p["premises_min_m2"])
        below = 0.1 if self.kind == CommunityKind.CENTRAL_URBAN else 0.07
        if old:
            below = 0.5
        if rng.random() < below:
            area = rng.uniform(minimum * 0.55, minimum - 0.01)
        else:
            area = rng.uniform(minimum, minimum * 2.2)
        centre_min = float(p["service_centre_min_m2"])
        roll = rng.random()
        centre: Decimal | None = None
        if roll < 0.90 - (0.3 if old else 0):
            centre = Decimal(f"{rng.uniform(centre_min, centre_min * 3):.2f}")
        elif roll < 0.95 - (0.3 if old else 0):
            centre = Decimal(f"{rng.uniform(centre_min * 0.5, centre_min - 0.01):.2f}")
        keep = 0.8 if old else 0.98
        unifications = [u for u in p["unifications"] if rng.random() < keep]
        plaques = list(p["plaques"])
        roll = rng.random()
        if roll < 0.08:
            plaques.append(rng.choice(EXTRA_PLAQUES))
        elif roll < 0.13:
            plaques.remove(rng.choice(plaques))
        pk = ctx.ids.take(Premises)
        street = f"{self.name.removesuffix('社区').removesuffix('村')}{rng.choice(STREETS)}{rng.randint(1, 399)}号"
        ctx.rows.premises.append(
            (pk, self.cid, self.code, f"{self.name}综合服务用房", street, Decimal(f"{area:.2f}"), year_from, year_to,
             new, rng.choice(("owned", "owned", "owned", "rented", "lent")), centre, unifications, plaques, "",
             ctx.now, ctx.now)
        )  # fmt: skip
        for room in p["functional_rooms"]:
            if rng.random() < keep:
                ctx.rows.rooms.append((pk, self.code, room, Decimal(rng.randint(15, 80))))

    # -- workers, evaluations, action items ------------------------------------------------------------------
    def workers(self) -> None:
        rng, p = self.rng, self.p
        per = float(p["staff_households_per_worker"]) or 200.0
        required = min(int(p["staff_max"]), max(int(p["staff_min"]), -(-self.households // int(per))))
        roll = rng.random()
        n = required - 1 if roll < 0.1 else required + 1 if roll > 0.88 else required
        n = max(4, min(10, n))
        positions = ["director", "deputy"] + (["deputy"] if n >= 7 else []) + ["member"] * (3 if n >= 8 else 2)
        positions = (positions + ["worker"] * n)[:n]
        for seat, position in enumerate(positions):
            committee = "none" if position == "worker" else ("party", "residents")[seat % 2]
            start = dt.date(self.first - rng.randint(0, 6), rng.randint(1, 12), rng.randint(1, 28))
            while True:
                end = None
                if rng.random() < 0.3:
                    end_year = rng.randint(max(start.year, self.first), self.last + 3)
                    end = dt.date(end_year, rng.randint(1, 12), rng.randint(1, 28))
                    if end <= start or end >= self.ctx.today:
                        end = None
                end = self._worker(position, committee, start, end)
                if end is None or rng.random() < 0.1:  # a seat now and then left empty for good
                    break
                start = end + dt.timedelta(days=1 + (rng.randint(30, 200) if rng.random() < 0.25 else 0))
                if start >= self.ctx.today:
                    break

    def _worker(self, position: str, committee: str, start: dt.date, end: dt.date | None) -> dt.date | None:
        """Write one worker and their evaluations; returns the day they left (None: still in post)."""
        rng, ctx = self.rng, self.ctx
        standard = self.p.get(f"base_pay_{position}")
        if standard is None:
            pay = Decimal(rng.randrange(1200, 2600, 50))
        elif rng.random() < 0.04:
            pay = standard - Decimal(rng.randrange(100, 400, 50))
        else:
            pay = standard + Decimal(rng.choice((0, 0, 0, 100, 200, 300)))
        pk = ctx.ids.take(Worker)
        male = rng.random() < 0.45
        name = surname(rng) + given_name(rng, male, rng.randint(1965, 1995))
        struggling = rng.random() < 0.03
        previous_bad: int | None = None
        # The annual evaluation rates those in post on 31 December of a year that is over.
        for year in range(max(start.year, self.first), min(self.last, ctx.today.year - 1) + 1):
            if end is not None and end < dt.date(year, 12, 31):
                break
            rating = self._rating(struggling, previous_bad is not None)
            ctx.rows.evaluations.append((pk, self.code, year, rating, "", ctx.now))
            if rating != "incompetent":
                previous_bad = None
                continue
            if previous_bad == year - 1:
                end = self._action(pk, year, end)
            previous_bad = year
        ctx.rows.workers.append(
            (pk, self.cid, self.code, None, name, position, committee, start, end, pay, ctx.now, ctx.now)
        )
        return end

    def _rating(self, struggling: bool, after_bad: bool) -> str:
        roll = self.rng.random()
        if struggling:
            return "incompetent" if roll < (0.7 if after_bad else 0.5) else "basic" if after_bad else "competent"
        if roll < 0.2:
            return "excellent"
        if roll < 0.85:
            return "competent"
        return "basic" if roll < 0.985 else "incompetent"

    def _action(self, worker_id: int, second_year: int, end: dt.date | None) -> dt.date | None:
        """Two 不称职 in a row: an action item — dealt with (and the worker gone) when old enough."""
        ctx, rng = self.ctx, self.rng
        closed = dt.date(second_year + 1, rng.randint(2, 6), rng.randint(1, 28))
        if closed < ctx.today - dt.timedelta(days=120) and rng.random() < 0.8:
            outcome = rng.choice(("resigned", "recalled", "dismissed"))
            closed_at = dt.datetime.combine(closed, dt.time(10), tzinfo=dt.UTC)
            ctx.rows.actions.append(
                (worker_id, self.code, "incompetent_twice", second_year - 1, second_year, "done", outcome, "",
                 ctx.now, closed_at, None)
            )  # fmt: skip
            return closed if end is None or closed < end else end
        ctx.rows.actions.append(
            (worker_id, self.code, "incompetent_twice", second_year - 1, second_year, "open", "", "", ctx.now, None,
             None)
        )  # fmt: skip
        return end

    # -- funds ---------------------------------------------------------------------------------------------
    def funds(self) -> None:
        rng, ctx = self.rng, self.ctx
        key = OPERATING_FUNDS_KEYS.get(self.kind, "operating_funds_min_village")
        for year in ctx.years:
            p = _params(ctx.resolver, self.code, year, ctx.params_memo)
            roll = rng.random()
            if roll < 0.03:
                continue  # nothing recorded that year
            minimum = float(p[key])
            total = _money(minimum * (rng.uniform(0.6, 0.99) if roll < 0.15 else rng.uniform(1.0, 1.3)))
            if roll >= 0.15 and total < p[key]:
                total = p[key]
            sources = FUND_SOURCES[: rng.randint(2, 3)] if self.kind != CommunityKind.VILLAGE else FUND_SOURCES[1:3]
            for source, amount in zip(sources, _split(rng, total, len(sources)), strict=True):
                received = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
                ctx.rows.operating.append((self.cid, self.code, year, source, amount, received, "", ctx.now))
            if self.kind != CommunityKind.CENTRAL_URBAN:
                continue
            roll = rng.random()
            if roll < 0.05:
                continue
            minimum = float(p["project_funds_min_central_urban"])
            total = _money(minimum * (rng.uniform(0.5, 0.99) if roll < 0.15 else rng.uniform(1.0, 1.4)))
            total = max(total, p["project_funds_min_central_urban"]) if roll >= 0.15 else total
            names = rng.sample(PROJECTS, rng.randint(1, 3))
            for name, amount in zip(names, _split(rng, total, len(names)), strict=True):
                ctx.rows.projects.append((self.cid, self.code, year, name, amount, "", ctx.now))


class _Context:
    def __init__(self, seed: int, years: list[int]):
        self.seed = seed
        self.years = years
        self.resolver = PolicyResolver(TOPIC)
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.ids = _Ids(Premises, Worker)
        self.rows = _Rows()
        self.params_memo: dict[int, dict[str, Any]] = {}


def generate_standards_facts(*, root_code: str, years: range, seed: int = 1) -> dict[str, int]:
    """Replace the standards facts of every community and village under `root_code` with generated ones for
    `years`; returns rows written per kind. Does not recompute the results (standards.compliance does)."""
    year_list = list(years)
    if not year_list:
        return {}
    with transaction.atomic():
        standards_facts_delete(root_code=root_code)
        ctx = _Context(seed, year_list)
        areas = list(
            Area.objects.filter(level=Level.COMMUNITY, code__startswith=root_code)
            .order_by("code")
            .values_list("pk", "code", "community_kind", "name")
        )
        households = dict(
            Household.objects.filter(
                area_code__startswith=root_code, kind=HouseholdKind.PERMANENT, dissolved_at__isnull=True
            )
            .values("community_id")
            .annotate(n=Count("pk"))
            .order_by()
            .values_list("community_id", "n")
        )
        for area in areas:
            _Community(ctx, area, households.get(area[0], 0)).build()
        return _write(ctx.rows) | {"communities": len(areas)}


def _write(rows: _Rows) -> dict[str, int]:
    counts = {
        "premises": bulk_insert(Premises, _PREMISES_COLUMNS, rows.premises),
        "rooms": bulk_insert(FunctionalRoom, ("premises_id", "area_code", "name", "floor_area_m2"), rows.rooms),
        "workers": bulk_insert(Worker, _WORKER_COLUMNS, rows.workers),
        "evaluations": bulk_insert(
            Evaluation, ("worker_id", "area_code", "year", "rating", "note", "recorded_at"), rows.evaluations
        ),
        "action_items": bulk_insert(ActionItem, _ACTION_COLUMNS, rows.actions),
        "operating_funds": bulk_insert(
            OperatingFund,
            ("community_id", "area_code", "year", "source", "amount", "received_on", "note", "created_at"),
            rows.operating,
        ),
        "project_funds": bulk_insert(
            ProjectFund, ("community_id", "area_code", "year", "name", "amount", "note", "created_at"), rows.projects
        ),
    }
    statements = connection.ops.sequence_reset_sql(no_style(), [Premises, Worker])
    if connection.vendor == "postgresql":
        statements += [f"ANALYZE {connection.ops.quote_name(m._meta.db_table)}" for m in _FACT_MODELS]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return counts


_PREMISES_COLUMNS = (
    "id", "community_id", "area_code", "name", "address", "floor_area_m2", "year_from", "year_to", "newly_built",
    "tenure", "service_centre_m2", "unifications", "plaques", "note", "created_at", "updated_at",
)  # fmt: skip
_WORKER_COLUMNS = (
    "id", "community_id", "area_code", "resident_id", "name", "position", "committee", "start_date", "end_date",
    "monthly_base_pay", "created_at", "updated_at",
)  # fmt: skip
_ACTION_COLUMNS = (
    "worker_id", "area_code", "kind", "first_year", "second_year", "status", "outcome", "outcome_note", "opened_at",
    "closed_at", "closed_by_id",
)  # fmt: skip
