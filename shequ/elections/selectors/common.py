"""Elections and campaigns as a viewer may see them. Every `*_get` answers NotFound both for a missing row and
for a row outside the viewer's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from shequ.accounts.scope import viewer_scope
from shequ.core.errors import NotFound
from shequ.core.roles import Perm
from shequ.elections.models import Campaign, Election, Stage, Voter, VoterStatus


def _pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


def election_scope(viewer: Any, perm: str = Perm.ELECTIONS_VIEW, field: str = "area_code") -> Q:
    return viewer_scope(viewer).q(perm, field)


def election_list(
    *, viewer: Any, area_code: str = "", campaign: Any = None, stage: str = "", body: str = "", q: str = "",
) -> QuerySet[Election]:
    qs = Election.objects.filter(election_scope(viewer))
    code = str(area_code or "").strip()
    if code.isdigit():
        qs = qs.filter(area_code__startswith=code)
    if campaign not in (None, ""):
        qs = qs.filter(campaign_id=_pk(campaign))
    if stage:
        qs = qs.filter(stage=stage)
    if body:
        qs = qs.filter(body=body)
    if q.strip():
        qs = qs.filter(Q(title__contains=q.strip()) | Q(community__name__contains=q.strip()))
    return qs.select_related("community", "community__parent", "group", "campaign").order_by("area_code", "-id")


def election_get(*, viewer: Any, pk: Any, perm: str = Perm.ELECTIONS_VIEW) -> Election:
    """The election if `viewer` has `perm` on it, else NotFound (also for a missing one)."""
    row = (
        Election.objects.filter(election_scope(viewer, perm), pk=_pk(pk))
        .select_related("community", "community__parent", "group", "campaign", "policy_version",
                        "policy_version__policy_set")
        .first()
    )
    if row is None:
        raise NotFound()
    return row


def election_public_get(*, pk: Any) -> Election:
    """An election whose roll has been published, for the public page (no login); NotFound before that."""
    row = (
        Election.objects.exclude(stage=Stage.DRAFT)
        .filter(pk=_pk(pk))
        .select_related("community", "community__parent", "group", "policy_version")
        .first()
    )
    if row is None:
        raise NotFound()
    return row


def _campaign_q(viewer: Any) -> Q:
    """Campaigns inside the viewer's subtree or above it (a community sees the city's campaign)."""
    scope = viewer_scope(viewer)
    above = {code[:n] for code in scope.codes_for(Perm.ELECTIONS_VIEW) for n in range(1, len(code) + 1)}
    return scope.q(Perm.ELECTIONS_VIEW) | Q(area_code__in=sorted(above))


def campaign_list(*, viewer: Any) -> QuerySet[Campaign]:
    return Campaign.objects.filter(_campaign_q(viewer)).select_related("area")


def campaign_get(*, viewer: Any, pk: Any) -> Campaign:
    row = Campaign.objects.filter(_campaign_q(viewer), pk=_pk(pk)).select_related("area").first()
    if row is None:
        raise NotFound()
    return row


def registered_count(election: Election) -> int:
    """Voters on the roll (the denominator of turnout)."""
    return Voter.objects.filter(election=election, status=VoterStatus.ON_ROLL).count()
