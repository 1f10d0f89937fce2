"""Community premises (社区公共服务用房) and what is in them: service centre, functional rooms, the
five unifications, plaques, photos. A year is judged by the premises in use that year."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Tenure(models.TextChoices):
    OWNED = "owned", _("自有")
    RENTED = "rented", _("租用")
    LENT = "lent", _("借用")


class Premises(models.Model):
    community = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"))
    area_code = models.CharField(max_length=15, db_index=True, editable=False)
    name = models.CharField(_("名称"), max_length=100, blank=True, default="")
    address = models.CharField(_("地址"), max_length=200)
    floor_area_m2 = models.DecimalField(_("面积（平方米）"), max_digits=10, decimal_places=2)
    year_from = models.PositiveSmallIntegerField(_("启用年份"))
    year_to = models.PositiveSmallIntegerField(_("停用年份"), null=True, blank=True)  # inclusive; null = in use
    newly_built = models.BooleanField(_("新建社区用房"), default=False)
    tenure = models.CharField(_("产权"), max_length=8, choices=Tenure.choices, default=Tenure.OWNED)
    # null: no service centre in these premises
    service_centre_m2 = models.DecimalField(_("服务中心面积（平方米）"), max_digits=10, decimal_places=2,
                                            null=True, blank=True)
    unifications = models.JSONField(_("五统一已完成项"), default=list, blank=True)  # names from the policy list
    plaques = models.JSONField(_("对外悬挂牌匾"), default=list, blank=True)  # names from the plaque catalogue
    note = models.TextField(_("备注"), blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["community", "-year_from"]
        verbose_name = _("社区服务用房")


class FunctionalRoom(models.Model):
    premises = models.ForeignKey(Premises, on_delete=models.CASCADE, related_name="rooms")
    area_code = models.CharField(max_length=15, db_index=True, editable=False)
    name = models.CharField(_("功能室"), max_length=50)  # from the policy's functional_rooms list
    floor_area_m2 = models.DecimalField(_("面积（平方米）"), max_digits=10, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["premises", "name"]
        constraints = [models.UniqueConstraint(fields=["premises", "name"], name="uniq_room_per_premises")]
        verbose_name = _("功能室")


class FacilityPhoto(models.Model):
    premises = models.ForeignKey(Premises, on_delete=models.CASCADE, related_name="photos")
    area_code = models.CharField(max_length=15, db_index=True, editable=False)
    image = models.FileField(_("照片"), upload_to="facilities/%Y/%m/")
    caption = models.CharField(_("说明"), max_length=200, blank=True, default="")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["premises", "-uploaded_at"]
        verbose_name = _("设施照片")
