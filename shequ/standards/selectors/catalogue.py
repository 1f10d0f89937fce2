"""What the compliance pages know about the rules (display order, units) and the shapes of their figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from shequ.areas.models import CODE_LENGTH, Area, Level
from shequ.standards.models import ComplianceStatus


@dataclass(frozen=True)
class Rule:
    code: str
    label: Any
    unit: str  # of `measured` and `threshold`
    gap_unit: str


# Display order and units of the rule codes the engine writes (standards.compliance).
RULES: tuple[Rule, ...] = (
    Rule("premises_area", _("公共服务用房面积"), "m2", "m2"),
    Rule("service_centre", _("社区服务中心面积"), "m2", "m2"),
    Rule("functional_rooms", _("功能室"), "items", "items"),
    Rule("five_unifications", _("“五统一”"), "items", "items"),
    Rule("plaques", _("对外挂牌"), "items", "items"),
    Rule("staffing", _("工作人员配备"), "people", "people"),
    Rule("operating_funds", _("工作运转经费"), "yuan", "yuan"),
    Rule("project_funds", _("惠民项目资金"), "yuan", "yuan"),
    Rule("base_pay", _("两委成员基本报酬"), "people", "yuan"),
)
RULE_BY_CODE: dict[str, Rule] = {r.code: r for r in RULES}
UNITS: dict[str, Any] = {"m2": _("平方米"), "items": _("项"), "people": _("人"), "yuan": _("元")}
STATUS_PARAM: dict[str, int] = {
    "meets": ComplianceStatus.MEETS,
    "short": ComplianceStatus.SHORT,
    "no_data": ComplianceStatus.NO_DATA,
}
STATUS_NAME: dict[int, str] = {v: k for k, v in STATUS_PARAM.items()}
DASHBOARD_LEVELS = (Level.CITY, Level.DISTRICT, Level.SUBDISTRICT, Level.COMMUNITY)
CHILD_LENGTH: dict[str, int] = {
    Level.CITY: CODE_LENGTH[Level.DISTRICT],
    Level.DISTRICT: CODE_LENGTH[Level.SUBDISTRICT],
    Level.SUBDISTRICT: CODE_LENGTH[Level.COMMUNITY],
}
# How many community names the problems report lists per (rule, child area); the rest are counted.
NAMES_PER_GROUP = 30


@dataclass(slots=True)
class Tally:
    """Communities meeting / short of / without data for a rule (or all rules), and what the short ones lack."""

    meets: int = 0
    short: int = 0
    no_data: int = 0
    gap: Decimal = Decimal(0)  # summed over the short rows, in the rule's gap unit
    measured: Decimal = Decimal(0)  # summed over the short rows (base_pay: the people paid below the standard)

    def add(self, status: int, n: int, gap: Decimal | None = None, measured: Decimal | None = None) -> None:
        if status == ComplianceStatus.MEETS:
            self.meets += n
        elif status == ComplianceStatus.SHORT:
            self.short += n
            self.gap += gap or 0
            self.measured += measured or 0
        else:
            self.no_data += n

    @property
    def total(self) -> int:
        return self.meets + self.short + self.no_data

    @property
    def rate(self) -> float | None:
        """Share meeting the rule among those assessed (no data is counted apart), in per cent."""
        assessed = self.meets + self.short
        return round(100.0 * self.meets / assessed, 1) if assessed else None


@dataclass
class ChildFigure:
    area: Area
    total: Tally
    rules: dict[str, Tally]


@dataclass
class ShortGroup:
    """Short rows of one rule, community kind and threshold (the headline sentences come from these)."""

    rule: str
    kind: str
    threshold: Decimal | None
    n: int
    gap: Decimal
    measured: Decimal
    absent: int  # measured empty or zero (e.g. no service centre at all)
    zero_gap: int  # short without a shortfall (e.g. more staff than the maximum)


@dataclass
class Summary:
    area: Area
    year: int | None
    years: list[int]
    kind: str
    rules: list[tuple[Rule, Tally]]
    total: Tally
    communities: int
    children: list[ChildFigure]
    trend: list[tuple[int, Tally, dict[str, Tally]]]
    short_groups: list[ShortGroup] = field(default_factory=list)
    computed_at: datetime | None = None  # when the newest of the area's results was written

    def tally(self, rule: str) -> Tally:
        return next((t for r, t in self.rules if r.code == rule), Tally())


@dataclass
class Digest:
    """The sums of an area's figures, all years (what is cached): per year and rule, per year, child and rule
    (city and district), and the short rows per year by rule, community kind and threshold."""

    by_year: dict[int, dict[str, Tally]]
    by_child: dict[int, dict[str, dict[str, Tally]]]
    short: dict[int, list[ShortGroup]]
    computed_at: datetime | None = None  # when the newest of these results was written
