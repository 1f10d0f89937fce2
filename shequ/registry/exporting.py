"""Exporting a filtered resident list to .xlsx: scoped like the list, masked unless the viewer may unmask and
states a reason, and always recorded in the access log (kind export, row count, the query).

The columns are the import template's, so an unmasked export can be corrected and imported again. An export
of more than SHEQU_EXPORT_SYNC_MAX_ROWS rows runs as a background job (shequ.registry.export_jobs) that
writes the file to SHEQU_EXPORT_DIR; smaller ones are written while the request waits.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shequ.accounts.scope import ViewerScope, viewer_scope
from shequ.core.audit import access_record
from shequ.core.errors import PermissionDenied, ValidationFailed
from shequ.core.masking import mask_id_number, mask_phone
from shequ.core.models import AccessLog
from shequ.core.roles import Perm
from shequ.registry import selectors
from shequ.registry.importing.columns import HOUSEHOLD_KIND_NAMES, RELATION_NAMES
from shequ.registry.models import HouseholdKind, Resident, ResidentTag, tag_label
from shequ.registry.privacy import MIN_REASON_LENGTH

# Excel holds 1,048,576 rows per sheet, one of them the header.
EXCEL_MAX_ROWS = 1_048_575
BATCH = 2000
HEADERS = [
    "姓名", "公民身份号码", "联系电话", "户号", "与户主关系", "户别", "社区代码", "楼栋地址", "门牌/房号", "标签",
    "性别", "出生日期", "社区", "网格", "状态",
]
_SEX = {"M": "男", "F": "女"}
_STATUS = {"active": "在册", "moved_out": "已迁出", "deceased": "已故"}
Progress = Callable[[int, int], None]


@dataclass
class ExportFilters:
    """The resident list's filters (shequ.registry.selectors.resident_list; hkind is the household kind)."""

    q: str = ""
    kind: str = "auto"
    area: str = ""
    tag: str = ""
    status: str = ""
    hkind: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ExportFilters:
        return cls(**{f.name: str(data.get(f.name) or f.default).strip() for f in fields(cls)})

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class ExportFile:
    handle: IO[bytes]
    row_count: int
    unmasked: bool

    def open(self) -> IO[bytes]:
        self.handle.seek(0)
        return self.handle


def sync_max_rows() -> int:
    return int(settings.SHEQU_EXPORT_SYNC_MAX_ROWS)


def _common_prefix(codes: list[str]) -> str:
    if not codes:
        return ""
    prefix = codes[0]
    for code in codes[1:]:
        while not code.startswith(prefix):
            prefix = prefix[:-1]
    return prefix


def export_area_code(scope: ViewerScope, filters: ExportFilters) -> str:
    """Where an export is filed (access log, job): the area filter, else the top of the viewer's export scope."""
    return filters.area if filters.area else _common_prefix(scope.codes_for(Perm.REGISTRY_EXPORT))


def _checked(viewer: Any, unmask: bool, reason: str) -> tuple[ViewerScope, str]:
    scope = viewer_scope(viewer)
    if not scope.has(Perm.REGISTRY_EXPORT):
        raise PermissionDenied(_("您没有导出数据的权限。"))
    reason = (reason or "").strip()
    if unmask:
        if not scope.has(Perm.REGISTRY_UNMASK):
            raise PermissionDenied(_("您没有查看完整身份号码和电话的权限。"))
        if len(reason) < MIN_REASON_LENGTH:
            message = _("请说明导出明文的原因（至少 %(n)d 个字）") % {"n": MIN_REASON_LENGTH}
            raise ValidationFailed(message, details={"reason": [message]})
    return scope, reason


def _queryset(viewer: Any, scope: ViewerScope, filters: ExportFilters) -> tuple[QuerySet[Resident], int]:
    qs = selectors.resident_list(
        viewer=viewer, q=filters.q, kind=filters.kind or "auto", area_code=filters.area, tag=filters.tag,
        status=filters.status,
    ).filter(scope.q(Perm.REGISTRY_EXPORT))
    # The household kind is filtered here rather than through the selector's argument, whose list page owns it.
    if filters.hkind in HouseholdKind.values:
        qs = qs.filter(household__kind=filters.hkind)
    qs = qs.select_related("household__building")
    total = qs.count()
    if total > EXCEL_MAX_ROWS:
        raise ValidationFailed(
            _("共 %(n)d 人，超过 Excel 单表上限 %(max)d 行，请缩小筛选范围后分批导出")
            % {"n": total, "max": EXCEL_MAX_ROWS}
        )
    return qs, total


def export_size(*, viewer: Any, filters: ExportFilters, unmask: bool = False, reason: str = "") -> int:
    """How many rows the export would have, after the same checks as the export itself."""
    scope, _reason = _checked(viewer, unmask, reason)
    return _queryset(viewer, scope, filters)[1]


def resident_export(
    *,
    viewer: Any,
    filters: ExportFilters,
    unmask: bool = False,
    reason: str = "",
    handle: IO[bytes] | None = None,
    progress: Progress | None = None,
    log_query: Mapping[str, Any] | None = None,
) -> ExportFile:
    """Write the export to `handle` (a temporary file by default) and record it in the access log."""
    scope, reason = _checked(viewer, unmask, reason)
    qs, total = _queryset(viewer, scope, filters)
    unmask_codes = scope.codes_for(Perm.REGISTRY_UNMASK) if unmask else []
    visible_tags = {
        pk: tag_label(name, name_en)
        for pk, name, name_en in selectors.tag_list(viewer=viewer).values_list("id", "name", "name_en")
    }
    if handle is None:
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    rows = _write(handle, qs, unmask_codes, visible_tags, lambda done: progress(done, total) if progress else None)
    with transaction.atomic():
        access_record(
            actor=viewer,
            kind=AccessLog.Kind.EXPORT,
            entity_type="resident",
            fields="id_number,phone" if unmask else "",
            area_code=export_area_code(scope, filters),
            reason=reason,
            row_count=rows,
            query={**filters.as_dict(), "unmask": unmask, **(log_query or {})},
        )
    return ExportFile(handle=handle, row_count=rows, unmasked=unmask)


def _write(
    handle: IO[bytes], qs: Any, unmask_codes: list[str], visible_tags: dict[int, str], done: Callable[[int], Any]
) -> int:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("居民")
    for index, width in enumerate((10, 22, 14, 22, 10, 8, 18, 24, 10, 20, 6, 12, 16, 16, 8)):
        ws.column_dimensions[chr(ord("A") + index)].width = width
    ws.append(HEADERS)
    count = 0
    batch: list[Resident] = []

    def flush() -> None:
        tags: dict[int, list[str]] = {}
        for resident_id, tag_id in ResidentTag.objects.filter(
            resident_id__in=[r.pk for r in batch], tag_id__in=list(visible_tags)
        ).values_list("resident_id", "tag_id").order_by("tag__code"):
            tags.setdefault(resident_id, []).append(visible_tags[tag_id])
        for r in batch:
            clear = any(r.area_code.startswith(code) for code in unmask_codes)
            household = r.household
            building = household.building if household is not None else None
            ws.append([
                r.name,
                r.id_number if clear else mask_id_number(r.id_number),
                r.phone if clear else mask_phone(r.phone),
                household.number if household else "",
                RELATION_NAMES.get(r.relation, r.relation),
                HOUSEHOLD_KIND_NAMES.get(household.kind, household.kind) if household else "",
                r.area_code,
                building.address if building else "",
                household.room if household else "",
                "、".join(tags.get(r.pk, [])),
                _SEX.get(r.sex, r.sex),
                r.birth_date.isoformat() if r.birth_date else "",
                r.community.name,
                r.grid.name if r.grid_id and r.grid else "",
                _STATUS.get(r.status, r.status),
            ])
        batch.clear()
        done(count)

    for resident in qs.iterator(chunk_size=BATCH):
        batch.append(resident)
        count += 1
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    wb.save(handle)
    return count
