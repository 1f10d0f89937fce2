"""Close relatives (近亲属, 《民法典》第1045条) the registry does not show, declared by the election committee.

The registry shows kinship only between members of one household, through each member's relation to the head
(`elections.kinship`). A kinship across households — a married daughter living elsewhere, two brothers each heading
his own household — is declared here, once per community: every election of the community (and its repeats, its
residents' group elections) sees it. A pair is stored once, lower resident id first, whichever way it was entered.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class KinRelation(models.TextChoices):
    """The close relatives of 《民法典》第1045条, each named for both directions."""

    SPOUSE = "spouse", _("配偶")
    PARENT_CHILD = "parent_child", _("父母子女")
    SIBLINGS = "siblings", _("兄弟姐妹")
    GRANDPARENT_GRANDCHILD = "grandparent_grandchild", _("祖孙（含外祖孙）")


class DeclaredKinship(models.Model):
    community = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"))
    area_code = models.CharField(max_length=15, db_index=True, editable=False)  # the community's code (scoping)
    resident_a = models.ForeignKey("registry.Resident", on_delete=models.CASCADE, related_name="+")
    resident_b = models.ForeignKey("registry.Resident", on_delete=models.CASCADE, related_name="+")
    relation = models.CharField(_("亲属关系"), max_length=32, choices=KinRelation.choices)
    note = models.CharField(_("依据或说明"), max_length=200, blank=True, default="")
    # The election whose committee recorded it (kept for the record; the kinship belongs to the community).
    election = models.ForeignKey("elections.Election", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["area_code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "resident_a", "resident_b"], name="uniq_declared_kinship"),
            models.CheckConstraint(condition=Q(resident_a__lt=F("resident_b")), name="declared_kinship_ordered"),
        ]
        verbose_name = _("登记的近亲属关系")

    def __str__(self) -> str:
        return f"{self.resident_a_id}–{self.resident_b_id} ({self.relation})"
