"""Public disclosure of community affairs (居务公开): an append-only record that cannot be silently altered.

Each entry stores the SHA-256 digest of its own content chained to the previous entry of the same community, so
any later edit of a published entry (or a deletion) breaks the chain and is detected by `disclosure.services`.
A correction is a new entry that names the one it corrects.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    ELECTION = "election", _("选举")
    FINANCE = "finance", _("财务")
    AFFAIRS = "affairs", _("居务")
    SERVICES = "services", _("服务")


class Disclosure(models.Model):
    community = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"))
    area_code = models.CharField(max_length=15, db_index=True, editable=False)
    category = models.CharField(_("类别"), max_length=16, choices=Category.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    # Where it came from, e.g. ("elections.Election", "42"): the source page links back.
    source_type = models.CharField(max_length=64, blank=True, default="")
    source_id = models.CharField(max_length=64, blank=True, default="")
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections",
                                 verbose_name=_("更正"))
    published_at = models.DateTimeField(_("公开时间"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    sequence = models.PositiveIntegerField()  # 1, 2, … per community
    previous_digest = models.CharField(max_length=64, blank=True, default="")
    digest = models.CharField(max_length=64)

    class Meta:
        ordering = ["community", "-sequence"]
        constraints = [models.UniqueConstraint(fields=["community", "sequence"], name="uniq_disclosure_sequence")]
        verbose_name = _("居务公开")

    def __str__(self) -> str:
        return self.title
