from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.roles import Role


class WorkLine(models.TextChoices):
    """Lines of work that share the registry (数据一次采集、资源多方共享)."""

    PARTY = "party", _("党的建设")
    LABOUR = "labour", _("劳动保障")
    ASSISTANCE = "assistance", _("社会救助")
    PROPERTY = "property", _("物业管理")
    HEALTH = "health", _("计生卫生")
    STABILITY = "stability", _("综治维稳")
    PUBLIC_AFFAIRS = "public_affairs", _("公共事务")
    CIVIL_AFFAIRS = "civil_affairs", _("民政")


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=64, blank=True, default="")
    phone = models.CharField(_("电话"), max_length=20, blank=True, default="")
    # Empty means every line (generalist roles such as community workers).
    work_lines = models.JSONField(_("业务条线"), default=list, blank=True)
    resident = models.ForeignKey(
        "registry.Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts"
    )
    created_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return self.display_name or self.username


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="role_assignments")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role", "area"], name="uniq_role_assignment")]

    def __str__(self) -> str:
        return f"{self.user} {self.role} @ {self.area_id}"


class ApiToken(models.Model):
    """Machine clients authenticate with `Authorization: Bearer <token>`; only a hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
