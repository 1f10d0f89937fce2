"""Money a community receives per year: operating funds (运转经费, by source) and project funds (惠民项目资金)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class FundSource(models.TextChoices):
    CITY = "city", _("市级财政")
    DISTRICT = "district", _("区县财政")
    SUBDISTRICT = "subdistrict", _("街道（乡镇）")
    OTHER = "other", _("其他来源")


class OperatingFund(models.Model):
    community = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"))
    area_code = models.CharField(max_length=15, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    source = models.CharField(_("来源"), max_length=16, choices=FundSource.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    received_on = models.DateField(_("到账日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["community", "-year", "source"]
        indexes = [models.Index(fields=["year", "area_code"], name="opfund_year_code")]
        verbose_name = _("运转经费")


class ProjectFund(models.Model):
    community = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"))
    area_code = models.CharField(max_length=15, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("项目名称"), max_length=200)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    note = models.CharField(_("备注"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["community", "-year", "name"]
        indexes = [models.Index(fields=["year", "area_code"], name="projfund_year_code")]
        verbose_name = _("惠民项目资金")
