"""./manage.py import_registry residents|households|buildings FILE [--dry-run] [--report PATH]
[--all-or-nothing] [--actor USERNAME]

Bulk loads from the command line: the same checks as the import page, without the upload size limit (the
file is streamed). Without --actor the import runs as the system, with the whole city in scope; audit rows
then carry no user. Exit status: 0 when every row was valid, 1 when a row (or the file) was refused.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from shequ.core.errors import ApplicationError
from shequ.registry.importing.columns import KINDS
from shequ.registry.importing.engine import SYSTEM, run_import
from shequ.registry.importing.report import count_rows, write_report

SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = "Import residents, households or buildings from .xlsx or .csv (exit 1 when rows were refused)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        parser.add_argument("--report", type=Path, help="write the per-row error report (.xlsx) here")
        parser.add_argument("--all-or-nothing", action="store_true", help="write nothing if any row is refused")
        parser.add_argument("--actor", help="username whose scope and permissions apply (default: system, city-wide)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("文件不存在：%(path)s") % {"path": path})
        actor: Any = SYSTEM
        if options["actor"]:
            actor = get_user_model().objects.filter(username=options["actor"], is_active=True).first()
            if actor is None:
                raise CommandError(_("没有启用的用户：%(name)s") % {"name": options["actor"]})
        started = time.monotonic()
        verbose = options["verbosity"] >= 2

        def progress(done: int, total: int) -> None:
            if verbose:
                self.stderr.write(_("  已校验 %(done)d / %(total)d 行") % {"done": done, "total": total})

        try:
            result = run_import(
                kind=options["kind"],
                path=path,
                filename=path.name,
                actor=actor,
                dry_run=options["dry_run"],
                all_or_nothing=options["all_or_nothing"],
                batch_id=f"cli-{int(time.time())}",
                progress=progress,
            )
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        try:
            if options["report"]:
                write_report(result, options["report"])
            self._print(result, time.monotonic() - started)
            if options["report"]:
                self.stdout.write(_("报告：%(path)s") % {"path": options["report"]})
        finally:
            result.discard_spool()
        if not result.all_valid:
            sys.exit(1)

    def _print(self, result: Any, seconds: float) -> None:
        if result.file_error:
            self.stderr.write(_("文件无法导入：%(reason)s") % {"reason": result.file_error})
        mode = _("试运行（未写入）") if result.dry_run else (
            _("已写入") if result.committed else _("未写入（全部或全不：有被拒绝的行）"))
        self.stdout.write(f"{result.kind} · {result.filename} · {mode} · {seconds:.1f} s")
        for key, label, value in count_rows(result.counts):
            self.stdout.write(f"  {key:<20} {value:>10}  {label}")
        for warning in result.warnings:
            self.stdout.write(_("  提示：%(w)s") % {"w": warning})
        for error in result.errors[:SHOWN_ERRORS]:
            self.stdout.write(_("  第 %(row)s 行 · %(col)s · %(value)s · %(reason)s") % {
                "row": error["row"], "col": error["column"], "value": error["value"], "reason": error["reason"]})
        if result.error_count > SHOWN_ERRORS:
            self.stdout.write(_("  ……另有 %(n)d 处错误（见 --report 报告）") % {"n": result.error_count - SHOWN_ERRORS})
