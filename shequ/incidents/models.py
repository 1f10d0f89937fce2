"""Grid incidents (网格事件): a case reported by a grid worker or a resident that travels through
reported → opened → dispatched → handled → checked → closed → evaluated, with its full history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    """A department or unit cases are dispatched to (城管, 住建, 派出所, 物业 …), within an area's subtree."""

    name = models.CharField(_("名称"), max_length=100)
    area_code = models.CharField(max_length=15, db_index=True)  # the area it serves
    phone = models.CharField(_("电话"), max_length=20, blank=True, default="")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["area_code", "name"]
        verbose_name = _("处置部门")

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """Configurable incident category; `code` doubles as the Open311 service_code."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True, default="")
    description = models.TextField(_("说明"), blank=True, default="")
    group = models.CharField(_("分组"), max_length=50, blank=True, default="")
    time_limit_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"))
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("责任部门"))
    keywords = models.CharField(max_length=200, blank=True, default="")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["group", "code"]
        verbose_name = _("事件类别")

    def __str__(self) -> str:
        return self.name


class CalendarDay(models.Model):
    """Exceptions to the Monday–Friday working week: public holidays, and weekend make-up working days (调休)."""

    date = models.DateField(unique=True)
    is_workday = models.BooleanField()
    name = models.CharField(max_length=50, blank=True, default="")

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日调整")


class Status(models.TextChoices):
    REPORTED = "reported", _("上报")
    OPENED = "opened", _("立案")
    REJECTED = "rejected", _("不予立案")
    DISPATCHED = "dispatched", _("派遣")
    HANDLED = "handled", _("处置")
    CHECKED = "checked", _("核查")
    CLOSED = "closed", _("结案")
    EVALUATED = "evaluated", _("评价")
    MERGED = "merged", _("已合并")


class Source(models.TextChoices):
    GRID_WORKER = "grid_worker", _("网格员上报")
    RESIDENT = "resident", _("居民反映")
    OPEN311 = "open311", _("Open311 接口")
    STAFF = "staff", _("工作人员登记")


class Incident(models.Model):
    number = models.CharField(_("编号"), max_length=32, unique=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="incidents",
                                 verbose_name=_("类别"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.REPORTED,
                              db_index=True)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    community = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"))
    grid = models.ForeignKey("areas.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("网格"))
    area_code = models.CharField(max_length=15, db_index=True, editable=False)
    # The level that currently handles the case: the community's code, or an ancestor's after escalation.
    handling_code = models.CharField(max_length=15, db_index=True)
    building = models.ForeignKey("registry.Building", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("楼栋"))
    address = models.CharField(_("地址"), max_length=200, blank=True, default="")
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    description = models.TextField(_("描述"))
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    reporter_name = models.CharField(_("反映人"), max_length=64, blank=True, default="")
    reporter_phone = models.CharField(_("联系电话"), max_length=20, blank=True, default="")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("处置部门"))
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="merged_from")
    rating = models.PositiveSmallIntegerField(_("评价（1–5）"), null=True, blank=True)
    reported_at = models.DateTimeField(_("上报时间"))
    opened_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("办结时限"), null=True, blank=True)  # from the category's working days
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Open311: the token a client can look the request up by before it has an id it can show.
    token = models.CharField(max_length=36, unique=True)

    class Meta:
        ordering = ["-reported_at"]
        indexes = [
            models.Index(fields=["area_code", "status"], name="incident_code_status"),
            models.Index(fields=["status", "due_at"], name="incident_status_due"),
        ]
        verbose_name = _("网格事件")


class Event(models.Model):
    """One step of a case's history (state change, escalation, merge, note)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16, blank=True, default="")
    to_status = models.CharField(max_length=16, blank=True, default="")
    note = models.TextField(blank=True, default="")
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["incident", "at", "id"]
        verbose_name = _("事件处理记录")


class Photo(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="photos")
    area_code = models.CharField(max_length=15, db_index=True, editable=False)
    image = models.FileField(upload_to="incidents/%Y/%m/")
    content_type = models.CharField(max_length=32)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    stage = models.CharField(max_length=16, blank=True, default="")  # the status it documents (before/after)

    class Meta:
        ordering = ["incident", "uploaded_at"]
        verbose_name = _("事件照片")
