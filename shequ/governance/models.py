"""Community staff (社区工作者, including both committees), their annual democratic evaluation (民主评议)
and the action items that follow from it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Position(models.TextChoices):
    DIRECTOR = "director", _("正职")
    DEPUTY = "deputy", _("副职")
    MEMBER = "member", _("委员")
    WORKER = "worker", _("工作人员")


class CommitteeKind(models.TextChoices):
    PARTY = "party", _("社区党组织")
    RESIDENTS = "residents", _("社区居民委员会")
    NONE = "none", _("不属于两委")


class Worker(models.Model):
    community = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"))
    area_code = models.CharField(max_length=15, db_index=True, editable=False)
    resident = models.ForeignKey("registry.Resident", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("居民档案"))
    name = models.CharField(_("姓名"), max_length=50)
    position = models.CharField(_("职务"), max_length=16, choices=Position.choices)
    committee = models.CharField(_("所属班子"), max_length=16, choices=CommitteeKind.choices)
    start_date = models.DateField(_("任职开始"))
    end_date = models.DateField(_("任职结束"), null=True, blank=True)
    monthly_base_pay = models.DecimalField(_("月基本报酬（元）"), max_digits=10, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["community", "position", "name"]
        verbose_name = _("社区工作人员")

    def __str__(self) -> str:
        return self.name


class Rating(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    COMPETENT = "competent", _("称职")
    BASIC = "basic", _("基本称职")
    INCOMPETENT = "incompetent", _("不称职")


class Evaluation(models.Model):
    worker = models.ForeignKey(Worker, on_delete=models.CASCADE, related_name="evaluations")
    area_code = models.CharField(max_length=15, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    rating = models.CharField(_("评议结果"), max_length=16, choices=Rating.choices)
    note = models.CharField(_("备注"), max_length=200, blank=True, default="")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["worker", "-year"]
        constraints = [models.UniqueConstraint(fields=["worker", "year"], name="uniq_evaluation_year")]
        verbose_name = _("民主评议")


class ActionStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    DONE = "done", _("已处理")
    WITHDRAWN = "withdrawn", _("已撤销")  # the ratings behind it were corrected


class ActionOutcome(models.TextChoices):
    RESIGNED = "resigned", _("责令辞职")
    RECALLED = "recalled", _("依法罢免")
    DISMISSED = "dismissed", _("解聘")
    OTHER = "other", _("其他处理")


class ActionItem(models.Model):
    """「连续两年被评定为不称职」→ resignation, recall or dismissal must be started (sub-district worklist)."""

    worker = models.ForeignKey(Worker, on_delete=models.CASCADE, related_name="action_items")
    area_code = models.CharField(max_length=15, db_index=True, editable=False)
    kind = models.CharField(max_length=32, default="incompetent_twice")
    first_year = models.PositiveSmallIntegerField()
    second_year = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=16, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    outcome = models.CharField(max_length=16, choices=ActionOutcome.choices, blank=True, default="")
    outcome_note = models.TextField(blank=True, default="")
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    class Meta:
        ordering = ["status", "-opened_at"]
        constraints = [
            models.UniqueConstraint(fields=["worker", "kind", "second_year"], condition=~Q(status="withdrawn"),
                                    name="uniq_live_action_item"),
        ]
        verbose_name = _("整改事项")
