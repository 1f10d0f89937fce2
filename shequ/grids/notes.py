"""What the partition's notes (shequ.grids.partition.Note codes) say to an officer, in the active language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


def _percent(value: Any) -> str:
    return f"{float(value) * 100:.0f}%"


def note_text(note: dict[str, Any], tolerance: float) -> str:
    code, params = note.get("code", ""), note.get("params") or {}
    band = _percent(tolerance)
    if code == "no_buildings":
        return _("该社区还没有登记楼栋，无法划分网格。")
    if code == "below_one_grid":
        return _("该社区的户数和人数不足一个网格的规模（约 %(load)s 个网格），划为一个网格。") % {
            "load": f"{params.get('load', 0):.2f}"
        }
    if code == "count_not_feasible":
        return _(
            "该社区的总规模约为 %(load)s 个网格，无论划为几个网格都无法使每个网格在标准规模的 ±%(band)s 以内；"
            "已划为偏差最小的 %(grids)s 个网格。"
        ) % {"load": f"{params.get('load', 0):.2f}", "band": band, "grids": params.get("grids", 0)}
    if code == "oversized_buildings":
        count = len(params.get("ids", []))
        return _("%(count)s 栋楼本身就超过一个网格规模的 %(limit)s（楼栋不拆分），各自单独划为一个网格。") % {
            "count": count,
            "limit": _percent(1 + tolerance),
        }
    if code == "placed_by_address":
        if params.get("all"):
            return _("所有楼栋都没有坐标，网格按地址顺序划分。")
        return _("%(count)s 栋楼没有坐标，已按地址放在同一小区、同一街道或地址相邻的楼栋旁。") % {
            "count": params.get("count", 0)
        }
    if code == "households_without_building":
        return _("%(count)s 户没有登记所在楼栋，不在任何网格内；请在户的信息中补上楼栋后重新划分。") % {
            "count": params.get("count", 0)
        }
    if code == "split_compounds":
        return _("为使网格规模均衡，以下小区被分到了不止一个网格：%(names)s") % {
            "names": "、".join(params.get("names", []))
        }
    return code
