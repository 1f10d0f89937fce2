"""Compliance pages: the dashboard of an area (city, district, sub-district), the communities behind a figure,
one community's evidence, the problems report, the exports, and starting a recompute with its progress page.
Thin: parse → selector (or service) → render."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from shequ.areas.models import CommunityKind, Level
from shequ.core.errors import NotFound, ValidationFailed
from shequ.core.models import BackgroundJob
from shequ.registry.paging import paginate
from shequ.standards import exports, problems, selectors
from shequ.standards.compliance import recompute_allowed
from shequ.standards.models import ComplianceResult, ComplianceStatus
from shequ.standards.selectors import RULE_BY_CODE, RULES, STATUS_PARAM, UNITS
from shequ.standards.tasks import compliance_recompute_job_get, compliance_recompute_start

# Placeholder code reversed once per request; rows get their links by substitution (no reverse() per row).
_CODE = "000000000000"


def parse_year(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 1949 <= int(raw) <= 2100:
        message = _("年份应为四位数字，例如 2024。")
        raise ValidationFailed(message, details={"year": message})
    return int(raw)


def parse_kind(raw: str | None) -> str:
    raw = (raw or "").strip()
    if raw and raw not in CommunityKind.values:
        message = _("社区类别只能是：%(kinds)s。") % {"kinds": _("、").join(CommunityKind.values)}
        raise ValidationFailed(message, details={"kind": message})
    return raw


def parse_status(raw: str | None) -> str:
    raw = (raw or "short").strip()
    if raw != "all" and raw not in STATUS_PARAM:
        message = _("达标状态只能是：%(values)s。") % {"values": _("、").join(("meets", "short", "no_data", "all"))}
        raise ValidationFailed(message, details={"status": message})
    return raw


def _query(**params: Any) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _optional_url(name: str, code: str) -> str:
    """Facilities, staff and funds pages belong to other apps; a missing route must not break this page."""
    try:
        return reverse(name, args=[code])
    except NoReverseMatch:
        return ""


_SYMBOLS = {ComplianceStatus.MEETS: "✓", ComplianceStatus.SHORT: "✗", ComplianceStatus.NO_DATA: "–"}


def _trend_cell(result: Any, labels: dict[int, str]) -> tuple[str, str, str]:
    """(css class, symbol, label) of one rule in one year on the community page."""
    if result is None:
        return "", "·", ""
    return f"s{result.status}", _SYMBOLS.get(result.status, "?"), labels.get(result.status, "")


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1f}%"


class _Figures:
    """Measured, threshold and gap of results as displayed, with their units — the units and the pattern
    translated once per page, not once per row."""

    def __init__(self) -> None:
        self.pattern = _("%(value)s %(unit)s")
        self.units = {key: str(label) for key, label in UNITS.items()}
        self.statuses = {value: str(label) for value, label in ComplianceStatus.choices}

    def show(self, value: Any, unit: str) -> str:
        return "—" if value is None else self.pattern % {"value": problems.num(value), "unit": self.units.get(unit, "")}

    def __call__(self, r: Any) -> dict[str, str]:
        info = RULE_BY_CODE.get(r.rule)
        unit, gap_unit = (info.unit, info.gap_unit) if info else ("", "")
        return {
            "measured": self.show(r.measured, unit),
            "threshold": self.show(r.threshold, unit),
            "gap": self.show(r.gap, gap_unit) if r.gap else "—",
            "status": self.statuses.get(r.status, ""),
        }


def _is_fragment(request: HttpRequest, target: str) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and getattr(htmx, "target", None) == target and not getattr(htmx, "boosted", False)


def _common(request: HttpRequest, area: Any, year: int | None, kind: str) -> dict[str, Any]:
    return {
        "area": area,
        "year": year,
        "kind": kind,
        "kinds": CommunityKind.choices,
        "crumbs": selectors.standards_crumbs(viewer=request.user, area=area),
        "query": _query(area=area.code, year=year, kind=kind),
        "colon": _("："),
        "sep": _("、"),
    }


def _chart_data(summary: selectors.Summary, links: list[str]) -> dict[str, Any]:
    """What the ECharts on the page draw, embedded with json_script (no further request)."""
    rules = [r for r, _t in summary.rules]
    children = summary.children
    return {
        "labels": {"all": _("综合"), **{r.code: str(r.label) for r in rules}},
        "rules": ["all", *[r.code for r in rules]],
        "rate": _("达标率（%）"),
        "children": {
            "names": [c.area.name for c in children],
            "links": links,
            "series": {
                "all": [c.total.rate for c in children],
                **{r.code: [c.rules[r.code].rate if r.code in c.rules else None for c in children] for r in rules},
            },
        },
        "trend": {
            "years": [y for y, _t, _r in summary.trend],
            "series": {
                "all": [t.rate for _y, t, _r in summary.trend],
                **{
                    r.code: [by_rule[r.code].rate if r.code in by_rule else None for _y, _t, by_rule in summary.trend]
                    for r in rules
                },
            },
        },
    }


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    area = selectors.standards_area(viewer=request.user, code=request.GET.get("area", ""))
    year, kind = parse_year(request.GET.get("year")), parse_kind(request.GET.get("kind"))
    if area.level == Level.COMMUNITY:
        url = reverse("standards:community", args=[area.code])
        return redirect(f"{url}?{_query(year=year)}" if year else url)
    summary = selectors.compliance_summary(viewer=request.user, area=area, year=year, kind=kind)
    year = summary.year
    rules = [r for r, _t in summary.rules]
    rule_urls = {r.code: reverse("standards:rule", args=[r.code]) for r in RULES}
    # Links are joined from parts that need no escaping (digits, rule codes, the kind choices): a page can
    # carry a few hundred of them, and urlencode/reverse per link would cost more than the figures.
    tail = f"&year={year}" if year else ""

    def drill(rule: str, status: str = "short", code: str = area.code, k: str = kind) -> str:
        if rule not in rule_urls:
            return ""
        return f"{rule_urls[rule]}?area={code}{tail}{f'&kind={k}' if k else ''}&status={status}"

    communities_below = area.level == Level.SUBDISTRICT
    child_base = reverse("standards:community", args=[_CODE]) if communities_below else reverse("standards:dashboard")
    kind_tail = f"&kind={kind}" if kind else ""
    context = {
        **_common(request, area, year, kind),
        "summary": summary,
        "rate": _pct(summary.total.rate),
        "headlines": [(h.text, drill(h.rule, k=h.kind or kind)) for h in problems.headlines(summary)],
        "gaps": [(label, figure, drill(rule)) for rule, label, figure in problems.gap_figures(summary)],
        "figures": [
            {
                "rule": r,
                "t": t,
                "rate": _pct(t.rate),
                "short": drill(r.code),
                "meets": drill(r.code, "meets"),
                "no_data": drill(r.code, "no_data"),
                "gap": problems.with_unit(t.gap, r.gap_unit) if t.short and t.gap else "—",
            }
            for r, t in summary.rules
        ],
        "rules": rules,
        "computed_at": summary.computed_at,
        "can_recompute": recompute_allowed(request.user, area.code),
        "children": [
            {
                "area": c.area,
                "rate": _pct(c.total.rate),
                "communities": max((t.total for t in c.rules.values()), default=0),
                "url": (
                    child_base.replace(_CODE, c.area.code) + (f"?year={year}" if year else "")
                    if communities_below
                    else f"{child_base}?area={c.area.code}{tail}{kind_tail}"
                ),
                "cells": [
                    (_pct(t.rate), t.short, drill(r.code, code=c.area.code)) if (t := c.rules.get(r.code)) else None
                    for r in rules
                ],
            }
            for c in summary.children
        ],
    }
    context["chart_data"] = _chart_data(summary, [c["url"] for c in context["children"]])
    if _is_fragment(request, "dash"):
        return render(request, "standards/_dash_body.html", context)
    return render(request, "standards/dashboard.html", context)


@login_required
@require_safe
def rule_communities(request: HttpRequest, rule: str) -> HttpResponse:
    if rule not in RULE_BY_CODE:
        raise NotFound()
    area = selectors.standards_area(viewer=request.user, code=request.GET.get("area", ""))
    kind, status = parse_kind(request.GET.get("kind")), parse_status(request.GET.get("status"))
    year = parse_year(request.GET.get("year"))
    years = selectors.year_bounds(viewer=request.user, area_code=area.code, kind=kind, rule=rule)
    if year is None and years:
        year = years[-1]
    sort = request.GET.get("sort", "-gap")
    sort = sort if sort in selectors.SORTS else "-gap"
    qs = (
        selectors.rule_communities(
            viewer=request.user, area=area, rule=rule, year=year, status=status, kind=kind, sort=sort
        )
        if year is not None
        else ComplianceResult.objects.none()
    )
    page = paginate(qs, request.GET.get("page"), big_ordering=None)
    info = RULE_BY_CODE[rule]
    community_base = reverse("standards:community", args=[_CODE])
    figures = _Figures()
    rows = [
        {
            "r": r,
            "url": community_base.replace(_CODE, r.area_code) + (f"?year={year}" if year else ""),
            "details": problems.detail_lines(r.detail),
            **figures(r),
        }
        for r in page.object_list
    ]
    context = {
        **_common(request, area, year, kind),
        "rule": info,
        "rules": RULES,
        "status": status,
        "statuses": [("short", _("未达标")), ("meets", _("达标")), ("no_data", _("无数据")), ("all", _("全部"))],
        "sort": sort,
        "years": years,
        "page": page,
        "rows": rows,
        "base_query": _query(area=area.code, year=year, kind=kind, status=status, sort=sort),
        "sort_query": _query(area=area.code, year=year, kind=kind, status=status),
    }
    if _is_fragment(request, "rule-results"):
        return render(request, "standards/_dash_rule_rows.html", context)
    return render(request, "standards/rule_communities.html", context)


@login_required
@require_safe
def community(request: HttpRequest, code: str) -> HttpResponse:
    evidence = selectors.community_evidence(viewer=request.user, code=code, year=parse_year(request.GET.get("year")))
    area = evidence.community
    figures = _Figures()
    results = [
        {
            "r": r,
            "rule": RULE_BY_CODE.get(r.rule),
            "details": problems.detail_lines(r.detail),
            **figures(r),
        }
        for r in evidence.results
    ]
    trend_rules = [r for r in RULES if any(r.code in by_rule for _y, by_rule in evidence.trend)]
    labels = {value: str(label) for value, label in ComplianceStatus.choices}
    context = {
        **_common(request, area, evidence.year, ""),
        "evidence": evidence,
        "results": results,
        "trend_rules": trend_rules,
        "trend_rows": [
            (r, [_trend_cell(by_rule.get(r.code), labels) for _y, by_rule in evidence.trend]) for r in trend_rules
        ],
        "trend_chart": {
            "years": [y for y, _r in evidence.trend],
            "meets": [sum(1 for x in by_rule.values() if x.status == 1) for _y, by_rule in evidence.trend],
            "short": [sum(1 for x in by_rule.values() if x.status == 2) for _y, by_rule in evidence.trend],
            "labels": {"meets": _("达标项数"), "short": _("未达标项数")},
        },
        "links": {
            "facilities": _optional_url("facilities:community", area.code),
            "staff": _optional_url("governance:staff", area.code),
            "funds": _optional_url("funding:community", area.code),
        },
    }
    return render(request, "standards/community.html", context)


@login_required
@require_safe
def problems_page(request: HttpRequest) -> HttpResponse:
    area = selectors.standards_area(viewer=request.user, code=request.GET.get("area", ""))
    kind = parse_kind(request.GET.get("kind"))
    report = problems.problems_report(
        viewer=request.user, area=area, year=parse_year(request.GET.get("year")), kind=kind
    )
    context = {**_common(request, area, report.year, kind), "report": report, "years": report.years}
    return render(request, "standards/problems.html", context)


@login_required
@require_POST
def recompute(request: HttpRequest) -> HttpResponse:
    """The dashboard's "重新计算" button: start the background recompute of the area, then show its progress."""
    area = selectors.standards_area(viewer=request.user, code=request.POST.get("area", ""))
    job = compliance_recompute_start(actor=request.user, area_code=area.code)
    return redirect("standards:recompute_job", job_id=job.pk)


def _recompute_context(request: HttpRequest, job: BackgroundJob) -> dict[str, Any]:
    params = job.params or {}
    code = params.get("area_code", job.area_code)
    running = job.status in (BackgroundJob.Status.PENDING, BackgroundJob.Status.RUNNING)
    done, total = job.progress_done, job.progress_total
    succeeded = job.status == BackgroundJob.Status.SUCCEEDED
    result = job.result or {}
    years = result.get("years") or params.get("years") or []
    return {
        "job": job,
        "area_name": selectors.area_name(code),
        "dashboard_url": reverse("standards:dashboard") + (f"?{_query(area=code)}" if code else ""),
        "running": running,
        "done": done,
        "total": total,
        "percent": 100 if succeeded else (min(100, done * 100 // total) if total else 0),
        "result": result if succeeded else {},
        "first_year": years[0] if years else None,
        "last_year": years[-1] if years else None,
    }


@login_required
@require_safe
def recompute_job(request: HttpRequest, job_id: str) -> HttpResponse:
    job = compliance_recompute_job_get(viewer=request.user, job_id=job_id)
    return render(request, "standards/recompute_job.html", _recompute_context(request, job))


@login_required
@require_safe
def recompute_job_status(request: HttpRequest, job_id: str) -> HttpResponse:
    """The status block alone, which the page polls (HTMX) while the job runs."""
    job = compliance_recompute_job_get(viewer=request.user, job_id=job_id)
    return render(request, "standards/_recompute_status.html", _recompute_context(request, job))


def _download(file: exports.ExportFile) -> HttpResponse:
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return response


@login_required
@require_safe
def export_xlsx(request: HttpRequest) -> HttpResponse:
    area = selectors.standards_area(viewer=request.user, code=request.GET.get("area", ""))
    year, kind = parse_year(request.GET.get("year")), parse_kind(request.GET.get("kind"))
    return _download(exports.compliance_export_xlsx(actor=request.user, area=area, year=year, kind=kind))


@login_required
@require_safe
def export_pdf(request: HttpRequest) -> HttpResponse:
    area = selectors.standards_area(viewer=request.user, code=request.GET.get("area", ""))
    year, kind = parse_year(request.GET.get("year")), parse_kind(request.GET.get("kind"))
    return _download(exports.compliance_export_pdf(actor=request.user, area=area, year=year, kind=kind))
