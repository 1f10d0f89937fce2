from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.accounts.models import RoleAssignment, User
from shequ.areas.models import Area
from shequ.core.roles import Role


def eligible_workers(grid: Area) -> Any:
    """Users who may be named a grid's worker: its grid workers and the community's community workers."""
    ids = RoleAssignment.objects.filter(role=Role.GRID_WORKER, area=grid).values("user_id").union(
        RoleAssignment.objects.filter(role=Role.COMMUNITY_WORKER, area=grid.parent).values("user_id")
    )
    return User.objects.filter(pk__in=[row["user_id"] for row in ids], is_active=True).order_by("username")


class WorkerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name or obj.username}（{obj.username}）"


class ProfileForm(forms.Form):
    worker = WorkerChoice(queryset=User.objects.none(), required=False, label=_("网格员"), empty_label=_("（未指定）"))
    worker_phone = forms.CharField(label=_("网格员电话"), max_length=20, required=False)
    complaint_phone = forms.CharField(label=_("投诉电话"), max_length=20, required=False)

    def __init__(self, *args: Any, grid: Area, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["worker"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = eligible_workers(grid)

    def add_service_error(self, exc: Any) -> None:
        details = exc.details if isinstance(exc.details, dict) else {}
        placed = False
        for field, messages in details.items():
            if field in self.fields:
                for message in messages if isinstance(messages, list) else [messages]:
                    self.add_error(field, str(message))
                placed = True
        if not placed:
            self.add_error(None, str(exc.message))
