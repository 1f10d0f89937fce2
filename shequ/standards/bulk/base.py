"""What the three kinds share: the row context (communities in scope), one parsed row, and the step from a
service's refusal ({field: message}) to the report's (column, value, reason).

A kind parses a row's cells (form only: numbers, dates, words) and then writes it through the owning app's
services, which decide whether the values are acceptable. A kind never writes a model itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from shequ.areas.models import Area, Level
from shequ.core.errors import ApplicationError, validation_error_from_django
from shequ.registry.importing.columns import Column
from shequ.standards.bulk import cells
from shequ.standards.bulk.columns import COLUMNS, BulkHeader

RowError = tuple[str, str, str]  # column header, value, reason
CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


class RowRefused(Exception):
    """The row cannot be written; raised inside the row's savepoint so that all its writes roll back."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(errors)


class Context:
    """The actor and its STANDARDS_CHANGE subtree; communities looked up once per code."""

    def __init__(self, *, actor: Any, scope_codes: list[str]):
        self.actor = actor
        self.scope_codes = scope_codes
        self._communities: dict[str, Area | None] = {}

    def community(self, code: str) -> Area | None:
        """A community in the actor's subtree; None when missing *or* outside it (the same answer)."""
        if code not in self._communities:
            area = None
            if code.isdigit() and any(code.startswith(prefix) for prefix in self.scope_codes):
                area = Area.objects.filter(code=code, level=Level.COMMUNITY).first()
            self._communities[code] = area
        return self._communities[code]


@dataclass
class Parsed:
    """A row whose cells all have the right form. `values` are typed by column key; `texts` are the cells."""

    row_no: int
    community: Area
    values: dict[str, Any]
    texts: dict[str, str]
    extra: dict[str, Any] = field(default_factory=dict)


class Kind:
    """One bulk kind. Subclasses set `kind`, `fields` (service field → column key) and implement parse_row,
    natural_key and write."""

    kind = ""
    # a service's error field → the column that holds its value ("" = the row as a whole)
    fields: dict[str, str] = {}

    def __init__(self, ctx: Context, header: BulkHeader):
        self.ctx = ctx
        self.header = header
        self.columns: dict[str, Column] = {c.key: c for c in COLUMNS[self.kind]}

    def header_of(self, key: str) -> str:
        return self.header.header_of(key) if key else ""

    # -- parsing helpers (each appends to `errors` and returns None when the cell is wrong) -------------

    def convert(self, texts: dict[str, str], key: str, errors: list[RowError], parse: Callable[[str], Any],
                *, required: bool = False) -> Any:
        text = texts.get(key, "")
        if not text:
            if required and not any(e[0] == self.header_of(key) for e in errors):
                errors.append((self.header_of(key), "", _("此项必填")))
            return None
        try:
            return parse(text)
        except cells.CellError as exc:
            errors.append((self.header_of(key), text, exc.reason))
            return None

    def community(self, texts: dict[str, str], errors: list[RowError]) -> Area | None:
        code = texts.get("area_code", "")
        if not code:
            if not any(e[0] == self.header_of("area_code") for e in errors):
                errors.append((self.header_of("area_code"), "", _("社区代码不能为空")))
            return None
        area = self.ctx.community(code)
        if area is None:
            errors.append((self.header_of("area_code"), code, _(
                "未找到社区（村）代码 %(code)s，或不在您的管辖范围内") % {"code": code}))
        return area

    # -- what a kind implements -------------------------------------------------------------------------

    def parse_row(self, row_no: int, texts: dict[str, str], errors: list[RowError]) -> Parsed | None:
        raise NotImplementedError

    def natural_key(self, row: Parsed) -> tuple[tuple[Any, ...], str, str]:
        """The row's natural key, the column to blame when another row of the file has the same key, and
        what the key is made of (for the message)."""
        raise NotImplementedError

    def write(self, row: Parsed, counts: dict[str, int]) -> str:
        """Create or update through the services; returns CREATED, UPDATED or UNCHANGED. Raises RowRefused or
        a service's ApplicationError (the caller's savepoint rolls the row back)."""
        raise NotImplementedError

    # -- refusals -------------------------------------------------------------------------------------

    def refusal(self, row: Parsed, exc: BaseException, column_key: str | None = None) -> list[RowError]:
        """A service's refusal as report lines: each detail field becomes its column and the cell's value.
        `column_key` forces the column (an evaluation's year column, whatever field the service named)."""
        if isinstance(exc, RowRefused):
            return exc.errors
        if isinstance(exc, ValidationError):
            exc = validation_error_from_django(exc)
        if isinstance(exc, (IntegrityError, DataError)):  # the data, not the code: the row is refused
            return [("", "", _("数据库拒绝了这一行（可能与已有记录冲突），请检查后重试"))]
        if not isinstance(exc, ApplicationError):
            raise exc
        out: list[RowError] = []
        details = exc.details if isinstance(exc.details, dict) else {}
        for name, messages in details.items():
            if isinstance(messages, (list, tuple)):
                texts = [str(m) for m in messages if isinstance(m, (str, Promise))]
            elif isinstance(messages, (str, Promise)):
                texts = [str(messages)]
            else:
                continue  # an id or a count beside the messages, not a message
            key = column_key if column_key is not None else self.fields.get(str(name), "")
            for text in texts:
                out.append((self.header_of(key), row.texts.get(key, "") if key else "", text))
        if not out:
            key = column_key or ""
            out.append((self.header_of(key), row.texts.get(key, "") if key else "", str(exc.message)))
        return out
