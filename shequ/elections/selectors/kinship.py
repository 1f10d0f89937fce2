"""Close relatives as the election committee sees them: the kinships declared in the election's community, and
which of the election's standing candidates are close relatives of each other (registry-derived or declared)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

from django.db.models import QuerySet

from shequ.core.errors import NotFound
from shequ.elections import policies
from shequ.elections.kinship import declared_pairs, registry_pairs
from shequ.elections.models import Candidate, CandidateStatus, DeclaredKinship, Election
from shequ.elections.selectors.common import election_scope


def kinship_list(*, viewer: Any, election: Election) -> QuerySet[DeclaredKinship]:
    """The declared kinships of the election's community inside the viewer's scope, newest first."""
    policies.require_view(viewer, election.area_code)
    return (
        DeclaredKinship.objects.filter(election_scope(viewer), community_id=election.community_id)
        .select_related("resident_a", "resident_b", "recorded_by")
        .order_by("-recorded_at", "-id")
    )


def kinship_get(*, viewer: Any, election: Election, pk: Any) -> DeclaredKinship:
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    row = kinship_list(viewer=viewer, election=election).filter(pk=key).first()
    if row is None:
        raise NotFound()
    return row


@dataclass
class CandidatePair:
    a: Candidate
    b: Candidate
    source: str  # "registry" (relations to the head of one household) or "declared"


def candidate_kin(*, viewer: Any, election: Election) -> list[CandidatePair]:
    """Pairs of close relatives among the first round's nominated and formal candidates (three queries)."""
    policies.require_view(viewer, election.area_code)
    rows = list(Candidate.objects.filter(round__election=election, round__number=1, resident_id__isnull=False,
                                         status__in=(CandidateStatus.NOMINATED, CandidateStatus.FORMAL))
                .order_by("seat", "id"))
    ids = [r.resident_id for r in rows if r.resident_id]
    registry = registry_pairs(ids)
    declared = declared_pairs(election.community_id, ids)
    out: list[CandidatePair] = []
    for a, b in combinations(rows, 2):
        if not a.resident_id or not b.resident_id or a.resident_id == b.resident_id:
            continue
        pair = frozenset((a.resident_id, b.resident_id))
        if pair in registry:
            out.append(CandidatePair(a=a, b=b, source="registry"))
        elif pair in declared:
            out.append(CandidatePair(a=a, b=b, source="declared"))
    return out
