"""./manage.py purge_access_logs [--dry-run] [--days N]: delete access logs past their retention."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.retention import ACCESS_LOG_RETENTION_FLOOR_DAYS, access_log_purge


class Command(BaseCommand):
    help = _("删除超过保存期限的访问日志（保存期限不少于 %(n)d 天）") % {"n": ACCESS_LOG_RETENTION_FLOOR_DAYS}

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help=_("只统计将删除的条数，不删除"))
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=_("保存天数（默认取 SHEQU_ACCESS_LOG_RETENTION_DAYS；低于 %(n)d 天时按 %(n)d 天）")
            % {"n": ACCESS_LOG_RETENTION_FLOOR_DAYS},
        )

    def handle(self, *args: Any, **options: Any) -> None:
        requested = options.get("days")
        result = access_log_purge(days=requested, dry_run=options["dry_run"])
        if requested is not None and requested < result.days:
            self.stderr.write(
                _("保存期限不能少于 %(floor)d 天，已按 %(floor)d 天处理") % {"floor": ACCESS_LOG_RETENTION_FLOOR_DAYS}
            )
        cutoff = timezone.localtime(result.cutoff).strftime("%Y-%m-%d %H:%M")
        if result.dry_run:
            message = _("预演：将删除 %(count)d 条早于 %(cutoff)s 的访问日志（保存 %(days)d 天），未删除任何记录")
        else:
            message = _("已删除 %(count)d 条早于 %(cutoff)s 的访问日志（保存 %(days)d 天）")
        self.stdout.write(message % {"count": result.count, "cutoff": cutoff, "days": result.days})
