"""Grid partition benchmark (issue 5): shequ.grids.partition over a synthetic Loudi-sized city, side by side with
k-means-constrained and PySAL spopt's max-p on a sample of its communities.

    .venv/bin/python bench/partition_bench.py                      # the city (5,000 communities) + the sample
    .venv/bin/python bench/partition_bench.py --sample 60 --maxp-sample 0
    .venv/bin/pip install -r bench/requirements-partition.txt      # the comparison libraries (bench only)

The city is shequ.grids.synthetic.city(): 72 central-city, 189 urban and 120 township communities (compounds of
apartment buildings and houses along roads) and villages for the rest (one house per household in groups along
a valley); every building has coordinates. Only `partition()` is timed for the city (generation is not). Quality
for every method is measured the same way: a grid's load is max(households / 200, people / 600); within means
|load − 1| ≤ 0.15; CV is the coefficient of variation of the loads; compactness is the mean distance of the
buildings to their grid's centre and the Polsby-Popper score (4πA/P²) of the grid's hull buffered by 15 m;
contiguity is judged in shequ.grids.graph's neighbour graph (the same graph is given to max-p as its weights).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shequ.grids import synthetic  # noqa: E402
from shequ.grids.geometry import polsby_popper  # noqa: E402
from shequ.grids.graph import adjacency, is_connected  # noqa: E402
from shequ.grids.layout import BuildingIn, Community  # noqa: E402
from shequ.grids.partition import TOLERANCE, grid_count, partition  # noqa: E402

TH, TP = 200, 600


def measure(buildings: list[BuildingIn], groups: list[list[int]], nbrs: list[list[int]] | None,
            c: Community) -> list[dict[str, Any]]:
    """Per grid: load, within, connected, mean distance to centre (m), Polsby-Popper (buffered hull)."""
    index = {bid: i for i, bid in enumerate(c.ids)}
    out = []
    for group in groups:
        rows = [index[b] for b in group]
        hh = int(c.households[rows].sum())
        pp = int(c.people[rows].sum())
        load = max(hh / TH, pp / TP)
        xs, ys = c.x[rows], c.y[rows]
        out.append({
            "load": load,
            "within": abs(load - 1) <= TOLERANCE + 1e-9,
            "connected": nbrs is None or is_connected(set(rows), nbrs),
            "distance": float(np.hypot(xs - xs.mean(), ys - ys.mean()).mean()),
            "pp": polsby_popper(xs, ys, buffer_m=15.0) or 0.0,
        })
    return out


def summarise(grids: list[dict[str, Any]], seconds: float, communities: int, feasible: list[bool] | None = None
              ) -> dict[str, Any]:
    loads = [g["load"] for g in grids]
    mean = statistics.fmean(loads)
    result = {
        "communities": communities,
        "grids": len(grids),
        "seconds": round(seconds, 2),
        "within_pct": round(100 * sum(g["within"] for g in grids) / len(grids), 1),
        "load_cv": round(statistics.pstdev(loads) / mean, 3),
        "connected_pct": round(100 * sum(g["connected"] for g in grids) / len(grids), 1),
        "mean_distance_m": round(statistics.fmean(g["distance"] for g in grids), 1),
        "polsby_popper": round(statistics.fmean(g["pp"] for g in grids), 3),
    }
    if feasible is not None:
        chosen = [g for g, ok in zip(grids, feasible, strict=True) if ok]
        result["within_pct_where_achievable"] = round(100 * sum(g["within"] for g in chosen) / max(1, len(chosen)), 1)
        result["grids_where_achievable"] = len(chosen)
    return result


def graph_for(buildings: list[BuildingIn]) -> tuple[Community, list[list[int]]]:
    c = Community(buildings, TH, TP)
    _placed, anchors = c.place()
    u, v = c.edges(anchors)
    return c, adjacency(c.n, u, v)


# -- the city with shequ.grids.partition --------------------------------------------------------------------------


def run_city(args: argparse.Namespace) -> tuple[dict[str, Any], list[tuple[synthetic.CommunitySpec, list[BuildingIn]]]]:
    specs = synthetic.city(communities=args.communities, seed=args.seed)
    started = time.perf_counter()
    data = []
    next_id = 1
    for spec in specs:
        buildings = synthetic.community(spec, seed=args.seed, start_id=next_id)
        next_id += len(buildings)
        data.append((spec, buildings))
    generated = time.perf_counter() - started
    households = sum(b.households for _, bs in data for b in bs)
    buildings_total = sum(len(bs) for _, bs in data)
    print(f"city: {len(data):,} communities, {buildings_total:,} buildings, {households:,} households "
          f"(generated in {generated:.1f} s, not timed)", flush=True)

    results = []
    per_kind_seconds: dict[str, float] = defaultdict(float)
    started = time.perf_counter()
    for spec, buildings in data:
        t0 = time.perf_counter()
        results.append(partition(buildings, target_households=TH, target_people=TP))
        per_kind_seconds[spec.kind] += time.perf_counter() - t0
    seconds = time.perf_counter() - started
    print(f"partition: {seconds:.1f} s for the city", flush=True)

    grids: list[dict[str, Any]] = []
    feasible: list[bool] = []
    by_kind: dict[str, dict[str, int]] = defaultdict(lambda: {"grids": 0, "within": 0, "communities": 0})
    for (spec, _b), result in zip(data, results, strict=True):
        for g in result.grids:
            grids.append({"load": g.load, "within": g.within(), "connected": g.connected,
                          "distance": g.mean_distance_m or 0.0, "pp": 0.0})
            feasible.append(result.feasible)
        kind = by_kind[spec.kind]
        kind["grids"] += len(result.grids)
        kind["within"] += result.within
        kind["communities"] += 1
    summary = summarise(grids, seconds, len(data), feasible)
    summary.update(
        buildings=buildings_total,
        households=households,
        by_kind={k: {**v, "within_pct": round(100 * v["within"] / max(1, v["grids"]), 1),
                     "seconds": round(per_kind_seconds[k], 2)} for k, v in by_kind.items()},
        communities_not_achievable=sum(1 for r in results if not r.feasible),
        split_compounds=sum(len(r.split_compounds) for r in results),
    )
    del summary["polsby_popper"]  # measured on the sample (hulls cost more than the partition itself)
    return summary, data


# -- the sample with all three methods ------------------------------------------------------------------------------


def ours(buildings: list[BuildingIn]) -> list[list[int]]:
    return [g.buildings for g in partition(buildings, target_households=TH, target_people=TP).grids]


def kmeans_constrained(buildings: list[BuildingIn], c: Community) -> list[list[int]]:
    """k-means with a size constraint on households: each household is a point at its building; a building
    goes to the cluster most of its households fell in (buildings are not split)."""
    from k_means_constrained import KMeansConstrained

    total = c.load(np.arange(c.n), TH, TP)
    k, _ok = grid_count(total)
    hh = c.households
    if k <= 1 or hh.sum() < k:
        return [list(c.ids)]
    points = np.repeat(np.column_stack([c.x, c.y]), np.maximum(hh, 1), axis=0)
    owner = np.repeat(np.arange(c.n), np.maximum(hh, 1))
    size = len(points) / k
    model = KMeansConstrained(n_clusters=k, size_min=math.floor(size * (1 - TOLERANCE)),
                              size_max=math.ceil(size * (1 + TOLERANCE)), random_state=0, n_init=3)
    labels = model.fit_predict(points)
    votes: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for building, label in zip(owner.tolist(), labels.tolist(), strict=True):
        votes[building][label] += 1
    groups: dict[int, list[int]] = defaultdict(list)
    for building, counts in votes.items():
        groups[max(counts, key=lambda lab: (counts[lab], -lab))].append(c.ids[building])
    return list(groups.values())


def max_p(buildings: list[BuildingIn], c: Community, nbrs: list[list[int]]) -> list[list[int]]:
    """spopt's max-p heuristic: as many regions as possible, each with at least 85 % of a grid's households,
    contiguous in the same neighbour graph, homogeneous in position (compact)."""
    import geopandas as gpd
    import libpysal
    from shapely.geometry import Point
    from spopt.region import MaxPHeuristic

    if c.load(np.arange(c.n), TH, TP) < 2 * (1 - TOLERANCE):
        return [list(c.ids)]
    frame = gpd.GeoDataFrame(
        {"x": c.x, "y": c.y, "households": c.households.astype(float),
         "geometry": [Point(a, b) for a, b in zip(c.x.tolist(), c.y.tolist(), strict=True)]}
    )
    weights = libpysal.weights.W({i: list(set(n)) for i, n in enumerate(nbrs)}, silence_warnings=True)
    model = MaxPHeuristic(frame, weights, ["x", "y"], "households", TH * (1 - TOLERANCE), top_n=2,
                          max_iterations_construction=20, max_iterations_sa=10)
    model.solve()
    groups: dict[int, list[int]] = defaultdict(list)
    for i, label in enumerate(np.asarray(model.labels_).tolist()):
        groups[int(label)].append(c.ids[i])
    return list(groups.values())


def run_sample(args: argparse.Namespace, data: list[tuple[synthetic.CommunitySpec, list[BuildingIn]]]
               ) -> dict[str, Any]:
    rng = random.Random(args.seed)
    towns = [d for d in data if d[0].kind != "village"]
    villages = [d for d in data if d[0].kind == "village"]
    share = max(1, args.sample // 3)
    sample = rng.sample(towns, min(len(towns), args.sample - share)) + rng.sample(villages, min(len(villages), share))
    print(f"sample: {len(sample)} communities ({sum(len(b) for _, b in sample):,} buildings)", flush=True)
    prepared = [(spec, buildings, *graph_for(buildings)) for spec, buildings in sample]
    # max-p takes minutes per community: it runs on the first communities of the sample (towns and villages)
    small = prepared[: max(0, args.maxp_sample - 2)] + [p for p in prepared if p[0].kind == "village"][:2]
    runs: dict[str, tuple[Any, list[Any]]] = {
        "shequ partition": (lambda b, c, n: ours(b), prepared),
        "k-means-constrained": (lambda b, c, n: kmeans_constrained(b, c), prepared),
    }
    if args.maxp_sample:
        runs["shequ partition (max-p sample)"] = (lambda b, c, n: ours(b), small)
        runs["spopt max-p"] = (max_p, small)
    out: dict[str, Any] = {}
    for name, (method, chosen) in runs.items():
        grids: list[dict[str, Any]] = []
        seconds = 0.0
        failures = 0
        for spec, buildings, c, nbrs in chosen:
            t0 = time.perf_counter()
            try:
                groups = method(buildings, c, nbrs)
            except Exception as exc:  # a method that fails on a community is reported, not fatal
                failures += 1
                print(f"  {name} failed on {spec.code} ({spec.kind}): {exc!r}", flush=True)
                continue
            seconds += time.perf_counter() - t0
            grids += measure(buildings, groups, nbrs, c)
        out[name] = {**summarise(grids, seconds, len(chosen) - failures), "failed": failures}
        print(f"  {name}: {json.dumps(out[name], ensure_ascii=False)}", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--communities", type=int, default=5000)
    parser.add_argument("--sample", type=int, default=45, help="communities compared with the other methods")
    parser.add_argument("--seed", type=int, default=4313)
    parser.add_argument("--maxp-sample", type=int, default=8, help="communities given to max-p (0: none)")
    parser.add_argument("--skip-sample", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "var" / "bench" / "partition.json"))
    args = parser.parse_args()
    os.makedirs(Path(args.out).parent, exist_ok=True)
    city, data = run_city(args)
    print(json.dumps(city, ensure_ascii=False, indent=1), flush=True)
    report: dict[str, Any] = {"city": city}
    if not args.skip_sample:
        report["sample"] = run_sample(args, data)
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
