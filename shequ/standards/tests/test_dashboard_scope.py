"""Who sees which figures (pages and API), and that the number of queries does not grow with the number of
communities."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequ.standards.tests import test_dashboard_data as data

PAGES = [
    "/standards/?area=4313",
    "/standards/?area=431302",
    "/standards/?area=431302001",
    "/standards/rule/premises_area/?area=4313",
    "/standards/community/431302001001/",
    "/standards/problems/?area=4313",
    "/standards/export.xlsx?area=4313",
    "/standards/export.pdf?area=4313",
]
API = [
    "/api/v1/standards/summary?area=4313",
    "/api/v1/standards/rules/premises_area/communities?area=4313",
    "/api/v1/standards/communities/431302001001",
    "/api/v1/standards/problems?area=4313",
]
# What each role may open, written out from the fixture (not derived from the code under test).
CAN_SEE = {
    "admin": {"4313", "431302", "431302001", "431302001001", "431381001001"},
    "analyst": {"4313", "431302", "431302001", "431302001001", "431381001001"},
    "district_officer": {"431302", "431302001", "431302001001"},
    "subdistrict_officer": {"431302001", "431302001001"},
    "worker": {"431302001001"},
    "outsider": {"431381001001"},
    "grid_worker": set(),
    "auditor": set(),
    "resident_user": set(),
}


@pytest.fixture
def cworld(world):  # type: ignore[no-untyped-def]
    return data.build(world)


@pytest.mark.parametrize("role", list(CAN_SEE))
def test_every_role_sees_its_subtree_only(client, cworld, role):
    client.force_login(getattr(cworld.world, role))
    for code in ("4313", "431302", "431302001"):
        response = client.get("/standards/", {"area": code})
        assert response.status_code == (200 if code in CAN_SEE[role] else 404), (role, code)
        api = client.get("/api/v1/standards/summary", {"area": code})
        assert api.status_code == (200 if code in CAN_SEE[role] else 404), (role, code)
        assert client.get("/standards/problems/", {"area": code}).status_code == response.status_code
        assert client.get("/standards/export.xlsx", {"area": code}).status_code == response.status_code
        assert client.get("/standards/rule/premises_area/", {"area": code}).status_code == response.status_code
    for code in ("431302001001", "431381001001"):
        expected = 200 if code in CAN_SEE[role] else 404
        assert client.get(f"/standards/community/{code}/").status_code == expected, (role, code)
        assert client.get(f"/api/v1/standards/communities/{code}").status_code == expected, (role, code)
    if not CAN_SEE[role]:
        assert client.get("/standards/").status_code == 403
        assert client.get("/api/v1/standards/summary").status_code == 403


def test_outsider_never_sees_the_other_communities_figures(client, cworld):
    """other_worker serves 矿山社区 (community2): nothing of 长青社区 or 花园社区 reaches it, by any route."""
    client.force_login(cworld.world.outsider)
    hidden = ["长青社区", "花园社区", "352", "周建国"]
    urls = [
        "/standards/",
        "/standards/community/431381001001/",
        "/standards/problems/",
        "/standards/rule/premises_area/?status=all",
        "/standards/rule/premises_area/?area=431381&status=all",
        "/api/v1/standards/summary",
        "/api/v1/standards/summary?area=431381001001",
        "/api/v1/standards/problems",
        "/api/v1/standards/rules/premises_area/communities?status=all",
        "/standards/community/431302001001/",
        "/api/v1/standards/communities/431302001001",
        "/standards/?area=4313",
        "/api/v1/standards/summary?area=431302",
    ]
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code in (200, 404), url
        body = response.content.decode()
        for marker in hidden:
            assert marker not in body, (url, marker)
    own = client.get("/api/v1/standards/rules/premises_area/communities", {"status": "all"}).json()
    assert [r["community"]["code"] for r in own["results"]] == ["431381001001"]
    workbook = client.get("/standards/export.xlsx")
    assert workbook.status_code == 200
    from shequ.standards.tests.test_exports import cells

    text = " ".join(str(v) for v in cells(workbook.content, "明细"))
    assert "矿山社区" in text and "长青社区" not in text and "花园社区" not in text


def test_api_figures(client, cworld):
    client.force_login(cworld.world.analyst)
    data = client.get("/api/v1/standards/summary", {"area": "4313", "year": 2024}).json()
    assert data["year"] == 2024 and data["years"] == [2023, 2024] and data["communities"] == 3
    premises = next(r for r in data["rules"] if r["rule"] == "premises_area")
    assert {k: premises["figures"][k] for k in ("meets", "short", "no_data", "rate")} == {
        "meets": 1,
        "short": 2,
        "no_data": 0,
        "rate": 33.3,
    }
    assert float(premises["figures"]["gap"]) == 148
    assert float(data["gaps"]["operating_funds_yuan"]) == 100000
    assert float(data["gaps"]["staff_people"]) == 1
    assert "娄底市 2 个社区（村）服务用房不足 400 平方米" in [h["text"] for h in data["headlines"]]
    assert [c["area"]["code"] for c in data["children"]] == ["431302", "431381"]
    assert [t["year"] for t in data["trend"]] == [2023, 2024]

    page = client.get("/api/v1/standards/rules/premises_area/communities", {"area": "4313"}).json()
    assert page["count"] == 2 and page["year"] == 2024
    assert [r["community"]["code"] for r in page["results"]] == ["431381001001", "431302001001"]
    first = page["results"][0]
    assert first["subdistrict"] == "锡矿山街道" and float(first["gap"]) == 100 and first["status"] == "short"
    assert first["policy"]["citation"] == cworld.version.citation

    evidence = client.get("/api/v1/standards/communities/431302001001").json()
    assert evidence["year"] == 2024 and len(evidence["results"]) == 7
    assert evidence["trend"]["2023"] == {"premises_area": "short"}

    report = client.get("/api/v1/standards/problems", {"area": "4313"}).json()
    assert report["title"] == "娄底市 2024 年社区建设达标问题报告"
    assert report["paragraphs"][0]["lines"][0]["names"] == ["长青社区（差 48 平方米）"]

    assert client.get("/api/v1/standards/rules/nope/communities").status_code == 404
    assert client.get("/api/v1/standards/summary", {"kind": "suburb"}).status_code == 422
    assert client.get("/api/v1/standards/export.xlsx", {"area": "4313"}).status_code == 200


def _count(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_the_number_of_communities(client, cworld):
    w = cworld.world
    client.force_login(w.admin)
    urls = PAGES + API
    small = {url: _count(client, url) for url in urls}
    for seq in range(10, 40):
        community = data.add_community(w.subdistrict if seq % 2 else w.subdistrict2, seq, "urban")
        data.fill_year(community, 2024, short=seq % 3 == 0)
        data.fill_year(community, 2023, short=True)
    large = {url: _count(client, url) for url in urls}
    assert large == small
    # and they stay few: sessions and user, scope, area, crumbs, whether the per-sub-district rollup matches the
    # results (city and district figures), then the aggregates
    assert small["/standards/?area=4313"] <= 13, small
    assert small["/standards/rule/premises_area/?area=4313"] <= 12, small


def test_figures_are_cached_until_results_are_written(client, cworld, settings):
    def aggregates(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return sum(1 for q in ctx.captured_queries if "GROUP BY" in q["sql"])

    settings.SHEQU_DASHBOARD_CACHE_SECONDS = 600
    client.force_login(cworld.world.admin)
    assert aggregates("/standards/?area=4313") == 1  # the whole dashboard is one aggregate over the subtree
    assert aggregates("/standards/?area=4313") == 0  # then it comes from the cache
    assert aggregates("/standards/?area=4313&year=2023") == 0  # every year is in it
    assert aggregates("/api/v1/standards/summary?area=4313") == 0
    # a recompute writes new rows: the next request reads them
    data.fill_year(data.add_community(cworld.world.subdistrict2, 90, "urban"), 2024, short=True)
    assert aggregates("/standards/?area=4313") == 1
    html = client.get("/standards/", {"area": "4313"}).content.decode()
    assert 'data-testid="stat-communities">4<' in html
    settings.SHEQU_DASHBOARD_CACHE_SECONDS = 0
    assert aggregates("/standards/?area=4313") == aggregates("/standards/?area=4313") == 1
