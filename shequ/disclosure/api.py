"""/api/v1/disclosure: the public record of each community (read without authentication), its verification,
and publishing (authenticated, with the right in the community's subtree)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from shequ.disclosure import selectors, services
from shequ.disclosure.models import Disclosure
from shequ.registry.paging import paginate
from shequ.registry.schemas import PageMeta

router = Router(tags=["disclosure"])


class EntryOut(Schema):
    id: int
    community_code: str
    community_name: str
    sequence: int
    category: str
    category_label: str
    title: str
    body: str
    source_type: str
    source_id: str
    corrects_id: int | None
    corrected_by: list[int]
    published_at: dt.datetime
    previous_digest: str
    digest: str

    @staticmethod
    def build(entry: Disclosure, corrected_by: list[int] | None = None) -> EntryOut:
        return EntryOut(
            id=entry.pk, community_code=entry.area_code, community_name=entry.community.name,
            sequence=entry.sequence, category=entry.category, category_label=str(entry.get_category_display()),
            title=entry.title, body=entry.body, source_type=entry.source_type, source_id=entry.source_id,
            corrects_id=entry.corrects_id, corrected_by=corrected_by or [], published_at=entry.published_at,
            previous_digest=entry.previous_digest, digest=entry.digest,
        )


class EntryPage(PageMeta):
    results: list[EntryOut]


class EntryFilters(Schema):
    category: str = Field("", description="election, finance, affairs or services; empty for all")
    page: int = 1
    page_size: int = 20


class EntryIn(Schema):
    category: str
    title: str
    body: str
    corrects_id: int | None = Field(None, description="The entry this one corrects (same community)")


class ProblemOut(Schema):
    sequence: int
    kind: str = Field(description="altered, broken_link, missing or truncated")
    message: str


class VerifyOut(Schema):
    community_code: str
    entries: int
    valid: bool
    problems: list[ProblemOut]


def _corrections(ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    rows = Disclosure.objects.filter(corrects_id__in=ids).order_by("sequence").values_list("pk", "corrects_id")
    for pk, old in rows:
        if old is not None:
            found.setdefault(old, []).append(pk)
    return found


@router.get("/entry/{entry_id}", response=EntryOut, auth=None, url_name="disclosure_entry")
def get_entry(request: HttpRequest, entry_id: int) -> EntryOut:
    entry = selectors.disclosure_get(pk=entry_id)
    return EntryOut.build(entry, _corrections([entry.pk]).get(entry.pk))


@router.get("/{community_code}", response=EntryPage, auth=None, url_name="disclosure_community")
def list_entries(request: HttpRequest, community_code: str, filters: Query[EntryFilters]) -> EntryPage:
    community = selectors.community_get(code=community_code)
    qs = selectors.disclosure_list(community=community, category=filters.category)
    page = paginate(qs, filters.page, filters.page_size, big_ordering=None)
    rows = list(page.object_list)
    for row in rows:
        row.community = community
    corrected = _corrections([r.pk for r in rows])
    return EntryPage(**PageMeta.of(page), results=[EntryOut.build(r, corrected.get(r.pk)) for r in rows])


@router.post("/{community_code}", response={201: EntryOut}, url_name="disclosure_community")
def publish_entry(request: HttpRequest, community_code: str, payload: EntryIn) -> Status:
    entry = services.disclosure_publish(
        actor=request.user, community=community_code, category=payload.category, title=payload.title,
        body=payload.body, corrects=payload.corrects_id,
    )
    return Status(201, EntryOut.build(selectors.disclosure_get(pk=entry.pk)))


@router.get("/{community_code}/verify", response=VerifyOut, auth=None, url_name="disclosure_verify")
def verify(request: HttpRequest, community_code: str) -> VerifyOut:
    community = selectors.community_get(code=community_code)
    problems = services.disclosure_verify(community)
    return VerifyOut(
        community_code=community.code, entries=Disclosure.objects.filter(community=community).count(),
        valid=not problems, problems=[ProblemOut(sequence=p.sequence, kind=p.kind, message=p.message)
                                      for p in problems],
    )
