"""Export of a filtered resident list to .xlsx (masked unless unmask=true with a reason; access-logged)."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema

from shequ.registry.exporting import ExportFilters, resident_export

router = Router(tags=["registry-export"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportQuery(Schema):
    q: str = ""
    kind: str = "auto"
    area: str = ""
    tag: str = ""
    status: str = ""
    unmask: bool = False
    reason: str = ""


@router.get(
    "/residents",
    summary="Export residents to .xlsx with the resident list's filters; unmask=true needs registry.unmask "
    "and a reason",
)
def export_residents(request: HttpRequest, params: Query[ExportQuery]) -> FileResponse:
    filters = ExportFilters(q=params.q, kind=params.kind, area=params.area, tag=params.tag, status=params.status)
    exported = resident_export(viewer=request.user, filters=filters, unmask=params.unmask, reason=params.reason)
    return FileResponse(
        exported.open(),
        as_attachment=True,
        filename=f"residents-{timezone.localtime():%Y%m%d-%H%M}.xlsx",
        content_type=XLSX,
    )
