from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    CITY = "city", _("市")
    DISTRICT = "district", _("区县")
    SUBDISTRICT = "subdistrict", _("街道（乡镇）")
    COMMUNITY = "community", _("社区（村）")
    GRID = "grid", _("网格")


LEVEL_ORDER = [Level.CITY, Level.DISTRICT, Level.SUBDISTRICT, Level.COMMUNITY, Level.GRID]
CODE_LENGTH = {Level.CITY: 4, Level.DISTRICT: 6, Level.SUBDISTRICT: 9, Level.COMMUNITY: 12, Level.GRID: 15}


class UrbanRuralClass(models.TextChoices):
    """NBS 城乡分类代码."""

    MAIN_URBAN = "111", _("主城区")
    URBAN_RURAL_FRINGE = "112", _("城乡结合区")
    TOWN_CENTRE = "121", _("镇中心区")
    TOWN_RURAL_FRINGE = "122", _("镇乡结合区")
    SPECIAL = "123", _("特殊区域")
    TOWNSHIP_CENTRE = "210", _("乡中心区")
    VILLAGE = "220", _("村庄")


class CommunityKind(models.TextChoices):
    CENTRAL_URBAN = "central_urban", _("中心城区社区")
    URBAN = "urban", _("城市社区")
    TOWNSHIP = "township", _("乡镇社区")
    VILLAGE = "village", _("村")


class Area(models.Model):
    code = models.CharField(_("区划代码"), max_length=15, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices, db_index=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    urban_rural_class = models.CharField(
        _("城乡分类代码"), max_length=3, choices=UrbanRuralClass.choices, blank=True, default=""
    )
    community_kind = models.CharField(
        _("社区类别"), max_length=16, choices=CommunityKind.choices, blank=True, default=""
    )
    # Set when an officer overrides the kind derived from the urban-rural class.
    community_kind_manual = models.BooleanField(default=False)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("区域")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def ancestor_codes(self) -> list[str]:
        """Codes of this area and every ancestor, derived from the hierarchical code."""
        return [self.code[:n] for n in (4, 6, 9, 12, 15) if n <= len(self.code)]


class AreaStats(models.Model):
    """Subtree counts kept current by the registry services, so area pages never recurse."""

    area = models.OneToOneField(Area, primary_key=True, on_delete=models.CASCADE, related_name="stats")
    buildings = models.PositiveIntegerField(default=0)
    households = models.PositiveIntegerField(default=0)
    residents = models.PositiveIntegerField(default=0)
    units = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)


class AreaTagCount(models.Model):
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="tag_counts")
    tag = models.ForeignKey("registry.Tag", on_delete=models.CASCADE, related_name="+")
    residents = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["area", "tag"], name="uniq_area_tag_count")]
