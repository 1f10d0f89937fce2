"""run_import: read → validate → plan (→ stage → apply in one transaction). The one entry point shared by
the pages, the API, background jobs and the import_registry command.

Dry run: every row is checked against the file and the registry, nothing is written. Commit: the same
checks, then the valid rows are written — or none of them when the caller chose all-or-nothing and a row
was refused. Either way the result carries counts, warnings and the per-row errors (spooled to disk, so a
file full of errors costs no memory), from which report.py writes the .xlsx report.
"""

from __future__ import annotations

import csv
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.scope import viewer_scope
from shequ.core.audit import audit_record
from shequ.core.errors import PermissionDenied, ValidationFailed
from shequ.core.roles import Perm
from shequ.registry.importing.apply import apply_plan
from shequ.registry.importing.columns import KINDS, RESIDENTS, HeaderError, HeaderMap, match_headers, recognised_count
from shequ.registry.importing.plan import BuildingPlanner, HouseholdPlanner, Planner, ResidentPlanner
from shequ.registry.importing.readers import ImportFileError, open_table
from shequ.registry.importing.rows import VALIDATORS, Context, cell_text
from shequ.registry.importing.staging import Staging
from shequ.registry.models import Tag

CHUNK_ROWS = 5000
PREVIEW_ERRORS = 200
HEADER_SEARCH_ROWS = 10
PLANNERS: dict[str, type[Planner]] = {"residents": ResidentPlanner, "households": HouseholdPlanner,
                                      "buildings": BuildingPlanner}
Progress = Callable[[int, int], None]


class SystemActor:
    """The command line without --actor: the whole city, recorded in the audit log without a user."""

    pk = None
    is_authenticated = False

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemActor()


@dataclass
class ImportResult:
    kind: str
    filename: str
    dry_run: bool
    all_or_nothing: bool
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)  # the first PREVIEW_ERRORS
    error_count: int = 0
    file_error: str = ""
    file_error_details: dict[str, Any] = field(default_factory=dict)
    committed: bool = False
    timings: dict[str, float] = field(default_factory=dict)  # seconds: "check" (read, validate, plan), "write"
    spool: IO[str] | None = None  # an anonymous temporary file: gone when closed or garbage-collected

    @property
    def refused(self) -> int:
        return self.counts.get("refused", 0)

    @property
    def all_valid(self) -> bool:
        return not self.file_error and not self.refused

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "filename": self.filename, "dry_run": self.dry_run,
            "all_or_nothing": self.all_or_nothing, "counts": self.counts, "warnings": self.warnings,
            "errors": self.errors, "error_count": self.error_count, "file_error": self.file_error,
            "file_error_details": self.file_error_details, "committed": self.committed,
            "all_valid": self.all_valid, "timings": self.timings,
        }

    def iter_errors(self) -> Iterator[tuple[str, str, str, str]]:
        """(row, column, value, reason) of every error, in file order."""
        if self.file_error:
            yield ("", "", "", self.file_error)
        if self.spool is not None and not self.spool.closed:
            self.spool.flush()
            self.spool.seek(0)
            for row in csv.reader(self.spool):
                yield row[0], row[1], row[2], row[3]

    def discard_spool(self) -> None:
        if self.spool is not None:
            self.spool.close()
            self.spool = None


class ErrorSink:
    def __init__(self, result: ImportResult):
        self.result = result
        handle = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115 - kept by the result
        self.writer = csv.writer(handle)
        result.spool = handle

    def refuse(self, row_no: int, errors: list[tuple[str, str, str]]) -> None:
        self.result.counts["refused"] = self.result.counts.get("refused", 0) + 1
        for column, value, reason in errors:
            self.result.error_count += 1
            self.writer.writerow((row_no, column, value, reason))
            if len(self.result.errors) < PREVIEW_ERRORS:
                self.result.errors.append({"row": row_no, "column": column, "value": value, "reason": reason})

    def close(self) -> None:
        if self.result.spool is not None:
            self.result.spool.flush()


def import_scope(actor: Any) -> list[str]:
    if actor is None or isinstance(actor, SystemActor):
        return [""]
    codes = viewer_scope(actor).codes_for(Perm.REGISTRY_IMPORT)
    if not codes:
        raise PermissionDenied(_("您没有导入数据的权限。"))
    return codes


def run_import(
    *,
    kind: str,
    path: Path,
    filename: str,
    actor: Any,
    dry_run: bool = True,
    all_or_nothing: bool = False,
    batch_id: str = "",
    progress: Progress | None = None,
) -> ImportResult:
    if kind not in KINDS:
        raise ValidationFailed(_("未知的导入类型：%(kind)s") % {"kind": kind})
    scope_codes = import_scope(actor)
    result = ImportResult(kind=kind, filename=filename, dry_run=dry_run, all_or_nothing=all_or_nothing)
    result.counts = {"rows": 0, "blank": 0, "valid": 0, "refused": 0, "created": 0, "updated": 0, "unchanged": 0}
    if kind == RESIDENTS:
        result.counts.update(moved=0, households_created=0, households_updated=0, buildings_created=0)
    sink = ErrorSink(result)
    staging = None if dry_run else Staging()
    started = time.perf_counter()
    _session_settings(on=True)
    try:
        try:
            table = open_table(path, filename)
            result.warnings.extend(table.warnings)
            planner = _read(kind, table, scope_codes, sink, staging, result, progress, actor)
        except (ImportFileError, HeaderError) as exc:
            result.file_error = exc.message
            result.file_error_details = exc.details
            return result
        finally:
            sink.close()
            result.timings["check"] = round(time.perf_counter() - started, 3)
        if dry_run or (all_or_nothing and result.refused) or staging is None:
            return result
        started = time.perf_counter()
        _commit(kind, actor, planner, staging, result, batch_id)
        _analyze_after(staging.counts["res"] + staging.counts["hh"] + staging.counts["bld"])
        result.timings["write"] = round(time.perf_counter() - started, 3)
        return result
    finally:
        if staging is not None:
            staging.drop()
        _session_settings(on=False)


ANALYZE_AFTER_ROWS = 10_000


def _session_settings(*, on: bool) -> None:
    """PostgreSQL: no JIT for the import's many small look-ups (right after a bulk load the row estimates
    are stale and JIT compilation cost more than the queries themselves)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off" if on else "RESET jit")


def _analyze_after(staged: int) -> None:
    """Fresh planner statistics after a big batch, so the next look-ups and list pages plan well."""
    if connection.vendor != "postgresql" or staged < ANALYZE_AFTER_ROWS or connection.in_atomic_block:
        return
    from shequ.registry.models import Building, Household, HouseholdMembership, Resident, ResidentTag

    with connection.cursor() as cursor:
        for model in (Resident, Household, HouseholdMembership, ResidentTag, Building):
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def _find_header(kind: str, rows: Iterator[tuple[int, list[Any], dict[int, str]]]) -> tuple[int, list[str]]:
    first: tuple[int, list[str]] | None = None
    for seen, (row_no, values, _problems) in enumerate(rows):
        cells = [cell_text(v) for v in values]
        if any(cells):
            if first is None:
                first = (row_no, cells)
            if recognised_count(kind, cells) >= 2:
                return row_no, cells
        if seen >= HEADER_SEARCH_ROWS:
            break
    if first is None:
        raise ImportFileError(_("文件中没有数据（找不到表头行）"))
    return first


def _tags(actor: Any) -> list[Tag]:
    """Tags are named by their Chinese name or code. As with resident_tag_add, only tags the actor's work
    lines may see can be assigned; any other answers like an unknown tag. The system may assign any."""
    if actor is None or isinstance(actor, SystemActor):
        return list(Tag.objects.all())
    from shequ.registry.selectors import tag_list

    return list(tag_list(viewer=actor))


def _read(kind: str, table: Any, scope_codes: list[str], sink: ErrorSink, staging: Staging | None,
          result: ImportResult, progress: Progress | None, actor: Any) -> Planner:
    rows = table.rows
    header_row, header_cells = _find_header(kind, rows)
    for _min_col, min_row, _max_col, max_row, ref in table.merged:
        if min_row <= header_row <= max_row:
            raise ImportFileError(_("表头中有合并单元格 %(range)s，请取消合并，每列一个列名") % {"range": ref},
                                  {"range": ref})
    header: HeaderMap = match_headers(kind, header_cells)
    result.warnings.extend(header.warnings)
    ctx = Context(scope_codes=scope_codes, tags=_tags(actor))
    if not result.dry_run and staging is not None:
        staging.create()
    validator = VALIDATORS[kind](header, ctx)
    planner = PLANNERS[kind](ctx, staging, header)
    total = max(table.estimated_rows - header_row, 0)
    chunk: list[Any] = []
    refused: list[tuple[int, list[Any]]] = []  # this chunk's rows refused by the row checks
    counts = result.counts
    done = 0
    pending_blank = 0  # blank rows count only when data follows them (trailing formatted rows do not)
    for row_no, values, problems in rows:
        done += 1
        cells = validator.texts(row_no, values, problems)
        if cells is None:
            pending_blank += 1
            continue
        counts["blank"] += pending_blank
        pending_blank = 0
        counts["rows"] += 1
        typed, errors = validator.validate(row_no, *cells)
        if errors:
            refused.append((row_no, errors))
        else:
            chunk.append(typed)
        if len(chunk) + len(refused) >= CHUNK_ROWS:
            _plan(planner, chunk, refused, sink)
            chunk, refused = [], []
            if progress is not None:
                progress(done, max(total, done))
    _plan(planner, chunk, refused, sink)
    planner.finish()
    for key, value in planner.counts.items():
        counts[key] = counts.get(key, 0) + value
    counts["valid"] = counts["rows"] - counts["refused"]
    if staging is not None:
        staging.flush()
    if progress is not None:
        progress(done, done)
    return planner


def _plan(planner: Any, chunk: list[Any], refused: list[tuple[int, list[Any]]], sink: ErrorSink) -> None:
    """Plan a chunk; its refusals (row checks and registry checks) reach the report in row order."""
    if chunk:
        refused = refused + planner.plan_chunk(chunk)
    for row_no, errors in sorted(refused, key=lambda item: item[0]):
        sink.refuse(row_no, errors)


def audit_each_max() -> int:
    """Batches creating more records than this are audited by their batch row only (see the package doc)."""
    return int(getattr(settings, "SHEQU_IMPORT_AUDIT_EACH_MAX", 20_000))


def _commit(kind: str, actor: Any, planner: Planner, staging: Staging, result: ImportResult, batch_id: str) -> None:
    staging.analyze()
    now = timezone.now()
    actor_id = getattr(actor, "pk", None)
    counts = result.counts
    created = counts.get("created", 0) + counts.get("households_created", 0) + counts.get("buildings_created", 0)
    audit_each = created <= audit_each_max()
    with transaction.atomic():
        written = apply_plan(actor_id=actor_id, now=now, batch_id=batch_id, stats=planner.stats,
                             tag_deltas=planner.tag_deltas, staged_rows=staging.counts["res"],
                             audit_creates=audit_each)
        if written.get("heads_replaced"):
            counts["heads_replaced"] = written["heads_replaced"]
        audit_record(
            actor=actor,
            action="registry.import",
            entity_type="import",
            entity_id=batch_id or "-",
            area_code=_common_prefix(import_scope(actor)),
            changes={
                "kind": [None, kind], "file": [None, result.filename], "counts": [None, counts],
                "all_or_nothing": [None, result.all_or_nothing],
                # every record this batch created carries this created_at; with per_record_audit false,
                # this row is their creation record
                "written_at": [None, now.isoformat()], "per_record_audit": [None, audit_each],
            },
            summary=_("导入%(kind)s：%(file)s") % {"kind": kind, "file": result.filename},
        )
    result.committed = True


def _common_prefix(codes: list[str]) -> str:
    if not codes:
        return ""
    prefix = codes[0]
    for code in codes[1:]:
        while not code.startswith(prefix):
            prefix = prefix[:-1]
    return prefix
