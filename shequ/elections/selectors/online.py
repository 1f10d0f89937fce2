"""Online voting as a resident sees it: the elections open to it, the ballot to fill and why it may not vote;
and, for the polling station, who has already voted online (so paper and online are never both counted).

A resident user holds `Perm.ELECTIONS_VOTE` on its community; an election outside that scope answers NotFound.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from shequ.accounts.scope import viewer_scope
from shequ.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from shequ.core.roles import Perm
from shequ.elections.models import (
    Candidate,
    CandidateStatus,
    Election,
    OnlineVoteMark,
    Proxy,
    Round,
    RoundStatus,
    SeatKind,
    Stage,
    Voter,
    VoterStatus,
    seat_label,
)
from shequ.elections.selectors.common import _pk

# Stages in which a resident's list still shows an online election (to vote, or to see that it voted).
SHOWN_STAGES = (Stage.VOTING, Stage.COUNTED, Stage.COMPLETED)


def online_voter_ids(round_: Round) -> set[int]:
    """Voter ids marked as having voted online in `round_` — for the polling station's roll printout."""
    return set(OnlineVoteMark.objects.filter(round=round_).values_list("voter_id", flat=True))


def require_voter_scope(viewer: Any, area_code: str) -> None:
    """A resident of the community may vote; staff who see the election get 403; anyone else 404."""
    scope = viewer_scope(viewer)
    if scope.has(Perm.ELECTIONS_VOTE, area_code):
        return
    if scope.has(Perm.ELECTIONS_VIEW, area_code):
        raise PermissionDenied()
    raise NotFound()


def vote_election_get(*, viewer: Any, pk: Any) -> Election:
    """An online-voting election in the viewer's voting scope, else NotFound (also for a missing one)."""
    row = Election.objects.filter(pk=_pk(pk)).select_related("community", "policy_version").first()
    if row is None:
        raise NotFound()
    require_voter_scope(viewer, row.area_code)
    if not row.online_voting or row.stage not in SHOWN_STAGES:  # a draft is nobody's business but the committee's
        raise NotFound()
    return row


def current_round(election: Election) -> Round | None:
    """The latest round (an 另行选举 follows the first); online ballots go only into it while it is open."""
    return Round.objects.filter(election=election).order_by("-number").first()


def voter_of(election: Election, user: Any) -> Voter | None:
    """The user's roll entry, with `gave_proxy` (a written proxy given) read in the same query."""
    resident_id = getattr(user, "resident_id", None)
    if not resident_id:
        return None
    proxies = Proxy.objects.filter(election_id=OuterRef("election_id"), grantor_id=OuterRef("pk"))
    return (
        Voter.objects.filter(election=election, resident_id=resident_id)
        .annotate(gave_proxy=Exists(proxies))
        .first()
    )


def ballot_candidates(round_: Round) -> list[Candidate]:
    return list(Candidate.objects.filter(round=round_, status=CandidateStatus.FORMAL).order_by("position", "id"))


def voting_refusal(
    election: Election, round_: Round | None, voter: Voter | None, user: Any
) -> ApplicationError | None:
    """Why `user` may not vote online in `election` now (an error to raise), or None. The "already voted" check
    is separate: the unique mark is the last word on it."""
    if not election.online_voting:
        return Conflict(_("本次选举未开放网上投票。"), code="online_voting_off")
    if election.stage != Stage.VOTING or round_ is None or round_.status != RoundStatus.OPEN:
        return Conflict(_("本次选举当前不在投票时间内。"), code="round_not_open")
    if not getattr(user, "resident_id", None):
        return PermissionDenied(_("您的账号未关联居民档案，不能网上投票。"), code="not_a_voter")
    if voter is None or voter.status != VoterStatus.ON_ROLL:
        return PermissionDenied(_("您不在本次选举的选民名单上，不能投票。如有异议请联系社区选举委员会。"),
                                code="not_on_roll")
    gave_proxy = getattr(voter, "gave_proxy", None)
    if gave_proxy is None:
        gave_proxy = Proxy.objects.filter(election=election, grantor=voter).exists()
    if gave_proxy:
        return Conflict(_("您已书面委托他人代为投票，不能再网上投票。"), code="proxy_given")
    return None


@dataclass
class SeatBlock:
    seat: str
    label: str
    seats: int
    candidates: list[Candidate] = field(default_factory=list)


@dataclass
class BallotView:
    """What the ballot page and GET /ballot show: the round, candidates per seat, and whether one may vote."""

    election: Election
    round: Round | None
    voter: Voter | None
    blocks: list[SeatBlock]
    voted: bool
    refusal: ApplicationError | None

    @property
    def can_vote(self) -> bool:
        return self.refusal is None and not self.voted


def seat_blocks(round_: Round, candidates: list[Candidate], *, body: str = "") -> list[SeatBlock]:
    blocks = []
    for seat in SeatKind:
        count = int((round_.seats or {}).get(seat.value, 0))
        if count <= 0:
            continue
        blocks.append(SeatBlock(seat=seat.value, label=seat_label(seat.value, body), seats=count,
                                candidates=[c for c in candidates if c.seat == seat.value]))
    return blocks


def ballot_get(*, viewer: Any, pk: Any) -> BallotView:
    election = vote_election_get(viewer=viewer, pk=pk)
    round_ = current_round(election)
    voter = voter_of(election, viewer)
    voted = bool(round_ and voter and OnlineVoteMark.objects.filter(round=round_, voter=voter).exists())
    blocks = seat_blocks(round_, ballot_candidates(round_), body=election.body) if round_ is not None else []
    return BallotView(election=election, round=round_, voter=voter, blocks=blocks, voted=voted,
                      refusal=voting_refusal(election, round_, voter, viewer))


@dataclass
class MyElection:
    election: Election
    round: Round | None
    on_roll: bool
    voted: bool
    open: bool


def my_elections(*, viewer: Any) -> list[MyElection]:
    """The online-voting elections of the viewer's community, newest first, with whether it voted online."""
    scope = viewer_scope(viewer)
    if not scope.has(Perm.ELECTIONS_VOTE):
        return []
    elections = list(
        Election.objects.filter(scope.q(Perm.ELECTIONS_VOTE), online_voting=True, stage__in=SHOWN_STAGES)
        .select_related("community").order_by("-election_day", "-id")[:50]
    )
    resident_id = getattr(viewer, "resident_id", None)
    voters = {
        v.election_id: v
        for v in Voter.objects.filter(election__in=elections, resident_id=resident_id, status=VoterStatus.ON_ROLL)
    } if resident_id else {}
    rounds: dict[int, Round] = {}
    for row in Round.objects.filter(election__in=elections).order_by("number"):
        rounds[row.election_id] = row  # the last one wins: the current round
    marks = set(
        OnlineVoteMark.objects.filter(voter__in=list(voters.values()), round__in=list(rounds.values()))
        .values_list("round_id", "voter_id")
    )
    rows = []
    for e in elections:
        r = rounds.get(e.pk)
        v = voters.get(e.pk)
        rows.append(MyElection(
            election=e, round=r, on_roll=v is not None,
            voted=bool(r and v and (r.pk, v.pk) in marks),
            open=e.stage == Stage.VOTING and r is not None and r.status == RoundStatus.OPEN,
        ))
    return rows
