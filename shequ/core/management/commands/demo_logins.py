"""`manage.py demo_logins`: one demo login per role (password shequ-demo), with its area and the URL."""

from __future__ import annotations

import os
import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse
from django.utils.translation import gettext as _

from shequ.core.roles import Role
from shequ.registry.generator import demo_logins


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = _("列出演示账号：每个角色一个，密码均为 shequ-demo")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--url",
            default=os.environ.get("SHEQU_DEMO_URL", "http://127.0.0.1:8000"),
            help=_("站点地址（默认 http://127.0.0.1:8000）"),
        )

    def handle(self, *args: Any, url: str, **options: Any) -> None:
        rows = demo_logins()
        if not rows:
            raise CommandError(_("尚未生成演示数据，请先运行 manage.py demo_build"))
        login_url = url.rstrip("/") + reverse("login")
        table = [[_("角色"), _("用户名"), _("密码"), _("区域")]]
        for role, username, password, area in rows:
            where = f"{area.name}（{area.code}）" if area is not None else ""
            table.append([str(Role(role).label), username, password, where])
        widths = [max(_width(row[i]) for row in table) for i in range(len(table[0]))]
        self.stdout.write(_("演示账号（登录地址 %(url)s）：") % {"url": login_url})
        for n, row in enumerate(table):
            self.stdout.write("  " + "  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip())
            if n == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))
        self.stdout.write(_("打开 %(url)s ，用上面任一账号登录。") % {"url": login_url})
