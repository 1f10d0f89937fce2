"""Forms of the incident pages: parsing and rendering only; the services validate and their errors are shown next
to the fields (registry.forms.ServiceErrorsMixin)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.areas.models import Area
from shequ.incidents.models import Category, Department
from shequ.incidents.services.photos import max_photos
from shequ.incidents.templatetags.incidents_tags import cat_name
from shequ.registry.forms import ServiceErrorsMixin

_BLANK = [("", "—")]


class MultiplePhotoInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several files under one name; each is checked by the service (bytes, size, count)."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault(
            "widget", MultiplePhotoInput(attrs={"accept": "image/*", "capture": "environment"})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, (list, tuple)):
            return [d for d in data if d]
        return [data] if data else []


def category_choices(categories: list[Category]) -> list[Any]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for category in categories:
        groups.setdefault(category.group or "", []).append((str(category.pk), cat_name(category)))
    choices: list[Any] = list(_BLANK)
    for group, items in groups.items():
        if group:
            choices.append((group, items))
        else:
            choices.extend(items)
    return choices


def building_choices(buildings: list[Any]) -> list[Any]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for building in buildings:
        place = building.grid.name if building.grid_id else building.community.name
        groups.setdefault(place, []).append((str(building.pk), building.address))
    return [*_BLANK, *groups.items()]


class ReportForm(ServiceErrorsMixin, forms.Form):
    error_map = {"location": "building"}

    category = forms.ChoiceField(label=_("事件类别"))
    description = forms.CharField(
        label=_("事件描述"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("发生了什么、具体位置、影响范围"),
    )
    photos = PhotosField(label=_("现场照片"))
    building = forms.ChoiceField(label=_("楼栋"), required=False)
    community = forms.ChoiceField(label=_("社区"), required=False)
    address = forms.CharField(label=_("位置说明"), max_length=200, required=False,
                              help_text=_("如：3 栋东侧路口"))
    latitude = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)
    longitude = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)
    reporter_name = forms.CharField(label=_("反映人"), max_length=64, required=False)
    reporter_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)

    def __init__(self, *args: Any, categories: list[Category], buildings: list[Any], communities: list[Area],
                 **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(categories)  # type: ignore[attr-defined]
        self.fields["building"].choices = building_choices(buildings)  # type: ignore[attr-defined]
        self.fields["community"].choices = [*_BLANK, *((str(a.pk), a.name) for a in communities)]  # type: ignore[attr-defined]
        self.has_communities = bool(communities)
        self.has_buildings = bool(buildings)
        hint = _("可拍照或从相册选择，PNG、JPEG 或 WebP，最多 %(n)s 张")
        self.fields["photos"].help_text = hint % {"n": max_photos()}


class CategoryForm(ServiceErrorsMixin, forms.Form):
    code = forms.CharField(label=_("代码"), max_length=32, help_text=_("Open311 服务代码，保存后不能修改"))
    name = forms.CharField(label=_("名称"), max_length=100)
    name_en = forms.CharField(label=_("英文名称"), max_length=100, required=False)
    group = forms.CharField(label=_("分组"), max_length=50, required=False)
    time_limit_days = forms.IntegerField(label=_("办理时限（工作日）"), min_value=1, max_value=365)
    department = forms.ChoiceField(label=_("责任部门"), required=False)
    keywords = forms.CharField(label=_("关键词"), max_length=200, required=False)
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args: Any, departments: list[Department], editing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [*_BLANK, *((str(d.pk), d.name) for d in departments)]  # type: ignore[attr-defined]
        if editing:
            del self.fields["code"]


class DepartmentForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    area_code = forms.ChoiceField(label=_("服务区域"))
    phone = forms.CharField(label=_("电话"), max_length=20, required=False)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args: Any, areas: list[Area], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["area_code"].choices = [(a.code, f"{a.name}（{a.code}）") for a in areas]  # type: ignore[attr-defined]


class HolidayForm(ServiceErrorsMixin, forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    is_workday = forms.TypedChoiceField(
        label=_("安排"), coerce=lambda v: v == "1", choices=[("0", _("放假")), ("1", _("调休上班"))]
    )
    name = forms.CharField(label=_("名称"), max_length=50, required=False, help_text=_("如：国庆节"))
