"""locate(): nearest building within ~300 m, else the nearest community centre within a few km, else nothing."""

from __future__ import annotations

from shequ.incidents.locate import distance_m, locate


def test_distance():
    # one thousandth of a degree of latitude is about 111 m
    assert 110 < distance_m(27.73, 112.0, 27.731, 112.0) < 112


def test_nearest_building_gives_community_and_grid(placed):
    found = locate(27.7305, 112.0005)  # about 70 m from 长青路1号1栋
    assert found is not None
    assert found.building == placed.building
    assert found.community == placed.community and found.grid == placed.grid


def test_no_building_near_falls_back_to_the_community(placed):
    found = locate(27.7400, 112.0200)  # 2 km from the building, nearer 花园社区's centre
    assert found is not None and found.building is None and found.grid is None
    assert found.community == placed.community_b


def test_nothing_near(placed):
    assert locate(30.0, 115.0) is None
    assert locate(None, 112.0) is None
    assert locate(91.0, 112.0) is None


def test_queries_are_bounded(placed, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        locate(27.7305, 112.0005)
    with django_assert_max_num_queries(3):
        locate(27.7400, 112.0200)
