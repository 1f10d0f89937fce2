"""run_bulk: read → check each row's cells → write each row through the services (or pretend to).

The file is read with the registry import's readers (encodings incl. GBK, formula, error and merged cells) and
its per-row cell extraction; results and the spooled error list are the registry's ImportResult/ErrorSink, so
reports and pages look the same.

- Dry run: every parsed row goes through the services inside one transaction that is always rolled back, each
  row in its own savepoint — so the services' own checks run, later rows see earlier ones, and one bad row
  hides nothing.
- Commit, all-or-nothing: the same transaction, kept only when no row of the file was refused.
- Commit, valid rows only: each row in its own transaction; a refused row leaves no trace.
Writes of premises, funds and staff defer their compliance recompute to one per community at the end
(standards.compliance.compliance_deferred).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.accounts.scope import viewer_scope
from shequ.core.audit import audit_record
from shequ.core.errors import PermissionDenied, ValidationFailed
from shequ.core.roles import Perm
from shequ.registry.importing.columns import HeaderError
from shequ.registry.importing.engine import ErrorSink, ImportResult, _common_prefix
from shequ.registry.importing.readers import ImportFileError, open_table
from shequ.registry.importing.rows import RowValidator, cell_text
from shequ.standards.bulk.base import CREATED, UNCHANGED, UPDATED, Context, Kind, Parsed, RowError
from shequ.standards.bulk.columns import FUNDS, KIND_LABELS, KINDS, PREMISES, STAFF, match_headers, recognised_count
from shequ.standards.bulk.funds import FundsKind
from shequ.standards.bulk.premises import PremisesKind
from shequ.standards.bulk.staff import StaffKind

HEADER_SEARCH_ROWS = 10
AUDIT_ACTION = "standards.bulk_import"
KIND_CLASSES: dict[str, type[Kind]] = {PREMISES: PremisesKind, STAFF: StaffKind, FUNDS: FundsKind}
Progress = Callable[[int, int], None]


class _Rollback(Exception):
    """Leaves the write transaction without keeping it (dry run; all-or-nothing with a refused row)."""


class _CellReader(RowValidator):
    """The registry's per-row cell extraction (formula, error and merged cells; long numbers Excel truncated
    in the code columns) over this kind's header; the registry's row checks are not used."""

    def __init__(self, header: Any):
        super().__init__(header, cast(Any, None))


def bulk_scope(actor: Any) -> list[str]:
    codes = viewer_scope(actor).codes_for(Perm.STANDARDS_CHANGE)
    if not codes:
        raise PermissionDenied(_("您没有录入建设标准数据的权限。"))
    return codes


def _deferred() -> Any:
    from shequ.standards.compliance import compliance_deferred

    return compliance_deferred()


def run_bulk(*, kind: str, path: Path, filename: str, actor: Any, dry_run: bool = True,
             all_or_nothing: bool = False, batch_id: str = "", progress: Progress | None = None) -> ImportResult:
    if kind not in KINDS:
        raise ValidationFailed(_("未知的导入类型：%(kind)s") % {"kind": kind})
    scope = bulk_scope(actor)
    result = ImportResult(kind=kind, filename=filename, dry_run=dry_run, all_or_nothing=all_or_nothing)
    result.counts = {"rows": 0, "blank": 0, "valid": 0, "refused": 0, CREATED: 0, UPDATED: 0, UNCHANGED: 0}
    if kind == STAFF:
        result.counts["evaluations"] = 0
    sink = ErrorSink(result)
    refused: dict[int, list[RowError]] = {}
    started = time.perf_counter()
    try:
        try:
            table = open_table(path, filename)
            result.warnings.extend(table.warnings)
            handler, parsed = _read(kind, table, Context(actor=actor, scope_codes=scope), result, refused)
        except (ImportFileError, HeaderError) as exc:
            result.file_error = exc.message
            result.file_error_details = exc.details
            return result
        result.timings["check"] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        _write(handler, parsed, result, refused, scope, batch_id, progress)
        result.timings["write"] = round(time.perf_counter() - started, 3)
    finally:
        for row_no in sorted(refused):
            sink.refuse(row_no, refused[row_no])
        sink.close()
        result.counts["valid"] = result.counts["rows"] - result.counts["refused"]
    return result


def _find_header(kind: str, rows: Iterator[tuple[int, list[Any], dict[int, str]]]) -> tuple[int, list[str]]:
    """The first row naming at least two of the kind's columns (a title row above the header is allowed)."""
    first: tuple[int, list[str]] | None = None
    for seen, (row_no, values, _problems) in enumerate(rows):
        texts = [cell_text(v) for v in values]
        if any(texts):
            first = first or (row_no, texts)
            if recognised_count(kind, texts) >= 2:
                return row_no, texts
        if seen >= HEADER_SEARCH_ROWS:
            break
    if first is None:
        raise ImportFileError(_("文件中没有数据（找不到表头行）"))
    return first


def _read(kind: str, table: Any, ctx: Context, result: ImportResult,
          refused: dict[int, list[RowError]]) -> tuple[Kind, list[Parsed]]:
    rows = table.rows
    header_row, header_cells = _find_header(kind, rows)
    for _min_col, min_row, _max_col, max_row, ref in table.merged:
        if min_row <= header_row <= max_row:
            raise ImportFileError(_("表头中有合并单元格 %(range)s，请取消合并，每列一个列名") % {"range": ref},
                                  {"range": ref})
    header = match_headers(kind, header_cells)
    result.warnings.extend(header.warnings)
    handler = KIND_CLASSES[kind](ctx, header)
    reader = _CellReader(header)
    counts = result.counts
    parsed: list[Parsed] = []
    first_seen: dict[tuple[Any, ...], int] = {}
    pending_blank = 0  # blank rows count only when data follows them (trailing formatted rows do not)
    for row_no, values, problems in rows:
        cells = reader.texts(row_no, values, problems)
        if cells is None:
            pending_blank += 1
            continue
        counts["blank"] += pending_blank
        pending_blank = 0
        counts["rows"] += 1
        texts, errors = cells
        row = handler.parse_row(row_no, texts, errors)
        if row is not None:
            key, column, label = handler.natural_key(row)
            first = first_seen.setdefault(key, row_no)
            if first != row_no:
                errors.append((handler.header_of(column), texts.get(column, ""), _(
                    "与第 %(row)d 行是同一条记录（%(key)s相同），同一记录在文件中只能出现一次")
                    % {"row": first, "key": label}))
        if errors:
            refused[row_no] = errors
        elif row is not None:
            parsed.append(row)
    if not counts["rows"]:
        result.warnings.append(_("表头下面没有数据行"))
    return handler, parsed


def _write(handler: Kind, parsed: list[Parsed], result: ImportResult, refused: dict[int, list[RowError]],
           scope: list[str], batch_id: str, progress: Progress | None) -> None:
    if result.dry_run or result.all_or_nothing:
        try:
            with transaction.atomic(), _deferred():
                _rows(handler, parsed, result, refused, progress)
                if result.dry_run or refused:
                    raise _Rollback
                _audit(handler, result, refused, scope, batch_id)
        except _Rollback:
            return
        result.committed = True
        return
    try:
        with _deferred():
            _rows(handler, parsed, result, refused, progress)
    finally:
        # The rows written so far stay written whatever happens next, so they are accounted for.
        if result.counts[CREATED] or result.counts[UPDATED]:
            _audit(handler, result, refused, scope, batch_id)
    result.committed = True


def _rows(handler: Kind, parsed: list[Parsed], result: ImportResult, refused: dict[int, list[RowError]],
          progress: Progress | None) -> None:
    counts = result.counts
    total = len(parsed)
    for done, row in enumerate(parsed, start=1):
        try:
            with transaction.atomic():  # a savepoint inside the dry run / all-or-nothing transaction
                outcome = handler.write(row, counts)
        except Exception as exc:  # refusal() re-raises anything that is not a refusal
            refused[row.row_no] = handler.refusal(row, exc)
        else:
            counts[outcome] += 1
        if progress is not None:
            progress(done, total)


def _audit(handler: Kind, result: ImportResult, refused: dict[int, list[RowError]], scope: list[str],
           batch_id: str) -> None:
    audit_record(
        actor=handler.ctx.actor,
        action=AUDIT_ACTION,
        entity_type="bulk_import",
        entity_id=batch_id or "-",
        area_code=_common_prefix(scope),
        changes={
            "kind": [None, result.kind], "file": [None, result.filename],
            "counts": [None, {**result.counts, "refused": len(refused),
                              "valid": result.counts["rows"] - len(refused)}],
            "all_or_nothing": [None, result.all_or_nothing],
        },
        summary=_("批量导入%(kind)s：%(file)s") % {"kind": KIND_LABELS[result.kind], "file": result.filename},
    )
