"""Template filters that show personal data masked (shequ.core.masking), for pages of any app."""

from __future__ import annotations

from django import template

from shequ.core.masking import mask_phone

register = template.Library()


@register.filter
def masked_phone(value: str | None) -> str:
    return mask_phone(value)
