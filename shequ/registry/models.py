"""Buildings, households, residents, tags and resident units: one record each, shared by every line.

Every row carries `area_code`, the code of its deepest area (grid if assigned, else community), so
scoping is a prefix match (see shequ.accounts.scope).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Scoped(models.Model):
    community = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"))
    grid = models.ForeignKey(
        "areas.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("网格")
    )
    area_code = models.CharField(max_length=15, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Building(Scoped):
    compound = models.CharField(_("小区"), max_length=100, blank=True, default="")
    number = models.CharField(_("楼栋号"), max_length=50, blank=True, default="")
    address = models.CharField(_("地址"), max_length=200)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)

    class Meta:
        ordering = ["address"]
        constraints = [models.UniqueConstraint(fields=["community", "address"], name="uniq_building_address")]
        verbose_name = _("楼栋")

    def __str__(self) -> str:
        return self.address


class HouseholdKind(models.TextChoices):
    PERMANENT = "permanent", _("常住")
    FLOATING = "floating", _("流动")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    GRANDPARENT = "grandparent", _("祖父母")
    SIBLING = "sibling", _("兄弟姐妹")
    CHILD_IN_LAW = "child_in_law", _("儿媳/女婿")
    OTHER = "other", _("其他")


class Household(Scoped):
    number = models.CharField(_("户号"), max_length=32, unique=True)
    kind = models.CharField(_("户别"), max_length=16, choices=HouseholdKind.choices, default=HouseholdKind.PERMANENT)
    building = models.ForeignKey(
        Building, null=True, blank=True, on_delete=models.SET_NULL, related_name="households", verbose_name=_("楼栋")
    )
    room = models.CharField(_("门牌/房号"), max_length=50, blank=True, default="")
    head = models.ForeignKey(
        "Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("户主")
    )
    dissolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("户")

    def __str__(self) -> str:
        return self.number


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class ResidentStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    MOVED_OUT = "moved_out", _("已迁出")
    DECEASED = "deceased", _("已故")


class Resident(Scoped):
    name = models.CharField(_("姓名"), max_length=64)
    # Lower-case pinyin without spaces ("wangxiaoming") and initials ("wxm"), kept for search.
    name_pinyin = models.CharField(max_length=200, editable=False, default="")
    name_initials = models.CharField(max_length=64, editable=False, default="")
    id_number = models.CharField(_("公民身份号码"), max_length=18, unique=True)
    # Reversed copies make "last N digits" an indexed prefix search on every database.
    id_number_rev = models.CharField(max_length=18, editable=False, default="")
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, editable=False)
    birth_date = models.DateField(_("出生日期"), editable=False)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, default="")
    phone_rev = models.CharField(max_length=20, editable=False, default="")
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="members", verbose_name=_("户")
    )
    relation = models.CharField(_("与户主关系"), max_length=16, choices=Relation.choices, blank=True, default="")
    status = models.CharField(_("状态"), max_length=16, choices=ResidentStatus.choices, default=ResidentStatus.ACTIVE)
    tags: models.ManyToManyField[Tag, ResidentTag] = models.ManyToManyField(
        "Tag", through="ResidentTag", related_name="residents", blank=True
    )

    class Meta:
        ordering = ["name_pinyin", "id"]
        indexes = [
            models.Index(fields=["name"], name="resident_name_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["name_pinyin"], name="resident_pinyin_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["name_initials"], name="resident_initials_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["id_number_rev"], name="resident_idrev_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["phone"], name="resident_phone_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["phone_rev"], name="resident_phonerev_idx", opclasses=["varchar_pattern_ops"]),
        ]
        verbose_name = _("居民")

    def __str__(self) -> str:
        return self.name


class HouseholdMembership(models.Model):
    """History of who lived in which household; nobody is in two households at once."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="memberships")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="memberships")
    relation = models.CharField(max_length=16, choices=Relation.choices, blank=True, default="")
    community_code = models.CharField(max_length=15, default="")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident"], condition=Q(ended_at__isnull=True), name="one_current_household"
            )
        ]


class Tag(models.Model):
    """重点人群标签, owned by one work line and visible to the lines allowed to see it."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32)
    name_en = models.CharField(max_length=64)
    owner_line = models.CharField(_("主管条线"), max_length=32)
    # Empty means every line may see it; otherwise only these lines (and generalist roles).
    visible_lines = models.JSONField(default=list, blank=True)
    sensitive = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the active language: name_en in English when there is one, else the Chinese name."""
        return tag_label(self.name, self.name_en)


def tag_label(name: str, name_en: str) -> str:
    """A tag's name for the active language (also for rows read with values_list, without a Tag)."""
    if name_en and (get_language() or "").lower().startswith("en"):
        return name_en
    return name


class ResidentTag(models.Model):
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="resident_tags")
    tag = models.ForeignKey(Tag, on_delete=models.PROTECT, related_name="resident_tags")
    since = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resident", "tag"], name="uniq_resident_tag")]


class ResidentUnit(Scoped):
    """驻区单位: organisations located in the community."""

    name = models.CharField(_("单位名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, default="")
    kind = models.CharField(_("单位类型"), max_length=50, blank=True, default="")
    address = models.CharField(_("地址"), max_length=200, blank=True, default="")
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True, default="")
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, default="")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="uniq_unit_name")]
        verbose_name = _("驻区单位")

    def __str__(self) -> str:
        return self.name
