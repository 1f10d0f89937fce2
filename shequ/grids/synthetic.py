"""Synthetic communities for the partition tests and benchmark: buildings with households, people, coordinates,
compounds and street addresses, laid out the way towns and villages are (no database).

Urban communities: residential compounds (小区) of 3–12 apartment buildings on blocks between roads, and houses
along the roads; building sizes as in the demo generator (shequ.registry.generator.community.BUILDING_SIZES).
Villages: one house per household (a few shared), in groups (组) of about 30 houses strung along a valley.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from shequ.grids.geometry import M_PER_DEG_LAT, M_PER_DEG_LON_AT_EQUATOR
from shequ.grids.partition import BuildingIn

# Households per apartment building by kind (the demo generator's ranges).
APARTMENT_SIZES = {"central_urban": (12, 36), "urban": (8, 30), "township": (4, 16)}
HOUSE_SHARE = {"central_urban": 0.05, "urban": 0.15, "township": 0.5}  # buildings that are 1–2-household houses
# People per household: 1–6, mean 3.1 (Loudi: 3.9 million people in 1.3 million households).
PEOPLE_WEIGHTS = (10, 25, 30, 20, 10, 5)
BLOCK_M = 160.0  # road spacing in town
_ROADS = ("人民路", "建设路", "新华街", "解放路", "长青路", "春园路", "乐坪大道", "湘中街", "花山路", "文昌路")
_COMPOUNDS = ("锦绣", "幸福", "和平", "阳光", "金桥", "翠竹", "丽景", "康乐", "怡园", "滨江", "春华", "明珠")


def rng_for(seed: int | str, *parts: object) -> random.Random:
    digest = hashlib.sha256(":".join(str(p) for p in (seed, *parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


@dataclass(frozen=True)
class CommunitySpec:
    code: str
    kind: str  # central_urban | urban | township | village
    households: int
    lat: float = 27.73
    lon: float = 112.0


def _people(rng: random.Random, households: int) -> int:
    return sum(rng.choices(range(1, 7), weights=PEOPLE_WEIGHTS, k=households))


class _Geo:
    def __init__(self, spec: CommunitySpec):
        self.lat0, self.lon0 = spec.lat, spec.lon
        self.lon_scale = M_PER_DEG_LON_AT_EQUATOR * math.cos(math.radians(spec.lat))

    def __call__(self, x: float, y: float) -> tuple[float, float]:
        return round(self.lat0 + y / M_PER_DEG_LAT, 6), round(self.lon0 + x / self.lon_scale, 6)


def _blocks() -> Iterator[tuple[int, int]]:
    """Blocks of the street grid, spiralling out from the centre."""
    x = y = 0
    dx, dy = 1, 0
    leg, walked, turns = 1, 0, 0
    while True:
        yield x, y
        x, y = x + dx, y + dy
        walked += 1
        if walked == leg:
            walked, turns = 0, turns + 1
            dx, dy = -dy, dx
            if turns % 2 == 0:
                leg += 1


def _town(spec: CommunitySpec, rng: random.Random, start_id: int) -> list[BuildingIn]:
    geo = _Geo(spec)
    low, high = APARTMENT_SIZES.get(spec.kind, (8, 30))
    house_share = HOUSE_SHARE.get(spec.kind, 0.15)
    out: list[BuildingIn] = []
    left = spec.households
    blocks = _blocks()
    numbers: dict[str, int] = {}
    names: set[str] = set()
    while left > 0:
        bx, by = next(blocks)
        ox, oy = bx * BLOCK_M, by * BLOCK_M
        road = _ROADS[(bx * 7 + by * 3) % len(_ROADS)]
        if rng.random() < house_share:  # a row of houses along the block's road
            for j in range(rng.randint(4, 10)):
                if left <= 0:
                    break
                size = min(left, 2 if rng.random() < 0.1 else 1)
                numbers[road] = numbers.get(road, 0) + 2
                lat, lon = geo(ox + 10 + j * 14 + rng.uniform(-2, 2), oy + rng.uniform(-3, 3))
                out.append(BuildingIn(start_id + len(out), size, _people(rng, size), lat, lon, "",
                                      f"{road}{numbers[road] - 1}号"))
                left -= size
            continue
        name = f"{rng.choice(_COMPOUNDS)}{rng.choice(('小区', '花园', '苑', '家园'))}"
        while name in names:
            name = f"{name[:2]}{len(names)}{name[2:]}"
        names.add(name)
        numbers[road] = numbers.get(road, 0) + 2
        door = f"{road}{numbers[road]}号"
        count = rng.randint(3, 12)
        per_row = 4 if count > 6 else 3
        for j in range(count):
            if left <= 0:
                break
            size = min(left, rng.randint(low, high))
            row, col = divmod(j, per_row)
            lat, lon = geo(ox + 25 + col * 35 + rng.uniform(-4, 4), oy + 30 + row * 30 + rng.uniform(-4, 4))
            out.append(BuildingIn(start_id + len(out), size, _people(rng, size), lat, lon, name,
                                  f"{door}{name}{j + 1}栋"))
            left -= size
    return out


def _village(spec: CommunitySpec, rng: random.Random, start_id: int) -> list[BuildingIn]:
    geo = _Geo(spec)
    out: list[BuildingIn] = []
    left = spec.households
    group = 0
    heading = rng.uniform(0, 2 * math.pi)
    gx = gy = 0.0
    stem = f"{spec.code[-3:]}村"
    while left > 0:
        group += 1
        heading += rng.uniform(-0.8, 0.8)
        gx += math.cos(heading) * rng.uniform(250, 500)
        gy += math.sin(heading) * rng.uniform(250, 500)
        path = rng.uniform(0, 2 * math.pi)
        for house in range(1, rng.randint(20, 40) + 1):
            if left <= 0:
                break
            size = min(left, 2 if rng.random() < 0.1 else 1)
            along = rng.uniform(-120, 120)
            lat, lon = geo(gx + math.cos(path) * along + rng.uniform(-25, 25),
                           gy + math.sin(path) * along + rng.uniform(-25, 25))
            out.append(BuildingIn(start_id + len(out), size, _people(rng, size), lat, lon, "",
                                  f"{stem}{group}组{house}号"))
            left -= size
    return out


def community(spec: CommunitySpec, *, seed: int = 4313, start_id: int = 1, missing_share: float = 0.0
              ) -> list[BuildingIn]:
    """The buildings of one community; `missing_share` of them lose their coordinates."""
    rng = rng_for(seed, "grids-synthetic", spec.code)
    make = _village if spec.kind == "village" else _town
    buildings = make(spec, rng, start_id)
    if missing_share > 0:
        drop = rng_for(seed, "grids-missing", spec.code)
        buildings = [
            BuildingIn(b.id, b.households, b.people, None, None, b.compound, b.address)
            if drop.random() < missing_share else b
            for b in buildings
        ]
    return buildings


def city(*, communities: int = 5000, seed: int = 4313) -> list[CommunitySpec]:
    """A Loudi-sized city: 72 central-city and 189 other urban communities, 120 township communities and villages
    for the rest (about 1.4 million households for 5,000 communities)."""
    rng = rng_for(seed, "grids-city")
    plan = [("central_urban", 72, (1000, 3000)), ("urban", 189, (800, 2400)), ("township", 120, (300, 1200))]
    specs: list[CommunitySpec] = []
    for kind, count, (low, high) in plan:
        for _ in range(min(count, communities - len(specs))):
            specs.append(_spec(rng, len(specs), kind, rng.randint(low, high)))
    while len(specs) < communities:
        specs.append(_spec(rng, len(specs), "village", rng.randint(60, 300)))
    return specs


def _spec(rng: random.Random, index: int, kind: str, households: int) -> CommunitySpec:
    return CommunitySpec(
        code=f"4313{index // 1000:02d}{index % 1000 // 100:03d}{index % 100:03d}",
        kind=kind,
        households=households,
        lat=round(27.2 + rng.uniform(0, 0.8), 5),
        lon=round(111.2 + rng.uniform(0, 1.0), 5),
    )
