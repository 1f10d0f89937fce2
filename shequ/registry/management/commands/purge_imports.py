"""./manage.py purge_imports [--days N] [--dry-run]: delete uploaded import files, import reports and resident
exports older than SHEQU_IMPORT_RETENTION_DAYS (they hold ID numbers). Files of running jobs are kept."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.registry.importing.retention import imports_purge


class Command(BaseCommand):
    help = _("删除超过保存期限的导入文件、导入报告和导出文件（其中含公民身份号码）")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help=_("保存天数（默认取 SHEQU_IMPORT_RETENTION_DAYS）"))
        parser.add_argument("--dry-run", action="store_true", help=_("只统计将删除的文件，不删除"))

    def handle(self, *args: Any, **options: Any) -> None:
        if options["days"] is not None and options["days"] < 0:
            raise CommandError(_("保存天数不能为负数"))
        result = imports_purge(days=options["days"], dry_run=options["dry_run"])
        values = {
            "uploads": result.uploads,
            "reports": result.reports,
            "exports": result.exports,
            "cutoff": timezone.localtime(result.cutoff).strftime("%Y-%m-%d %H:%M"),
            "days": result.days,
        }
        if result.dry_run:
            message = _(
                "预演：将删除早于 %(cutoff)s 的上传文件 %(uploads)d 个、导入报告 %(reports)d 个、"
                "导出文件 %(exports)d 个（保存 %(days)d 天），未删除任何文件"
            )
        else:
            message = _(
                "已删除早于 %(cutoff)s 的上传文件 %(uploads)d 个、导入报告 %(reports)d 个、"
                "导出文件 %(exports)d 个（保存 %(days)d 天）"
            )
        self.stdout.write(message % values)
