"""Forms of the facilities pages: parsing and rendering only. The names offered (rooms, the five
unifications, plaques) come from the policy in force; the services check them again against the policy of the
premises' first year and their errors are shown next to the fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import ApplicationError
from shequ.facilities.models import Premises, Tenure
from shequ.facilities.names import OTHER_PLAQUE_PREFIX, NameLists, is_other_plaque


class ServiceErrors:
    """Service error details keyed by service field names land on the form field of the same name; the rest
    (rooms, community) above the form."""

    def add_service_error(self, exc: ApplicationError) -> None:
        form: Any = self
        details = exc.details if isinstance(exc.details, dict) else {}
        placed = False
        for key, messages in details.items():
            for message in messages if isinstance(messages, (list, tuple)) else [messages]:
                form.add_error(key if key in form.fields else None, str(message))
                placed = True
        if not placed:
            form.add_error(None, str(exc.message))


def _ordered(policy: list[str], recorded: list[str]) -> list[str]:
    """The policy's names first, then any recorded name the policy no longer lists (kept, not dropped)."""
    return list(policy) + [name for name in recorded if name not in policy]


class PremisesForm(ServiceErrors, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, required=False)
    address = forms.CharField(label=_("地址"), max_length=200)
    floor_area_m2 = forms.DecimalField(label=_("面积（平方米）"))
    service_centre_m2 = forms.DecimalField(
        label=_("服务中心面积（平方米）"), required=False, help_text=_("没有社区服务中心的留空")
    )
    year_from = forms.IntegerField(label=_("启用年份"))
    year_to = forms.IntegerField(label=_("停用年份"), required=False, help_text=_("仍在使用的留空"))
    newly_built = forms.BooleanField(label=_("新建社区用房"), required=False)
    tenure = forms.ChoiceField(label=_("产权"), choices=Tenure.choices, initial=Tenure.OWNED)
    unifications = forms.MultipleChoiceField(
        label=_("五统一已完成项"), required=False, widget=forms.CheckboxSelectMultiple
    )
    plaques = forms.MultipleChoiceField(label=_("对外悬挂牌匾"), required=False, widget=forms.CheckboxSelectMultiple)
    other_plaques = forms.CharField(
        label=_("其他单位牌匾"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("标准之外另挂的牌匾，每行填写一个单位名称"),
    )
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, lists: NameLists, premises: Premises | None = None, **kwargs: Any):
        recorded_rooms: dict[str, Decimal | None] = {}
        if premises is not None:
            recorded_rooms = {r.name: r.floor_area_m2 for r in premises.rooms.all()}
            kwargs.setdefault("initial", self._initial(premises, recorded_rooms))
        super().__init__(*args, **kwargs)
        recorded_unifications = list(premises.unifications) if premises else []
        recorded_plaques = [p for p in (premises.plaques if premises else []) if not is_other_plaque(p)]
        fields: Any = self.fields
        fields["unifications"].choices = [(n, n) for n in _ordered(lists.unifications, recorded_unifications)]
        fields["plaques"].choices = [(n, n) for n in _ordered(lists.plaques, recorded_plaques)]
        self.room_names = _ordered(lists.rooms, list(recorded_rooms))
        for index, room in enumerate(self.room_names):
            self.fields[f"room_{index}"] = forms.BooleanField(label=room, required=False)
            self.fields[f"room_{index}_m2"] = forms.DecimalField(
                label=_("%(room)s面积（平方米）") % {"room": room}, required=False
            )

    @staticmethod
    def _initial(premises: Premises, rooms: dict[str, Decimal | None]) -> dict[str, Any]:
        initial: dict[str, Any] = {
            key: getattr(premises, key)
            for key in (
                "name", "address", "floor_area_m2", "service_centre_m2", "year_from", "year_to", "newly_built",
                "tenure", "unifications", "note",
            )
        }
        initial["plaques"] = [p for p in premises.plaques if not is_other_plaque(p)]
        initial["other_plaques"] = "\n".join(
            p[len(OTHER_PLAQUE_PREFIX) :] for p in premises.plaques if is_other_plaque(p)
        )
        return initial | {"_rooms": rooms}

    @property
    def room_rows(self) -> list[tuple[str, Any, Any]]:
        """(name, checkbox, area input) for the rooms table."""
        return [(n, self[f"room_{i}"], self[f"room_{i}_m2"]) for i, n in enumerate(self.room_names)]

    def get_initial_for_field(self, field: forms.Field, field_name: str) -> Any:
        rooms = self.initial.get("_rooms")
        if rooms is not None and field_name.startswith("room_"):
            index = int(field_name.split("_")[1])
            name = self.room_names[index] if index < len(self.room_names) else None
            if name in rooms:
                return rooms[name] if field_name.endswith("_m2") else True
            return None
        return super().get_initial_for_field(field, field_name)

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        others = [
            OTHER_PLAQUE_PREFIX + " ".join(line.split())
            for line in (data.get("other_plaques") or "").splitlines()
            if line.strip()
        ]
        rooms = {
            name: data.get(f"room_{i}_m2")
            for i, name in enumerate(self.room_names)
            if data.get(f"room_{i}") or data.get(f"room_{i}_m2") is not None
        }
        return {
            "name": data.get("name") or "",
            "address": data.get("address") or "",
            "floor_area_m2": data.get("floor_area_m2"),
            "service_centre_m2": data.get("service_centre_m2"),
            "year_from": data.get("year_from"),
            "year_to": data.get("year_to"),
            "newly_built": bool(data.get("newly_built")),
            "tenure": data.get("tenure") or Tenure.OWNED,
            "unifications": list(data.get("unifications") or []),
            "plaques": list(data.get("plaques") or []) + others,
            "rooms": rooms,
            "note": data.get("note") or "",
        }


class PhotoForm(ServiceErrors, forms.Form):
    image = forms.FileField(
        label=_("照片"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
        help_text=_("PNG、JPEG 或 WebP 格式"),
    )
    caption = forms.CharField(label=_("说明"), max_length=200, required=False)
