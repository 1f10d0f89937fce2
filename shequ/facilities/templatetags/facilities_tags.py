"""Number formats of the facilities and funding pages: comma-grouped like financial statements, whatever the
interface language (the zh-Hans locale groups nothing, so humanize's intcomma would differ by language)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


@register.filter
def yuan(value: Any) -> str:
    """250000 → "250,000.00"."""
    number = _decimal(value)
    return "" if number is None else f"{number:,.2f}"


@register.filter
def whole(value: Any) -> str:
    """250000 → "250,000" (policy minimums)."""
    number = _decimal(value)
    return "" if number is None else f"{number:,.0f}"


@register.filter
def m2(value: Any) -> str:
    """620 → "620"; 1620.5 → "1,620.5"; 60.25 → "60.25": no trailing zeros."""
    number = _decimal(value)
    if number is None:
        return ""
    text = f"{number:,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
