"""The partition algorithm alone (no database): coverage, no split buildings, contiguity in the neighbour graph,
sizes within tolerance, determinism, and the edge cases the officers will meet."""

from __future__ import annotations

import random

import numpy as np
import pytest

from shequ.grids import synthetic
from shequ.grids.geometry import convex_hull, outline, polsby_popper
from shequ.grids.graph import adjacency, components, is_connected, knn_edges
from shequ.grids.layout import Community
from shequ.grids.partition import TOLERANCE, BuildingIn, grid_count, natural_key, partition, street_of

TH, TP = 200, 600


def run(buildings, **kwargs):  # type: ignore[no-untyped-def]
    return partition(buildings, target_households=TH, target_people=TP, **kwargs)


def graph_of(buildings):  # type: ignore[no-untyped-def]
    """The neighbour graph the partition promises contiguity in, rebuilt independently of its result."""
    c = Community(buildings, TH, TP)
    _placed, anchors = c.place()
    u, v = c.edges(anchors)
    return c, adjacency(c.n, u, v)


def assert_valid(buildings, result):  # type: ignore[no-untyped-def]
    ids = [b.id for b in buildings]
    placed = [bid for g in result.grids for bid in g.buildings]
    assert sorted(placed) == sorted(ids)  # every building in exactly one grid (none split, none lost)
    assert len(placed) == len(set(placed))
    by_id = {b.id: b for b in buildings}
    for g in result.grids:
        assert g.households == sum(by_id[b].households for b in g.buildings)
        assert g.people == sum(by_id[b].people for b in g.buildings)
        assert g.load == pytest.approx(max(g.households / TH, g.people / TP))
    if len(result.grids) > 1:
        c, nbrs = graph_of(buildings)
        index = {bid: i for i, bid in enumerate(c.ids)}
        for g in result.grids:
            assert is_connected({index[b] for b in g.buildings}, nbrs), g.buildings[:5]
            assert g.connected


REALISTIC = [
    synthetic.CommunitySpec("431302001001", "central_urban", 3200),
    synthetic.CommunitySpec("431302001002", "central_urban", 2400),
    synthetic.CommunitySpec("431302002001", "urban", 2600),
    synthetic.CommunitySpec("431302002002", "urban", 1500),
    synthetic.CommunitySpec("431381001001", "urban", 1100),
    synthetic.CommunitySpec("431381100001", "township", 1300),
    synthetic.CommunitySpec("431381100002", "township", 800),
    synthetic.CommunitySpec("431381100201", "village", 1250),
    synthetic.CommunitySpec("431381100202", "village", 900),
    synthetic.CommunitySpec("431381100203", "village", 640),
]


def test_realistic_communities_are_covered_contiguous_and_within_tolerance():
    grids = within = 0
    for spec in REALISTIC:
        buildings = synthetic.community(spec, missing_share=0.02)
        result = run(buildings)
        assert_valid(buildings, result)
        assert result.feasible
        grids += len(result.grids)
        within += result.within
    assert grids > 60
    assert within / grids >= 0.95, (within, grids)


def test_same_buildings_same_grids_whatever_the_order():
    buildings = synthetic.community(REALISTIC[2], missing_share=0.05)
    shuffled = buildings[:]
    random.Random(7).shuffle(shuffled)
    first, second = run(buildings), run(shuffled)
    assert [g.buildings for g in first.grids] == [g.buildings for g in second.grids]
    assert first.placed_by_address == second.placed_by_address


def test_compounds_stay_whole_when_the_sizes_allow():
    # four compounds of 100 households (half a grid each) side by side: two grids, no compound cut
    buildings = []
    for c in range(4):
        for j in range(5):
            buildings.append(BuildingIn(c * 10 + j, 20, 60, 27.7 + c * 0.001, 112.0 + j * 0.0003, f"小区{c}",
                                        f"人民路{c * 2 + 1}号小区{c}{j + 1}栋"))
    result = run(buildings)
    assert len(result.grids) == 2 and result.within == 2
    assert result.split_compounds == []
    for g in result.grids:
        assert len({b // 10 for b in g.buildings}) == 2


def test_buildings_without_coordinates_are_placed_by_address_and_reported():
    buildings = synthetic.community(REALISTIC[3])
    missing = {b.id for b in buildings[::7]}
    stripped = [BuildingIn(b.id, b.households, b.people, None, None, b.compound, b.address) if b.id in missing
                else b for b in buildings]
    result = run(stripped)
    assert_valid(stripped, result)
    assert set(result.placed_by_address) == missing
    assert set(result.placed_by_address.values()) <= {"compound", "street", "address"}
    assert "compound" in result.placed_by_address.values()
    note = next(n for n in result.notes if n.code == "placed_by_address")
    assert note.params == {"count": len(missing), "all": False}
    # a building without coordinates sits in the grid of a building of its compound
    by_id = {b.id: b for b in stripped}
    grid_of = {bid: i for i, g in enumerate(result.grids) for bid in g.buildings}
    for bid, how in result.placed_by_address.items():
        if how == "compound":
            mates = [b.id for b in stripped if b.compound == by_id[bid].compound and b.id not in missing]
            assert grid_of[bid] in {grid_of[m] for m in mates}


def test_a_community_smaller_than_one_grid_is_one_grid_with_a_note():
    buildings = [BuildingIn(i, 10, 30, 27.7 + i * 1e-4, 112.0, "", f"长青路{i + 1}号") for i in range(8)]
    result = run(buildings)
    assert len(result.grids) == 1 and sorted(result.grids[0].buildings) == list(range(8))
    assert result.grids[0].load == pytest.approx(0.4)
    assert [n.code for n in result.notes] == ["below_one_grid"]
    assert not result.feasible


def test_a_building_bigger_than_a_grid_is_a_grid_of_its_own():
    tower = BuildingIn(1, 420, 1200, 27.7, 112.0, "", "人民路1号")
    rest = [BuildingIn(10 + i, 20, 60, 27.7 + (i % 5) * 3e-4, 112.001 + (i // 5) * 3e-4, "", f"人民路{3 + 2 * i}号")
            for i in range(20)]
    result = run([tower, *rest])
    assert_valid([tower, *rest], result)
    alone = [g for g in result.grids if 1 in g.buildings]
    assert alone[0].buildings == [1] and not alone[0].within()
    assert next(n for n in result.notes if n.code == "oversized_buildings").params == {"ids": [1]}
    assert sum(g.within() for g in result.grids) == len(result.grids) - 1  # the rest: 400 households, two grids


def test_a_small_remainder_joins_the_oversized_building():
    result = run([BuildingIn(1, 500, 1500, 27.7, 112.0, "", "人民路1号"),
                  BuildingIn(2, 3, 9, 27.7, 112.0001, "", "人民路3号")])
    assert [g.buildings for g in result.grids] == [[1, 2]]


def test_no_coordinates_at_all_gives_runs_of_the_address_order():
    buildings = [BuildingIn(i, 25, 70, None, None, "", f"长青村{i // 30 + 1}组{i % 30 + 1}号") for i in range(48)]
    random.Random(3).shuffle(buildings)
    result = run(buildings)
    assert_valid(buildings, result)
    assert len(result.placed_by_address) == 48
    assert next(n for n in result.notes if n.code == "placed_by_address").params["all"] is True
    assert result.within == len(result.grids) == 6
    for g in result.grids:
        ids = sorted(g.buildings)
        assert ids == list(range(ids[0], ids[-1] + 1))  # consecutive addresses


def test_identical_coordinates():
    buildings = [BuildingIn(i, 10, 30, 27.7, 112.0, "", f"建设路{i + 1}号") for i in range(60)]
    result = run(buildings)
    assert_valid(buildings, result)
    assert len(result.grids) == 3 and result.within == 3


def test_empty_community():
    result = run([])
    assert result.grids == [] and [n.code for n in result.notes] == ["no_buildings"]


@pytest.mark.parametrize(("total", "expected"), [
    (0.5, (1, False)), (1.0, (1, True)), (1.3, (1, False)), (1.4, (2, False)), (2.0, (2, True)), (2.4, (2, False)),
    (2.6, (3, True)), (7.4, (7, True)), (15.5, (16, True)),
])
def test_grid_count(total, expected):
    assert grid_count(total) == expected


def test_targets_must_be_positive():
    with pytest.raises(ValueError):
        partition([], target_households=0, target_people=600)


def test_addresses_are_read_for_street_and_order():
    assert street_of("人民路24号锦绣小区3栋") == ("人民路", 24)
    assert street_of("长青村3组12号") == ("长青村3组", 12)
    assert street_of("乐坪街道长青路3号") == ("乐坪街道长青路", 3)
    assert street_of("人民路锦绣小区3栋") == ("人民路", None)
    assert street_of("锦绣小区") == ("", None)
    assert street_of("") == ("", None)
    assert sorted(["长青路10号", "长青路9号"], key=natural_key) == ["长青路9号", "长青路10号"]


def test_neighbour_graph_is_symmetric_and_links_clusters():
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.uniform(0, 50, 200), rng.uniform(500, 550, 200)])
    y = rng.uniform(0, 50, 400)
    u, v = knn_edges(x, y)
    assert (u < v).all() and len(set(zip(u.tolist(), v.tolist(), strict=True))) == len(u)
    labels = components(400, u, v)
    assert len(set(labels.tolist())) == 1  # the cone neighbours bridge the 450 m gap


def test_outline_is_a_closed_ring_around_the_points():
    shape = outline([27.7, 27.701, 27.7005], [112.0, 112.0, 112.001])
    ring = shape["coordinates"][0]
    assert shape["type"] == "Polygon" and ring[0] == ring[-1] and len(ring) > 8
    lats = [p[1] for p in ring]
    assert min(lats) < 27.7 and max(lats) > 27.701  # buffered beyond the buildings
    assert outline([], []) == {}
    assert len(convex_hull(np.array([0.0, 1, 2, 1]), np.array([0.0, 0, 0, 0]))) == 2
    square = polsby_popper(np.array([0.0, 10, 10, 0]), np.array([0.0, 0, 10, 10]))
    assert square == pytest.approx(np.pi / 4)


def test_tolerance_is_the_issues_band():
    assert TOLERANCE == 0.15
