"""Grids are areas of level `grid` (code = community code + 3 digits); this app adds what a grid has beyond
an area — its worker, public card and outline — and the record of each partition run."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class GridProfile(models.Model):
    area = models.OneToOneField("areas.Area", primary_key=True, on_delete=models.CASCADE, related_name="grid_profile")
    area_code = models.CharField(max_length=15, db_index=True, editable=False)
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("网格员"))
    worker_phone = models.CharField(_("网格员电话"), max_length=20, blank=True, default="")
    complaint_phone = models.CharField(_("投诉电话"), max_length=20, blank=True, default="")
    households = models.PositiveIntegerField(_("户数"), default=0)
    people = models.PositiveIntegerField(_("人数"), default=0)
    # GeoJSON geometry (Polygon/MultiPolygon) drawn around the grid's buildings; empty when no coordinates.
    outline = models.JSONField(_("边界"), default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("网格信息")


class PartitionRun(models.Model):
    """One generation (or adjustment) of a community's grids, with its measured quality."""

    community = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+")
    area_code = models.CharField(max_length=15, db_index=True, editable=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    target_households = models.PositiveIntegerField()
    target_people = models.PositiveIntegerField()
    grids = models.PositiveIntegerField()
    within_tolerance = models.PositiveIntegerField()
    placed_by_address = models.JSONField(default=list, blank=True)  # building ids without coordinates
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("网格划分记录")
