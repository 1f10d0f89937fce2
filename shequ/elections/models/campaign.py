"""A campaign (换届选举工作) per city or district and term; an election per community and body; its rounds."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Body(models.TextChoices):
    RESIDENTS_COMMITTEE = "residents_committee", _("居民委员会")
    GROUP_LEADER = "group_leader", _("居民小组长")
    SUPERVISION_COMMITTEE = "supervision_committee", _("居务监督委员会")
    COUNCIL = "council", _("居民议事会")


class Mode(models.TextChoices):
    ALL_VOTERS = "all_voters", _("全体选民直接选举")
    HOUSEHOLD_REPS = "household_reps", _("每户派代表选举")
    GROUP_REPS = "group_reps", _("每个居民小组选派代表选举")


class SeatKind(models.TextChoices):
    DIRECTOR = "director", _("主任")
    DEPUTY = "deputy", _("副主任")
    MEMBER = "member", _("委员")


GROUP_LEADER_SEAT_LABELS = {
    SeatKind.DIRECTOR.value: _("组长"),
    SeatKind.DEPUTY.value: _("副组长"),
    SeatKind.MEMBER.value: _("组员"),
}


def seat_label(seat: str, body: str = "") -> str:
    """What a seat is called to a user: `SeatKind`'s label, but 组长 (副组长, 组员) in a group-leader election;
    the raw value for an unknown seat."""
    if body == Body.GROUP_LEADER and seat in GROUP_LEADER_SEAT_LABELS:
        return str(GROUP_LEADER_SEAT_LABELS[seat])
    return str(SeatKind(seat).label) if seat in SeatKind.values else str(seat)


class Stage(models.TextChoices):
    """In order; `void` ends an election whose vote was invalid (a repeated election is a new Election)."""

    DRAFT = "draft", _("筹备")
    ROLL_PUBLISHED = "roll_published", _("选民名单已公布")
    ROLL_FROZEN = "roll_frozen", _("选民名单已确定")
    CANDIDATES_PUBLISHED = "candidates_published", _("候选人已公布")
    VOTING = "voting", _("投票中")
    COUNTED = "counted", _("已计票")
    COMPLETED = "completed", _("已完成")
    VOID = "void", _("选举无效")


STAGE_ORDER: list[str] = list(Stage.values)


class Campaign(models.Model):
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("区域"))
    area_code = models.CharField(max_length=15, db_index=True, editable=False)
    name = models.CharField(_("名称"), max_length=200)
    term_label = models.CharField(_("届次"), max_length=64)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("完成期限"))
    # [{"key": "roll", "label": "...", "due": "2026-03-01"}, ...] — the city's timetable, shown on the dashboards.
    schedule = models.JSONField(_("工作安排"), default=list, blank=True)
    note = models.TextField(_("说明"), blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "area_code"]
        verbose_name = _("换届选举工作")

    def __str__(self) -> str:
        return self.name


class Election(models.Model):
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="elections",
                                 verbose_name=_("换届选举工作"))
    community = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"))
    # The grid standing for the residents' group (group-leader elections only).
    group = models.ForeignKey("areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("居民小组"))
    area_code = models.CharField(max_length=15, db_index=True, editable=False)
    body = models.CharField(_("选举对象"), max_length=32, choices=Body.choices, default=Body.RESIDENTS_COMMITTEE)
    mode = models.CharField(_("选举方式"), max_length=16, choices=Mode.choices, default=Mode.ALL_VOTERS)
    title = models.CharField(_("名称"), max_length=200)
    election_day = models.DateField(_("选举日"))
    seats_director = models.PositiveSmallIntegerField(_("主任职数"), default=1)
    seats_deputy = models.PositiveSmallIntegerField(_("副主任职数"), default=1)
    seats_member = models.PositiveSmallIntegerField(_("委员职数"), default=3)
    online_voting = models.BooleanField(_("允许网上投票"), default=False)
    stage = models.CharField(_("阶段"), max_length=24, choices=Stage.choices, default=Stage.DRAFT, db_index=True)
    # The rule set judging this election: the version of the election-rules policy in force on election day.
    policy_version = models.ForeignKey("standards.PolicyVersion", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", verbose_name=_("选举规则版本"))
    attempt = models.PositiveSmallIntegerField(_("第几次选举"), default=1)
    repeat_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="repeats")
    roll_published_on = models.DateField(null=True, blank=True)
    roll_frozen_on = models.DateField(null=True, blank=True)
    candidates_published_on = models.DateField(null=True, blank=True)
    counted_at = models.DateTimeField(null=True, blank=True)
    results_published_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(_("无效原因"), max_length=200, blank=True, default="")
    handover_on = models.DateField(_("工作移交日期"), null=True, blank=True)
    handover_note = models.TextField(_("移交情况"), blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-election_day", "area_code"]
        indexes = [models.Index(fields=["campaign", "area_code"], name="election_campaign_code")]
        verbose_name = _("选举")

    def __str__(self) -> str:
        return self.title

    @property
    def seats(self) -> dict[str, int]:
        return {SeatKind.DIRECTOR: self.seats_director, SeatKind.DEPUTY: self.seats_deputy,
                SeatKind.MEMBER: self.seats_member}

    @property
    def seats_total(self) -> int:
        return self.seats_director + self.seats_deputy + self.seats_member


class RoundKind(models.TextChoices):
    FIRST = "first", _("正式选举")
    ADDITIONAL = "additional", _("另行选举")


class RoundStatus(models.TextChoices):
    OPEN = "open", _("投票中")
    COUNTED = "counted", _("已计票")
    VOID = "void", _("无效")


class Round(models.Model):
    """One vote of an election: the first, then any 另行选举 for seats left unfilled or tied."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("轮次"))
    kind = models.CharField(_("类别"), max_length=16, choices=RoundKind.choices, default=RoundKind.FIRST)
    # {"director": 1, "deputy": 1, "member": 3}: what this round fills.
    seats = models.JSONField(_("应选职数"), default=dict)
    status = models.CharField(_("状态"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    # Totals and the outcome, written by the count (elections.services.results): registered, voted, returned,
    # invalid, per-candidate votes, write-ins, elected, unfilled, notes.
    result = models.JSONField(default=dict, blank=True)
    counted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["election", "number"]
        constraints = [models.UniqueConstraint(fields=["election", "number"], name="uniq_election_round")]
        verbose_name = _("投票轮次")
