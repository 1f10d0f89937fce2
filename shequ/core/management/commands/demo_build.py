"""`manage.py demo_build [--residents N] [--seed S] [--force]`: the demo city, generated deterministically."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from shequ.registry.generator import DEFAULT_RESIDENTS, DEFAULT_SEED, demo_build, demo_matches, holds_other_data


class Command(BaseCommand):
    help = _("生成演示数据：娄底市真实区划下的社区、村、网格、楼栋、户、居民和驻区单位，以及每个角色一个演示账号")

    def add_arguments(self, parser: CommandParser) -> None:
        default = int(os.environ.get("SHEQU_DEMO_RESIDENTS") or DEFAULT_RESIDENTS)
        parser.add_argument(
            "--residents", type=int, default=default, help=_("居民人数（默认取 SHEQU_DEMO_RESIDENTS，否则 50000）")
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=_("随机种子：相同种子和人数生成相同数据"))
        parser.add_argument(
            "--force", action="store_true", help=_("即使已有同规模演示数据或其他数据，也清空后重新生成")
        )

    def handle(self, *args: Any, residents: int, seed: int, force: bool, **options: Any) -> None:
        if not force and demo_matches(residents=residents, seed=seed):
            self.stdout.write(
                _("数据库中已有同规模的演示数据（%(n)s 名居民，种子 %(seed)d），不再重新生成；如需重建请加 --force。")
                % {"n": f"{residents:,}", "seed": seed}
            )
            return
        if not force and holds_other_data():
            raise CommandError(_("数据库中已有非演示生成的社区或居民数据，为免覆盖已停止；确需清空重建请加 --force。"))
        self.stdout.write(
            _("正在生成演示数据：%(n)s 名居民（种子 %(seed)d）……") % {"n": f"{residents:,}", "seed": seed}
        )
        step = max(1, residents // 10)
        marks = {"next": step}

        def progress(done: int, total: int) -> None:
            if done >= marks["next"] or done == total:
                counts = {"done": f"{done:,}", "total": f"{total:,}"}
                self.stdout.write(_("  已生成 %(done)s / %(total)s 名居民") % counts)
                marks["next"] = (done // step + 1) * step

        try:
            summary = demo_build(residents=residents, seed=seed, progress=progress if options["verbosity"] else None)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "演示数据已生成（%(s).1f 秒）：社区 %(c)d 个、村 %(v)d 个、网格 %(g)d 个、楼栋 %(b)s 栋、"
                    "户 %(h)s 户、居民 %(r)s 人、驻区单位 %(u)d 个。"
                )
                % {
                    "s": summary.seconds,
                    "c": summary.communities,
                    "v": summary.villages,
                    "g": summary.grids,
                    "b": f"{summary.buildings:,}",
                    "h": f"{summary.households:,}",
                    "r": f"{summary.residents:,}",
                    "u": summary.units,
                }
            )
        )
