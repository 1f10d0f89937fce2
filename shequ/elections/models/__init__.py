"""Elections (换届选举): campaigns, elections and their rounds, the roll, nomination, proxies, ballots and tallies.

An election belongs to one community (or, for a residents' group leader, one of its grids — the grids stand for
the residents' groups); `area_code` is that area's code so every read is a prefix filter on the viewer's scope.
"""

from shequ.elections.models.campaign import (
    Body,
    Campaign,
    Election,
    Mode,
    Round,
    RoundKind,
    RoundStatus,
    SeatKind,
    Stage,
    seat_label,
)
from shequ.elections.models.candidates import Candidate, CandidateStatus, Nomination, NominationMethod
from shequ.elections.models.kinship import DeclaredKinship, KinRelation
from shequ.elections.models.roll import (
    Objection,
    ObjectionDecision,
    ObjectionKind,
    Proxy,
    Voter,
    VoterSource,
    VoterStatus,
)
from shequ.elections.models.voting import BallotBox, BoxKind, BoxTally, OnlineBallot, OnlineVoteMark, TallySheet

__all__ = [
    "BallotBox", "Body", "BoxKind", "BoxTally", "Campaign", "Candidate", "CandidateStatus", "DeclaredKinship",
    "Election", "KinRelation", "Mode", "Nomination", "NominationMethod", "Objection", "ObjectionDecision",
    "ObjectionKind", "OnlineBallot", "OnlineVoteMark", "Proxy", "Round", "RoundKind", "RoundStatus", "SeatKind",
    "Stage", "TallySheet", "Voter", "VoterSource", "VoterStatus", "seat_label",
]
