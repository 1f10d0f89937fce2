"""Forms of the overview pages (campaigns, creating and editing an election): parsing and rendering only. The
services validate what matters (seats by the rule, dates, scope) and their errors land next to the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.areas.models import Area, Level
from shequ.core.roles import Perm
from shequ.elections.models import Body, Campaign, Mode
from shequ.elections.selectors.overview import area_choices, campaign_choices
from shequ.registry.forms import ServiceErrorsMixin

_BLANK = [("", "—")]

# The milestones offered on a new campaign (the city changes dates and may add or drop rows).
DEFAULT_MILESTONES = [
    ("registration", _("选民登记")),
    ("roll", _("名单公布")),
    ("nomination", _("提名")),
    ("election_day", _("投票日")),
    ("handover", _("移交")),
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _area_label(area: Area) -> str:
    if area.level == Level.GRID and area.parent is not None:
        return f"{area.parent.name} · {area.name}"
    parent = f"{area.parent.name} · " if area.parent is not None and area.level == Level.COMMUNITY else ""
    return f"{parent}{area.name}（{area.code}）"


def _select(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


class CampaignForm(ServiceErrorsMixin, forms.Form):
    area = forms.ChoiceField(label=_("组织区域"), help_text=_("换届选举工作由市或县市区组织，覆盖其下全部社区。"))
    name = forms.CharField(label=_("名称"), max_length=200)
    term_label = forms.CharField(label=_("届次"), max_length=64, help_text=_("例如：第十二届"))
    starts_on = forms.DateField(label=_("开始日期"), widget=DateInput())
    ends_on = forms.DateField(label=_("完成期限"), widget=DateInput())
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, viewer: Any, editing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["area"]
        else:
            areas = area_choices(viewer=viewer, perm=Perm.ELECTIONS_MANAGE, levels=(Level.CITY, Level.DISTRICT))
            _select(self, "area").choices = [(a.code, _area_label(a)) for a in areas]

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("area", None)
        return data


class MilestoneForm(forms.Form):
    key = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput())
    label = forms.CharField(label=_("事项"), required=False, max_length=100)
    due = forms.DateField(label=_("完成日期"), required=False, widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("label") and not data.get("due"):
            self.add_error("due", _("请填写该事项的完成日期。"))
        if data.get("due") and not data.get("label"):
            self.add_error("label", _("请填写事项名称。"))
        return data


MilestoneFormSet = forms.formset_factory(MilestoneForm, extra=2, max_num=30)


def schedule_rows(formset: Any) -> list[dict[str, Any]]:
    """The filled rows of a valid milestone formset, as the service takes them."""
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", {}) or {}
        if data.get("label"):
            rows.append({"key": data.get("key") or "", "label": data["label"], "due": data["due"]})
    return rows


def schedule_initial(campaign: Campaign | None) -> list[dict[str, Any]]:
    if campaign is None:
        return [{"key": key, "label": str(label)} for key, label in DEFAULT_MILESTONES]
    return [{"key": r.get("key", ""), "label": r.get("label", ""), "due": r.get("due")} for r in campaign.schedule]


class ElectionForm(ServiceErrorsMixin, forms.Form):
    """Create (all fields) or edit (`editing`: no community, body or group — those make another election)."""

    community = forms.ChoiceField(label=_("社区"))
    body = forms.ChoiceField(label=_("选举对象"), choices=Body.choices, initial=Body.RESIDENTS_COMMITTEE)
    group = forms.ChoiceField(label=_("居民小组"), required=False,
                              help_text=_("仅居民小组长选举：选择本社区的一个居民小组（网格）。"))
    title = forms.CharField(label=_("名称"), max_length=200)
    mode = forms.ChoiceField(label=_("选举方式"), choices=Mode.choices, initial=Mode.ALL_VOTERS)
    election_day = forms.DateField(label=_("选举日"), widget=DateInput())
    seats_director = forms.IntegerField(label=_("主任职数"), min_value=0, max_value=20, initial=1)
    seats_deputy = forms.IntegerField(label=_("副主任职数"), min_value=0, max_value=20, initial=1)
    seats_member = forms.IntegerField(label=_("委员职数"), min_value=0, max_value=20, initial=3)
    online_voting = forms.BooleanField(label=_("允许网上投票"), required=False)
    campaign = forms.ChoiceField(label=_("换届选举工作"), required=False)

    def __init__(self, *args: Any, viewer: Any, editing: bool = False, community_code: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing:
            for name in ("community", "body", "group"):
                del self.fields[name]
        else:
            communities = area_choices(viewer=viewer, perm=Perm.ELECTIONS_MANAGE, levels=(Level.COMMUNITY,))
            groups = area_choices(viewer=viewer, perm=Perm.ELECTIONS_MANAGE, levels=(Level.GRID,), limit=1000)
            _select(self, "community").choices = _BLANK + [(a.code, _area_label(a)) for a in communities]
            _select(self, "group").choices = _BLANK + [(a.code, _area_label(a)) for a in groups]
        campaigns = campaign_choices(viewer=viewer, community_code=community_code)
        _select(self, "campaign").choices = _BLANK + [(str(c.pk), f"{c.name}（{c.term_label}）") for c in campaigns]

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        campaign = data.pop("campaign", "")
        data["campaign"] = int(campaign) if campaign else None
        if not self.editing and data.get("body") != Body.GROUP_LEADER:
            data["group"] = None
        return data


def election_initial(election: Any) -> dict[str, Any]:
    names = ("title", "mode", "election_day", "seats_director", "seats_deputy", "seats_member", "online_voting")
    initial: dict[str, Any] = {name: getattr(election, name) for name in names}
    initial["campaign"] = str(election.campaign_id or "")
    return initial

