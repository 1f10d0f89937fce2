from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


class PhoneError(ValueError):
    pass


def normalise_phone(raw: object) -> str:
    """Mobile numbers (11 digits starting 13–19) or landlines (0738-1234567); empty allowed."""
    text = "" if raw is None else str(raw).strip().replace(" ", "")
    if text.startswith("+86"):
        text = text[3:]
    if not text:
        return ""
    if _MOBILE.match(text) or _LANDLINE.match(text):
        return text
    raise PhoneError(_("电话号码格式不正确：应为 11 位手机号或带区号的固定电话"))
