"""What the facilities and funding services share: which community a write may go to, which a viewer may
read, and the checks on years, areas and amounts (each failure a translated message keyed by field)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area, Level
from shequ.core.errors import NotFound, PermissionDenied, ValidationFailed
from shequ.core.roles import Perm
from shequ.core.validation import Problems

FIRST_YEAR = 1949  # founding of the People's Republic: no community record is older
MAX_AREA_M2 = Decimal("100000")  # a community building larger than 10 ha is a typing error
MAX_AMOUNT = Decimal("1000000000")  # a billion yuan a year is a typing error for any one community
TWO_PLACES = Decimal("0.01")


def current_year() -> int:
    return timezone.localdate().year


def community_for_write(actor: Any, community: Area | str | int) -> Area:
    """The community-level area a write goes to. Outside the actor's subtree it answers like a missing
    record; inside a subtree the actor may only read (an analyst), the answer is 403."""
    if isinstance(community, Area):
        area: Area | None = community
    elif isinstance(community, int) and not isinstance(community, bool):
        area = Area.objects.filter(pk=community).first()
    else:
        key = str(community or "").strip()
        area = Area.objects.filter(code=key).first() if key.isdigit() else None
    if area is None:
        raise NotFound()
    scope = viewer_scope(actor)
    if not scope.has(Perm.STANDARDS_CHANGE, area.code):
        if scope.has(Perm.STANDARDS_VIEW, area.code):
            raise PermissionDenied()
        raise NotFound()
    if area.level != Level.COMMUNITY:
        message = _("必须是社区（村）")
        raise ValidationFailed(message, details={"community": [message]})
    return area


def require_change(actor: Any, area_code: str) -> None:
    """For a record already read through a scoped selector: 403 when the role may not write there."""
    scope = viewer_scope(actor)
    if scope.has(Perm.STANDARDS_CHANGE, area_code):
        return
    if scope.has(Perm.STANDARDS_VIEW, area_code):
        raise PermissionDenied()
    raise NotFound()


def can_change(viewer: Any, area_code: str | None = None) -> bool:
    return viewer_scope(viewer).has(Perm.STANDARDS_CHANGE, area_code)


def community_for_view(viewer: Any, code: Any) -> Area:
    """A community the viewer may read standards data of; anything else is NotFound."""
    code = str(code or "").strip()
    if not code.isdigit():
        raise NotFound()
    area = (
        Area.objects.filter(viewer_scope(viewer).q(Perm.STANDARDS_VIEW, "code"), code=code, level=Level.COMMUNITY)
        .select_related("parent")
        .first()
    )
    if area is None:
        raise NotFound()
    return area


# -- field checks ------------------------------------------------------------------------------------


def check_year(problems: Problems, field: str, value: Any, *, required: bool = True) -> int | None:
    if value is None or value == "":
        if required:
            problems.add(field, _("请填写年份"))
        return None
    try:
        year = int(value)
    except (TypeError, ValueError):
        problems.add(field, _("年份必须是整数"))
        return None
    if isinstance(value, bool) or str(year) != str(value).strip():
        problems.add(field, _("年份必须是整数"))
        return None
    latest = current_year() + 1
    if not FIRST_YEAR <= year <= latest:
        problems.add(field, _("年份必须在 %(min)s 至 %(max)s 之间") % {"min": FIRST_YEAR, "max": latest})
        return None
    return year


def to_decimal(value: Any) -> Decimal | None:
    """A finite Decimal from a number or a string, or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def _two_places(problems: Problems, field: str, number: Decimal) -> Decimal | None:
    if number != number.quantize(TWO_PLACES, rounding="ROUND_DOWN"):
        problems.add(field, _("最多保留两位小数"))
        return None
    return number.quantize(TWO_PLACES)


def check_area(
    problems: Problems, field: str, value: Any, *, required: bool = True, label: str = ""
) -> Decimal | None:
    """An area in m²: > 0, ≤ MAX_AREA_M2, two decimals. `label` names the item (a room) in the message."""
    prefix = f"{label}：" if label else ""
    if value is None or value == "":
        if required:
            problems.add(field, prefix + _("请填写面积"))
        return None
    number = to_decimal(value)
    if number is None:
        problems.add(field, prefix + _("面积必须是数字"))
        return None
    if number <= 0:
        problems.add(field, prefix + _("面积必须大于 0"))
        return None
    if number > MAX_AREA_M2:
        problems.add(field, prefix + _("面积不能超过 %(max)s 平方米") % {"max": f"{MAX_AREA_M2:,.0f}"})
        return None
    return _two_places(problems, field, number)


def check_amount(problems: Problems, field: str, value: Any) -> Decimal | None:
    """Yuan: > 0, below MAX_AMOUNT, two decimals."""
    if value is None or value == "":
        problems.add(field, _("请填写金额"))
        return None
    number = to_decimal(value)
    if number is None:
        problems.add(field, _("金额必须是数字"))
        return None
    if number <= 0:
        problems.add(field, _("金额必须大于 0"))
        return None
    if number >= MAX_AMOUNT:
        problems.add(field, _("金额必须小于 %(max)s 元") % {"max": f"{MAX_AMOUNT:,.0f}"})
        return None
    return _two_places(problems, field, number)


