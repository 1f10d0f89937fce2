"""Paper ballots (boxes, tally sheets entered twice, the accepted tally) and online ballots.

An online ballot carries no link to its voter: the voter is marked in `OnlineVoteMark` (one per round, enforced
by a unique constraint), the ballot itself is a random id, its marks and the hash of the voter's receipt code.
Neither row has a timestamp, so the two cannot be matched by time either.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.elections.models.campaign import Round
from shequ.elections.models.roll import Voter


class BoxKind(models.TextChoices):
    CENTRAL = "central", _("中心会场")
    FIXED = "fixed", _("投票站")
    MOBILE = "mobile", _("流动票箱")


class BallotBox(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="boxes")
    name = models.CharField(_("票箱名称"), max_length=64)
    kind = models.CharField(_("类别"), max_length=16, choices=BoxKind.choices, default=BoxKind.CENTRAL)
    staff = models.JSONField(_("工作人员"), default=list, blank=True)  # names; mobile boxes need the rule's minimum
    voters_assigned = models.PositiveIntegerField(_("对应选民数"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["round", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "name"], name="uniq_box_name")]
        verbose_name = _("票箱")


class _Figures(models.Model):
    ballots_issued = models.PositiveIntegerField(_("发出选票"))
    ballots_returned = models.PositiveIntegerField(_("收回选票"))
    invalid_ballots = models.PositiveIntegerField(_("无效票"))
    # {"<candidate id>": [for, against, abstain]}
    marks = models.JSONField(default=dict)
    # {"<seat>": {"<name>": votes}} — 另选他人
    write_ins = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True


class TallySheet(_Figures):
    """One of the two independent entries of a box's paper tally sheet."""

    box = models.ForeignKey(BallotBox, on_delete=models.CASCADE, related_name="sheets")
    entry_no = models.PositiveSmallIntegerField(_("录入次序"))  # 1 or 2
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["box", "entry_no"]
        constraints = [models.UniqueConstraint(fields=["box", "entry_no"], name="uniq_tally_sheet_entry")]
        verbose_name = _("计票单录入")


class BoxTally(_Figures):
    """What counts for a box: the two entries when they agree, else the reconciled figures."""

    box = models.OneToOneField(BallotBox, on_delete=models.CASCADE, related_name="tally")
    reconciled = models.BooleanField(default=False)
    reconciled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    note = models.TextField(_("核对说明"), blank=True, default="")
    accepted_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("票箱计票结果")


class OnlineVoteMark(models.Model):
    """That a voter has voted online in a round — and nothing about how."""

    # No index of its own on round: the unique (round, voter) serves lookups by round (one index less to write
    # per ballot).
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+", db_index=False)
    voter = models.ForeignKey(Voter, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "voter"], name="uniq_online_vote_mark")]


class OnlineBallot(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Indexes written per ballot are kept to what is read: (round, marks) for the count and lookups by round,
    # the receipt hash as a plain unique constraint (no pattern-matching twin: it is only ever compared whole).
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+", db_index=False)
    # One character per candidate of the round, by Candidate.position: F for, A against, N abstain.
    marks = models.CharField(max_length=200)
    write_ins = models.JSONField(null=True, blank=True)  # {"<seat>": ["<name>", ...]}
    receipt_hash = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["round", "marks"], name="online_ballot_round_marks")]
        constraints = [models.UniqueConstraint(fields=["receipt_hash"], name="uniq_online_ballot_receipt")]
