"""The names premises may record (functional rooms, the five unifications, plaques), taken from the community
standards in force: names are policy data, and a name the policy does not know is a typing error to refuse.

Plaques: the policy lists the organisations whose plaques must hang (exactly those). Any other organisation's
plaque is recorded as "其他：<organisation>" so the plaques rule can report it as extra.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from shequ.standards.policy import TOPIC, PolicyResolver, params, version_for

OTHER_PLAQUE_PREFIX = "其他："
_OTHER_PLAQUE_PREFIXES = ("其他：", "其他:")
MAX_PLAQUE_LENGTH = 60


@dataclass
class NameLists:
    """The lists of one policy version (`year` is the year it was looked up for; None when no policy)."""

    year: int | None = None
    rooms: list[str] = field(default_factory=list)
    unifications: list[str] = field(default_factory=list)
    plaques: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.year is not None


def _items(values: dict, key: str) -> list[str]:
    value = values.get(key)
    return [str(v) for v in value] if isinstance(value, list) else []


def lists_for(community_code: str, years: list[int], resolver: PolicyResolver | None = None) -> NameLists:
    """The lists of the first of `years` that has a version in force (a few queries per year tried, none with
    a `resolver`, which holds the whole policy in memory)."""
    for year in years:
        version = resolver.version_for(community_code, year) if resolver else version_for(TOPIC, community_code, year)
        if version is not None:
            values = resolver.params(version) if resolver else params(version)
            return NameLists(
                year=year,
                rooms=_items(values, "functional_rooms"),
                unifications=_items(values, "unifications"),
                plaques=_items(values, "plaques"),
            )
    return NameLists()


def normalise_plaque(name: str) -> str:
    """Spaces trimmed, and "其他:" with a half-width colon written the one way."""
    text = " ".join(str(name).split())
    for prefix in _OTHER_PLAQUE_PREFIXES:
        if text.startswith(prefix):
            return OTHER_PLAQUE_PREFIX + text[len(prefix) :].strip()
    return text


def is_other_plaque(name: str) -> bool:
    return name.startswith(OTHER_PLAQUE_PREFIX) and len(name) > len(OTHER_PLAQUE_PREFIX)


def unknown_message(kind: str, unknown: list[str], allowed: list[str]) -> str:
    """"未知的…：x、y。可选：a、b" — the message names what was refused and what is accepted."""
    joined = "、".join(unknown)
    options = "、".join(allowed) if allowed else "—"
    if kind == "rooms":
        return _("未知的功能室名称：%(names)s。可选：%(allowed)s") % {"names": joined, "allowed": options}
    if kind == "unifications":
        return _("未知的“五统一”项目：%(names)s。可选：%(allowed)s") % {"names": joined, "allowed": options}
    return _("未知的牌匾名称：%(names)s。可选：%(allowed)s，或“其他：单位名称”") % {
        "names": joined,
        "allowed": options,
    }
