"""The electoral roll (选民名单), objections to it and written proxies (委托投票)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.elections.models.campaign import Election


class VoterStatus(models.TextChoices):
    ON_ROLL = "on_roll", _("登记")
    EXCLUDED = "excluded", _("不列入")


class VoterSource(models.TextChoices):
    REGISTRY = "registry", _("登记册生成")
    APPLICATION = "application", _("本人申请")  # e.g. a floating resident living here a year or more
    OBJECTION = "objection", _("异议更正")
    REPRESENTATIVE = "representative", _("推选代表")


class Voter(models.Model):
    """One person considered for the roll. Name, sex and birth date are copied: the roll is a published record
    and must not change when the registry does."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="voters")
    resident = models.ForeignKey("registry.Resident", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    name = models.CharField(_("姓名"), max_length=64)
    sex = models.CharField(_("性别"), max_length=1)
    birth_date = models.DateField(_("出生日期"))
    household_id = models.IntegerField(null=True, blank=True)  # the registry household when the roll was made
    group_code = models.CharField(_("居民小组"), max_length=15, blank=True, default="")  # grid code
    status = models.CharField(_("状态"), max_length=16, choices=VoterStatus.choices, default=VoterStatus.ON_ROLL)
    exclusion_reason = models.CharField(_("不列入原因"), max_length=200, blank=True, default="")
    source = models.CharField(_("来源"), max_length=16, choices=VoterSource.choices, default=VoterSource.REGISTRY)
    note = models.CharField(_("备注"), max_length=200, blank=True, default="")
    added_on = models.DateField(auto_now_add=True)

    class Meta:
        ordering = ["election", "group_code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["election", "resident"], name="uniq_election_voter_resident"),
        ]
        indexes = [models.Index(fields=["election", "status"], name="voter_election_status")]
        verbose_name = _("选民")

    def __str__(self) -> str:
        return self.name


class ObjectionKind(models.TextChoices):
    OMITTED = "omitted", _("应列入而未列入")
    WRONGLY_INCLUDED = "wrongly_included", _("不应列入而列入")
    WRONG_DETAILS = "wrong_details", _("信息有误")


class ObjectionDecision(models.TextChoices):
    PENDING = "pending", _("待答复")
    UPHELD = "upheld", _("异议成立")
    REJECTED = "rejected", _("异议不成立")


class Objection(models.Model):
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="objections")
    kind = models.CharField(_("异议类型"), max_length=20, choices=ObjectionKind.choices)
    filed_by_name = models.CharField(_("提出人"), max_length=64)
    filed_by_voter = models.ForeignKey(Voter, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    subject_voter = models.ForeignKey(Voter, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    subject_resident = models.ForeignKey("registry.Resident", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+")
    reason = models.TextField(_("异议理由"))
    filed_on = models.DateField(_("提出日期"))
    decision = models.CharField(_("处理结果"), max_length=16, choices=ObjectionDecision.choices,
                                default=ObjectionDecision.PENDING)
    answer = models.TextField(_("答复"), blank=True, default="")
    answered_on = models.DateField(_("答复日期"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    # Filed by the resident online (recorded_by is then the resident's own account), not recorded by the committee.
    online = models.BooleanField(_("网上提出"), default=False)

    class Meta:
        ordering = ["election", "filed_on", "id"]
        verbose_name = _("选民名单异议")


class Proxy(models.Model):
    """A written proxy: `grantor` (on the roll) asks `holder` (on the roll) to vote for them; one holder accepts
    at most the rule's number (3)."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="proxies")
    grantor = models.ForeignKey(Voter, on_delete=models.CASCADE, related_name="+")
    holder = models.ForeignKey(Voter, on_delete=models.CASCADE, related_name="proxies_held")
    written_on = models.DateField(_("委托日期"))
    note = models.CharField(_("备注"), max_length=200, blank=True, default="")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["election", "holder", "id"]
        constraints = [models.UniqueConstraint(fields=["election", "grantor"], name="uniq_proxy_grantor")]
        verbose_name = _("委托投票")
