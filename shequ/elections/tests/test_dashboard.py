"""The oversight dashboard: figures per child area on a small set, drill-down, scope, bounded queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from shequ.areas.models import Area, AreaStats, Level
from shequ.core.errors import NotFound
from shequ.core.testing.clients import login
from shequ.elections.models import Candidate, Election, Mode, RoundStatus, SeatKind, Stage
from shequ.elections.selectors.dashboard import NOT_STARTED, oversight_dashboard
from shequ.elections.services.elections import campaign_create
from shequ.elections.testing import DAY, advance, first_round, make_election

pytestmark = pytest.mark.django_db


def _counted(election: Election, registered: int, voted: int, status: str = RoundStatus.COUNTED) -> None:
    r = first_round(election)
    r.status = status
    r.result = {"registered": registered, "voted": voted, "returned": voted, "invalid": 0,
                "valid": status == RoundStatus.COUNTED, "elected": [], "unfilled": {}}
    r.save()


def _elected(election: Election, sex: str, born: dt.date, incumbent: bool = False) -> Candidate:
    return Candidate.objects.create(
        election=election, round=first_round(election), seat=SeatKind.MEMBER, name=f"当选{sex}{born.year}", sex=sex,
        birth_date=born, incumbent=incumbent, elected=True,
    )


@pytest.fixture
def dash(ew):  # type: ignore[no-untyped-def]
    """Two sub-districts in two districts: 长青 void then repeated and completed (all voters), 花园 voting
    (household representatives), 矿山 counted (group representatives), 新村 without an election."""
    w = ew
    w.newcommunity = Area.objects.create(code="431381001002", name="新村社区", level=Level.COMMUNITY,
                                         parent=w.subdistrict2)
    AreaStats.objects.create(area=w.newcommunity)
    w.campaign = campaign_create(actor=w.admin, area=w.city, name="2026年换届选举", term_label="第十二届",
                                 starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 12, 31))
    e1 = make_election(actor=w.admin, community=w.community, campaign=w.campaign, title="长青第一次")
    _counted(e1, 100, 40, RoundStatus.VOID)
    advance(e1, Stage.VOID)
    e2 = make_election(actor=w.admin, community=w.community, campaign=w.campaign, title="长青重新选举")
    e2.attempt, e2.repeat_of = 2, e1  # saved by `advance`
    _counted(e2, 100, 80)
    advance(e2, Stage.COMPLETED)
    _elected(e2, "F", dt.date(1970, 6, 20), incumbent=True)  # 56 on election day
    _elected(e2, "M", dt.date(1980, 6, 21))  # 45: the birthday is the day after
    _elected(e2, "F", dt.date(1990, 1, 1))  # 36
    e3 = make_election(actor=w.admin, community=w.community_b, campaign=w.campaign, mode=Mode.HOUSEHOLD_REPS)
    advance(e3, Stage.VOTING)
    e4 = make_election(actor=w.admin, community=w.community2, campaign=w.campaign, mode=Mode.GROUP_REPS)
    _counted(e4, 50, 35)
    advance(e4, Stage.COUNTED)
    _elected(e4, "M", dt.date(1966, 6, 20))  # 60
    w.e = SimpleNamespace(e1=e1, e2=e2, e3=e3, e4=e4)
    return w


def _rows(board):  # type: ignore[no-untyped-def]
    return {r.code: r for r in board.rows}


def test_city_figures(dash):
    board = oversight_dashboard(viewer=dash.analyst, campaign=str(dash.campaign.pk))
    assert board.area == dash.city and board.campaign == dash.campaign
    rows = _rows(board)
    assert list(rows) == ["431302", "431381"]
    a, b, t = rows["431302"], rows["431381"], board.total
    assert (a.communities, a.elections, a.void, a.repeated) == (2, 3, 1, 1)
    assert a.stages[Stage.COMPLETED] == 1 and a.stages[Stage.VOTING] == 1 and a.stages[NOT_STARTED] == 0
    assert Stage.VOID not in a.stages  # the void attempt was repeated: the community stands at its latest
    assert a.turnout == Decimal("60.0")  # (40 + 80) / (100 + 100): the void first attempt counts too
    assert a.direct_percent == Decimal("100.0")
    assert a.women_percent == Decimal("66.7")
    assert a.average_age == Decimal("45.7")  # (56 + 45 + 36) / 3
    assert a.reelected_percent == Decimal("33.3")
    assert (b.communities, b.elections, b.stages[Stage.COUNTED], b.stages[NOT_STARTED]) == (2, 1, 1, 1)
    assert b.turnout == Decimal("70.0") and b.direct_percent == Decimal("0.0")
    assert b.women_percent == Decimal("0.0") and b.average_age == Decimal("60.0")
    assert (t.communities, t.elections, t.void, t.repeated) == (4, 4, 1, 1)
    assert t.turnout == Decimal("62.0")  # (40 + 80 + 35) / (100 + 100 + 50)
    assert t.direct_percent == Decimal("66.7") and t.women_percent == Decimal("50.0")
    assert t.average_age == Decimal("49.3") and t.reelected_percent == Decimal("25.0")
    assert t.stages[NOT_STARTED] == 1


def test_campaign_filter_and_default(dash):
    # The draft election of the `ew` fixture is under no campaign: only "all" counts it.
    everything = oversight_dashboard(viewer=dash.admin, campaign="all")
    assert everything.campaign is None and everything.total.elections == 5
    default = oversight_dashboard(viewer=dash.admin)
    assert default.campaign == dash.campaign and default.total.elections == 4
    with pytest.raises(NotFound):
        oversight_dashboard(viewer=dash.admin, campaign="999999")


def test_drill_down_to_communities(dash):
    board = oversight_dashboard(viewer=dash.district_officer, campaign=str(dash.campaign.pk))
    assert board.area == dash.district and [r.code for r in board.rows] == ["431302001"]
    sub = oversight_dashboard(viewer=dash.district_officer, area_code="431302001", campaign="")
    rows = _rows(sub)
    assert rows[dash.community.code].election_id == dash.e.e2.pk  # the latest attempt
    assert rows[dash.community_b.code].election_id == dash.e.e3.pk


def test_scope(dash):
    # The default is the viewer's own top area; anything outside it answers like a missing area.
    own = oversight_dashboard(viewer=dash.outsider, campaign="")
    assert own.area == dash.community2 and [r.code for r in own.rows] == [dash.community2.code]
    for code in ("431302", "431302001", "4313", "999999"):
        with pytest.raises(NotFound):
            oversight_dashboard(viewer=dash.outsider, area_code=code)
    with pytest.raises(NotFound):
        oversight_dashboard(viewer=dash.resident_user)
    with pytest.raises(NotFound):
        oversight_dashboard(viewer=dash.grid_worker)


def test_page_and_drill_down_links(dash):
    client = login(dash.subdistrict_officer)
    response = client.get("/elections/dashboard/", {"campaign": dash.campaign.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="/elections/{dash.e.e2.pk}/"' in html and 'id="el-dash-data"' in html
    assert "echarts" in html
    city = login(dash.admin).get("/elections/dashboard/").content.decode()
    assert "?area=431302&amp;campaign=" in city
    assert login(dash.outsider).get("/elections/dashboard/", {"area": "431302"}).status_code == 404
    assert login(dash.resident_user).get("/elections/dashboard/").status_code == 404
    partial = login(dash.admin).get("/elections/dashboard/", {"area": "4313"}, HTTP_HX_REQUEST="true",
                                    HTTP_HX_TARGET="dash")
    assert partial.status_code == 200 and b"<html" not in partial.content


def test_query_count_bounded(dash, django_assert_max_num_queries):
    # More communities and elections do not add queries.
    for n in range(3, 9):
        area = Area.objects.create(code=f"431302001{n:03d}", name=f"社区{n}", level=Level.COMMUNITY,
                                   parent=dash.subdistrict)
        AreaStats.objects.create(area=area)
        e = make_election(actor=dash.admin, community=area, campaign=dash.campaign, day=DAY)
        _counted(e, 10, 6)
        _elected(e, "F", dt.date(1975, 1, 1))
    viewer = dash.admin
    with django_assert_max_num_queries(8):
        board = oversight_dashboard(viewer=viewer, area_code="431302001")
    assert len(board.rows) == 8
    client = login(dash.admin)
    with django_assert_max_num_queries(16):
        assert client.get("/elections/dashboard/", {"area": "4313"}).status_code == 200
