"""Recursive weighted bisection: the first division of a community's buildings into k grids of equal load.

Each step orders the buildings along one of four directions (a compound that may stay whole sorts as one block,
at its centre) and cuts at the point that best balances the average load per grid on both sides, with small
costs for cutting through a compound or between same-street neighbours, for cutting along a narrow direction,
and a small bonus for cutting where the buildings leave a gap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from shequ.grids.graph import IntArray
from shequ.grids.layout import Community

# Costs in units of "relative deviation of the average load per grid" (tuned on bench/partition_bench.py).
COST_COMPOUND = 0.08  # cutting through a compound that could stay whole
COST_STREET = 0.005  # separating two neighbours on the same street
COST_SHAPE = 0.03  # cutting along a narrow direction rather than across the widest one
BONUS_GAP = 0.005  # cutting where the buildings leave a gap (a road, a field)
_DIRECTIONS = ((1.0, 0.0), (0.0, 1.0), (math.sqrt(0.5), math.sqrt(0.5)), (math.sqrt(0.5), -math.sqrt(0.5)))
_EPS = 1e-9


@dataclass
class Cutter:
    c: Community
    keep: IntArray  # compound index where the compound may stay whole, else -1
    average: float  # the average weight per grid: what every grid aims for

    def split(self, idx: IntArray, k: int) -> list[IntArray]:
        """The k parts, in order (left before right at every cut)."""
        out: list[IntArray] = []
        stack = [(idx, k)]
        while stack:
            part, parts = stack.pop()
            if parts <= 1:
                out.append(part)
                continue
            left, kl, right, kr = self._cut(part, parts)
            stack.append((right, kr))
            stack.append((left, kl))
        return out

    def _cut(self, idx: IntArray, k: int) -> tuple[IntArray, int, IntArray, int]:
        c, m = self.c, len(idx)
        xs, ys, ws = c.x[idx], c.y[idx], c.weight[idx]
        total = float(ws.sum())
        cid = self.keep[idx]
        whole = cid >= 0
        inverse = np.unique(cid, return_inverse=True)[1] if whole.any() else None
        streets, ranks = c.street[idx], c.rank[idx]
        projections = [xs * dx + ys * dy for dx, dy in _DIRECTIONS]
        spreads = [float(p.std()) for p in projections]
        widest = max(spreads) or 1.0
        counts = np.arange(1, m)
        best: tuple[float, int, int, IntArray] | None = None
        for proj, spread in zip(projections, spreads, strict=True):
            key = proj
            if inverse is not None:
                centre = np.bincount(inverse, weights=proj) / np.bincount(inverse)
                key = np.where(whole, centre[inverse], proj)
            order = np.lexsort((ranks, proj, cid, key))
            left_load = np.cumsum(ws[order])[:-1]
            cs, st = cid[order], streets[order]
            penalty = COST_COMPOUND * ((cs[:-1] == cs[1:]) & (cs[:-1] >= 0))
            penalty = penalty + COST_STREET * ((st[:-1] == st[1:]) & (st[:-1] >= 0))
            gap = np.abs(np.diff(key[order]))
            penalty = penalty - BONUS_GAP * np.minimum(1.0, gap / (0.5 * spread + _EPS))
            penalty = penalty + COST_SHAPE * (1.0 - spread / widest)
            for kl in sorted({k // 2, k - k // 2}):
                kr = k - kl
                dev = np.maximum(np.abs(left_load / kl - self.average), np.abs((total - left_load) / kr - self.average))
                cost = dev / self.average + penalty
                cost[(counts < kl) | (m - counts < kr)] = np.inf
                j = int(np.argmin(cost))
                if best is None or cost[j] < best[0] - _EPS:
                    best = (float(cost[j]), j + 1, kl, order)
        assert best is not None
        _cost, cut, kl, order = best
        return idx[order[:cut]], kl, idx[order[cut:]], k - kl
