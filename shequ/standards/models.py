"""Versioned policy sets (DESIGN.md §5) and the compliance results computed against them.

A policy set (e.g. 娄底市社区建设标准) has a topic, a jurisdiction and a chain of versions whose
effective date ranges neither overlap nor leave gaps; each version carries typed parameters. A year is
judged by the version in force on 31 December of that year (see standards.policy.version_for_year).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ParamKind(models.TextChoices):
    AREA_M2 = "m2", _("面积（平方米）")
    COUNT = "count", _("数量")
    YUAN = "yuan", _("金额（元）")
    RATIO = "ratio", _("比例")
    ITEMS = "items", _("项目清单")


class PolicySet(models.Model):
    code = models.SlugField(_("代码"), max_length=64, unique=True)
    topic = models.CharField(_("主题"), max_length=64, db_index=True)
    name = models.CharField(_("名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True, default="")
    # The area code the set applies to (its whole subtree); the deepest matching set wins. A code rather than a
    # foreign key so the seed policy can ship in a migration before any area is loaded.
    jurisdiction_code = models.CharField(_("适用区域代码"), max_length=15)
    description = models.TextField(_("说明"), blank=True, default="")

    class Meta:
        ordering = ["code"]
        verbose_name = _("政策标准")

    def __str__(self) -> str:
        return self.name


class PolicyVersion(models.Model):
    policy_set = models.ForeignKey(PolicySet, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)  # inclusive; null = open-ended
    citation = models.TextField(_("依据文件"))
    note = models.TextField(_("修订说明"), blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["policy_set", "effective_from"]
        constraints = [models.UniqueConstraint(fields=["policy_set", "number"], name="uniq_policy_version_number")]
        verbose_name = _("政策版本")

    def __str__(self) -> str:
        return f"{self.policy_set} v{self.number}"


class PolicyParameter(models.Model):
    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="parameters")
    key = models.CharField(_("参数"), max_length=64)
    kind = models.CharField(_("类型"), max_length=8, choices=ParamKind.choices)
    # A number (as a decimal string, to keep yuan and m² exact) or, for ITEMS, a list of strings.
    value = models.JSONField(_("取值"))
    label = models.CharField(_("说明"), max_length=200, blank=True, default="")

    class Meta:
        ordering = ["version", "key"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="uniq_policy_parameter")]
        verbose_name = _("政策参数")


class ComplianceStatus(models.IntegerChoices):
    MEETS = 1, _("达标")
    SHORT = 2, _("未达标")
    NO_DATA = 3, _("无数据")


class ComplianceResult(models.Model):
    """One community × year × rule. Rebuilt by standards.compliance; `area_code` is the community's code,
    so roll-ups to sub-district, district and city are prefix filters, never recursion."""

    # No database-level foreign keys and no single-column indexes on them: the table is derived and replaced
    # wholesale by the recompute (~400,000 rows for a city), and PostgreSQL's per-row FK check (SELECT … FOR KEY
    # SHARE on the area and the version) cost more than the write itself. Django still cascades / nulls these on
    # delete; lookups by community use the unique (community, year, rule) index.
    community = models.ForeignKey(
        "areas.Area", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    area_code = models.CharField(max_length=15)
    community_kind = models.CharField(max_length=16, blank=True, default="")
    year = models.PositiveSmallIntegerField()
    rule = models.CharField(max_length=32)
    status = models.PositiveSmallIntegerField(choices=ComplianceStatus.choices)
    measured = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    threshold = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    gap = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)  # ≥ 0, in the rule's unit
    policy_version = models.ForeignKey(PolicyVersion, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+", db_constraint=False, db_index=False)
    detail = models.JSONField(default=dict, blank=True)  # e.g. {"missing": [...], "extra": [...]}
    computed_at = models.DateTimeField()
    # compliance_eval.Block.digest of the community-year this row was written with (the same on every row of the
    # block; "" when written some other way): the recompute compares it, with the block's row count, to decide
    # what changed without re-reading the rows' values.
    block_digest = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "year", "rule"], name="uniq_compliance_result"),
        ]
        # Pattern operator classes: subtree filters are `area_code LIKE '<code>%'`, which a btree in the database's
        # (non-C) collation cannot serve; byte-wise keys are also cheaper to maintain on the recompute's bulk writes.
        indexes = [
            models.Index(
                fields=["year", "rule", "area_code"],
                name="compliance_year_rule_code",
                opclasses=["int2_ops", "varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["area_code", "year"], name="compliance_code_year", opclasses=["varchar_pattern_ops", "int2_ops"]
            ),
            # The problems report reads only the short results of a year (about 15 %): names and missing items.
            models.Index(
                fields=["year", "area_code"],
                name="compliance_short_year_code",
                opclasses=["int2_ops", "varchar_pattern_ops"],
                condition=models.Q(status=ComplianceStatus.SHORT),
            ),
        ]
        verbose_name = _("达标结果")


class ComplianceRollup(models.Model):
    """ComplianceResult summed per sub-district (the first 9 digits of the community code) × year × rule × status ×
    community kind × threshold: what a city or district dashboard aggregates, ~100× fewer rows than the results.
    Rebuilt for the scope of every recompute (standards.compliance_rollup); used only while `RollupState` says it
    matches the results it was built from."""

    sub_code = models.CharField(max_length=15)
    year = models.PositiveSmallIntegerField()
    rule = models.CharField(max_length=32)
    status = models.PositiveSmallIntegerField(choices=ComplianceStatus.choices)
    community_kind = models.CharField(max_length=16, blank=True, default="")
    threshold = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    n = models.PositiveIntegerField()
    gap_sum = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    measured_sum = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    absent = models.PositiveIntegerField(default=0)  # rows with no or zero measured value
    zero_gap = models.PositiveIntegerField(default=0)  # rows with no or zero gap

    class Meta:
        indexes = [
            models.Index(fields=["sub_code", "year"], name="rollup_code_year", opclasses=["varchar_pattern_ops",
                                                                                           "int2_ops"]),
        ]


class RollupState(models.Model):
    """The results version (standards.selectors.base.results_version) the rollup was last made to match."""

    key = models.CharField(max_length=32, unique=True)
    results_version = models.CharField(max_length=64, default="")
