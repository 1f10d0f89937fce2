"""Turning a search box entry into an index-friendly filter on Resident.

Kinds:
- name: 汉字 prefix (`name LIKE '王小%'`);
- pinyin: full pinyin or initials prefix (`wxm` finds 王小明);
- id: the full 18-digit number (15-digit legacy numbers are upgraded), or its last 4+ characters;
- phone: the full number, or its last 4+ digits;
- address: building address or compound contains — matched on the (small) building table first, then
  residents are found through their household, never by a leading-wildcard scan of residents (the
  households are looked up first and, when few, passed as a list of ids: a sub-query instead leaves the
  join to the planner's loose estimate of a "contains" match, and it hash-joins all households);
- auto: guessed from the text.

Every resident lookup is a prefix LIKE on a column with a varchar_pattern_ops index (name, name_pinyin,
name_initials, id_number_rev, phone, phone_rev) or an equality, so PostgreSQL answers from indexes;
"last N digits" becomes a prefix match on the reversed copies. A pinyin key that cannot start any full
pinyin (`cj`, `wxm`: no syllable starts that way) is matched on the initials only, and one that cannot be
initials (`wangxiaoming`: no syllable starts with i, u or v) on the full pinyin only: one index, not an OR
of two; initials alone are answered from the covering index of migration 0003 without visiting the table.
On PostgreSQL the building address/compound "contains" match uses the trigram indexes of migration 0003.
"""

from __future__ import annotations

import re
from functools import cache

from django.db.models import Q

KINDS = ("auto", "name", "pinyin", "id", "phone", "address")
# An address that matches at most this many households is turned into an id list (a bitmap index scan
# on household_id); a broader one stays a sub-query (a semi-join).
ADDRESS_HOUSEHOLDS_INLINE = 1000
MIN_SUFFIX = 4

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_ID_LIKE = re.compile(r"^\d{4,17}[\dX]$")
_PHONE_LIKE = re.compile(r"^\+?[\d\s-]+$")
_NOTHING = Q(pk__in=[])
# Characters that mark an address rather than a personal name (路, 号, 栋, 村, 小区 …).
_ADDRESS_MARK = re.compile(r"[\d路街道巷弄号栋幢楼单元室层村组社区苑园府城院座期里坊庄湾镇乡县区市]")


def normalise_kind(kind: str | None) -> str:
    return kind if kind in KINDS else "auto"


def _compact(text: str) -> str:
    return re.sub(r"[\s-]", "", text)


def _phone_digits(text: str) -> str:
    digits = _compact(text)
    if digits.startswith("+86"):
        digits = digits[3:]
    return digits


def guess_kind(text: str) -> str:
    """The kind an "auto" search uses: name, pinyin, id, phone, digits (id or phone) or address."""
    text = text.strip()
    if _CJK.search(text):
        return "name"
    upper = _compact(text).upper()
    if _ID_LIKE.match(upper) and not upper.isdigit():
        return "id"  # ends with the check character X
    if _PHONE_LIKE.match(text):
        digits = _phone_digits(text)
        if len(digits) in (15, 18):
            return "id"
        if len(digits) == 11 and digits.startswith("1"):
            return "phone"
        if len(digits) in (11, 12) and digits.startswith("0"):
            return "phone"  # a landline with its area code
        return "digits"
    letters = re.sub(r"[\s']", "", text)
    if letters.isascii() and letters.isalpha():
        return "pinyin"
    return "address"


def looks_like_name(text: str) -> bool:
    """2–4 汉字 (or a name with a middle dot) and no word that marks an address: searched as a name only."""
    compact = text.replace(" ", "")
    if _ADDRESS_MARK.search(compact):
        return False
    if "·" in compact or "•" in compact:
        return all(_CJK.match(ch) or ch in "·•" for ch in compact)
    return 1 <= len(compact) <= 4 and all(_CJK.match(ch) for ch in compact)


def search_q(text: str, kind: str = "auto", *, building_scope: Q | None = None) -> Q:
    """A filter on Resident for the search text. `building_scope` narrows the address pre-search to the
    viewer's buildings (it is an optimisation: residents are scoped again by the caller)."""
    text = (text or "").strip()[:100]
    if not text:
        return Q()
    kind = normalise_kind(kind)
    if kind == "auto":
        kind = guess_kind(text)
        if kind == "name" and not looks_like_name(text):
            # Chinese text that may be a name or an address: the address part is looked up in buildings first.
            return name_q(text) | address_q(text, building_scope=building_scope)
    if kind == "name":
        return name_q(text)
    if kind == "pinyin":
        return pinyin_q(text)
    if kind == "id":
        return id_q(text)
    if kind == "phone":
        return phone_q(text)
    if kind == "digits":
        return id_q(text) | phone_q(text)
    return address_q(text, building_scope=building_scope)


def name_q(text: str) -> Q:
    return Q(name__startswith=text.replace(" ", ""))


def pinyin_q(text: str) -> Q:
    key = re.sub(r"[^a-z]", "", text.lower())
    if not key:
        return _NOTHING
    as_initials, as_pinyin = could_be_initials(key), could_be_pinyin(key)
    if as_initials and as_pinyin:
        return Q(name_initials__startswith=key) | Q(name_pinyin__startswith=key)
    if as_initials:
        return Q(name_initials__startswith=key)
    if as_pinyin:
        return Q(name_pinyin__startswith=key)
    return _NOTHING


@cache
def _syllables() -> tuple[frozenset[str], frozenset[str]]:
    """Every toneless syllable pypinyin can write (the same data that fills name_pinyin), and their prefixes.

    Derived from pypinyin's own dictionary (~40 ms once per process), so it follows a pypinyin upgrade.
    """
    from pypinyin import Style
    from pypinyin.pinyin_dict import pinyin_dict
    from pypinyin.style import convert

    marked = {reading for readings in pinyin_dict.values() for reading in readings.split(",")}
    syllables = frozenset(convert(r, Style.NORMAL, strict=True).lower() for r in marked)
    prefixes = frozenset(s[:i] for s in syllables for i in range(1, len(s) + 1))
    return syllables, prefixes


def could_be_pinyin(key: str) -> bool:
    """True if some run of syllables starts with `key` (so some name_pinyin may): a prefix test by DP."""
    try:
        syllables, prefixes = _syllables()
    except Exception:  # no pypinyin data: never narrow the search
        return True
    longest = max(map(len, syllables))
    reachable = [False] * (len(key) + 1)
    reachable[0] = True
    for start in range(len(key)):
        if not reachable[start]:
            continue
        tail = key[start:]
        if tail in prefixes:
            return True  # the rest of the key is the start of one more syllable
        for end in range(start + 1, min(len(key), start + longest) + 1):
            if key[start:end] in syllables:
                reachable[end] = True
    return reachable[len(key)]


def could_be_initials(key: str) -> bool:
    """Initials are the first letters of syllables: none starts with i, u or v."""
    try:
        syllables, _prefixes = _syllables()
    except Exception:  # no pypinyin data: never narrow the search
        return True
    firsts = {s[0] for s in syllables if s}
    return set(key) <= firsts


def id_q(text: str) -> Q:
    value = _compact(text).upper()
    if not re.fullmatch(r"[\dX]+", value):
        return _NOTHING
    if len(value) in (15, 18):
        from shequ.registry.idnumbers import IdNumberError, parse_id_number

        try:
            return Q(id_number=parse_id_number(value).number)
        except IdNumberError:
            return Q(id_number=value)
    if len(value) < MIN_SUFFIX or len(value) > 18:
        return _NOTHING
    return Q(id_number_rev__startswith=value[::-1])


def phone_q(text: str) -> Q:
    digits = _phone_digits(text)
    if not digits.isdigit() or len(digits) < MIN_SUFFIX:
        return _NOTHING
    if len(digits) >= 11:
        variants = {digits}
        if digits.startswith("0"):
            # landlines are stored with a dash after a 3- or 4-digit area code: 0738-1234567
            variants |= {f"{digits[:3]}-{digits[3:]}", f"{digits[:4]}-{digits[4:]}"}
        return Q(phone__in=sorted(variants))
    # the last N digits (a landline's number part never holds the dash)
    return Q(phone_rev__startswith=digits[::-1])


def address_q(text: str, *, building_scope: Q | None = None) -> Q:
    from shequ.registry.models import Building, Household

    buildings = Building.objects.filter(Q(address__contains=text) | Q(compound__contains=text))
    if building_scope is not None:
        buildings = buildings.filter(building_scope)
    # no ORDER BY (Household.Meta orders by number): any 1,001 ids tell "few or many", and a sort costs
    households = Household.objects.filter(building__in=buildings.values("pk")).order_by()
    ids = list(households.values_list("pk", flat=True)[: ADDRESS_HOUSEHOLDS_INLINE + 1])
    if not ids:
        return _NOTHING
    if len(ids) <= ADDRESS_HOUSEHOLDS_INLINE:
        return Q(household_id__in=ids)
    return Q(household_id__in=households.values("pk"))
