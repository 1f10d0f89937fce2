"""After the bisection: make every grid contiguous, then move boundary buildings until the grids are in tolerance.

Both work on neighbour lists (shequ.grids.graph.adjacency) and only touch the few grids that need it, so the
Python loops stay small.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from shequ.grids.geometry import FloatArray
from shequ.grids.graph import IntArray, is_connected

_EPS = 1e-9
# Objective per grid: out-of-tolerance load dominates, then the squared deviation (in load units).
_OUTSIDE_WEIGHT = 10.0
# Cost of newly splitting a compound by a move (or gain of reuniting one), in the same units.
_COMPOUND_COST = 0.02
_MAX_ROUNDS = 5


def _pieces(members: list[int], nbrs: list[list[int]], inside: set[int]) -> list[list[int]]:
    seen: set[int] = set()
    pieces = []
    for start in members:
        if start in seen:
            continue
        seen.add(start)
        piece, stack = [start], [start]
        while stack:
            node = stack.pop()
            for other in nbrs[node]:
                if other in inside and other not in seen:
                    seen.add(other)
                    piece.append(other)
                    stack.append(other)
        pieces.append(piece)
    return pieces


def make_contiguous(labels: IntArray, nbrs: list[list[int]], weight: FloatArray) -> IntArray:
    """Each grid keeps its heaviest connected piece; other pieces join the neighbouring grid they touch most."""
    lab = labels.tolist()
    w = weight.tolist()
    for _round in range(_MAX_ROUNDS):
        groups: dict[int, list[int]] = {}
        for i, g in enumerate(lab):
            groups.setdefault(g, []).append(i)
        strays: list[tuple[int, list[int]]] = []
        for g, members in groups.items():
            pieces = _pieces(members, nbrs, set(members))
            if len(pieces) > 1:
                pieces.sort(key=lambda piece: (-sum(w[i] for i in piece), -len(piece), min(piece)))
                strays += [(g, piece) for piece in pieces[1:]]
        if not strays:
            break
        for g, piece in strays:
            touching = Counter(lab[o] for i in piece for o in nbrs[i] if lab[o] != g)
            if touching:
                target = min(touching, key=lambda t: (-touching[t], t))
                for i in piece:
                    lab[i] = target
    return np.array(lab, dtype=np.int64)


class _Balancer:
    def __init__(self, labels: IntArray, nbrs: list[list[int]], households: IntArray, people: IntArray,
                 th: float, tp: float, tolerance: float, fixed: np.ndarray, compound: IntArray) -> None:
        self.lab = labels.tolist()
        self.nbrs = nbrs
        self.hh = households.tolist()
        self.pp = people.tolist()
        self.th, self.tp, self.tol = th, tp, tolerance
        self.grids = max(self.lab) + 1
        self.members: list[set[int]] = [set() for _ in range(self.grids)]
        for i, g in enumerate(self.lab):
            self.members[g].add(i)
        self.h = [0] * self.grids
        self.p = [0] * self.grids
        for i, g in enumerate(self.lab):
            self.h[g] += self.hh[i]
            self.p[g] += self.pp[i]
        self.fixed = fixed.tolist()
        self.locked = [False] * self.grids
        for i, g in enumerate(self.lab):
            self.locked[g] = self.locked[g] or self.fixed[i]
        self.compound = compound.tolist()
        self.in_grid: Counter[tuple[int, int]] = Counter(
            (c, g) for c, g in zip(self.compound, self.lab, strict=True) if c >= 0
        )

    def dev(self, g: int, dh: int = 0, dp: int = 0) -> float:
        return max((self.h[g] + dh) / self.th, (self.p[g] + dp) / self.tp) - 1.0

    def phi(self, d: float) -> float:
        outside = abs(d) - self.tol
        return (_OUTSIDE_WEIGHT * outside if outside > 0 else 0.0) + d * d

    def delta(self, b: int, src: int, dst: int) -> float:
        hb, pb = self.hh[b], self.pp[b]
        change = (
            self.phi(self.dev(src, -hb, -pb)) + self.phi(self.dev(dst, hb, pb))
            - self.phi(self.dev(src)) - self.phi(self.dev(dst))
        )
        c = self.compound[b]
        if c >= 0:
            left_behind, waiting = self.in_grid[(c, src)] - 1, self.in_grid[(c, dst)]
            if left_behind > 0 and waiting == 0:
                change += _COMPOUND_COST
            elif left_behind == 0 and waiting > 0:
                change -= _COMPOUND_COST
        return change

    def candidates(self, g: int) -> list[tuple[float, int, int, int]]:
        out = []
        if self.dev(g) > 0:  # give a boundary building away
            for b in self.members[g]:
                if self.fixed[b]:
                    continue
                for dst in {self.lab[o] for o in self.nbrs[b]} - {g}:
                    if not self.locked[dst]:
                        out.append((self.delta(b, g, dst), b, g, dst))
        else:  # take one over from a neighbour
            seen: set[int] = set()
            for i in self.members[g]:
                for o in self.nbrs[i]:
                    src = self.lab[o]
                    if src != g and o not in seen and not self.fixed[o] and not self.locked[src]:
                        seen.add(o)
                        out.append((self.delta(o, src, g), o, src, g))
        out.sort()
        return out

    def move(self, b: int, src: int, dst: int) -> None:
        self.members[src].discard(b)
        self.members[dst].add(b)
        self.lab[b] = dst
        self.h[src] -= self.hh[b]
        self.p[src] -= self.pp[b]
        self.h[dst] += self.hh[b]
        self.p[dst] += self.pp[b]
        c = self.compound[b]
        if c >= 0:
            self.in_grid[(c, src)] -= 1
            self.in_grid[(c, dst)] += 1

    def step(self) -> bool:
        """One improving move for the grid furthest outside tolerance that has one; False when none has."""
        outside = [g for g in range(self.grids) if abs(self.dev(g)) > self.tol + _EPS and not self.locked[g]]
        outside.sort(key=lambda g: (-abs(self.dev(g)), g))
        for g in outside:
            for change, b, src, dst in self.candidates(g):
                if change >= -_EPS:
                    break
                if len(self.members[src]) > 1 and is_connected(self.members[src] - {b}, self.nbrs):
                    self.move(b, src, dst)
                    return True
        return False


def balance(
    labels: IntArray,
    nbrs: list[list[int]],
    households: IntArray,
    people: IntArray,
    th: float,
    tp: float,
    tolerance: float,
    *,
    fixed: np.ndarray,
    compound: IntArray,
) -> IntArray:
    """Move boundary buildings (keeping every grid contiguous) while that brings a grid closer to tolerance.

    Grids holding an oversized building are left alone. Each move strictly lowers the objective, so this ends.
    """
    state = _Balancer(labels, nbrs, households, people, th, tp, tolerance, fixed, compound)
    for _move in range(40 * state.grids + 200):
        if not state.step():
            break
    return np.array(state.lab, dtype=np.int64)
