"""Checking one row at a time, without the database (except cached area and tag look-ups).

A validator turns a row's raw cells into a typed row, or into a list of (column, value, reason) errors.
Everything that needs the existing registry (duplicates against it, scope of existing records, household
consistency) is decided later by the planner, in chunks.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from shequ.areas.models import Area, Level
from shequ.registry.idnumbers import IdNumber, IdNumberError
from shequ.registry.importing.columns import (
    BUILDINGS,
    HOUSEHOLD_KIND_VOCAB,
    HOUSEHOLDS,
    RELATION_VOCAB,
    RESIDENTS,
    HeaderMap,
    normalise_header,
)
from shequ.registry.importing.fastpath import parse_id_fast
from shequ.registry.importing.tags import TagVocabulary
from shequ.registry.models import Building, Household, Resident, Tag
from shequ.registry.phones import PhoneError, normalise_phone

RowError = tuple[str, str, str]  # column header, value, reason
_HOUSEHOLD_NUMBER = re.compile(r"^[0-9A-Za-z\-]+$")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_CODE_LIKE = ("id_number", "household_number", "phone", "area_code")
_SPACES = str.maketrans({"\u00a0": " ", "\u3000": " "})  # no-break and ideographic spaces from spreadsheets


@dataclass(slots=True)
class AreaRef:
    community_id: int
    community_code: str
    grid_id: int | None
    area_code: str
    name: str


@dataclass(slots=True)
class ResidentRow:
    row_no: int
    name: str
    id: IdNumber
    phone: str | None
    household_number: str | None
    relation: str | None
    household_kind: str | None
    area: AreaRef
    building_address: str | None
    room: str | None
    tag_ids: tuple[int, ...]


@dataclass(slots=True)
class HouseholdRow:
    row_no: int
    household_number: str
    household_kind: str | None
    area: AreaRef
    building_address: str | None
    room: str | None


@dataclass(slots=True)
class BuildingRow:
    row_no: int
    area: AreaRef
    address: str
    compound: str | None
    number: str | None
    latitude: float | None
    longitude: float | None


class Context:
    """What every row check shares: the actor's import scope, cached areas and tags, today's date."""

    def __init__(self, *, scope_codes: list[str], tags: list[Tag]):
        self.scope_codes = scope_codes
        self.today = dt.date.today()
        self._areas: dict[str, AreaRef | None] = {}
        self._area_names: dict[str, str] = {}
        self.tags = TagVocabulary(tags)
        self.tag_codes = self.tags.codes

    def in_scope(self, code: str) -> bool:
        return any(code.startswith(prefix) for prefix in self.scope_codes)

    def area(self, code: str) -> AreaRef | None:
        """A community or grid inside the actor's scope; None whether missing or outside (same answer)."""
        if code in self._areas:
            return self._areas[code]
        ref = None
        if self.in_scope(code):
            area = (
                Area.objects.filter(code=code, level__in=(Level.COMMUNITY, Level.GRID)).select_related("parent").first()
            )
            if area is not None and area.level == Level.GRID and area.parent is not None:
                ref = AreaRef(area.parent.pk, area.parent.code, area.pk, area.code, area.name)
            elif area is not None and area.level == Level.COMMUNITY:
                ref = AreaRef(area.pk, area.code, None, area.code, area.name)
        self._areas[code] = ref
        return ref

    def area_name(self, code: str) -> str:
        if code not in self._area_names:
            area = Area.objects.filter(code=code).values_list("name", flat=True).first()
            self._area_names[code] = f"{area}（{code}）" if area else code
        return self._area_names[code]


@lru_cache(maxsize=64)
def _max_length(model: type, field: str, default: int) -> int:
    return model._meta.get_field(field).max_length or default  # type: ignore[attr-defined]


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


class RowValidator:
    kind = ""

    def __init__(self, header: HeaderMap, ctx: Context):
        self.header = header
        self.ctx = ctx
        self.positions = header.positions
        self.items = [(key, index, key in _CODE_LIKE) for key, index in header.positions.items()]
        self.first_seen: dict[Any, int] = {}
        self.vocab_cache: dict[tuple[int, str], str | None] = {}
        self.good_numbers: set[str] = set()

    def header_of(self, key: str) -> str:
        return self.header.header_of(key)

    def texts(
        self, row_no: int, values: list[Any], problems: dict[int, str]
    ) -> tuple[dict[str, str], list[RowError]] | None:
        """Mapped cells as text, and cell problems (formula, merged, error value, numbers Excel truncated);
        None for a blank row (every mapped cell empty, no problem)."""
        out: dict[str, str] = {}
        errors: list[RowError] = []
        width = len(values)
        blank = True
        for key, index, code_like in self.items:
            raw = values[index] if index < width else None
            text = raw.strip() if raw.__class__ is str else cell_text(raw)
            if text:
                blank = False
            if problems and index in problems:
                blank = False
                errors.append((self.header_of(key), text, problems[index]))
                text = ""
            elif code_like and text:
                if raw.__class__ is not str and isinstance(raw, (int, float)) and not isinstance(raw, bool) \
                        and abs(raw) >= 1e15:
                    errors.append((self.header_of(key), text, _(
                        "单元格 %(cell)s 是数字格式，超过 15 位的数字已被 Excel 截断（末几位变成 0）；"
                        "请将该列设为文本格式后重新录入") % {"cell": f"{get_column_letter(index + 1)}{row_no}"}))
                    text = ""
                elif ("E" in text or "e" in text) and _SCIENTIFIC.match(text):
                    errors.append((self.header_of(key), text, _(
                        "该值是科学计数法，号码已丢失；请在 Excel 中将该列设为文本格式后重新录入")))
                    text = ""
            out[key] = text
        if blank:
            return None
        return out, errors

    def vocab(self, vocabulary: dict[str, str], text: str) -> str | None:
        key = (id(vocabulary), text)
        if key not in self.vocab_cache:
            self.vocab_cache[key] = vocabulary.get(normalise_header(text))
        return self.vocab_cache[key]

    def _area(self, texts: dict[str, str], errors: list[RowError]) -> AreaRef | None:
        code = texts.get("area_code", "")
        if not code:
            if not any(e[0] == self.header_of("area_code") for e in errors):
                errors.append((self.header_of("area_code"), "", _("社区代码不能为空")))
            return None
        ref = self.ctx.area(code)
        if ref is None:
            errors.append((self.header_of("area_code"), code, _(
                "未找到社区（村）或网格代码 %(code)s，或不在您的管辖范围内") % {"code": code}))
        return ref

    def _text(self, texts: dict[str, str], key: str, max_length: int, errors: list[RowError]) -> str | None:
        if key not in texts or not texts[key]:
            return None
        value = texts[key]
        if len(value) > max_length:
            errors.append((self.header_of(key), value, _("内容过长（最多 %(n)d 个字）") % {"n": max_length}))
            return None
        if not value.isprintable():
            value = value.translate(_SPACES)
        if not value.isprintable():
            errors.append((self.header_of(key), value, _("含有换行、制表符等不可见字符，请删除")))
            return None
        return value

    def _household_number(self, texts: dict[str, str], errors: list[RowError], required: bool) -> str | None:
        value = texts.get("household_number", "")
        if not value:
            if required and not any(e[0] == self.header_of("household_number") for e in errors):
                errors.append((self.header_of("household_number"), "", _("户号不能为空")))
            return None
        if value in self.good_numbers:
            return value
        max_length = _max_length(Household, "number", 32)
        if len(value) > max_length or not _HOUSEHOLD_NUMBER.match(value):
            errors.append((self.header_of("household_number"), value, _(
                "户号只能由数字、字母和“-”组成，最长 %(n)d 位") % {"n": max_length}))
            return None
        self.good_numbers.add(value)
        return value

    def _household_kind(self, texts: dict[str, str], errors: list[RowError]) -> str | None:
        value = texts.get("household_kind", "")
        if not value:
            return None
        kind = self.vocab(HOUSEHOLD_KIND_VOCAB, value)
        if kind is None:
            errors.append((self.header_of("household_kind"), value, _("无法识别的户别，可填：常住、流动")))
        return kind

    def validate(self, row_no: int, texts: dict[str, str], errors: list[RowError]) -> tuple[Any, list[RowError]]:
        raise NotImplementedError

    def duplicate(self, key: Any, row_no: int) -> int | None:
        first = self.first_seen.get(key)
        if first is None:
            self.first_seen[key] = row_no
        return first


class ResidentValidator(RowValidator):
    kind = RESIDENTS

    def validate(self, row_no: int, texts: dict[str, str], errors: list[RowError]) -> tuple[Any, list[RowError]]:
        name = texts.get("name", "")
        if not name:
            if not any(e[0] == self.header_of("name") for e in errors):
                errors.append((self.header_of("name"), "", _("姓名不能为空")))
        else:
            max_length = _max_length(Resident, "name", 64)
            if len(name) > max_length:
                errors.append((self.header_of("name"), name, _("姓名过长（最多 %(n)d 个字）") % {"n": max_length}))
            elif not name.isprintable() and not (name := name.translate(_SPACES)).isprintable():
                errors.append((self.header_of("name"), name, _("姓名含有换行等不可见字符，请删除")))
        parsed: IdNumber | None = None
        raw_id = texts.get("id_number", "")
        if raw_id or not any(e[0] == self.header_of("id_number") for e in errors):
            try:
                parsed = parse_id_fast(raw_id, self.ctx.today)
            except IdNumberError as exc:
                errors.append((self.header_of("id_number"), raw_id, str(exc.message)))
        phone = None
        if texts.get("phone"):
            try:
                phone = normalise_phone(texts["phone"])
            except PhoneError as exc:
                errors.append((self.header_of("phone"), texts["phone"], str(exc)))
        household_number = self._household_number(texts, errors, required=False)
        relation = None
        if texts.get("relation"):
            relation = self.vocab(RELATION_VOCAB, texts["relation"])
            if relation is None:
                errors.append((self.header_of("relation"), texts["relation"], _(
                    "无法识别的与户主关系，可填：户主、配偶、子女、父母、孙子女、祖父母、兄弟姐妹、儿媳/女婿、其他")))
        kind = self._household_kind(texts, errors)
        area = self._area(texts, errors)
        building = self._text(texts, "building_address", _max_length(Building, "address", 200), errors)
        room = self._text(texts, "room", _max_length(Household, "room", 50), errors)
        tag_ids, unknown_tags = self.ctx.tags.parse(texts.get("tags") or "")
        for label in unknown_tags:
            errors.append((self.header_of("tags"), label, _("未知标签“%(tag)s”，可用的标签：%(tags)s") % {
                "tag": label, "tags": self.ctx.tags.names}))
        if household_number is None and (kind or building or room):
            errors.append((self.header_of("household_number"), "", _(
                "填写了户别、楼栋地址或门牌/房号时，必须同时填写户号")))
        if parsed is not None and not errors:
            first = self.duplicate(parsed.number, row_no)
            if first is not None:
                errors.append((self.header_of("id_number"), raw_id, _(
                    "与第 %(row)d 行的公民身份号码重复（同一人在文件中只能出现一次）") % {"row": first}))
        if errors:
            return None, errors
        assert parsed is not None and area is not None
        return ResidentRow(
            row_no, name, parsed, phone, household_number, relation, kind, area, building, room, tuple(tag_ids)
        ), []


class HouseholdValidator(RowValidator):
    kind = HOUSEHOLDS

    def validate(self, row_no: int, texts: dict[str, str], errors: list[RowError]) -> tuple[Any, list[RowError]]:
        number = self._household_number(texts, errors, required=True)
        kind = self._household_kind(texts, errors)
        area = self._area(texts, errors)
        building = self._text(texts, "building_address", _max_length(Building, "address", 200), errors)
        room = self._text(texts, "room", _max_length(Household, "room", 50), errors)
        if number is not None and not errors:
            first = self.duplicate(number, row_no)
            if first is not None:
                errors.append((self.header_of("household_number"), number, _(
                    "与第 %(row)d 行的户号重复（同一户在文件中只能出现一次）") % {"row": first}))
        if errors:
            return None, errors
        assert number is not None and area is not None
        return HouseholdRow(row_no, number, kind, area, building, room), []


class BuildingValidator(RowValidator):
    kind = BUILDINGS

    def _coordinate(self, texts: dict[str, str], key: str, limit: float, errors: list[RowError]) -> float | None:
        value = texts.get(key, "")
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or abs(number) > limit:
            errors.append((self.header_of(key), value, _("应为 -%(n)d 到 %(n)d 之间的十进制度数") % {"n": int(limit)}))
            return None
        return number

    def validate(self, row_no: int, texts: dict[str, str], errors: list[RowError]) -> tuple[Any, list[RowError]]:
        area = self._area(texts, errors)
        address = self._text(texts, "building_address", _max_length(Building, "address", 200), errors)
        if address is None and not any(e[0] == self.header_of("building_address") for e in errors):
            errors.append((self.header_of("building_address"), "", _("楼栋地址不能为空")))
        compound = self._text(texts, "compound", _max_length(Building, "compound", 100), errors)
        number = self._text(texts, "number", _max_length(Building, "number", 50), errors)
        latitude = self._coordinate(texts, "latitude", 90, errors)
        longitude = self._coordinate(texts, "longitude", 180, errors)
        if area is not None and address is not None and not errors:
            first = self.duplicate((area.community_id, address), row_no)
            if first is not None:
                errors.append((self.header_of("building_address"), address, _(
                    "与第 %(row)d 行的楼栋重复（同一社区的同一地址只能出现一次）") % {"row": first}))
        if errors:
            return None, errors
        assert area is not None and address is not None
        return BuildingRow(row_no, area, address, compound, number, latitude, longitude), []


VALIDATORS: dict[str, type[RowValidator]] = {
    RESIDENTS: ResidentValidator,
    HOUSEHOLDS: HouseholdValidator,
    BUILDINGS: BuildingValidator,
}
