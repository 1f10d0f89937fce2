"""What each import kind expects: columns (Chinese headers, aliases), value vocabularies, header matching."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.registry.models import HouseholdKind, Relation

RESIDENTS = "residents"
HOUSEHOLDS = "households"
BUILDINGS = "buildings"
KINDS = (RESIDENTS, HOUSEHOLDS, BUILDINGS)
KIND_LABELS: dict[str, Promise] = {
    RESIDENTS: gettext_lazy("居民"),
    HOUSEHOLDS: gettext_lazy("户"),
    BUILDINGS: gettext_lazy("楼栋"),
}


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the template's Chinese header (data, not a UI string: files are exchanged in Chinese)
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: Promise | str = ""
    example: str = ""

    def names(self) -> list[str]:
        return [self.header, *self.aliases]


_AREA = Column(
    "area_code",
    "社区代码",
    True,
    (
        "网格代码", "社区（网格）代码", "社区或网格代码", "社区编码", "网格编码", "区划代码", "村代码",
        "community_code", "grid_code", "area_code", "community", "grid",
    ),
    gettext_lazy("12 位社区（村）代码，或 15 位网格代码"),
    "431302001001",
)
_HOUSEHOLD_NUMBER = Column(
    "household_number",
    "户号",
    False,
    ("户编号", "户口编号", "家庭编号", "household_number", "household_no", "household"),
    gettext_lazy("同一户号的各行归入同一户；户号不存在时新建该户"),
    "431302001001000001",
)
_HOUSEHOLD_KIND = Column(
    "household_kind",
    "户别",
    False,
    ("户类别", "户籍类别", "户口类别", "户类型", "人口类别", "household_kind", "household_type"),
    gettext_lazy("常住 或 流动；留空时新户按常住登记，已有户保持不变"),
    "常住",
)
_BUILDING_ADDRESS = Column(
    "building_address",
    "楼栋地址",
    False,
    ("楼栋", "地址", "住址", "居住地址", "现住址", "building_address", "building", "address"),
    gettext_lazy("本社区内的楼栋地址；不存在时新建该楼栋"),
    "长青路1号1栋",
)
_ROOM = Column(
    "room",
    "门牌/房号",
    False,
    ("门牌", "房号", "门牌号", "房间号", "门牌号码", "门牌房号", "room", "room_number", "door"),
    gettext_lazy("门牌或房号"),
    "101",
)

RESIDENT_COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", True, ("名字", "居民姓名", "name", "full_name"), gettext_lazy("居民姓名"), "王小明"),
    Column(
        "id_number",
        "公民身份号码",
        True,
        (
            "身份证号", "身份证号码", "公民身份证号码", "公民身份证号", "身份证", "证件号码", "身份号码",
            "id_number", "id_no", "id_card", "idcard", "citizen_id",
        ),
        gettext_lazy("18 位公民身份号码（旧式 15 位号码会自动升级）；请将该列设为文本格式"),
        "431302198503040011",
    ),
    Column(
        "phone",
        "联系电话",
        False,
        ("电话", "手机", "手机号", "手机号码", "电话号码", "联系方式", "phone", "mobile", "telephone", "tel"),
        gettext_lazy("11 位手机号或带区号的固定电话"),
        "13812345678",
    ),
    _HOUSEHOLD_NUMBER,
    Column(
        "relation",
        "与户主关系",
        False,
        ("关系", "家庭关系", "与户主的关系", "relation", "relationship", "relation_to_head"),
        gettext_lazy("户主、配偶、子女、父母、孙子女、祖父母、兄弟姐妹、儿媳/女婿、其他"),
        "户主",
    ),
    _HOUSEHOLD_KIND,
    _AREA,
    _BUILDING_ADDRESS,
    _ROOM,
    Column(
        "tags",
        "标签",
        False,
        ("人群标签", "重点人群", "重点人群标签", "特殊人群", "tags", "tag", "labels"),
        gettext_lazy("多个标签用“、”或“,”分隔，如：党员、高龄；只会新增标签，不会删除已有标签"),
        "党员",
    ),
)

HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    Column(_HOUSEHOLD_NUMBER.key, _HOUSEHOLD_NUMBER.header, True, _HOUSEHOLD_NUMBER.aliases,
           gettext_lazy("户号，已存在时更新该户"), _HOUSEHOLD_NUMBER.example),
    _HOUSEHOLD_KIND,
    _AREA,
    _BUILDING_ADDRESS,
    _ROOM,
)

BUILDING_COLUMNS: tuple[Column, ...] = (
    _AREA,
    Column(_BUILDING_ADDRESS.key, _BUILDING_ADDRESS.header, True, _BUILDING_ADDRESS.aliases,
           gettext_lazy("楼栋地址，同一社区内唯一；已存在时更新该楼栋"), _BUILDING_ADDRESS.example),
    Column("compound", "小区", False, ("小区名称", "所属小区", "compound", "estate"), gettext_lazy("小区名称"),
           "长青小区"),
    Column("number", "楼栋号", False, ("栋号", "楼号", "楼栋编号", "building_number", "number"), gettext_lazy("楼栋号"),
           "1栋"),
    Column("latitude", "纬度", False, ("lat", "latitude"), gettext_lazy("纬度（十进制度数）"), "27.7"),
    Column("longitude", "经度", False, ("lng", "lon", "longitude"), gettext_lazy("经度（十进制度数）"), "112.0"),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    RESIDENTS: RESIDENT_COLUMNS,
    HOUSEHOLDS: HOUSEHOLD_COLUMNS,
    BUILDINGS: BUILDING_COLUMNS,
}

# Labels accepted in the 与户主关系 column (besides the codes and the display names of Relation).
RELATION_LABELS: dict[str, str] = {
    "户主": Relation.HEAD, "配偶": Relation.SPOUSE, "子女": Relation.CHILD, "父母": Relation.PARENT,
    "孙子女": Relation.GRANDCHILD, "祖父母": Relation.GRANDPARENT, "兄弟姐妹": Relation.SIBLING,
    "儿媳/女婿": Relation.CHILD_IN_LAW, "其他": Relation.OTHER, "其它": Relation.OTHER,
    "本人": Relation.HEAD, "户主本人": Relation.HEAD,
    "妻": Relation.SPOUSE, "妻子": Relation.SPOUSE, "夫": Relation.SPOUSE, "丈夫": Relation.SPOUSE,
    "子": Relation.CHILD, "女": Relation.CHILD, "儿子": Relation.CHILD, "女儿": Relation.CHILD,
    "长子": Relation.CHILD, "次子": Relation.CHILD, "长女": Relation.CHILD, "次女": Relation.CHILD,
    "养子": Relation.CHILD, "养女": Relation.CHILD, "继子": Relation.CHILD, "继女": Relation.CHILD,
    "父": Relation.PARENT, "母": Relation.PARENT, "父亲": Relation.PARENT, "母亲": Relation.PARENT,
    "孙子": Relation.GRANDCHILD, "孙女": Relation.GRANDCHILD, "外孙子": Relation.GRANDCHILD,
    "外孙女": Relation.GRANDCHILD, "外孙": Relation.GRANDCHILD,
    "祖父": Relation.GRANDPARENT, "祖母": Relation.GRANDPARENT, "外祖父": Relation.GRANDPARENT,
    "外祖母": Relation.GRANDPARENT,
    "兄": Relation.SIBLING, "弟": Relation.SIBLING, "姐": Relation.SIBLING, "妹": Relation.SIBLING,
    "哥哥": Relation.SIBLING, "弟弟": Relation.SIBLING, "姐姐": Relation.SIBLING, "妹妹": Relation.SIBLING,
    "儿媳": Relation.CHILD_IN_LAW, "女婿": Relation.CHILD_IN_LAW,
}
HOUSEHOLD_KIND_LABELS: dict[str, str] = {
    "常住": HouseholdKind.PERMANENT, "流动": HouseholdKind.FLOATING,
    "常住户": HouseholdKind.PERMANENT, "户籍": HouseholdKind.PERMANENT, "户籍人口": HouseholdKind.PERMANENT,
    "常住人口": HouseholdKind.PERMANENT,
    "流动户": HouseholdKind.FLOATING, "流动人口": HouseholdKind.FLOATING, "外来": HouseholdKind.FLOATING,
}


def _vocabulary(choices: type, labels: dict[str, str]) -> dict[str, str]:
    """The codes and the Chinese labels and synonyms (files are filled in Chinese whatever the UI language)."""
    vocab = {normalise_header(value): value for value in choices.values}  # type: ignore[attr-defined]
    vocab.update({normalise_header(k): v for k, v in labels.items()})
    return vocab


_PAREN = re.compile(r"\(.*?\)|\[.*?\]")
_DROP = re.compile(r"[\s*_\-:：]+")


def normalise_header(text: object) -> str:
    """NFKC (full-width → half-width), lower case, no spaces/underscores/stars, no parenthesised notes."""
    value = unicodedata.normalize("NFKC", str(text or "")).strip().lower()
    value = _PAREN.sub("", value)
    return _DROP.sub("", value)


RELATION_VOCAB = _vocabulary(Relation, RELATION_LABELS)
HOUSEHOLD_KIND_VOCAB = _vocabulary(HouseholdKind, HOUSEHOLD_KIND_LABELS)


@dataclass
class HeaderMap:
    """Which file column feeds which field; which headers were ignored (with a suggestion)."""

    positions: dict[str, int]  # field key -> 0-based column index
    headers: list[str]  # the file's header texts, by index
    warnings: list[str] = field(default_factory=list)

    defaults: dict[str, str] = field(default_factory=dict)  # field key -> template header

    def header_of(self, key: str) -> str:
        """The file's own header for a field (the template's header when the file has no such column)."""
        if key in self.positions:
            return self.headers[self.positions[key]]
        return self.defaults.get(key, key)


class HeaderError(Exception):
    def __init__(self, message: str, details: dict[str, object]):
        self.message = message
        self.details = details
        super().__init__(message)


def _lookup(kind: str) -> dict[str, str]:
    return {normalise_header(name): col.key for col in COLUMNS[kind] for name in col.names()}


def recognised_count(kind: str, cells: list[str]) -> int:
    lookup = _lookup(kind)
    return len({lookup[n] for n in (normalise_header(c) for c in cells) if n in lookup})


def _suggest(col: Column, candidates: list[str]) -> str:
    """The file header that most resembles one of this column's names, if any is close."""
    best, best_ratio = "", 0.0
    for cand in candidates:
        norm = normalise_header(cand)
        if not norm:
            continue
        for name in col.names():
            ratio = difflib.SequenceMatcher(None, norm, normalise_header(name)).ratio()
            if ratio > best_ratio:
                best, best_ratio = cand, ratio
    return best if best_ratio >= 0.6 else ""


def match_headers(kind: str, cells: list[str]) -> HeaderMap:
    lookup = _lookup(kind)
    columns = COLUMNS[kind]
    positions: dict[str, int] = {}
    duplicates: list[str] = []
    unknown: list[tuple[int, str]] = []
    for index, cell in enumerate(cells):
        norm = normalise_header(cell)
        if not norm:
            continue
        key = lookup.get(norm)
        if key is None:
            unknown.append((index, cell))
        elif key in positions:
            duplicates.append(_("“%(a)s”和“%(b)s”都对应“%(col)s”列") % {
                "a": cells[positions[key]], "b": cell, "col": next(c.header for c in columns if c.key == key)})
        else:
            positions[key] = index
    unknown_texts = [text for _i, text in unknown]
    missing = [c for c in columns if c.required and c.key not in positions]
    if missing or duplicates:
        parts = []
        details: dict[str, object] = {"missing": [c.header for c in missing], "duplicates": duplicates}
        suggestions = {}
        for col in missing:
            hint = _suggest(col, unknown_texts)
            if hint:
                suggestions[col.header] = hint
                parts.append(_("缺少必填列“%(col)s”（文件中的“%(hint)s”是否就是此列？请改为“%(col)s”）")
                             % {"col": col.header, "hint": hint})
            else:
                parts.append(_("缺少必填列“%(col)s”") % {"col": col.header})
        parts.extend(duplicates)
        details["suggestions"] = suggestions
        details["found"] = [c for c in cells if normalise_header(c)]
        raise HeaderError("；".join(parts), details)
    warnings = []
    optional = [c for c in columns if c.key not in positions]
    for _index, text in unknown:
        hint = _suggest_optional(optional, text)
        if hint:
            warnings.append(_("未识别的列“%(col)s”已忽略（是否应为“%(hint)s”？）") % {"col": text, "hint": hint})
        else:
            warnings.append(_("未识别的列“%(col)s”已忽略") % {"col": text})
    return HeaderMap(
        positions=positions,
        headers=[str(c or "").strip() for c in cells],
        warnings=warnings,
        defaults={c.key: c.header for c in columns},
    )


def _suggest_optional(optional: list[Column], text: str) -> str:
    for col in optional:
        if _suggest(col, [text]):
            return col.header
    return ""


# Chinese names written into exported files (the import reads them back).
RELATION_NAMES: dict[str, str] = {
    Relation.HEAD: "户主", Relation.SPOUSE: "配偶", Relation.CHILD: "子女", Relation.PARENT: "父母",
    Relation.GRANDCHILD: "孙子女", Relation.GRANDPARENT: "祖父母", Relation.SIBLING: "兄弟姐妹",
    Relation.CHILD_IN_LAW: "儿媳/女婿", Relation.OTHER: "其他",
}
HOUSEHOLD_KIND_NAMES: dict[str, str] = {HouseholdKind.PERMANENT: "常住", HouseholdKind.FLOATING: "流动"}

