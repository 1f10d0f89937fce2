"""Forms of the registry pages: parsing and rendering only. Validation that matters lives in the
services; their errors (ValidationFailed/Conflict details keyed by field) are shown next to the field
through `ServiceErrorsMixin.add_service_error`.

Personal data never reaches a form in clear: edit forms leave the ID number and phone empty, with
the masked value as placeholder ("leave empty to keep").
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequ.areas.models import Area, Level
from shequ.areas.selectors import area_choices
from shequ.core.errors import ApplicationError
from shequ.core.roles import Perm
from shequ.registry import selectors
from shequ.registry.models import Household, HouseholdKind, Relation, Resident, ResidentStatus
from shequ.registry.privacy import masked_identity

PLACE_CHOICES_MAX = 300
_BLANK = [("", "—")]


class ServiceErrorsMixin:
    """Map errors raised by services onto form fields (service names → form names via `error_map`)."""

    error_map: dict[str, str] = {}

    def add_service_error(self, exc: ApplicationError) -> None:
        form: Any = self
        details = exc.details if isinstance(exc.details, dict) else {}
        placed = False
        for key, messages in details.items():
            if not isinstance(messages, (list, tuple)):
                continue
            name = self.error_map.get(key, key)
            if name in form.fields:
                for message in messages:
                    form.add_error(name, str(message))
                placed = True
        if not placed:
            form.add_error(None, str(exc.message))


def choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    """A form's select field, typed as one (its choices are set per viewer)."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


def _area_label(area: Area) -> str:
    if area.level == Level.GRID and area.parent is not None:
        return f"{area.parent.name} · {area.name}"
    return f"{area.name}（{area.code}）"


class PlaceMixin:
    """An `area` select: communities (and grids, where records may sit in a grid) the viewer may change.

    A long list (city-wide officers) is cut to PLACE_CHOICES_MAX; `within` (an area code, e.g. from the
    area page's links) narrows it. A posted code outside the cut list is still accepted when valid.
    """

    place_levels: tuple[str, ...] = (Level.COMMUNITY, Level.GRID)
    place_truncated = False

    def setup_place(self, viewer: Any, within: str, *, required: bool) -> None:
        form: Any = self
        areas = area_choices(
            viewer=viewer, perm=Perm.REGISTRY_CHANGE, levels=self.place_levels, within=within, limit=PLACE_CHOICES_MAX
        )
        self.place_truncated = len(areas) > PLACE_CHOICES_MAX
        areas = areas[:PLACE_CHOICES_MAX]
        posted = form.data.get(form.add_prefix("area"), "") if form.is_bound else ""
        if posted and posted.isdigit() and posted not in {a.code for a in areas}:
            areas += [
                a
                for a in area_choices(
                    viewer=viewer, perm=Perm.REGISTRY_CHANGE, levels=self.place_levels, within=posted, limit=1
                )
                if a.code == posted
            ]
        field = form.fields["area"]
        field.choices = ([] if required and len(areas) == 1 else _BLANK) + [(a.code, _area_label(a)) for a in areas]
        field.required = required
        if not form.is_bound and within and any(a.code == within for a in areas):
            form.initial.setdefault("area", within)


# -- residents ---------------------------------------------------------------------------------------


class ResidentCreateForm(ServiceErrorsMixin, PlaceMixin, forms.Form):
    error_map = {"household": "household_number", "community": "area", "tags": "tags"}

    name = forms.CharField(label=_("姓名"), max_length=64)
    id_number = forms.CharField(label=_("公民身份号码"), max_length=18, min_length=15)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    household_number = forms.CharField(
        label=_("户号"), max_length=32, required=False, help_text=_("填写户号时，居民随该户登记在其社区和网格")
    )
    relation = forms.ChoiceField(label=_("与户主关系"), choices=_BLANK + list(Relation.choices), required=False)
    area = forms.ChoiceField(label=_("所在社区或网格"), required=False, help_text=_("未填写户号时必选"))
    tags = forms.MultipleChoiceField(label=_("标签"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, viewer: Any, within: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.setup_place(viewer, within, required=False)
        choice_field(self, "tags").choices = [(t.code, t.display_name) for t in selectors.tag_list(viewer=viewer)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("household_number") and not data.get("area"):
            self.add_error("area", _("请填写户号，或选择所在社区或网格"))
        return data


class ResidentEditForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64)
    id_number = forms.CharField(
        label=_("公民身份号码"), max_length=18, min_length=15, required=False, help_text=_("留空则不修改")
    )
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False, help_text=_("留空则不修改"))
    clear_phone = forms.BooleanField(label=_("清除联系电话"), required=False)
    relation = forms.ChoiceField(label=_("与户主关系"), choices=_BLANK + list(Relation.choices), required=False)
    status = forms.ChoiceField(label=_("状态"), choices=ResidentStatus.choices)

    def __init__(self, *args: Any, resident: Resident, **kwargs: Any):
        kwargs.setdefault(
            "initial", {"name": resident.name, "relation": resident.relation, "status": resident.status}
        )
        super().__init__(*args, **kwargs)
        masked = masked_identity(resident)
        self.fields["id_number"].widget.attrs["placeholder"] = masked["id_number"]
        self.fields["phone"].widget.attrs["placeholder"] = masked["phone"]

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields: dict[str, Any] = {"name": data["name"], "relation": data["relation"], "status": data["status"]}
        if data.get("id_number"):
            fields["id_number"] = data["id_number"]
        if data.get("phone"):
            fields["phone"] = data["phone"]
        elif data.get("clear_phone"):
            fields["phone"] = ""
        return fields


class ResidentMoveForm(ServiceErrorsMixin, forms.Form):
    error_map = {"household": "household_number"}

    household_number = forms.CharField(label=_("迁入户的户号"), max_length=32)
    relation = forms.ChoiceField(label=_("与新户主关系"), choices=Relation.choices, initial=Relation.OTHER)
    reason = forms.CharField(label=_("迁移原因"), max_length=200, min_length=2)


class TagForm(forms.Form):
    tag = forms.ChoiceField(label=_("标签"), widget=forms.Select(attrs={"aria-label": _("选择标签")}))

    def __init__(self, *args: Any, viewer: Any, exclude: set[str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        choice_field(self, "tag").choices = [
            (t.code, t.display_name) for t in selectors.tag_list(viewer=viewer) if t.code not in (exclude or set())
        ]


# -- households --------------------------------------------------------------------------------------


def _building_choices(viewer: Any, area_code: str) -> list[tuple[Any, str]]:
    if not area_code:
        return _BLANK
    buildings = selectors.building_list(viewer=viewer, area_code=area_code)[:PLACE_CHOICES_MAX]
    return _BLANK + [(b.pk, b.address) for b in buildings]


class HouseholdCreateForm(ServiceErrorsMixin, PlaceMixin, forms.Form):
    error_map = {"community": "area", "building_id": "building"}

    area = forms.ChoiceField(label=_("所在社区或网格"))
    building = forms.TypedChoiceField(label=_("楼栋"), coerce=int, empty_value=None, required=False)
    room = forms.CharField(label=_("门牌/房号"), max_length=50, required=False)
    kind = forms.ChoiceField(label=_("户别"), choices=HouseholdKind.choices, initial=HouseholdKind.PERMANENT)
    number = forms.CharField(label=_("户号"), max_length=32, required=False, help_text=_("留空则自动编号"))

    def __init__(self, *args: Any, viewer: Any, within: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.setup_place(viewer, within, required=True)
        area_code = (self.data.get("area") if self.is_bound else self.initial.get("area")) or ""
        places = cast(list[tuple[str, str]], choice_field(self, "area").choices)  # a list, set by setup_place
        if not area_code and len(places) == 1:
            area_code = places[0][0]
        choice_field(self, "building").choices = _building_choices(viewer, str(area_code))
        self.fields["area"].widget.attrs.update(
            {
                "hx-get": reverse("registry:building_options"),
                "hx-target": "#id_building",
                "hx-trigger": "change",
            }
        )


class HouseholdEditForm(ServiceErrorsMixin, forms.Form):
    error_map = {"building_id": "building", "head_id": "head"}

    building = forms.TypedChoiceField(label=_("楼栋"), coerce=int, empty_value=None, required=False)
    room = forms.CharField(label=_("门牌/房号"), max_length=50, required=False)
    kind = forms.ChoiceField(label=_("户别"), choices=HouseholdKind.choices)
    head = forms.TypedChoiceField(
        label=_("户主"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("更换户主时，新户主的关系改为“户主”，原户主改为“其他”"),
    )

    def __init__(self, *args: Any, viewer: Any, household: Household, **kwargs: Any):
        kwargs.setdefault(
            "initial",
            {
                "building": household.building_id,
                "room": household.room,
                "kind": household.kind,
                "head": household.head_id,
            },
        )
        super().__init__(*args, **kwargs)
        choices = _building_choices(viewer, household.community.code)
        if household.building_id and household.building_id not in {c[0] for c in choices}:
            choices.append((household.building_id, str(household.building)))
        choice_field(self, "building").choices = choices
        members = selectors.household_members(viewer=viewer, household=household)
        choice_field(self, "head").choices = _BLANK + [(m.pk, m.name) for m in members]

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"building_id": data["building"], "room": data["room"], "kind": data["kind"], "head_id": data["head"]}


# -- buildings and units -----------------------------------------------------------------------------


class BuildingFieldsForm(ServiceErrorsMixin, forms.Form):
    compound = forms.CharField(label=_("小区"), max_length=100, required=False)
    number = forms.CharField(label=_("楼栋号"), max_length=50, required=False)
    address = forms.CharField(label=_("地址"), max_length=200)
    latitude = forms.FloatField(label=_("纬度"), required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(label=_("经度"), required=False, min_value=-180, max_value=180)

    def changes(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in ("compound", "number", "address", "latitude", "longitude")}


class BuildingCreateForm(PlaceMixin, BuildingFieldsForm):
    error_map = {"community": "area", "grid": "area"}
    area = forms.ChoiceField(label=_("所在社区或网格"))
    field_order = ["area", "compound", "number", "address", "latitude", "longitude"]

    def __init__(self, *args: Any, viewer: Any, within: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.setup_place(viewer, within, required=True)


class UnitFieldsForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("单位名称"), max_length=200)
    credit_code = forms.CharField(
        label=_("统一社会信用代码"), max_length=18, required=False, help_text=_("18 位，将按国家标准校验")
    )
    kind = forms.CharField(label=_("单位类型"), max_length=50, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=64, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)

    def changes(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in ("name", "credit_code", "kind", "address", "contact_name", "phone")}


class UnitCreateForm(PlaceMixin, UnitFieldsForm):
    error_map = {"community": "area"}
    place_levels = (Level.COMMUNITY,)
    area = forms.ChoiceField(label=_("所在社区"))
    field_order = ["area", "name", "credit_code", "kind", "address", "contact_name", "phone"]

    def __init__(self, *args: Any, viewer: Any, within: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.setup_place(viewer, within[:12], required=True)
