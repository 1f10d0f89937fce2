"""The neighbour graph of a community's buildings, in which every grid must be contiguous.

Two buildings are neighbours when one is among the other's `KNN` nearest (symmetric k-nearest-neighbour graph) or
is the other's nearest in one of four directions (a Yao graph: it links facing clusters along their edge), when
they stand next to each other on the same street (consecutive house numbers), or when a building without
coordinates was placed next to its anchor. Clusters that none of these link (a hamlet across a river) are joined
by their shortest link, so the graph is always connected and every partition can be made contiguous.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from shequ.grids.geometry import FloatArray

IntArray = npt.NDArray[np.int64]

KNN = 6
EXACT_MAX = 160  # up to this many buildings, neighbours are found by comparing every pair
WINDOW = 10  # places either side in each order (see knn_edges)
# Cells of the distance matrix computed at once: bounds memory (a few arrays of 8 MB) whatever the size.
_CHUNK_CELLS = 1_000_000


def knn_edges(x: FloatArray, y: FloatArray, k: int = KNN) -> tuple[IntArray, IntArray]:
    """Undirected edges (u < v, unique): each building's `k` nearest, and its nearest in each of four cones
    (east, north, west, south — a Yao graph), so neighbouring clusters are linked along their whole facing edge.

    Up to EXACT_MAX buildings every pair is compared; above, each building is compared with the buildings near it
    in x order, in y order and in two shifted Z-orders — the neighbours found that way are the true ones but for
    rare far-flung configurations, and the cost grows like n instead of n².
    """
    n = len(x)
    if n < 2:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    exact = n <= EXACT_MAX
    candidates = np.broadcast_to(np.arange(n, dtype=np.int64), (n, n)) if exact else _near_in_orders(x, y)
    k = min(k, candidates.shape[1] - 1)
    us: list[IntArray] = []
    vs: list[IntArray] = []
    rows = max(1, _CHUNK_CELLS // candidates.shape[1])
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        here = np.arange(start, stop, dtype=np.int64)
        cand = candidates[start:stop]
        dx = x[cand] - x[here, None]
        dy = y[cand] - y[here, None]
        d = dx * dx + dy * dy
        d[cand == here[:, None]] = np.inf
        if not exact:  # the same building found in two orders counts once
            d[:, 1:][cand[:, 1:] == cand[:, :-1]] = np.inf
        nearest = np.take_along_axis(cand, np.argpartition(d, k - 1, axis=1)[:, :k], axis=1)
        ok = np.isfinite(np.take_along_axis(d, np.argpartition(d, k - 1, axis=1)[:, :k], axis=1))
        us.append(np.repeat(here, k)[ok.ravel()])
        vs.append(nearest.ravel()[ok.ravel()])
        cone = np.where(np.abs(dx) >= np.abs(dy), np.where(dx > 0, 0, 2), np.where(dy > 0, 1, 3))
        rows_here = np.arange(stop - start)
        for c in range(4):
            dc = np.where(cone == c, d, np.inf)
            j = np.argmin(dc, axis=1)
            found = np.isfinite(dc[rows_here, j])
            us.append(here[found])
            vs.append(cand[rows_here, j][found])
    return undirected(np.concatenate(us), np.concatenate(vs), n)


def _morton(x: FloatArray, y: FloatArray, shift: float) -> IntArray:
    """Z-order keys on a 2¹⁶ lattice over the points' extent, the lattice shifted by `shift` of a cell."""
    span = max(float(np.ptp(x)), float(np.ptp(y)), 1e-9)
    keys = []
    for values in (x, y):
        q = ((values - values.min()) / span * 65534 + shift).astype(np.uint64)
        q = (q | (q << np.uint64(8))) & np.uint64(0x00FF00FF)
        q = (q | (q << np.uint64(4))) & np.uint64(0x0F0F0F0F)
        q = (q | (q << np.uint64(2))) & np.uint64(0x33333333)
        q = (q | (q << np.uint64(1))) & np.uint64(0x55555555)
        keys.append(q)
    return (keys[0] | (keys[1] << np.uint64(1))).astype(np.int64)


def _near_in_orders(x: FloatArray, y: FloatArray) -> IntArray:
    """For each point, the points up to WINDOW places before and after it in four orders, sorted per row."""
    n = len(x)
    offsets = np.concatenate([np.arange(-WINDOW, 0), np.arange(1, WINDOW + 1)])
    columns = []
    for order in (np.argsort(x, kind="stable"), np.argsort(y, kind="stable"),
                  np.argsort(_morton(x, y, 0.0), kind="stable"), np.argsort(_morton(x, y, 0.5), kind="stable")):
        position = np.empty(n, dtype=np.int64)
        position[order] = np.arange(n)
        columns.append(order[np.clip(position[:, None] + offsets[None, :], 0, n - 1)])
    return np.sort(np.concatenate(columns, axis=1), axis=1)


def undirected(u: IntArray, v: IntArray, n: int) -> tuple[IntArray, IntArray]:
    """Each edge once, as (smaller, larger), without self-loops."""
    a, b = np.minimum(u, v), np.maximum(u, v)
    keep = a != b
    keys = np.unique(a[keep] * n + b[keep])
    return keys // n, keys % n


def components(n: int, u: IntArray, v: IntArray) -> IntArray:
    """Connected-component label of each node (the smallest node index in its component).

    Hook-and-jump label propagation: every round hooks each root under the smallest label across its edges,
    then compresses paths, so it converges in O(log n) vectorised rounds.
    """
    labels = np.arange(n, dtype=np.int64)
    if len(u) == 0:
        return labels
    while True:
        lu, lv = labels[u], labels[v]
        low = np.minimum(lu, lv)
        hooked = labels.copy()
        np.minimum.at(hooked, lu, low)
        np.minimum.at(hooked, lv, low)
        while True:
            jumped = hooked[hooked]
            if np.array_equal(jumped, hooked):
                break
            hooked = jumped
        if np.array_equal(hooked, labels):
            return labels
        labels = hooked


def join_clusters(x: FloatArray, y: FloatArray, u: IntArray, v: IntArray) -> tuple[IntArray, IntArray]:
    """Add the shortest link from each cluster to the rest, smallest cluster first, until one remains."""
    n = len(x)
    extra_u: list[int] = []
    extra_v: list[int] = []
    while True:
        labels = components(n, np.concatenate([u, np.array(extra_u, dtype=np.int64)]),
                            np.concatenate([v, np.array(extra_v, dtype=np.int64)]))
        roots, sizes = np.unique(labels, return_counts=True)
        if len(roots) <= 1:
            break
        smallest = roots[np.argmin(sizes)]
        inside = np.flatnonzero(labels == smallest)
        outside = np.flatnonzero(labels != smallest)
        best = (np.inf, -1, -1)
        rows = max(1, _CHUNK_CELLS // len(outside))
        for start in range(0, len(inside), rows):
            part = inside[start : start + rows]
            d = (x[part, None] - x[None, outside]) ** 2 + (y[part, None] - y[None, outside]) ** 2
            flat = int(np.argmin(d))
            i, j = divmod(flat, len(outside))
            if d[i, j] < best[0]:
                best = (float(d[i, j]), int(part[i]), int(outside[j]))
        extra_u.append(best[1])
        extra_v.append(best[2])
    if not extra_u:
        return u, v
    return undirected(np.concatenate([u, np.array(extra_u, dtype=np.int64)]),
                      np.concatenate([v, np.array(extra_v, dtype=np.int64)]), n)


def adjacency(n: int, u: IntArray, v: IntArray) -> list[list[int]]:
    """Neighbour lists (for the few searches the refinement does in Python)."""
    nbrs: list[list[int]] = [[] for _ in range(n)]
    for a, b in zip(u.tolist(), v.tolist(), strict=True):
        nbrs[a].append(b)
        nbrs[b].append(a)
    return nbrs


def is_connected(members: set[int], nbrs: list[list[int]]) -> bool:
    """Whether `members` induce a connected subgraph (an empty set counts as connected)."""
    if not members:
        return True
    start = next(iter(members))
    seen = {start}
    stack = [start]
    while stack:
        node = stack.pop()
        for other in nbrs[node]:
            if other in members and other not in seen:
                seen.add(other)
                stack.append(other)
    return len(seen) == len(members)
