"""Demo communities, villages and grids under the real NBS hierarchy, deterministic from a seed.

The city, its county-level areas and their sub-districts/townships are real (divisions_load). Below
them this module invents what the NBS data does not publish at our level of detail:

- central-city communities (社区, classes 111/112) under the 街道 of the central district;
- urban communities under the 街道 of the other county-level areas, and township communities at the
  centres of towns (镇, classes 121/122) and state forest farms (class 123);
- villages (村, class 220) under towns and townships (乡/镇).

Codes follow the NBS convention: sub-district code + 3 digits, 001–199 for residents' committees and
201–599 for villagers' committees. Grids (网格) are community code + 3 digits, created by the people
generator once it knows how many households each community holds.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from shequ.areas.models import Area, AreaStats, AreaTagCount, CommunityKind, Level, UrbanRuralClass
from shequ.areas.services import divisions_load, kind_for_class


@dataclass(frozen=True)
class HierarchyPlan:
    """How many communities and villages the demo invents (Loudi: 261 urban communities, 72 central)."""

    city_code: str = "4313"
    central_district: str = "431302"
    central_communities: int = 72
    urban_communities: int = 261
    # Communities per 街道 outside the central district (county seats).
    street_communities: int = 8
    # At most this many communities at one town centre.
    town_communities_max: int = 3
    # Villages per town (镇) and per township (乡), inclusive ranges.
    town_villages: tuple[int, int] = (6, 11)
    township_villages: tuple[int, int] = (4, 7)
    # Share of communities on the urban fringe (城乡结合区 / 镇乡结合区).
    fringe_share: float = 0.2


PLAN = HierarchyPlan()

# Approximate centres of Loudi's county-level areas (latitude, longitude).
DISTRICT_CENTRES: dict[str, tuple[float, float]] = {
    "431302": (27.7297, 112.0022),
    "431321": (27.4570, 112.1930),
    "431322": (27.7267, 111.3270),
    "431381": (27.6861, 111.4347),
    "431382": (27.6924, 111.6644),
}
DEFAULT_CENTRE = (27.70, 112.00)

def words(text: str) -> tuple[str, ...]:
    """A word list written as one space-separated string."""
    return tuple(text.split())


COMMUNITY_WORDS = words(
    "长青 花山 乐坪 新华 建设 人民 解放 光明 和平 幸福 育才 春园 桃园 梅苑 青山 湘中 涟滨 东风 西城 南门 "
    "北塔 月塘 丰源 金盆 锦绣 大汉 珠山 贤童 春晖 秋月 杏园 竹园 荷塘 松林 枫林 翠竹 碧水 龙泉 凤凰 金山 "
    "银湖 玉溪 华兴 兴旺 富强 振兴 红旗 朝阳 向阳 星火 民主 团结 胜利 永安 长安 太平 安康 吉祥 福星 百花 "
    "桂花 兰亭 芙蓉 丹桥 石桥 新塘 渡口 洪塘 湘阳 双江 钢城 矿山 水电 电力 纺织 铁路 站前 城南 城北 城东 "
    "城西 文昌 文化 青年 万福 佳园 康乐 怡园 丽景 新城 滨江 沿河 东湖 西湖 南湖 北湖 柳园 梨园 樟树 "
    "梧桐 清泉 洞新 黄泥 大科 吉星 天鹅 白马 紫荆 玉兰 海棠 丹阳 新星 金桥 银杏 金穗 "
    "和谐 新风 东升 西园 南苑 北苑 中心 花园 香樟 锦江 星城 春华 秋实 明珠 三星 五一 八一 新建 前进"
)

VILLAGE_HEADS = words(
    "石 竹 桃 枫 龙 凤 金 银 青 白 黄 红 双 三 大 小 新 高 花 梅 荷 松 柏 杉 樟 茶 桐 梨 杨 柳 "
    "雷 狮 虎 鹤 马 牛 月 星 太 长 上 下 中 东 西 南 北 清 溪"
)
VILLAGE_TAILS = words("塘 山 冲 坪 桥 湾 溪 田 岭 坳 江 河 源 口 湖 峰 园 洲 垅 铺 水 岩 庄")
VILLAGE_CLANS = words("杨 李 刘 王 陈 曾 罗 谢 彭 邓 肖 吴 周 袁 梁 谭 廖 贺 唐 龚 童 颜 胡 伍 孙")


def seeded(seed: int | str, *parts: object) -> random.Random:
    """A random stream for one purpose, independent of the order in which others are drawn."""
    digest = hashlib.sha256(":".join(str(p) for p in (seed, *parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def cn_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五 (grid names: 第一网格)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")
    hundreds, rest = divmod(n, 100)
    if rest == 0:
        return digits[hundreds] + "百"
    if rest < 10:
        return digits[hundreds] + "百零" + digits[rest]
    tail = cn_numeral(rest)
    return digits[hundreds] + "百" + (tail if rest >= 20 else "一" + tail)


def subdistrict_type(area: Area) -> str:
    """street (街道), town (镇), township (乡) or special (e.g. 国有林场)."""
    if area.name.endswith("街道"):
        return "street"
    if area.name.endswith("镇"):
        return "town"
    if area.name.endswith("乡"):
        return "township"
    return "special"


def _jitter(rng: random.Random, centre: tuple[float, float], spread: float) -> tuple[float, float]:
    return (round(centre[0] + rng.uniform(-spread, spread), 6), round(centre[1] + rng.uniform(-spread, spread), 6))


class _Names:
    """Unique names within one county-level area."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()
        self.words = list(COMMUNITY_WORDS)
        rng.shuffle(self.words)

    def community(self, preferred: str = "") -> str:
        if preferred and preferred + "社区" not in self.used:
            return self._take(preferred + "社区")
        for word in self.words:
            if word + "社区" not in self.used:
                return self._take(word + "社区")
        n = 2
        while True:
            for word in self.words:
                name = f"{word}{cn_numeral(n)}社区"
                if name not in self.used:
                    return self._take(name)
            n += 1

    def village(self) -> str:
        for _attempt in range(200):
            if self.rng.random() < 0.3:
                stem = self.rng.choice(VILLAGE_CLANS) + "家" + self.rng.choice(VILLAGE_TAILS)
            else:
                stem = self.rng.choice(VILLAGE_HEADS) + self.rng.choice(VILLAGE_TAILS)
            if stem + "村" not in self.used:
                return self._take(stem + "村")
        n = len(self.used)
        return self._take(f"新{cn_numeral(n % 1000)}村")

    def _take(self, name: str) -> str:
        self.used.add(name)
        return name


@dataclass
class _Spec:
    code: str
    name: str
    parent: Area
    urban_rural_class: str
    community_kind: str
    latitude: float
    longitude: float


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """`total` as `parts` near-equal integers, the remainder given to randomly chosen parts."""
    base, extra = divmod(total, parts)
    sizes = [base] * parts
    for i in rng.sample(range(parts), extra):
        sizes[i] += 1
    return sizes


def _community_specs(seed: int | str, city: Area, plan: HierarchyPlan) -> list[_Spec]:
    subdistricts = list(
        Area.objects.filter(level=Level.SUBDISTRICT, code__startswith=city.code).select_related("parent")
    )
    by_type: dict[str, list[Area]] = {"street": [], "town": [], "township": [], "special": []}
    for area in subdistricts:
        by_type[subdistrict_type(area)].append(area)
    central_streets = [a for a in by_type["street"] if a.code.startswith(plan.central_district)]
    county_streets = [a for a in by_type["street"] if not a.code.startswith(plan.central_district)]
    centres: list[Area] = by_type["town"] + by_type["special"]
    if not central_streets:
        return []

    rng = seeded(seed, "communities")
    counts: dict[str, int] = dict(
        zip(
            (a.code for a in central_streets),
            _split(plan.central_communities, len(central_streets), rng),
            strict=True,
        )
    )
    for area in county_streets:
        counts[area.code] = plan.street_communities
    remaining = plan.urban_communities - sum(counts.values())
    if centres and remaining > 0:
        # Every town centre and forest farm gets one community; the rest go to randomly chosen towns.
        for area in centres:
            counts[area.code] = 1
        towns = [a.code for a in by_type["town"]] or [a.code for a in centres]
        extra = remaining - len(centres)
        while extra > 0:
            code = rng.choice(towns)
            if counts[code] < plan.town_communities_max:
                counts[code] += 1
                extra -= 1

    specs: list[_Spec] = []
    districts = sorted({a.parent.code for a in subdistricts if a.parent is not None})
    namers = {code: _Names(seeded(seed, "names", code)) for code in districts}
    for area in sorted(subdistricts, key=lambda a: a.code):
        kind = subdistrict_type(area)
        local = seeded(seed, "area", area.code)
        geo = seeded(seed, "geo", area.code)
        assert area.parent is not None
        namer = namers[area.parent.code]
        centre = DISTRICT_CENTRES.get(area.parent.code, DEFAULT_CENTRE)
        here = _jitter(geo, centre, 0.03 if kind == "street" else 0.25)
        if area.latitude is not None and area.longitude is not None:
            here = (area.latitude, area.longitude)
        central = area.code.startswith(plan.central_district) and kind == "street"
        for seq in range(1, counts.get(area.code, 0) + 1):
            fringe = local.random() < plan.fringe_share
            if kind == "street":
                urc = UrbanRuralClass.URBAN_RURAL_FRINGE if fringe else UrbanRuralClass.MAIN_URBAN
                name = namer.community()
            elif kind == "town":
                urc = UrbanRuralClass.TOWN_RURAL_FRINGE if fringe and seq > 1 else UrbanRuralClass.TOWN_CENTRE
                name = namer.community(area.name.removesuffix("镇") if seq == 1 else "")
            else:
                urc = UrbanRuralClass.SPECIAL
                name = namer.community(area.name.replace("国有", ""))
            lat, lon = _jitter(geo, here, 0.012)
            specs.append(
                _Spec(
                    code=f"{area.code}{seq:03d}",
                    name=name,
                    parent=area,
                    urban_rural_class=urc,
                    community_kind=kind_for_class(urc, central_city=central),
                    latitude=lat,
                    longitude=lon,
                )
            )
        if kind in ("town", "township"):
            low, high = plan.town_villages if kind == "town" else plan.township_villages
            for seq in range(201, 201 + local.randint(low, high)):
                lat, lon = _jitter(geo, here, 0.06)
                specs.append(
                    _Spec(
                        code=f"{area.code}{seq:03d}",
                        name=namer.village(),
                        parent=area,
                        urban_rural_class=UrbanRuralClass.VILLAGE,
                        community_kind=CommunityKind.VILLAGE,
                        latitude=lat,
                        longitude=lon,
                    )
                )
        if area.latitude is None or area.longitude is None:
            Area.objects.filter(pk=area.pk).update(latitude=here[0], longitude=here[1])
    return specs


@transaction.atomic
def hierarchy_build(*, seed: int | str, plan: HierarchyPlan = PLAN) -> list[Area]:
    """Load the real city hierarchy and add the generated communities and villages (idempotent).

    Returns the communities and villages, ordered by code.
    """
    city = divisions_load(city_code=plan.city_code)
    for code, centre in DISTRICT_CENTRES.items():
        Area.objects.filter(code=code, latitude__isnull=True).update(latitude=centre[0], longitude=centre[1])
    existing = set(
        Area.objects.filter(level=Level.COMMUNITY, code__startswith=city.code).values_list("code", flat=True)
    )
    new = [
        Area(
            code=s.code,
            name=s.name,
            level=Level.COMMUNITY,
            parent=s.parent,
            urban_rural_class=s.urban_rural_class,
            community_kind=s.community_kind,
            latitude=s.latitude,
            longitude=s.longitude,
        )
        for s in _community_specs(seed, city, plan)
        if s.code not in existing
    ]
    Area.objects.bulk_create(new, batch_size=500)
    communities = list(Area.objects.filter(level=Level.COMMUNITY, code__startswith=city.code).order_by("code"))
    with_stats = set(AreaStats.objects.filter(area__in=communities).values_list("area_id", flat=True))
    AreaStats.objects.bulk_create([AreaStats(area=a) for a in communities if a.pk not in with_stats], batch_size=500)
    return communities


def grids_plan(community: Area, count: int, *, rng: random.Random) -> list[Area]:
    """`count` unsaved grids named 第一网格, 第二网格 … under one community (codes community + 001 …)."""
    centre = (community.latitude or DEFAULT_CENTRE[0], community.longitude or DEFAULT_CENTRE[1])
    grids = []
    for seq in range(1, count + 1):
        lat, lon = _jitter(rng, centre, 0.004)
        grids.append(
            Area(
                code=f"{community.code}{seq:03d}",
                name=f"第{cn_numeral(seq)}网格",
                level=Level.GRID,
                parent=community,
                latitude=lat,
                longitude=lon,
            )
        )
    return grids


def generated_areas_delete(*, city_code: str, levels: Iterable[str] = (Level.GRID, Level.COMMUNITY)) -> int:
    """Remove generated areas (grids first, then communities) and their counters; returns how many."""
    removed = 0
    for level in levels:
        qs = Area.objects.filter(level=level, code__startswith=city_code)
        ids = list(qs.values_list("pk", flat=True))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            AreaTagCount.objects.filter(area_id__in=chunk).delete()
            AreaStats.objects.filter(area_id__in=chunk).delete()
            removed += Area.objects.filter(pk__in=chunk).delete()[1].get(Area._meta.label, 0)
    return removed
