"""/api/v1/standards/policies: policy sets, their versions and parameters, and which version judges a
community in a year. Same rules as the pages: without Perm.STANDARDS_VIEW (or outside the subtree) 404; a
reader who may not write 403; bad input 422 in the one error shape {code, message, details}."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from shequ.core.errors import PermissionDenied
from shequ.standards import policy_selectors as selectors
from shequ.standards import policy_services as services
from shequ.standards.models import PolicySet
from shequ.standards.schemas_policy import (
    PolicySetDetail,
    PolicySetOut,
    ResolveOut,
    VersionIn,
    VersionOut,
    VersionPatch,
)

router = Router(tags=["policies"])


class ResolveQuery(Schema):
    area: str = Field(description="Area code, e.g. a community 431302001001")
    year: int = Field(ge=1900, le=2200)
    topic: str = "community_standards"


def _set_out(policy_set: PolicySet, versions: list) -> PolicySetOut:
    return PolicySetOut.build(policy_set, versions, selectors.version_in_force(versions))


def _version_out(request: HttpRequest, version_id: int) -> VersionOut:
    return VersionOut.build(selectors.policy_version_get(viewer=request.user, pk=version_id))


def _require_change(request: HttpRequest, policy_set: PolicySet) -> None:
    if not selectors.can_change_policy(request.user, policy_set):
        raise PermissionDenied()


@router.get("", response=list[PolicySetOut], url_name="policy_sets", summary="Policy sets the viewer may read")
def list_sets(request: HttpRequest) -> list[PolicySetOut]:
    return [_set_out(s, list(s.versions.all())) for s in selectors.policy_set_list(viewer=request.user)]


@router.get(
    "/resolve",
    response=ResolveOut,
    url_name="policy_resolve",
    summary="Which version judges an area in a year",
)
def resolve(request: HttpRequest, query: Query[ResolveQuery]) -> ResolveOut:
    """The version in force on 31 December of `year` of the deepest set of `topic` covering `area`
    (standards.policy.version_for); `version` is null when no version covers that year."""
    version = selectors.policy_resolve(viewer=request.user, topic=query.topic, area_code=query.area, year=query.year)
    if version is None:
        return ResolveOut(area=query.area, year=query.year, topic=query.topic, policy_set=None, version=None)
    versions = selectors.policy_versions(policy_set=version.policy_set)
    return ResolveOut(
        area=query.area,
        year=query.year,
        topic=query.topic,
        policy_set=_set_out(version.policy_set, versions),
        version=_version_out(request, version.pk),
    )


@router.get("/versions/{version_id}", response=VersionOut, url_name="policy_version")
def get_version(request: HttpRequest, version_id: int) -> VersionOut:
    return _version_out(request, version_id)


@router.patch("/versions/{version_id}", response=VersionOut, url_name="policy_version")
def update_version(request: HttpRequest, version_id: int, payload: VersionPatch) -> VersionOut:
    """Only the fields sent change; `effective_to: null` makes the version open-ended."""
    version = selectors.policy_version_get(viewer=request.user, pk=version_id)
    _require_change(request, version.policy_set)
    sent = payload.dict(exclude_unset=True)
    changes = {k: sent[k] for k in ("effective_from", "effective_to", "citation", "note") if k in sent}
    if changes.get("effective_from", ...) is None:
        changes.pop("effective_from")
    services.policy_version_update(
        actor=request.user,
        version=version,
        parameters=payload.parameters or {},
        remove_keys=payload.remove_keys,
        shift_neighbours=payload.shift_neighbours,
        **changes,
    )
    return _version_out(request, version_id)


@router.delete("/versions/{version_id}", response={204: None}, url_name="policy_version")
def delete_version(request: HttpRequest, version_id: int) -> Status[None]:
    """Only the latest version, and only if no compliance result was judged by it (409 otherwise)."""
    version = selectors.policy_version_get(viewer=request.user, pk=version_id)
    _require_change(request, version.policy_set)
    services.policy_version_delete(actor=request.user, version=version)
    return Status(204, None)


@router.get("/{set_id}", response=PolicySetDetail, url_name="policy_set")
def get_set(request: HttpRequest, set_id: int) -> PolicySetDetail:
    policy_set = selectors.policy_set_get(viewer=request.user, pk=set_id)
    versions = selectors.policy_versions(policy_set=policy_set)
    for version in versions:
        version.policy_set = policy_set
    return PolicySetDetail(
        **_set_out(policy_set, versions).dict(),
        versions=[VersionOut.build(v) for v in versions],
    )


@router.post("/{set_id}/versions", response={201: VersionOut}, url_name="policy_versions", summary="Add a version")
def create_version(request: HttpRequest, set_id: int, payload: VersionIn) -> Status[VersionOut]:
    """Starts on `effective_from`; the open-ended version before it now ends the day before. Gaps and
    overlaps between versions are refused (422, naming the dates)."""
    policy_set = selectors.policy_set_get(viewer=request.user, pk=set_id)
    _require_change(request, policy_set)
    version = services.policy_version_create(
        actor=request.user,
        policy_set=policy_set,
        effective_from=payload.effective_from,
        effective_to=payload.effective_to,
        citation=payload.citation,
        note=payload.note,
        parameters=payload.parameters,
        remove_keys=payload.remove_keys,
    )
    return Status(201, _version_out(request, version.pk))
