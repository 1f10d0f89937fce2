"""./manage.py recompute_compliance [--area CODE] [--years 2015-2025]

Recompute the compliance results of every community and village under --area (default: all) for the years
given (default: from the first policy year to this year), as the system; prints counts and seconds.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from shequ.standards.compliance import compliance_recompute


def parse_years(text: str) -> list[int]:
    """ "2015-2025", "2019" or "2015,2017,2020-2022" → sorted years."""
    years: set[int] = set()
    try:
        for part in text.split(","):
            part = part.strip()
            if not part:
                continue
            if "-" in part:
                low, high = (int(x) for x in part.split("-", 1))
                if low > high:
                    raise ValueError(part)
                years.update(range(low, high + 1))
            else:
                years.add(int(part))
    except ValueError:
        raise CommandError(_("年份格式不正确：%(text)s（例如 2015-2025）") % {"text": text}) from None
    if not years or min(years) < 1900 or max(years) > 2200:
        raise CommandError(_("年份格式不正确：%(text)s（例如 2015-2025）") % {"text": text})
    return sorted(years)


class Command(BaseCommand):
    help = "Recompute compliance results (ComplianceResult) for communities × years."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--area", default="", help="area code: only communities under it (default: all)")
        parser.add_argument("--years", default="", help="e.g. 2015-2025 (default: first policy year to this year)")

    def handle(self, *args: Any, **options: Any) -> None:
        area = options["area"].strip()
        if area and not area.isdigit():
            raise CommandError(_("区划代码只能由数字组成：%(code)s") % {"code": area})
        years = parse_years(options["years"]) if options["years"] else None
        summary = compliance_recompute(actor=None, area_code=area, years=years)
        span = f"{summary.years[0]}–{summary.years[-1]}" if summary.years else "-"
        self.stdout.write(
            _(
                "社区（村）%(communities)d 个，年度 %(years)s：%(rows)d 条结果（写入 %(inserted)d 条，"
                "未变 %(unchanged)d 条，删除旧结果 %(deleted)d 条；达标 %(meets)d，未达标 %(short)d，"
                "无数据 %(no_data)d），用时 %(seconds).2f 秒"
            )
            % {
                "communities": summary.communities,
                "years": span,
                "rows": summary.rows,
                "inserted": summary.inserted,
                "unchanged": summary.unchanged,
                "deleted": summary.deleted,
                "meets": summary.meets,
                "short": summary.short,
                "no_data": summary.no_data,
                "seconds": summary.seconds,
            }
        )
        if options["verbosity"] >= 2:
            for label, seconds in summary.timings.items():
                self.stdout.write(f"  {label}: {seconds:.3f} s")
