"""/api/v1/funding: operating funds and project funds (list with community/year filters, detail, create,
update, delete) and per-community totals for a year. Thin; errors in the one {code, message, details}."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router
from ninja.responses import Status

from shequ.accounts.scope import viewer_scope
from shequ.core.errors import PermissionDenied
from shequ.core.roles import Perm
from shequ.facilities.common import community_for_write, current_year, require_change
from shequ.facilities.schemas import two_places
from shequ.funding import selectors, services
from shequ.funding.schemas import (
    CommunityFundsFilters,
    CommunityFundsOut,
    CommunityFundsPage,
    FundFilters,
    OperatingFundIn,
    OperatingFundOut,
    OperatingFundPage,
    OperatingFundPatch,
    ProjectFundIn,
    ProjectFundOut,
    ProjectFundPage,
    ProjectFundPatch,
)
from shequ.registry.paging import paginate
from shequ.registry.schemas import PageMeta

router = Router(tags=["funding"])


def _set_fields(payload: object, nullable: tuple[str, ...] = ()) -> dict:
    data = payload.dict(exclude_unset=True)  # type: ignore[attr-defined]
    return {k: v for k, v in data.items() if v is not None or k in nullable}


@router.get("/communities", response=CommunityFundsPage, url_name="funding_communities")
def list_communities(request: HttpRequest, filters: Query[CommunityFundsFilters]) -> CommunityFundsPage:
    """Communities in scope with their operating and project fund totals for the year."""
    if not viewer_scope(request.user).has(Perm.STANDARDS_VIEW):
        raise PermissionDenied()
    year = filters.year or selectors.latest_year(viewer=request.user) or current_year()
    qs = selectors.community_totals(viewer=request.user, year=year, subdistrict=filters.subdistrict, q=filters.q)
    page = paginate(qs, filters.page, filters.page_size, big_ordering=None)
    totals = selectors.year_totals(viewer=request.user, year=year, subdistrict=filters.subdistrict, q=filters.q)
    return CommunityFundsPage(
        **PageMeta.of(page),
        year=year,
        operating_total=two_places(totals["operating"]),
        project_total=two_places(totals["project"]),
        results=[CommunityFundsOut.build(a) for a in page.object_list],
    )


# -- operating funds ---------------------------------------------------------------------------------


@router.get("/operating", response=OperatingFundPage, url_name="funding_operating")
def list_operating(request: HttpRequest, filters: Query[FundFilters]) -> OperatingFundPage:
    qs = selectors.operating_list(viewer=request.user, community_code=filters.community, year=filters.year)
    page = paginate(qs, filters.page, filters.page_size, big_ordering=None)
    return OperatingFundPage(**PageMeta.of(page), results=[OperatingFundOut.build(f) for f in page.object_list])


@router.post("/operating", response={201: OperatingFundOut}, url_name="funding_operating")
def create_operating(request: HttpRequest, payload: OperatingFundIn) -> Status[OperatingFundOut]:
    area = community_for_write(request.user, payload.community_code)
    fields = payload.dict(exclude={"community_code"})
    fund = services.operating_fund_create(actor=request.user, community=area, **fields)
    return Status(201, OperatingFundOut.build(selectors.operating_get(viewer=request.user, pk=fund.pk)))


@router.get("/operating/{fund_id}", response=OperatingFundOut, url_name="funding_operating_detail")
def get_operating(request: HttpRequest, fund_id: int) -> OperatingFundOut:
    return OperatingFundOut.build(selectors.operating_get(viewer=request.user, pk=fund_id))


@router.patch("/operating/{fund_id}", response=OperatingFundOut, url_name="funding_operating_detail")
def update_operating(request: HttpRequest, fund_id: int, payload: OperatingFundPatch) -> OperatingFundOut:
    fund = selectors.operating_get(viewer=request.user, pk=fund_id)
    require_change(request.user, fund.area_code)
    services.operating_fund_update(actor=request.user, fund=fund, **_set_fields(payload, ("received_on",)))
    return OperatingFundOut.build(selectors.operating_get(viewer=request.user, pk=fund_id))


@router.delete("/operating/{fund_id}", response={204: None}, url_name="funding_operating_detail")
def delete_operating(request: HttpRequest, fund_id: int) -> Status[None]:
    fund = selectors.operating_get(viewer=request.user, pk=fund_id)
    services.operating_fund_delete(actor=request.user, fund=fund)
    return Status(204, None)


# -- project funds -----------------------------------------------------------------------------------


@router.get("/projects", response=ProjectFundPage, url_name="funding_projects")
def list_projects(request: HttpRequest, filters: Query[FundFilters]) -> ProjectFundPage:
    qs = selectors.project_list(viewer=request.user, community_code=filters.community, year=filters.year)
    page = paginate(qs, filters.page, filters.page_size, big_ordering=None)
    return ProjectFundPage(**PageMeta.of(page), results=[ProjectFundOut.build(f) for f in page.object_list])


@router.post("/projects", response={201: ProjectFundOut}, url_name="funding_projects")
def create_project(request: HttpRequest, payload: ProjectFundIn) -> Status[ProjectFundOut]:
    area = community_for_write(request.user, payload.community_code)
    fields = payload.dict(exclude={"community_code"})
    fund = services.project_fund_create(actor=request.user, community=area, **fields)
    return Status(201, ProjectFundOut.build(selectors.project_get(viewer=request.user, pk=fund.pk)))


@router.get("/projects/{fund_id}", response=ProjectFundOut, url_name="funding_project_detail")
def get_project(request: HttpRequest, fund_id: int) -> ProjectFundOut:
    return ProjectFundOut.build(selectors.project_get(viewer=request.user, pk=fund_id))


@router.patch("/projects/{fund_id}", response=ProjectFundOut, url_name="funding_project_detail")
def update_project(request: HttpRequest, fund_id: int, payload: ProjectFundPatch) -> ProjectFundOut:
    fund = selectors.project_get(viewer=request.user, pk=fund_id)
    require_change(request.user, fund.area_code)
    services.project_fund_update(actor=request.user, fund=fund, **_set_fields(payload))
    return ProjectFundOut.build(selectors.project_get(viewer=request.user, pk=fund_id))


@router.delete("/projects/{fund_id}", response={204: None}, url_name="funding_project_detail")
def delete_project(request: HttpRequest, fund_id: int) -> Status[None]:
    fund = selectors.project_get(viewer=request.user, pk=fund_id)
    services.project_fund_delete(actor=request.user, fund=fund)
    return Status(204, None)
