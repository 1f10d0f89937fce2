"""Reads of operating and project funds, cut to the viewer's subtree (Perm.STANDARDS_VIEW); a row outside it
answers exactly like a missing one."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area, Level
from shequ.core.errors import NotFound
from shequ.core.roles import Perm
from shequ.funding.models import FundSource, OperatingFund, ProjectFund
from shequ.standards.policy import OPERATING_FUNDS_KEYS, TOPIC, params, version_for

PROJECT_MIN_KEY = "project_funds_min_central_urban"


def _scope(viewer: Any, field_name: str = "area_code") -> Q:
    return viewer_scope(viewer).q(Perm.STANDARDS_VIEW, field_name)


def _pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


def _filtered(qs: QuerySet, community_code: str, year: int | None) -> QuerySet:
    code = (community_code or "").strip()
    if code:
        qs = qs.filter(area_code=code) if code.isdigit() else qs.none()
    if year is not None:
        qs = qs.filter(year=year)
    return qs


def operating_list(*, viewer: Any, community_code: str = "", year: int | None = None) -> QuerySet[OperatingFund]:
    qs = _filtered(OperatingFund.objects.filter(_scope(viewer)), community_code, year)
    return qs.select_related("community").order_by("area_code", "-year", "source", "pk")


def project_list(*, viewer: Any, community_code: str = "", year: int | None = None) -> QuerySet[ProjectFund]:
    qs = _filtered(ProjectFund.objects.filter(_scope(viewer)), community_code, year)
    return qs.select_related("community").order_by("area_code", "-year", "name", "pk")


def operating_get(*, viewer: Any, pk: Any) -> OperatingFund:
    fund = OperatingFund.objects.filter(_scope(viewer), pk=_pk(pk)).select_related("community").first()
    if fund is None:
        raise NotFound()
    return fund


def project_get(*, viewer: Any, pk: Any) -> ProjectFund:
    fund = ProjectFund.objects.filter(_scope(viewer), pk=_pk(pk)).select_related("community").first()
    if fund is None:
        raise NotFound()
    return fund


@dataclass
class YearFunds:
    """One year of a community's money, with the minimums of the policy in force that year (None: none)."""

    year: int
    operating: list[OperatingFund] = field(default_factory=list)
    projects: list[ProjectFund] = field(default_factory=list)
    by_source: list[tuple[str, Decimal]] = field(default_factory=list)  # (label, total), sources present
    operating_total: Decimal = Decimal(0)
    project_total: Decimal = Decimal(0)
    operating_min: Decimal | None = None
    project_min: Decimal | None = None

    @property
    def operating_short(self) -> bool:
        return self.operating_min is not None and self.operating_total < self.operating_min

    @property
    def project_short(self) -> bool:
        return self.project_min is not None and self.project_total < self.project_min


def community_years(*, viewer: Any, community: Area) -> list[YearFunds]:
    """Every year with a fund recorded for `community` (read through the viewer's scope), newest first."""
    operating = list(operating_list(viewer=viewer, community_code=community.code))
    projects = list(project_list(viewer=viewer, community_code=community.code))
    years: dict[int, YearFunds] = {}
    for op in operating:
        years.setdefault(op.year, YearFunds(op.year)).operating.append(op)
    for pf in projects:
        years.setdefault(pf.year, YearFunds(pf.year)).projects.append(pf)
    labels = dict(FundSource.choices)
    minimum_key = OPERATING_FUNDS_KEYS.get(community.community_kind)
    for item in years.values():
        totals: dict[str, Decimal] = {}
        for op in item.operating:
            totals[op.source] = totals.get(op.source, Decimal(0)) + op.amount
        item.by_source = [(str(labels[s]), totals[s]) for s in FundSource.values if s in totals]
        item.operating_total = sum(totals.values(), Decimal(0))
        item.project_total = sum((pf.amount for pf in item.projects), Decimal(0))
        values = params(version_for(TOPIC, community.code, item.year))
        op_min = values.get(minimum_key) if minimum_key else None
        item.operating_min = op_min if isinstance(op_min, Decimal) else None
        pr_min = values.get(PROJECT_MIN_KEY) if community.community_kind == "central_urban" else None
        item.project_min = pr_min if isinstance(pr_min, Decimal) else None
    return [years[y] for y in sorted(years, reverse=True)]


def community_totals(*, viewer: Any, year: int, subdistrict: str = "", q: str = "") -> QuerySet[Area]:
    """Communities in the viewer's subtree with `operating_total` and `project_total` for `year` (None: no
    row)."""
    money = DecimalField(max_digits=14, decimal_places=2)

    def total(model: type[OperatingFund] | type[ProjectFund]) -> Subquery:
        rows = model.objects.filter(community=OuterRef("pk"), year=year).order_by().values("community")
        return Subquery(rows.annotate(v=Sum("amount")).values("v")[:1], output_field=money)

    qs = Area.objects.filter(_scope(viewer, "code"), level=Level.COMMUNITY)
    subdistrict = (subdistrict or "").strip()
    if subdistrict:
        qs = qs.filter(code__startswith=subdistrict) if subdistrict.isdigit() else qs.none()
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q))
    return (
        qs.annotate(operating_total=total(OperatingFund), project_total=total(ProjectFund))
        .select_related("parent")
        .order_by("code")
    )


def year_totals(*, viewer: Any, year: int, subdistrict: str = "", q: str = "") -> dict[str, Decimal | None]:
    """The sums over every community `community_totals` would list (not only one page)."""
    out: dict[str, Decimal | None] = {}
    for key, model in (("operating", OperatingFund), ("project", ProjectFund)):
        qs = model.objects.filter(_scope(viewer), year=year)
        subdistrict = (subdistrict or "").strip()
        if subdistrict:
            qs = qs.filter(area_code__startswith=subdistrict) if subdistrict.isdigit() else qs.none()
        q = (q or "").strip()
        if q:
            qs = qs.filter(Q(community__name__contains=q) | Q(area_code__startswith=q))
        out[key] = qs.aggregate(total=Sum("amount"))["total"]
    return out


def latest_year(*, viewer: Any) -> int | None:
    """The latest year with a fund row in the viewer's subtree (the list page's default year)."""
    years = [
        model.objects.filter(_scope(viewer)).order_by("-year").values_list("year", flat=True).first()
        for model in (OperatingFund, ProjectFund)
    ]
    found = [y for y in years if y is not None]
    return max(found) if found else None
