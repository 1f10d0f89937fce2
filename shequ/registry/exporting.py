"""Exporting a filtered registry list — residents, households, buildings, resident units — to .xlsx: the rows
are the list's own (its selector with the same filters, every page), cut to where the viewer may export,
masked unless the viewer may unmask and states a reason, and always recorded in the access log (kind export,
row count, the filters).

Each list is a ListExport: its filters, the selector call its list page makes, its columns and how one batch
of rows is written. The first columns are the import template's where the list has one (residents,
households, buildings), so an unmasked export can be corrected and imported again. What an export masks:
residents' ID numbers and phones, the household head's ID number and phone, a resident unit's contact phone;
a building export holds no personal data (nothing to unmask). An export of more than
SHEQU_EXPORT_SYNC_MAX_ROWS rows runs as a background job (shequ.registry.export_jobs) that writes the file to
SHEQU_EXPORT_DIR; smaller ones are written while the request waits.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import IO, Any, ClassVar

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Model, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.accounts.scope import ViewerScope, viewer_scope
from shequ.core.audit import access_record
from shequ.core.errors import NotFound, PermissionDenied, ValidationFailed
from shequ.core.masking import mask_id_number, mask_phone
from shequ.core.models import AccessLog
from shequ.core.roles import Perm
from shequ.registry import selectors
from shequ.registry.importing.columns import HOUSEHOLD_KIND_NAMES, RELATION_NAMES
from shequ.registry.models import Household, Resident, ResidentTag, tag_label
from shequ.registry.privacy import MIN_REASON_LENGTH
from shequ.registry.search import normalise_kind

# Excel holds 1,048,576 rows per sheet, one of them the header.
EXCEL_MAX_ROWS = 1_048_575
BATCH = 2000
_SEX = {"M": "男", "F": "女"}
_STATUS = {"active": "在册", "moved_out": "已迁出", "deceased": "已故"}
Progress = Callable[[int, int], None]


# -- filters -----------------------------------------------------------------------------------------


@dataclass
class ListFilters:
    """A list page's filters, read from its query string (the export link carries the page's own)."""

    q: str = ""
    area: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ListFilters:
        return cls(**{f.name: str(data.get(f.name) or f.default).strip() for f in fields(cls)})

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    def log_dict(self) -> dict[str, Any]:
        """The filters as the access log keeps them."""
        return self.as_dict()


@dataclass
class ResidentFilters(ListFilters):
    """The resident list's (shequ.registry.views.resident_list; hkind is the household kind)."""

    kind: str = "auto"
    tag: str = ""
    status: str = ""
    hkind: str = ""


@dataclass
class HouseholdFilters(ListFilters):
    """The household list's (shequ.registry.views_households.household_list; building: a building's id)."""

    kind: str = ""
    building: str = ""

    def log_dict(self) -> dict[str, Any]:
        # the id as a number, so the access log page shows the building by its address
        building: int | str = int(self.building) if self.building.isdigit() else self.building
        return {**self.as_dict(), "building": building}


@dataclass
class PlaceFilters(ListFilters):
    """The building and resident-unit lists' (shequ.registry.views_places._list)."""


# -- the lists ---------------------------------------------------------------------------------------


class ListExport:
    """One list's export. An instance writes one file for one viewer: `clear(area_code)` says whether a row's
    personal data goes out in full (the viewer asked to unmask and may unmask there)."""

    name: ClassVar[str]  # in URLs, API paths and job params
    entity_type: ClassVar[str]  # the access log's
    label: ClassVar[str]  # the file name's (Chinese, like the sheet and the headers: files are exchanged so)
    sheet: ClassVar[str]
    headers: ClassVar[tuple[str, ...]]
    widths: ClassVar[tuple[int, ...]]
    filters: ClassVar[type[ListFilters]]
    list_url: ClassVar[str]  # the list page (URL name)
    list_label: ClassVar[Promise]  # and its name
    title: ClassVar[Promise]  # the job page's title
    # What an unmasked export shows in full (the access log's `fields`); empty: nothing is masked
    clear_fields: ClassVar[str] = ""
    clear_heading: ClassVar[Promise | str] = ""
    clear_notice: ClassVar[Promise | str] = ""
    do_not_call_in_templates: ClassVar[bool] = True  # templates read the class's attributes

    def __init__(self, viewer: Any, scope: ViewerScope, unmask_codes: list[str]) -> None:
        self.viewer = viewer
        self.scope = scope
        self.unmask_codes = unmask_codes

    @classmethod
    def select(cls, viewer: Any, filters: Any) -> QuerySet[Any]:
        """The list page's queryset for these filters (the same selector call)."""
        raise NotImplementedError

    def clear(self, area_code: str) -> bool:
        return any(area_code.startswith(code) for code in self.unmask_codes)

    def rows(self, batch: list[Any]) -> Iterable[list[Any]]:
        raise NotImplementedError


def _count_by(qs: QuerySet[Any], key: str) -> dict[Any, int]:
    """Rows of `qs` per value of `key`."""
    return dict(qs.order_by().values(key).annotate(n=Count("pk")).values_list(key, "n"))


def _grid_name(obj: Any) -> str:
    return obj.grid.name if obj.grid_id and obj.grid else ""


class ResidentExport(ListExport):
    name = "residents"
    entity_type = "resident"
    label = "居民"
    sheet = "居民"
    headers = (
        "姓名", "公民身份号码", "联系电话", "户号", "与户主关系", "户别", "社区代码", "楼栋地址", "门牌/房号", "标签",
        "性别", "出生日期", "社区", "网格", "状态",
    )
    widths = (10, 22, 14, 22, 10, 8, 18, 24, 10, 20, 6, 12, 16, 16, 8)
    filters = ResidentFilters
    list_url = "registry:resident_list"
    list_label = gettext_lazy("居民")
    title = gettext_lazy("导出居民")
    clear_fields = "id_number,phone"
    clear_heading = gettext_lazy("导出完整身份号码和电话")
    clear_notice = gettext_lazy("导出的文件将包含完整的公民身份号码和联系电话。请说明用途；本次导出会记入访问日志。")

    def __init__(self, viewer: Any, scope: ViewerScope, unmask_codes: list[str]) -> None:
        super().__init__(viewer, scope, unmask_codes)
        self.visible_tags = {
            pk: tag_label(name, name_en)
            for pk, name, name_en in selectors.tag_list(viewer=viewer).values_list("id", "name", "name_en")
        }

    @classmethod
    def select(cls, viewer: Any, filters: ResidentFilters) -> QuerySet[Resident]:
        qs = selectors.resident_list(
            viewer=viewer, q=filters.q, kind=normalise_kind(filters.kind), area_code=filters.area, tag=filters.tag,
            status=filters.status, household_kind=filters.hkind,
        )
        return qs.select_related("household__building")

    def rows(self, batch: list[Resident]) -> Iterable[list[Any]]:
        tags: dict[int, list[str]] = {}
        for resident_id, tag_id in ResidentTag.objects.filter(
            resident_id__in=[r.pk for r in batch], tag_id__in=list(self.visible_tags)
        ).values_list("resident_id", "tag_id").order_by("tag__code"):
            tags.setdefault(resident_id, []).append(self.visible_tags[tag_id])
        for r in batch:
            clear = self.clear(r.area_code)
            household = r.household
            building = household.building if household is not None else None
            yield [
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
                _grid_name(r),
                _STATUS.get(r.status, r.status),
            ]


class HouseholdExport(ListExport):
    name = "households"
    entity_type = "household"
    label = "户"
    sheet = "户"
    headers = (
        "户号", "户别", "社区代码", "楼栋地址", "门牌/房号", "户主", "户主公民身份号码", "户主联系电话", "人数",
        "社区", "网格",
    )
    widths = (22, 8, 18, 24, 10, 10, 22, 14, 6, 16, 16)
    filters = HouseholdFilters
    list_url = "registry:household_list"
    list_label = gettext_lazy("户")
    title = gettext_lazy("导出户")
    clear_fields = "head.id_number,head.phone"
    clear_heading = gettext_lazy("导出完整身份号码和电话")
    clear_notice = gettext_lazy(
        "导出的文件将包含户主完整的公民身份号码和联系电话。请说明用途；本次导出会记入访问日志。"
    )

    @classmethod
    def select(cls, viewer: Any, filters: HouseholdFilters) -> QuerySet[Household]:
        # the list page's: a building filter names a building the viewer may see, else "not found"
        building = selectors.building_get(viewer=viewer, pk=filters.building) if filters.building else None
        return selectors.household_list(
            viewer=viewer, q=filters.q, area_code=filters.area, kind=filters.kind,
            building_id=building.pk if building else None,
        )

    def rows(self, batch: list[Household]) -> Iterable[list[Any]]:
        members = _count_by(
            Resident.objects.filter(self.scope.q(Perm.REGISTRY_EXPORT), household_id__in=[h.pk for h in batch]),
            "household_id",
        )
        for h in batch:
            head = h.head if h.head_id else None
            if head is not None and not self.scope.has(Perm.REGISTRY_EXPORT, head.area_code):
                head = None  # a head the viewer may not export is left out, like any other resident
            clear = head is not None and self.clear(head.area_code)
            yield [
                h.number,
                HOUSEHOLD_KIND_NAMES.get(h.kind, h.kind),
                h.area_code,
                h.building.address if h.building_id and h.building else "",
                h.room,
                head.name if head else "",
                (head.id_number if clear else mask_id_number(head.id_number)) if head else "",
                (head.phone if clear else mask_phone(head.phone)) if head else "",
                members.get(h.pk, 0),
                h.community.name,
                _grid_name(h),
            ]


class BuildingExport(ListExport):
    name = "buildings"
    entity_type = "building"
    label = "楼栋"
    sheet = "楼栋"
    headers = ("社区代码", "楼栋地址", "小区", "楼栋号", "纬度", "经度", "户数", "社区", "网格")
    widths = (18, 28, 16, 10, 12, 12, 6, 16, 16)
    filters = PlaceFilters
    list_url = "registry:building_list"
    list_label = gettext_lazy("楼栋")
    title = gettext_lazy("导出楼栋")

    @classmethod
    def select(cls, viewer: Any, filters: PlaceFilters) -> QuerySet[Any]:
        return selectors.building_list(viewer=viewer, q=filters.q, area_code=filters.area)

    def rows(self, batch: list[Any]) -> Iterable[list[Any]]:
        households = _count_by(
            Household.objects.filter(
                self.scope.q(Perm.REGISTRY_EXPORT), building_id__in=[b.pk for b in batch], dissolved_at__isnull=True
            ),
            "building_id",
        )
        for b in batch:
            yield [
                b.area_code,
                b.address,
                b.compound,
                b.number,
                b.latitude if b.latitude is not None else "",
                b.longitude if b.longitude is not None else "",
                households.get(b.pk, 0),
                b.community.name,
                _grid_name(b),
            ]


class UnitExport(ListExport):
    name = "units"
    entity_type = "resident_unit"
    label = "驻区单位"
    sheet = "驻区单位"
    headers = ("单位名称", "统一社会信用代码", "单位类型", "地址", "联系人", "联系电话", "社区代码", "社区", "网格")
    widths = (28, 22, 12, 28, 10, 14, 18, 16, 16)
    filters = PlaceFilters
    list_url = "registry:unit_list"
    list_label = gettext_lazy("驻区单位")
    title = gettext_lazy("导出驻区单位")
    clear_fields = "phone"
    clear_heading = gettext_lazy("导出完整联系电话")
    clear_notice = gettext_lazy("导出的文件将包含驻区单位联系人完整的联系电话。请说明用途；本次导出会记入访问日志。")

    @classmethod
    def select(cls, viewer: Any, filters: PlaceFilters) -> QuerySet[Any]:
        return selectors.unit_list(viewer=viewer, q=filters.q, area_code=filters.area).select_related("grid")

    def rows(self, batch: list[Any]) -> Iterable[list[Any]]:
        for u in batch:
            yield [
                u.name,
                u.credit_code,
                u.kind,
                u.address,
                u.contact_name,
                u.phone if self.clear(u.area_code) else mask_phone(u.phone),
                u.area_code,
                u.community.name,
                _grid_name(u),
            ]


EXPORTS: dict[str, type[ListExport]] = {
    spec.name: spec for spec in (ResidentExport, HouseholdExport, BuildingExport, UnitExport)
}


def export_spec(list_name: str) -> type[ListExport]:
    try:
        return EXPORTS[list_name]
    except KeyError:
        raise NotFound() from None


# -- checks and links --------------------------------------------------------------------------------


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


def export_area_code(scope: ViewerScope, filters: ListFilters) -> str:
    """Where an export is filed (access log, job): the area filter, else the top of the viewer's export scope."""
    return filters.area if filters.area else _common_prefix(scope.codes_for(Perm.REGISTRY_EXPORT))


def _overlap(a: str, b: str) -> bool:
    """Whether two area subtrees (code prefixes) share any area."""
    return a.startswith(b) or b.startswith(a)


def export_links(viewer: Any, list_name: str, area_code: str = "") -> dict[str, bool]:
    """What a list page offers: `can_export` (the masked export), `can_unmask_export` (the unmasked one, asked
    with a reason): the list has masked columns and, inside the list's area filter, there are rows the viewer
    may both export and unmask."""
    scope = viewer_scope(viewer)
    export_codes = scope.codes_for(Perm.REGISTRY_EXPORT)
    area = area_code.strip() if area_code.strip().isdigit() else ""
    can_unmask = bool(EXPORTS[list_name].clear_fields) and any(
        _overlap(u, e) and _overlap(u, area) and _overlap(e, area)
        for u in scope.codes_for(Perm.REGISTRY_UNMASK)
        for e in export_codes
    )
    return {"can_export": bool(export_codes), "can_unmask_export": can_unmask}


def _checked(
    spec: type[ListExport], viewer: Any, unmask: bool, reason: str, *, need_reason: bool = True
) -> tuple[ViewerScope, str]:
    scope = viewer_scope(viewer)
    if not scope.has(Perm.REGISTRY_EXPORT):
        raise PermissionDenied(_("您没有导出数据的权限。"))
    reason = (reason or "").strip()
    if unmask:
        if not scope.has(Perm.REGISTRY_UNMASK):
            raise PermissionDenied(_("您没有查看完整身份号码和电话的权限。"))
        if not spec.clear_fields:
            message = _("该列表不含身份号码或电话，无需导出明文")
            raise ValidationFailed(message, details={"unmask": [message]})
        if need_reason and len(reason) < MIN_REASON_LENGTH:
            message = _("请说明导出明文的原因（至少 %(n)d 个字）") % {"n": MIN_REASON_LENGTH}
            raise ValidationFailed(message, details={"reason": [message]})
    return scope, reason


def unmask_allowed(*, list_name: str, viewer: Any) -> None:
    """The checks of an unmasked export before its reason is asked for: a viewer who may not export or unmask
    (PermissionDenied), or a list with nothing to unmask (ValidationFailed), is refused before the form."""
    _checked(export_spec(list_name), viewer, True, "", need_reason=False)


def _queryset(
    spec: type[ListExport], viewer: Any, scope: ViewerScope, filters: ListFilters
) -> tuple[QuerySet[Model], int]:
    qs = spec.select(viewer, filters).filter(scope.q(Perm.REGISTRY_EXPORT))
    total = qs.count()
    if total > EXCEL_MAX_ROWS:
        raise ValidationFailed(
            _("共 %(n)d 行，超过 Excel 单表上限 %(max)d 行，请缩小筛选范围后分批导出")
            % {"n": total, "max": EXCEL_MAX_ROWS}
        )
    return qs, total


def _filters(spec: type[ListExport], filters: ListFilters) -> ListFilters:
    if not isinstance(filters, spec.filters):
        raise TypeError(f"{spec.name} exports take {spec.filters.__name__}")
    return filters


# -- the export --------------------------------------------------------------------------------------


def export_size(*, list_name: str, viewer: Any, filters: ListFilters, unmask: bool = False, reason: str = "") -> int:
    """How many rows the export would have, after the same checks as the export itself."""
    spec = export_spec(list_name)
    scope, _reason = _checked(spec, viewer, unmask, reason)
    return _queryset(spec, viewer, scope, _filters(spec, filters))[1]


def list_export(
    *,
    list_name: str,
    viewer: Any,
    filters: ListFilters,
    unmask: bool = False,
    reason: str = "",
    handle: IO[bytes] | None = None,
    progress: Progress | None = None,
    log_query: Mapping[str, Any] | None = None,
) -> ExportFile:
    """Write the export to `handle` (a temporary file by default) and record it in the access log."""
    spec = export_spec(list_name)
    scope, reason = _checked(spec, viewer, unmask, reason)
    filters = _filters(spec, filters)
    qs, total = _queryset(spec, viewer, scope, filters)
    writer = spec(viewer, scope, scope.codes_for(Perm.REGISTRY_UNMASK) if unmask else [])
    if handle is None:
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    rows = _write(handle, writer, qs, lambda done: progress(done, total) if progress else None)
    with transaction.atomic():
        access_record(
            actor=viewer,
            kind=AccessLog.Kind.EXPORT,
            entity_type=spec.entity_type,
            fields=spec.clear_fields if unmask else "",
            area_code=export_area_code(scope, filters),
            reason=reason,
            row_count=rows,
            query={**filters.log_dict(), "unmask": unmask, **(log_query or {})},
        )
    return ExportFile(handle=handle, row_count=rows, unmasked=unmask)


def _write(handle: IO[bytes], writer: ListExport, qs: QuerySet[Any], done: Callable[[int], Any]) -> int:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(writer.sheet)
    for index, width in enumerate(writer.widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.append(list(writer.headers))
    count = 0
    batch: list[Any] = []

    def flush() -> None:
        for row in writer.rows(batch):
            ws.append(row)
        batch.clear()
        done(count)

    for obj in qs.iterator(chunk_size=BATCH):
        batch.append(obj)
        count += 1
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    wb.save(handle)
    return count
