"""社区服务用房: one row per premises; (community, address, 启用年份) identifies an existing one, which is updated.

Blank optional cells keep what is recorded (as in the registry import); a filled 功能室, 五统一 or 牌匾 cell
replaces the whole list.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from shequ.standards.bulk import cells
from shequ.standards.bulk.base import CREATED, UNCHANGED, UPDATED, Kind, Parsed, RowError, RowRefused
from shequ.standards.bulk.columns import PREMISES, TENURE, YES_NO

_TEXT_LIMITS = {"name": 100, "address": 200}
_OPTIONAL = ("name", "year_to", "newly_built", "tenure", "service_centre_m2", "rooms", "unifications", "plaques")


class PremisesKind(Kind):
    kind = PREMISES
    fields = {
        "community": "area_code", "name": "name", "address": "address", "floor_area_m2": "floor_area_m2",
        "year_from": "year_from", "year_to": "year_to", "newly_built": "newly_built", "tenure": "tenure",
        "service_centre_m2": "service_centre_m2", "rooms": "rooms", "unifications": "unifications",
        "plaques": "plaques",
    }

    def parse_row(self, row_no: int, texts: dict[str, str], errors: list[RowError]) -> Parsed | None:
        community = self.community(texts, errors)
        values: dict[str, Any] = {}
        for key, limit in _TEXT_LIMITS.items():
            text = " ".join(texts.get(key, "").split())
            if len(text) > limit:
                errors.append((self.header_of(key), text, _("内容过长（最多 %(n)d 个字）") % {"n": limit}))
            elif text:
                values[key] = text
        if "address" not in values and not any(e[0] == self.header_of("address") for e in errors):
            errors.append((self.header_of("address"), "", _("此项必填")))
        values["floor_area_m2"] = self.convert(texts, "floor_area_m2", errors, cells.number, required=True)
        values["year_from"] = self.convert(texts, "year_from", errors, cells.year, required=True)
        values["year_to"] = self.convert(texts, "year_to", errors, cells.year)
        built = self.convert(texts, "newly_built", errors, lambda t: cells.choice(YES_NO, t, "是、否"))
        values["newly_built"] = None if built is None else built == "1"
        values["tenure"] = self.convert(texts, "tenure", errors, lambda t: cells.choice(TENURE, t, "自有、租用、借用"))
        values["service_centre_m2"] = self.convert(texts, "service_centre_m2", errors, cells.number)
        values["rooms"] = self.convert(texts, "rooms", errors, cells.rooms)
        values["unifications"] = self.convert(texts, "unifications", errors, cells.names)
        values["plaques"] = self.convert(texts, "plaques", errors, cells.names)
        if errors or community is None:
            return None
        # Only what the file says: a blank optional cell is not a value.
        given = {k: v for k, v in values.items() if v is not None}
        return Parsed(row_no, community, given, texts)

    def natural_key(self, row: Parsed) -> tuple[tuple[Any, ...], str, str]:
        key = (row.community.pk, row.values["address"], row.values["year_from"])
        return key, "address", _("社区代码、地址和启用年份")

    def write(self, row: Parsed, counts: dict[str, int]) -> str:
        from shequ.facilities.models import Premises
        from shequ.facilities.names import normalise_plaque
        from shequ.facilities.services import premises_create, premises_update

        values = row.values
        found = list(Premises.objects.filter(
            community=row.community, address=values["address"], year_from=values["year_from"]).order_by("pk")[:2])
        if len(found) > 1:
            raise RowRefused([(self.header_of("address"), values["address"], _(
                "已登记了多处地址和启用年份都相同的用房，无法确定更新哪一处；请先在用房页面处理"))])
        if not found:
            optional = {k: values[k] for k in _OPTIONAL if k in values}
            premises_create(actor=self.ctx.actor, community=row.community, address=values["address"],
                            floor_area_m2=values["floor_area_m2"], year_from=values["year_from"], **optional)
            return CREATED
        premises = found[0]
        changes: dict[str, Any] = {}
        for key in ("floor_area_m2", *_OPTIONAL):
            if key not in values:
                continue
            new = values[key]
            if key == "rooms":
                same = new == {r.name: r.floor_area_m2 for r in premises.rooms.all()}
            elif key == "plaques":  # stored normalised ("其他：…" with a full-width colon)
                same = [normalise_plaque(p) for p in new] == list(premises.plaques)
            else:
                same = new == getattr(premises, key)
            if not same:
                changes[key] = new
        if not changes:
            return UNCHANGED
        premises_update(actor=self.ctx.actor, premises=premises, **changes)
        return UPDATED
