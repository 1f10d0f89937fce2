"""One community's buildings as arrays: loads, coordinates in metres, address order, compounds and streets;
where buildings without coordinates are put; and the neighbour graph's edges.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from shequ.grids.geometry import FloatArray, to_metres
from shequ.grids.graph import IntArray, join_clusters, knn_edges, undirected

_DIGITS = re.compile(r"(\d+)")
_SUFFIX = r"(?:大道|路|街|巷|弄|道|里|胡同|村|组)"
# Where a house number follows (乐坪街道长青路3号 → 乐坪街道长青路), else the first street-like word.
_STREET_NUMBERED = re.compile(r"^(.+?村\d+组|.+?" + _SUFFIX + r")(\d+)")
_STREET_ANY = re.compile(r"^(.+?" + _SUFFIX + r")")
_SPACING_M = 10.0  # where buildings placed only by address order stand apart on their line
_STREET_LINK_FACTOR = 3.0  # same-street neighbours are linked when no farther than this × the typical spacing


@dataclass(frozen=True)
class BuildingIn:
    id: int
    households: int
    people: int
    lat: float | None = None
    lon: float | None = None
    compound: str = ""
    address: str = ""


def natural_key(text: str) -> tuple[Any, ...]:
    """'长青路9号' before '长青路10号'."""
    parts: list[Any] = _DIGITS.split(text)
    parts[1::2] = map(int, parts[1::2])
    return tuple(parts)


def street_of(address: str) -> tuple[str, int | None]:
    """The street (road, or village group) an address names and its house number, as far as it shows them."""
    text = address.strip()
    match = _STREET_NUMBERED.match(text)
    if match is not None:
        return match.group(1), int(match.group(2))
    match = _STREET_ANY.match(text)
    return (match.group(1), None) if match is not None else ("", None)


class Community:
    """The buildings sorted by id (so the input order does not matter), as arrays.

    Address features (order, compounds, streets) are computed by `describe()` only when needed: a community that
    is one grid and has every coordinate needs none of them.
    """

    def __init__(self, buildings: Sequence[BuildingIn], th: float, tp: float):
        self.rows = sorted(buildings, key=lambda b: b.id)
        rows = self.rows
        self.n = len(rows)
        self.ids = [b.id for b in rows]
        self.households = np.array([max(0, b.households) for b in rows], dtype=np.int64)
        self.people = np.array([max(0, b.people) for b in rows], dtype=np.int64)
        by_households = self.households.sum() / th >= self.people.sum() / tp
        # What the bisection balances: each building's share of the community's binding measure.
        self.weight: FloatArray = self.households / th if by_households else self.people / tp
        self.own_load: FloatArray = np.maximum(self.households / th, self.people / tp)
        self.located = np.array([b.lat is not None and b.lon is not None for b in rows], dtype=bool)
        self.x: FloatArray = np.zeros(self.n)
        self.y: FloatArray = np.zeros(self.n)
        if self.located.any():
            lat = np.array([np.nan if b.lat is None else b.lat for b in rows], dtype=float)
            lon = np.array([np.nan if b.lon is None else b.lon for b in rows], dtype=float)
            self.x, self.y = to_metres(lat, lon, float(np.nanmean(lat)), float(np.nanmean(lon)))
        self.described = False
        self.rank: IntArray = np.arange(self.n, dtype=np.int64)  # position in natural address order
        self.compound: IntArray = np.full(self.n, -1, dtype=np.int64)  # compound index, -1 for none
        self.street: IntArray = np.full(self.n, -1, dtype=np.int64)  # street index, -1 for none
        self.numbers: list[int | None] = [None] * self.n
        self.compounds: list[str] = []

    def load(self, rows: IntArray, th: float, tp: float) -> float:
        return max(float(self.households[rows].sum()) / th, float(self.people[rows].sum()) / tp)

    def describe(self) -> None:
        if self.described:
            return
        self.described = True
        rows = self.rows
        order = sorted(range(self.n), key=lambda i: (natural_key(rows[i].address), rows[i].id))
        self.rank[order] = np.arange(self.n)
        names = [b.compound.strip() for b in rows]
        self.compounds = sorted(set(names) - {""})
        index = {name: i for i, name in enumerate(self.compounds)}
        self.compound = np.array([index.get(name, -1) for name in names], dtype=np.int64)
        parsed = [street_of(b.address) for b in rows]
        streets = {name: i for i, name in enumerate(sorted({s for s, _ in parsed if s}))}
        self.street = np.array([streets[s] if s else -1 for s, _ in parsed], dtype=np.int64)
        self.numbers = [number for _, number in parsed]

    def place(self) -> tuple[dict[int, str], list[tuple[int, int]]]:
        """Put buildings without coordinates next to an anchor (see shequ.grids.partition's doc).

        Returns {building id: how} and the (building, anchor) pairs, which become edges of the graph.
        """
        if self.located.all():
            return {}, []
        self.describe()
        if not self.located.any():
            self.x = self.rank.astype(float) * _SPACING_M
            return dict.fromkeys(self.ids, "address"), []
        known = np.flatnonzero(self.located)
        known_by_rank = known[np.argsort(self.rank[known])]
        placed: dict[int, str] = {}
        anchors: list[tuple[int, int]] = []
        steps: dict[int, int] = {}
        for i in sorted(np.flatnonzero(~self.located).tolist(), key=lambda j: int(self.rank[j])):
            how, anchor = self._anchor(i, known)
            if anchor < 0:
                before = int(np.searchsorted(self.rank[known_by_rank], self.rank[i]))
                how, anchor = "address", int(known_by_rank[max(0, before - 1)])
            steps[anchor] = steps.get(anchor, 0) + 1
            self.x[i] = self.x[anchor] + steps[anchor]  # a metre apart: distinct points, still by the anchor
            self.y[i] = self.y[anchor]
            placed[self.ids[i]] = how
            anchors.append((i, anchor))
        return placed, anchors

    def _anchor(self, i: int, known: IntArray) -> tuple[str, int]:
        """A located building of the same compound (nearest in address order), else of the same street (nearest
        house number); (how, -1) when there is none."""
        if self.compound[i] >= 0:
            same = known[self.compound[known] == self.compound[i]]
            if len(same):
                return "compound", int(same[np.argmin(np.abs(self.rank[same] - self.rank[i]))])
        if self.street[i] >= 0:
            same = known[self.street[known] == self.street[i]].tolist()
            if same:
                number = self.numbers[i]
                return "street", min(
                    same,
                    key=lambda j: (
                        abs((self.numbers[j] or 0) - number) if number is not None else 0,
                        abs(int(self.rank[j]) - int(self.rank[i])),
                    ),
                )
        return "address", -1

    def edges(self, anchors: list[tuple[int, int]]) -> tuple[IntArray, IntArray]:
        """The neighbour graph (shequ.grids.graph): nearest buildings, same-street neighbours, anchors; connected."""
        self.describe()
        # Identical coordinates are told apart by address order (a hair's breadth per step), so their neighbours
        # are the buildings next to them in that order.
        u, v = knn_edges(self.x + self.rank * 1e-4, self.y)
        extra_u = [a for a, _ in anchors]
        extra_v = [b for _, b in anchors]
        if len(u):
            typical = float(np.median(np.hypot(self.x[u] - self.x[v], self.y[u] - self.y[v])))
            reach = max(30.0, _STREET_LINK_FACTOR * typical)
            on_street = np.flatnonzero(self.street >= 0)
            numbers = np.array([self.numbers[i] or 0 for i in on_street.tolist()], dtype=np.int64)
            order = on_street[np.lexsort((self.rank[on_street], numbers, self.street[on_street]))]
            same = self.street[order[:-1]] == self.street[order[1:]]
            a, b = order[:-1][same], order[1:][same]
            close = np.hypot(self.x[a] - self.x[b], self.y[a] - self.y[b]) <= reach
            extra_u += a[close].tolist()
            extra_v += b[close].tolist()
        if extra_u:
            u, v = undirected(
                np.concatenate([u, np.array(extra_u, dtype=np.int64)]),
                np.concatenate([v, np.array(extra_v, dtype=np.int64)]),
                self.n,
            )
        return join_clusters(self.x, self.y, u, v)
