"""The words of the compliance pages: headline sentences and the "problems" report, written in the style of
the requirement letter ("中心城区还有近10家以上社区服务用房不达标；社区运转经费短缺……") from the figures of
standards.selectors. Thresholds come from the result rows (that is, from the policy version in force), never
from literals here."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from shequ.areas.generator import cn_numeral
from shequ.areas.models import Area, Level
from shequ.standards import selectors
from shequ.standards.selectors import RULE_BY_CODE, UNITS, ShortGroup, Summary, Tally

# Counted nouns: "12 个中心城区社区" / "12 central-city communities".
NOUNS: dict[str, Any] = {
    "": gettext_lazy("个社区（村）"),
    "central_urban": gettext_lazy("个中心城区社区"),
    "urban": gettext_lazy("个城市社区"),
    "township": gettext_lazy("个乡镇社区"),
    "village": gettext_lazy("个村"),
}


def num(value: Any) -> str:
    """A figure as people read it: thousands grouped, no trailing zeros (400, 250,000, 412.5). Grouped the
    same way in every language, so a figure reads the same on the page, in the workbook and in the PDF."""
    if value is None:
        return "—"
    d = Decimal(value)
    if d == d.to_integral_value():
        return f"{int(d):,}"
    return f"{d.quantize(Decimal('0.01')):,}".rstrip("0").rstrip(".")


def with_unit(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    return _("%(value)s %(unit)s") % {"value": num(value), "unit": UNITS.get(unit, "")}


def noun(kind: str) -> str:
    return str(NOUNS.get(kind, NOUNS[""]))


def sep() -> str:
    return _("、")


# --- headlines -----------------------------------------------------------------------------------------------


@dataclass
class Headline:
    text: str
    rule: str
    kind: str = ""


def _by_threshold(groups: list[ShortGroup]) -> dict[Decimal | None, list[ShortGroup]]:
    out: dict[Decimal | None, list[ShortGroup]] = defaultdict(list)
    for g in groups:
        out[g.threshold].append(g)
    return out


def headlines(summary: Summary) -> list[Headline]:
    """One sentence per rule with short communities, e.g. "娄底市 12 个中心城区社区服务用房不足 400 平方米"."""
    area, kind = summary.area.name, summary.kind
    groups: dict[str, list[ShortGroup]] = defaultdict(list)
    for g in summary.short_groups:
        groups[g.rule].append(g)
    out: list[Headline] = []

    def add(text: str, rule: str, k: str = "") -> None:
        out.append(Headline(text, rule, k))

    for rule in ("premises_area", "service_centre"):
        msg = (
            _("%(area)s %(n)s %(noun)s服务用房不足 %(t)s 平方米")
            if rule == "premises_area"
            else _("%(area)s %(n)s %(noun)s未设社区服务中心或面积不足 %(t)s 平方米")
        )
        for threshold, gs in sorted(_by_threshold(groups[rule]).items(), key=lambda i: i[0] or 0):
            n = sum(g.n for g in gs)
            add(msg % {"area": area, "n": num(n), "noun": noun(kind), "t": num(threshold)}, rule, kind)
        central = [g for g in groups[rule] if g.kind == "central_urban"]
        if rule == "premises_area" and not kind and central and len(central) < len(groups[rule]):
            for threshold, gs in sorted(_by_threshold(central).items(), key=lambda i: i[0] or 0):
                n = sum(g.n for g in gs)
                add(
                    msg % {"area": area, "n": num(n), "noun": noun("central_urban"), "t": num(threshold)},
                    rule,
                    "central_urban",
                )
    simple = {
        "functional_rooms": _("%(area)s %(n)s %(noun)s功能室不全"),
        "five_unifications": _("%(area)s %(n)s %(noun)s未做到“五统一”"),
        "plaques": _("%(area)s %(n)s %(noun)s对外挂牌不规范"),
    }
    for rule, msg in simple.items():
        if groups[rule]:
            add(msg % {"area": area, "n": num(sum(g.n for g in groups[rule])), "noun": noun(kind)}, rule, kind)
    if groups["staffing"]:
        gs = groups["staffing"]
        add(
            _("%(area)s %(n)s %(noun)s工作人员配备不达标，共缺 %(gap)s 人")
            % {"area": area, "n": num(sum(g.n for g in gs)), "noun": noun(kind), "gap": num(sum(g.gap for g in gs))},
            "staffing",
            kind,
        )
    for rule, msg in (
        ("operating_funds", _("%(area)s %(n)s %(noun)s运转经费低于 %(t)s 元，缺口合计 %(gap)s 元")),
        ("project_funds", _("%(area)s %(n)s %(noun)s惠民项目资金低于 %(t)s 元，缺口合计 %(gap)s 元")),
    ):
        # thresholds differ by community kind: one sentence per kind and threshold
        for g in sorted(groups[rule], key=lambda g: (g.kind, g.threshold or 0)):
            add(
                msg % {"area": area, "n": num(g.n), "noun": noun(g.kind), "t": num(g.threshold), "gap": num(g.gap)},
                rule,
                g.kind,
            )
    if groups["base_pay"]:
        gs = groups["base_pay"]
        add(
            _("%(area)s %(n)s %(noun)s共 %(people)s 名两委成员基本报酬低于标准，全年差额 %(gap)s 元")
            % {
                "area": area,
                "n": num(sum(g.n for g in gs)),
                "noun": noun(kind),
                "people": num(sum(g.measured for g in gs)),
                "gap": num(sum(g.gap for g in gs)),
            },
            "base_pay",
            kind,
        )
    return out


def gap_figures(summary: Summary) -> list[tuple[str, Any, str]]:
    """(rule, label, figure) of the four shortfalls the letter names: funds, project funds, staff, pay."""
    return [
        ("operating_funds", gettext_lazy("运转经费缺口"), with_unit(summary.tally("operating_funds").gap, "yuan")),
        ("project_funds", gettext_lazy("惠民项目资金缺口"), with_unit(summary.tally("project_funds").gap, "yuan")),
        ("staffing", gettext_lazy("工作人员缺额"), with_unit(summary.tally("staffing").gap, "people")),
        ("base_pay", gettext_lazy("基本报酬差额（全年）"), with_unit(summary.tally("base_pay").gap, "yuan")),
    ]


# --- evidence details ---------------------------------------------------------------------------------------

# The keys of ComplianceResult.detail the engine writes (standards.rules), in display order.
DETAIL_LABELS: dict[str, Any] = {
    "missing": gettext_lazy("缺少"),
    "extra": gettext_lazy("多挂"),
    "no_centre": gettext_lazy("未设服务中心"),
    "newly_built": gettext_lazy("新建社区用房"),
    "households": gettext_lazy("常住户数"),
    "on": gettext_lazy("统计日期"),
    "excess": gettext_lazy("超出上限人数"),
    "below": gettext_lazy("低于标准人员"),
}


def _detail_value(value: Any) -> str:
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return sep().join(_detail_value(v) for v in value)
    if isinstance(value, dict):
        name = str(value.get("name") or "")
        if name and value.get("pay") is not None and value.get("standard") is not None:
            return _("%(name)s（月基本报酬 %(pay)s 元，标准 %(need)s 元，%(months)s 个月）") % {
                "name": name,
                "pay": num(value["pay"]),
                "need": num(value["standard"]),
                "months": value.get("months", "—"),
            }
        return name
    if isinstance(value, (int, float, Decimal)):
        return num(value)
    return str(value)


def detail_lines(detail: Any) -> list[tuple[str, str]]:
    """(label, text) for the parts of a result's detail the pages know how to say; others are left out."""
    if not isinstance(detail, dict):
        return []
    out = []
    for key, label in DETAIL_LABELS.items():
        value = detail.get(key)
        if value in (None, "", [], {}):
            continue
        out.append((str(label), _detail_value(value)))
    return out


# --- the problems report ------------------------------------------------------------------------------------


@dataclass
class Line:
    area: Area | None  # the child area the names are under (None below a sub-district)
    count: int
    names: list[str]
    more: int


@dataclass
class Paragraph:
    number: str
    rule: str
    heading: str
    text: str
    lines: list[Line] = field(default_factory=list)


@dataclass
class Report:
    area: Area
    year: int | None
    years: list[int]
    kind: str
    title: str
    intro: str
    paragraphs: list[Paragraph]
    closing: str
    summary: list[tuple[Any, Tally]]
    communities: int


def _ordinal(n: int) -> str:
    return f"{cn_numeral(n)}、" if (get_language() or "").startswith("zh") else f"{n}. "


def _items_phrase(counts: dict[str, int]) -> str:
    parts = sorted(counts.items(), key=lambda i: (-i[1], i[0]))
    return sep().join(_("%(item)s %(n)s 个") % {"item": item, "n": num(n)} for item, n in parts)


def _lines(
    rule: str, area: Area, children: list[Area], tallies: dict[str, dict[str, Tally]], names: dict
) -> list[Line]:
    # translated once per paragraph: a city report names a thousand communities
    named, value = _("%(name)s（差 %(gap)s）"), _("%(value)s %(unit)s")
    unit = str(UNITS.get(RULE_BY_CODE[rule].gap_unit, ""))

    def label(row: dict[str, Any]) -> str:
        gap = row["gap"]
        if gap:
            return named % {"name": row["community__name"], "gap": value % {"value": num(gap), "unit": unit}}
        return str(row["community__name"])

    if area.level == Level.SUBDISTRICT:
        rows = names.get((rule, area.code), [])
        short = sum(t.get(rule, Tally()).short for t in tallies.values())
        return [Line(None, short, [label(r) for r in rows], max(0, short - len(rows)))] if rows else []
    out = []
    for child in children:
        tally = tallies.get(child.code, {}).get(rule)
        if tally is None or not tally.short:
            continue
        rows = names.get((rule, child.code), [])
        out.append(Line(child, tally.short, [label(r) for r in rows], max(0, tally.short - len(rows))))
    return out


def _rule_text(rule: str, t: Tally, groups: list[ShortGroup], items: dict[str, dict[str, int]], n_: str) -> str:
    n = num(t.short)
    thresholds = sep().join(
        with_unit(th, "m2") for th in sorted({g.threshold for g in groups if g.threshold is not None})
    )
    if rule == "premises_area":
        return _("共 %(n)s %(noun)s公共服务用房面积低于标准（%(t)s），合计差 %(gap)s 平方米。") % {
            "n": n,
            "noun": n_,
            "t": thresholds,
            "gap": num(t.gap),
        }
    if rule == "service_centre":
        absent = sum(g.absent for g in groups)
        return _("共 %(n)s %(noun)s社区服务中心不达标：%(absent)s 个未设服务中心，%(small)s 个面积不足 %(t)s。") % {
            "n": n,
            "noun": n_,
            "absent": num(absent),
            "small": num(t.short - absent),
            "t": thresholds,
        }
    if rule in ("functional_rooms", "five_unifications"):
        msg = (
            _("共 %(n)s %(noun)s功能室不全，其中缺%(items)s。")
            if rule == "functional_rooms"
            else _("共 %(n)s %(noun)s未做到“五统一”，其中缺%(items)s。")
        )
        return msg % {"n": n, "noun": n_, "items": _items_phrase(items.get("missing", {})) or "—"}
    if rule == "plaques":
        return _("共 %(n)s %(noun)s对外挂牌不规范：缺挂%(missing)s；多挂%(extra)s。") % {
            "n": n,
            "noun": n_,
            "missing": _items_phrase(items.get("missing", {})) or _("无"),
            "extra": _items_phrase(items.get("extra", {})) or _("无"),
        }
    if rule == "staffing":
        over = sum(g.zero_gap for g in groups)
        text = _("共 %(n)s %(noun)s工作人员配备不达标，共缺 %(gap)s 人。") % {"n": n, "noun": n_, "gap": num(t.gap)}
        if over:
            text += _("其中 %(over)s 个工作人员人数超过上限。") % {"over": num(over)}
        return text
    if rule in ("operating_funds", "project_funds"):
        by_kind = sep().join(
            _("%(n)s %(noun)s低于 %(t)s 元") % {"n": num(g.n), "noun": noun(g.kind), "t": num(g.threshold)}
            for g in sorted(groups, key=lambda g: (g.kind, g.threshold or 0))
        )
        msg = (
            _("共 %(n)s %(noun)s运转经费未达到标准（%(by_kind)s），缺口合计 %(gap)s 元。")
            if (rule == "operating_funds")
            else _("共 %(n)s %(noun)s惠民项目资金未达到标准（%(by_kind)s），缺口合计 %(gap)s 元。")
        )
        return msg % {"n": n, "noun": n_, "by_kind": by_kind, "gap": num(t.gap)}
    if rule == "base_pay":
        return _("共 %(n)s %(noun)s %(people)s 名两委成员基本报酬低于标准，全年差额合计 %(gap)s 元。") % {
            "n": n,
            "noun": n_,
            "people": num(t.measured),
            "gap": num(t.gap),
        }
    return _("共 %(n)s %(noun)s未达标。") % {"n": n, "noun": n_}


HEADINGS: dict[str, Any] = {
    "premises_area": gettext_lazy("社区服务用房面积不达标"),
    "service_centre": gettext_lazy("社区服务中心未设或面积不足"),
    "functional_rooms": gettext_lazy("功能室不全"),
    "five_unifications": gettext_lazy("未做到“五统一”"),
    "plaques": gettext_lazy("对外挂牌不规范"),
    "staffing": gettext_lazy("工作人员配备不足"),
    "operating_funds": gettext_lazy("社区工作运转经费短缺"),
    "project_funds": gettext_lazy("惠民项目资金不足"),
    "base_pay": gettext_lazy("两委成员基本报酬偏低"),
}


def problems_report(*, viewer: Any, area: Area, year: int | None = None, kind: str = "") -> Report:
    """Numbered paragraphs, one per rule with short communities: totals, then counts and names per child area."""
    years = selectors.year_bounds(viewer=viewer, area_code=area.code, kind=kind)
    if year is None and years:
        year = years[-1]
    digest = selectors.figures_digest(viewer=viewer, area=area, kind=kind, year=year)
    children: list[Area] = []
    tallies: dict[str, dict[str, Tally]] = {}
    if year is not None and area.level == Level.COMMUNITY:
        tallies = {area.code: digest.by_year.get(year, {})}
    elif year is not None:
        children, tallies = selectors.child_tallies(viewer=viewer, area=area, year=year, kind=kind, digest=digest)
    totals: dict[str, Tally] = defaultdict(Tally)
    for per_rule in tallies.values():
        for rule, t in per_rule.items():
            total = totals[rule]
            total.meets, total.short, total.no_data = (
                total.meets + t.meets,
                total.short + t.short,
                total.no_data + t.no_data,
            )
            total.gap += t.gap
            total.measured += t.measured
    paragraphs: list[Paragraph] = []
    if year is not None and any(t.short for t in totals.values()):
        groups: dict[str, list[ShortGroup]] = defaultdict(list)
        for g in digest.short.get(year, []):
            groups[g.rule].append(g)
        names = selectors.short_names(viewer=viewer, area=area, year=year, kind=kind)
        items = selectors.missing_item_counts(viewer=viewer, area=area, year=year, kind=kind)
        for rule in (r.code for r in selectors.RULES):
            tally = totals.get(rule)
            if tally is None or not tally.short:
                continue
            paragraphs.append(
                Paragraph(
                    number=_ordinal(len(paragraphs) + 1),
                    rule=rule,
                    heading=str(HEADINGS[rule]),
                    text=_rule_text(rule, tally, groups[rule], items.get(rule, {}), noun(kind)),
                    lines=_lines(rule, area, children, tallies, names),
                )
            )
    communities = max((t.total for t in totals.values()), default=0)
    year_text = str(year) if year is not None else "—"
    no_data = [(RULE_BY_CODE[r].label, t.no_data) for r, t in totals.items() if t.no_data and r in RULE_BY_CODE]
    return Report(
        area=area,
        year=year,
        years=years,
        kind=kind,
        title=_("%(area)s %(year)s 年社区建设达标问题报告") % {"area": area.name, "year": year_text},
        intro=(
            _("对照社区建设标准，比对 %(area)s %(n)s %(noun)s %(year)s 年度数据，存在以下问题：")
            if paragraphs
            else _("对照社区建设标准，比对 %(area)s %(n)s %(noun)s %(year)s 年度数据，未发现不达标情况。")
        )
        % {"area": area.name, "n": num(communities), "noun": noun(kind), "year": year_text},
        paragraphs=paragraphs,
        closing=(
            _("另有以下项目因缺少数据未能评估：%(items)s。")
            % {"items": sep().join(_("%(rule)s %(n)s 个") % {"rule": label, "n": num(n)} for label, n in no_data)}
            if no_data
            else ""
        ),
        summary=[(r, totals[r.code]) for r in selectors.RULES if r.code in totals],
        communities=communities,
    )
