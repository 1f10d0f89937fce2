"""Turning a search box entry into an indexed filter.

Kinds: name (汉字 prefix), pinyin (full or initials prefix), id (full, or the last 4+ digits),
phone (full, or the last 4), address (building address or compound contains). "auto" guesses.
"""

from __future__ import annotations

import re

from django.db.models import Q

KINDS = ("auto", "name", "pinyin", "id", "phone", "address")
_CJK = re.compile(r"[\u3400-\u9fff]")
_DIGITS = re.compile(r"^\d{3,17}[\dXx]?$")


def guess_kind(text: str) -> str:
    if _CJK.search(text):
        return "name"
    if _DIGITS.match(text):
        if len(text) in (15, 18) or text[-1] in "Xx":
            return "id"
        if len(text) == 11 and text.startswith("1"):
            return "phone"
        return "digits"
    if text.isascii() and text.replace(" ", "").isalpha():
        return "pinyin"
    return "address"


def search_q(text: str, kind: str = "auto") -> Q:
    text = text.strip()
    if not text:
        return Q()
    if kind == "auto":
        kind = guess_kind(text)
        if kind == "name":
            # Chinese text may be a name or an address; both are cheap prefix/contains lookups.
            return _name_q(text) | _address_q(text)
    if kind == "name":
        return _name_q(text)
    if kind == "pinyin":
        key = text.lower().replace(" ", "")
        return Q(name_initials__startswith=key) | Q(name_pinyin__startswith=key)
    if kind == "id":
        return _id_q(text)
    if kind == "phone":
        return _phone_q(text)
    if kind == "digits":
        return _id_q(text) | _phone_q(text)
    if kind == "address":
        return _address_q(text)
    raise ValueError(kind)


def _name_q(text: str) -> Q:
    return Q(name__startswith=text)


def _id_q(text: str) -> Q:
    value = text.upper()
    if len(value) in (15, 18):
        from shequ.registry.idnumbers import IdNumberError, parse_id_number

        try:
            return Q(id_number=parse_id_number(value).number)
        except IdNumberError:
            return Q(id_number=value)
    if len(value) < 4:
        return Q(pk__in=[])
    return Q(id_number_rev__startswith=value[::-1])


def _phone_q(text: str) -> Q:
    if len(text) >= 11:
        return Q(phone=text)
    if len(text) < 4:
        return Q(pk__in=[])
    return Q(phone_rev__startswith=text[::-1])


def _address_q(text: str) -> Q:
    return Q(household__building__address__contains=text) | Q(household__building__compound__contains=text)
