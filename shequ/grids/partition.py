"""Split one community's buildings into grids of about the policy's size — a pure algorithm, no database.

Load. A grid's load is max(households / target_households, people / target_people): the policy says "about 200
households or 600 people", so a grid is full when either is reached. A grid is within tolerance when its load is
in 1 ± TOLERANCE. While the buildings are divided, each weighs its share of the community's binding measure
(households / Th when the community's households fill more grids than its people, else people / Tp); the
refinement then works on the true loads. (Weighing each building by its own max(h / Th, p / Tp) overstates the
total — a one-person household counts by households, a six-person one by people — and gives too many grids.)

Number of grids. k = round(total load), moved to the nearest count whose average load is within tolerance; when
no count is (a total of 1.15–1.7 or 2.3–2.55 grids, or under 0.85), the count with the smallest deviation is
taken and a note says so. A community below one grid is one grid. A building heavier than 1 + TOLERANCE cannot
be split: it is a grid of its own (noted); what is left is divided as usual (if it is under half a grid, it
joins the nearest such building's grid).

Method. Recursive weighted bisection (shequ.grids.bisection), preferring cuts that keep a residential compound
(小区) whole — unless it is heavier than 1 + TOLERANCE — and that do not separate neighbours on the same street.
Then every grid is made contiguous in the neighbour graph (shequ.grids.graph) and boundary buildings are moved
between neighbouring grids while that brings grids into tolerance (shequ.grids.refine). Deterministic: the same
buildings give the same grids, whatever their input order.

Buildings without coordinates are placed by address (shequ.grids.layout): next to a building of the same
compound, else next to the nearest house number on the same street, else next to the building before them in
address order; each is reported. When no building has coordinates, grids are runs of the address order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shequ.grids import refine
from shequ.grids.bisection import Cutter
from shequ.grids.graph import IntArray, adjacency, is_connected
from shequ.grids.layout import BuildingIn, Community, natural_key, street_of

__all__ = ["TOLERANCE", "BuildingIn", "GridOut", "Note", "PartitionResult", "grid_count", "natural_key",
           "partition", "street_of"]

# The acceptance band: a grid's load within ±15 % of the policy's size.
TOLERANCE = 0.15
_EPS = 1e-9


@dataclass(frozen=True)
class Note:
    """Something the officer should know; `code` is stable, the pages translate it with `params`."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class GridOut:
    buildings: list[int]
    households: int
    people: int
    load: float
    connected: bool
    mean_distance_m: float | None  # mean distance of its located buildings to their centre

    @property
    def deviation(self) -> float:
        return self.load - 1.0

    def within(self, tolerance: float = TOLERANCE) -> bool:
        return abs(self.deviation) <= tolerance + _EPS


@dataclass
class PartitionResult:
    grids: list[GridOut]
    placed_by_address: dict[int, str]  # building id → "compound" | "street" | "address"
    notes: list[Note]
    total_load: float
    feasible: bool  # some count of grids has an average load within tolerance
    tolerance: float
    split_compounds: list[str]

    @property
    def within(self) -> int:
        return sum(1 for g in self.grids if g.within(self.tolerance))

    def quality(self) -> dict[str, Any]:
        loads = [g.load for g in self.grids]
        mean = sum(loads) / len(loads) if loads else 0.0
        spread = math.sqrt(sum((x - mean) ** 2 for x in loads) / len(loads)) if loads else 0.0
        distances = [g.mean_distance_m for g in self.grids if g.mean_distance_m is not None]
        return {
            "grids": len(self.grids),
            "within_tolerance": self.within,
            "connected": sum(1 for g in self.grids if g.connected),
            "load_cv": round(spread / mean, 4) if mean else 0.0,
            "max_abs_deviation": round(max((abs(x - 1) for x in loads), default=0.0), 4),
            "mean_distance_m": round(sum(distances) / len(distances), 1) if distances else None,
            "total_load": round(self.total_load, 4),
            "feasible": self.feasible,
            "split_compounds": len(self.split_compounds),
            "placed_by_address": len(self.placed_by_address),
        }


def grid_count(total: float, tolerance: float = TOLERANCE) -> tuple[int, bool]:
    """(number of grids, whether their average load can be within tolerance) for a total load."""
    if total <= 0:
        return 1, False
    low = max(1, math.ceil(total / (1 + tolerance) - _EPS))
    high = math.floor(total / (1 - tolerance) + _EPS)
    if low <= high:
        return min(max(round(total), low), high), True
    candidates = {max(1, math.floor(total)), max(1, math.ceil(total)), low, max(1, high)}
    return min(candidates, key=lambda k: (abs(total / k - 1), k)), False


def partition(
    buildings: Sequence[BuildingIn],
    *,
    target_households: float,
    target_people: float,
    tolerance: float = TOLERANCE,
) -> PartitionResult:
    th, tp = float(target_households), float(target_people)
    if th <= 0 or tp <= 0:
        raise ValueError("targets must be positive")
    c = Community(buildings, th, tp)
    n = c.n
    if n == 0:
        return PartitionResult([], {}, [Note("no_buildings")], 0.0, False, tolerance, [])
    notes: list[Note] = []
    total = c.load(np.arange(n), th, tp)
    big = c.own_load > 1 + tolerance + _EPS
    rest = np.flatnonzero(~big)
    rest_load = c.load(rest, th, tp)
    if len(rest) == 0 or (big.any() and rest_load < 0.5):
        k_rest, feasible = 0, not big.any()
    else:
        k_rest, feasible = grid_count(rest_load, tolerance)
        k_rest = min(k_rest, len(rest))
    if big.any():
        notes.append(Note("oversized_buildings", {"ids": [c.ids[i] for i in np.flatnonzero(big).tolist()]}))
    if total < 1 - tolerance:
        notes.append(Note("below_one_grid", {"load": round(total, 3)}))
    elif not feasible and not big.any():
        notes.append(Note("count_not_feasible", {"load": round(total, 3), "grids": k_rest}))
    placed, anchors = c.place()
    if placed:
        notes.append(Note("placed_by_address", {"count": len(placed), "all": len(placed) == n}))

    single = k_rest <= 1 and not big.any()
    keep = np.full(n, -1, dtype=np.int64) if single else _keepable(c, big, tolerance)
    parts = [np.array([i], dtype=np.int64) for i in np.flatnonzero(big).tolist()]
    if k_rest == 1:
        parts.append(rest)
    elif k_rest > 1:
        parts += Cutter(c, keep, float(c.weight[rest].sum()) / k_rest).split(rest, k_rest)
    labels = np.empty(n, dtype=np.int64)
    for g, part in enumerate(parts):
        labels[part] = g
    if k_rest == 0 and len(rest):
        big_rows = np.flatnonzero(big)
        d = (c.x[rest, None] - c.x[None, big_rows]) ** 2 + (c.y[rest, None] - c.y[None, big_rows]) ** 2
        labels[rest] = np.argmin(d, axis=1)

    nbrs: list[list[int]] | None = None
    if len(parts) > 1:
        nbrs = adjacency(n, *c.edges(anchors))
        labels = refine.make_contiguous(labels, nbrs, c.weight)
        if feasible:
            labels = refine.balance(labels, nbrs, c.households, c.people, th, tp, tolerance, fixed=big, compound=keep)
    return _result(c, labels, nbrs, placed, notes, (total, feasible, tolerance), keep, (th, tp))


def _keepable(c: Community, big: np.ndarray, tolerance: float) -> IntArray:
    """Compound index for buildings whose compound is light enough to stay in one grid, else -1."""
    c.describe()
    keep = c.compound.copy()
    members = keep >= 0
    if not members.any():
        return keep
    load = np.bincount(keep[members], weights=c.own_load[members], minlength=len(c.compounds))
    has_big = np.bincount(keep[members & big], minlength=len(c.compounds)) > 0
    too_big = (load > 1 + tolerance + _EPS) | has_big
    keep[members & too_big[np.maximum(keep, 0)]] = -1
    return keep


def _result(
    c: Community,
    labels: IntArray,
    nbrs: list[list[int]] | None,
    placed: dict[int, str],
    notes: list[Note],
    summary: tuple[float, bool, float],
    keep: IntArray,
    targets: tuple[float, float],
) -> PartitionResult:
    total, feasible, tolerance = summary
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    groups = np.split(order, bounds)
    if len(groups) > 1:
        c.describe()
    ids = np.array(c.ids, dtype=np.int64)
    grids: list[GridOut] = []
    # Grid 1 holds the first address in natural order (e.g. 1组1号), and so on: stable and easy to read.
    for members in sorted(groups, key=lambda m: int(c.rank[m].min())):
        hh = int(c.households[members].sum())
        pp = int(c.people[members].sum())
        seen = members[c.located[members]]
        distance = None
        if len(seen):
            xs, ys = c.x[seen], c.y[seen]
            distance = float(np.hypot(xs - xs.mean(), ys - ys.mean()).mean())
        grids.append(
            GridOut(
                buildings=ids[members].tolist(),
                households=hh,
                people=pp,
                load=max(hh / targets[0], pp / targets[1]),
                connected=nbrs is None or is_connected(set(members.tolist()), nbrs),
                mean_distance_m=distance,
            )
        )
    split = []
    if (keep >= 0).any():
        for index, name in enumerate(c.compounds):
            if len({int(labels[i]) for i in np.flatnonzero(keep == index).tolist()}) > 1:
                split.append(name)
    if split:
        notes.append(Note("split_compounds", {"names": split}))
    return PartitionResult(grids, placed, notes, total, feasible, tolerance, split)
