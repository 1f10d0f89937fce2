"""Reads of policy sets: what a viewer may see, the chain of versions, and how parameters change along it.

A set is visible to a viewer with Perm.STANDARDS_VIEW on any area the set applies to (the viewer's code lies
inside the set's jurisdiction) or on an area that contains the jurisdiction (a city analyst sees a district's
own set). Everyone else gets NotFound, whether the set exists or not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area
from shequ.core.errors import NotFound, ValidationFailed
from shequ.core.roles import Perm
from shequ.standards.models import ComplianceResult, ParamKind, PolicyParameter, PolicySet, PolicyVersion

# Interface names of the parameter keys the rules read (standards.policy): shown instead of the stored label
# so that English pages are English. Unknown keys fall back to the label stored with the parameter.
PARAMETER_LABELS: dict[str, Any] = {
    "premises_min_m2": _("社区公共服务用房最低面积"),
    "premises_min_m2_new": _("新建社区公共服务用房最低面积"),
    "service_centre_min_m2": _("社区服务中心最低面积"),
    "functional_rooms": _("应建功能室"),
    "unifications": _("五统一"),
    "plaques": _("对外悬挂的组织机构牌匾（仅此三块）"),
    "staff_households_per_worker": _("每名工作人员对应常住户数"),
    "staff_min": _("社区工作人员最少人数（含两委成员）"),
    "staff_max": _("社区工作人员最多人数（含两委成员）"),
    "incompetent_years": _("连续评定为不称职的年数（须责令辞职、依法罢免或解聘）"),
    "grid_households": _("网格规模（户）"),
    "grid_people": _("网格规模（人）"),
    "operating_funds_min_village": _("村级运转经费年度最低标准"),
    "operating_funds_min_urban": _("城市社区运转经费年度最低标准"),
    "operating_funds_min_central_urban": _("中心城区社区运转经费年度最低标准"),
    "operating_funds_min_township": _("乡镇社区运转经费年度最低标准"),
    "project_funds_min_central_urban": _("中心城区社区惠民项目资金年度最低标准"),
    "base_pay_director": _("正职月基本报酬"),
    "base_pay_deputy": _("副职月基本报酬"),
    "base_pay_member": _("委员月基本报酬"),
}

UNITS: dict[str, Any] = {ParamKind.AREA_M2: _("平方米"), ParamKind.YUAN: _("元")}


def key_order(key: str) -> tuple[int, str]:
    """Known keys in the order of the policy document (premises, rooms, staff, funds, pay), others after."""
    known = list(PARAMETER_LABELS)
    return (known.index(key) if key in known else len(known), key)


def parameter_label(key: str, stored: str = "") -> str:
    label = PARAMETER_LABELS.get(key)
    return str(label) if label is not None else (stored or key)


# -- visibility -------------------------------------------------------------------------------------


def _visible_q(viewer: Any) -> Q:
    """Sets inside or above the subtrees where the viewer may read standards; NotFound without that right."""
    codes = viewer_scope(viewer).codes_for(Perm.STANDARDS_VIEW)
    if not codes:
        raise NotFound()
    if "" in codes:
        return Q()
    query = Q(pk__in=[])
    for code in codes:
        ancestors = [code[:n] for n in range(1, len(code))]
        query |= Q(jurisdiction_code__startswith=code) | Q(jurisdiction_code__in=ancestors)
    return query


def policy_set_visible(viewer: Any, policy_set: PolicySet) -> bool:
    codes = viewer_scope(viewer).codes_for(Perm.STANDARDS_VIEW)
    j = policy_set.jurisdiction_code
    return any(j.startswith(code) or code.startswith(j) for code in codes)


def can_change_policy(viewer: Any, policy_set: PolicySet) -> bool:
    return viewer_scope(viewer).has(Perm.POLICY_CHANGE, policy_set.jurisdiction_code)


def _versions_prefetch() -> Prefetch:
    return Prefetch("versions", queryset=PolicyVersion.objects.order_by("effective_from", "number"))


def policy_set_list(*, viewer: Any) -> QuerySet[PolicySet]:
    """Visible sets with their versions (chronological) prefetched: two queries for the whole list."""
    return (
        PolicySet.objects.filter(_visible_q(viewer))
        .prefetch_related(_versions_prefetch())
        .order_by("jurisdiction_code", "code")
    )


def policy_set_get(*, viewer: Any, pk: Any) -> PolicySet:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound()
    policy_set = PolicySet.objects.filter(_visible_q(viewer), pk=pk).first()
    if policy_set is None:
        raise NotFound()
    return policy_set


def policy_version_get(*, viewer: Any, pk: Any) -> PolicyVersion:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound()
    version = (
        PolicyVersion.objects.filter(pk=pk, policy_set__in=PolicySet.objects.filter(_visible_q(viewer)))
        .select_related("policy_set", "created_by")
        .prefetch_related(Prefetch("parameters", queryset=PolicyParameter.objects.order_by("key")))
        .first()
    )
    if version is None:
        raise NotFound()
    return version


def policy_versions(*, policy_set: PolicySet) -> list[PolicyVersion]:
    """The chain, oldest first, with parameters and authors (three queries)."""
    return list(
        PolicyVersion.objects.filter(policy_set=policy_set)
        .select_related("created_by")
        .prefetch_related(Prefetch("parameters", queryset=PolicyParameter.objects.order_by("key")))
        .order_by("effective_from", "number")
    )


def version_in_force(versions: list[PolicyVersion], day: dt.date | None = None) -> PolicyVersion | None:
    day = day or timezone.localdate()
    for version in versions:
        if version.effective_from <= day and (version.effective_to is None or version.effective_to >= day):
            return version
    return None


def results_count(version: PolicyVersion) -> int:
    """How many compliance results this version judged (history: such a version is never deleted).

    ComplianceResult has no index on policy_version (the table is rebuilt wholesale), so this scans it: only
    the administrator's pages ask, never the readers'."""
    return ComplianceResult.objects.filter(policy_version_id=version.pk).count()


def version_has_results(version: PolicyVersion) -> bool:
    return ComplianceResult.objects.filter(policy_version_id=version.pk).exists()


def jurisdiction_names(codes: list[str]) -> dict[str, str]:
    return dict(Area.objects.filter(code__in=set(codes)).values_list("code", "name"))


# -- changes between versions -----------------------------------------------------------------------


def _number(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def display_value(kind: str, value: Any) -> Any:
    """Item lists as lists; numbers grouped by thousands (250,000), as stored otherwise."""
    if isinstance(value, list):
        return [str(v) for v in value]
    number = _number(value)
    return f"{number:,}" if number is not None else str(value)


def same_value(kind: str, old: Any, new: Any) -> bool:
    if kind == ParamKind.ITEMS or isinstance(old, list) or isinstance(new, list):
        return isinstance(old, list) and isinstance(new, list) and set(old) == set(new)
    a, b = _number(old), _number(new)
    return a is not None and a == b


@dataclass
class Cell:
    present: bool
    value: Any = None
    shown: Any = None
    status: str = ""  # "", "new", "changed" (against the previous version), "removed"
    added: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


@dataclass
class ParameterRow:
    key: str
    kind: str
    label: str
    unit: str
    cells: list[Cell]

    @property
    def is_items(self) -> bool:
        return self.kind == ParamKind.ITEMS


def parameter_matrix(versions: list[PolicyVersion], *, newest_first: bool = False) -> list[ParameterRow]:
    """One row per key, one cell per version (oldest first unless `newest_first`), each cell marked against
    the version before it in time."""
    by_version = [{p.key: p for p in v.parameters.all()} for v in versions]
    keys: dict[str, PolicyParameter] = {}
    for params in by_version:
        for key, param in params.items():
            keys[key] = param  # the latest version's kind and label win
    rows = []
    for key in sorted(keys, key=key_order):
        latest = keys[key]
        cells: list[Cell] = []
        previous: PolicyParameter | None = None
        for index, params in enumerate(by_version):
            found = params.get(key)
            if found is None:
                cells.append(Cell(present=False, status="removed" if previous is not None else ""))
            else:
                cell = Cell(present=True, value=found.value, shown=display_value(found.kind, found.value))
                if index > 0 and previous is None:
                    cell.status = "new"
                elif previous is not None and not same_value(found.kind, previous.value, found.value):
                    cell.status = "changed"
                    if isinstance(found.value, list) and isinstance(previous.value, list):
                        cell.added = [i for i in found.value if i not in previous.value]
                        cell.dropped = [i for i in previous.value if i not in found.value]
                cells.append(cell)
            previous = found
        rows.append(
            ParameterRow(
                key=key,
                kind=latest.kind,
                label=parameter_label(key, latest.label),
                unit=str(UNITS.get(latest.kind, "")),
                cells=list(reversed(cells)) if newest_first else cells,
            )
        )
    return rows


# -- resolution -------------------------------------------------------------------------------------


def policy_resolve(*, viewer: Any, topic: str, area_code: str, year: int) -> PolicyVersion | None:
    """The version that judges `area_code` in `year` (standards.policy.version_for), for an area the viewer
    may read standards of; NotFound for any other area."""
    from shequ.standards import policy

    area_code = (area_code or "").strip()
    if not area_code.isdigit():
        raise NotFound()
    scope = viewer_scope(viewer)
    if not scope.has(Perm.STANDARDS_VIEW, area_code) or not Area.objects.filter(code=area_code).exists():
        raise NotFound()
    if not 1900 <= year <= 2200:
        raise ValidationFailed(_("年份 %(year)s 无效。") % {"year": year}, details={"year": [_("年份无效。")]})
    return policy.version_for(topic, area_code, year)
