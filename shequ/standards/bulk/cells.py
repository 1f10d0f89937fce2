"""Turning one cell's text into a value: numbers, years, dates, yes/no, vocabularies, name lists, rooms.

Only the form is checked here (is it a number, a date, a known word); what the value may be (an area above 0,
a year in range, a room name the policy knows) is the services' business, so the rules live in one place.
Each parser raises CellError with a translated reason; the caller names the row, column and value.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from shequ.registry.importing.columns import normalise_header

_UNITS = re.compile(r"(平方米|平米|㎡|m2|m²|元|人民币|rmb|¥|￥)", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})\s*(?:年|年度)?$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_SERIAL = re.compile(r"^\d{5}(?:\.0+)?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 once Excel's 1900 leap-year bug is allowed for
_SPLIT = re.compile(r"[、,，;；\n\r]+")
_ROOM = re.compile(r"^(.+?)\s*(?:\(\s*([^()]*?)\s*\))?$")


class CellError(ValueError):
    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def number(text: str) -> Decimal:
    """"1,234.5", "１２０", "620㎡", "200000元" → Decimal (exactly as written: rounding is not ours to do)."""
    value = _UNITS.sub("", _plain(text)).replace(",", "").replace(" ", "")
    try:
        result = Decimal(value)
    except (InvalidOperation, ValueError):
        raise CellError(_("不是有效的数字")) from None
    if not result.is_finite():
        raise CellError(_("不是有效的数字"))
    return result


def year(text: str) -> int:
    match = _YEAR.match(_plain(text))
    if not match:
        raise CellError(_("应为四位年份，如 2024"))
    return int(match.group(1))


def date(text: str) -> dt.date:
    """2024-01-05, 2024/1/5, 2024.1.5, 2024年1月5日, 20240105, an Excel date cell, or an Excel serial (45296)."""
    value = _plain(text)
    if " " in value or "T" in value:  # a date cell with a time part
        value = re.split(r"[ T]", value, maxsplit=1)[0]
    match = _DATE.match(value) or _COMPACT_DATE.match(value)
    try:
        if match:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if _EXCEL_SERIAL.match(value):
            return _EXCEL_EPOCH + dt.timedelta(days=int(float(value)))
    except (ValueError, OverflowError):
        raise CellError(_("日期不存在")) from None
    raise CellError(_("无法识别的日期，请写成 2024-01-05、2024/1/5 或 2024年1月5日"))


def choice(vocabulary: dict[str, str], text: str, allowed: str) -> str:
    found = vocabulary.get(normalise_header(text))
    if found is None:
        raise CellError(_("无法识别，可填：%(allowed)s") % {"allowed": allowed})
    return found


def names(text: str) -> list[str]:
    """"社区标识、机构门牌；服务窗口" → the names in order, without repeats."""
    out: list[str] = []
    for part in _SPLIT.split(text):
        name = " ".join(part.split())
        if name and name not in out:
            out.append(name)
    return out


def rooms(text: str) -> dict[str, Decimal | None]:
    """"党群活动室(60)、调解室（20㎡）、警务室" → {name: area or None}."""
    out: dict[str, Decimal | None] = {}
    for part in _SPLIT.split(_plain(text)):
        item = " ".join(part.split())
        if not item:
            continue
        match = _ROOM.match(item)
        if match is None or not match.group(1).strip():
            raise CellError(_("无法识别“%(item)s”，请写成“名称”或“名称(面积)”") % {"item": item})
        name, area_text = match.group(1).strip(), match.group(2)
        if name in out:
            raise CellError(_("功能室“%(name)s”重复") % {"name": name})
        area = None
        if area_text:
            try:
                area = number(area_text)
            except CellError:
                raise CellError(_("“%(item)s”括号中的面积不是数字") % {"item": item}) from None
        out[name] = area
    return out
