"""Candidates per round and seat, and how each was nominated."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.elections.models.campaign import Election, Round, SeatKind
from shequ.elections.models.roll import Voter


class CandidateStatus(models.TextChoices):
    NOMINATED = "nominated", _("被提名")
    FORMAL = "formal", _("正式候选人")
    WITHDRAWN = "withdrawn", _("已退出")
    REJECTED = "rejected", _("不符合条件")
    WRITE_IN = "write_in", _("另选他人")


class Candidate(models.Model):
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="candidates")
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="candidates")
    seat = models.CharField(_("职位"), max_length=16, choices=SeatKind.choices)
    resident = models.ForeignKey("registry.Resident", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    voter = models.ForeignKey(Voter, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(_("姓名"), max_length=64)
    sex = models.CharField(_("性别"), max_length=1, blank=True, default="")
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    household_id = models.IntegerField(null=True, blank=True)
    incumbent = models.BooleanField(_("连任"), default=False)  # a member of the outgoing committee
    status = models.CharField(_("状态"), max_length=16, choices=CandidateStatus.choices,
                              default=CandidateStatus.NOMINATED)
    status_reason = models.CharField(_("说明"), max_length=200, blank=True, default="")
    position = models.PositiveSmallIntegerField(_("选票顺序"), default=0)  # index into an online ballot's marks
    votes_for = models.PositiveIntegerField(_("赞成票"), default=0)
    votes_against = models.PositiveIntegerField(_("反对票"), default=0)
    votes_abstain = models.PositiveIntegerField(_("弃权票"), default=0)
    elected = models.BooleanField(_("当选"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["round", "seat", "position", "id"]
        indexes = [models.Index(fields=["election", "status"], name="candidate_election_status")]
        verbose_name = _("候选人")

    def __str__(self) -> str:
        return self.name


class NominationMethod(models.TextChoices):
    VOTERS_JOINTLY = "voters_jointly", _("选民联名提名")
    HOUSEHOLD_REPS = "household_reps", _("户代表提名")
    RESIDENT_GROUPS = "resident_groups", _("居民小组提名")
    SELF = "self", _("本人自荐")


class Nomination(models.Model):
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="nominations")
    method = models.CharField(_("提名方式"), max_length=20, choices=NominationMethod.choices)
    nominator_ids = models.JSONField(default=list, blank=True)  # Voter ids (joint and household nominations)
    group_code = models.CharField(max_length=15, blank=True, default="")  # the nominating residents' group
    nominated_on = models.DateField(_("提名日期"))
    note = models.CharField(_("备注"), max_length=200, blank=True, default="")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["candidate", "id"]
        verbose_name = _("提名")
