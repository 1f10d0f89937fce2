"""Export of a filtered list to .xlsx — residents, households, buildings, resident units — with the list's own
filters (masked unless unmask=true with a reason; access-logged).

Up to SHEQU_EXPORT_SYNC_MAX_ROWS rows the answer is the file; above, 202 with a job to poll and download.
"""

from __future__ import annotations

from typing import Literal

from django.http import FileResponse, HttpRequest, HttpResponseBase
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from shequ.core.job_schemas import JobOut
from shequ.core.models import BackgroundJob
from shequ.registry.export_jobs import export_filename, export_job_file, export_job_get, export_start, job_list
from shequ.registry.exporting import HouseholdFilters, ListFilters, PlaceFilters, ResidentFilters

router = Router(tags=["registry-export"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNMASK_SUMMARY = "unmask=true needs registry.unmask and a reason. A large export answers 202 with a job: poll " \
    "status_url, then fetch download_url"


class _UnmaskQuery(Schema):
    unmask: bool = False
    reason: str = ""


class ExportQuery(_UnmaskQuery):
    """The resident list's filters (hkind: the household kind)."""

    q: str = ""
    kind: str = "auto"
    area: str = ""
    tag: str = ""
    status: str = ""
    hkind: str = ""


class HouseholdExportQuery(_UnmaskQuery):
    """The household list's filters (GET /api/v1/registry/households)."""

    q: str = Field("", max_length=100, description="Household number prefix, or building address")
    area: str = Field("", max_length=15)
    kind: Literal["", "permanent", "floating"] = ""
    building_id: int | None = None


class PlaceExportQuery(_UnmaskQuery):
    """The building or resident-unit list's filters (GET /api/v1/registry/buildings, …/units)."""

    q: str = Field("", max_length=100)
    area: str = Field("", max_length=15)


class ExportJobOut(JobOut):
    list: str
    row_count: int | None
    unmasked: bool
    download_url: str

    @staticmethod
    def build(job: BackgroundJob) -> ExportJobOut:
        base = "/api/v1/registry/exports/jobs/" + str(job.pk)
        return ExportJobOut(
            **JobOut.common(job, base),
            list=job_list(job).name,
            row_count=(job.result or {}).get("row_count"),
            unmasked=bool(job.params.get("unmask")),
            download_url=base + "/download" if job.status == BackgroundJob.Status.SUCCEEDED else "",
        )


def _export(
    request: HttpRequest, list_name: str, filters: ListFilters, params: _UnmaskQuery
) -> HttpResponseBase | Status[ExportJobOut]:
    exported = export_start(
        list_name=list_name, viewer=request.user, filters=filters, unmask=params.unmask, reason=params.reason
    )
    if isinstance(exported, BackgroundJob):
        exported.refresh_from_db()
        return Status(202, ExportJobOut.build(exported))
    return FileResponse(
        exported.open(),
        as_attachment=True,
        filename=f"{list_name}-{timezone.localtime():%Y%m%d-%H%M}.xlsx",
        content_type=XLSX,
    )


@router.get(
    "/residents",
    response={202: ExportJobOut},
    summary="Export residents to .xlsx with the resident list's filters; " + UNMASK_SUMMARY,
)
def export_residents(request: HttpRequest, params: Query[ExportQuery]) -> HttpResponseBase | Status[ExportJobOut]:
    filters = ResidentFilters(
        q=params.q, kind=params.kind, area=params.area, tag=params.tag, status=params.status, hkind=params.hkind
    )
    return _export(request, "residents", filters, params)


@router.get(
    "/households",
    response={202: ExportJobOut},
    summary="Export households to .xlsx with the household list's filters (heads' ID numbers and phones masked); "
    + UNMASK_SUMMARY,
)
def export_households(
    request: HttpRequest, params: Query[HouseholdExportQuery]
) -> HttpResponseBase | Status[ExportJobOut]:
    filters = HouseholdFilters(
        q=params.q.strip(), area=params.area.strip(), kind=params.kind,
        building="" if params.building_id is None else str(params.building_id),
    )
    return _export(request, "households", filters, params)


@router.get(
    "/buildings",
    response={202: ExportJobOut},
    summary="Export buildings to .xlsx with the building list's filters (no personal data: unmask is refused). "
    "A large export answers 202 with a job: poll status_url, then fetch download_url",
)
def export_buildings(request: HttpRequest, params: Query[PlaceExportQuery]) -> HttpResponseBase | Status[ExportJobOut]:
    return _export(request, "buildings", PlaceFilters(q=params.q.strip(), area=params.area.strip()), params)


@router.get(
    "/units",
    response={202: ExportJobOut},
    summary="Export resident units to .xlsx with the unit list's filters (contact phones masked); "
    + UNMASK_SUMMARY,
)
def export_units(request: HttpRequest, params: Query[PlaceExportQuery]) -> HttpResponseBase | Status[ExportJobOut]:
    return _export(request, "units", PlaceFilters(q=params.q.strip(), area=params.area.strip()), params)


@router.get("/jobs/{job_id}", response=ExportJobOut, summary="Status and progress of a large export")
def export_job_status(request: HttpRequest, job_id: str) -> ExportJobOut:
    return ExportJobOut.build(export_job_get(viewer=request.user, job_id=job_id))


@router.get("/jobs/{job_id}/download", summary="The finished export (.xlsx)")
def export_job_download(request: HttpRequest, job_id: str) -> FileResponse:
    job = export_job_get(viewer=request.user, job_id=job_id)
    path = export_job_file(job=job)
    name = job.params.get("filename") or export_filename(job_list(job).name)
    return FileResponse(open(path, "rb"), as_attachment=True, filename=name, content_type=XLSX)
