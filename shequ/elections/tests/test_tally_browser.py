"""On a phone screen, in Debian's Chromium (issue 4, "Tests that must exist"): two community workers enter the
tally sheet of one box and disagree on one figure; the box shows "disagree"; the first worker reconciles it
from the paper sheet (the difference highlighted), the box is accepted, the count is run, and the results page
shows the winners as elected."""

from __future__ import annotations

import os
from typing import Any

from shequ.core.roles import Role
from shequ.core.testing.browser import browser_test, log_in
from shequ.core.testing.factories import make_user
from shequ.elections.models import BoxTally, Stage, TallySheet
from shequ.elections.services.boxes import box_create
from shequ.elections.testing import advance, formal_candidates, roll_from

SCREENSHOTS = os.environ.get("SHEQU_SCREENSHOTS", "")
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}


def _shot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"tally-{name}.png"), full_page=True)


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert width <= 1, f"the page scrolls sideways by {width}px"


def _fill(page: Any, form: str, values: dict[str, str]) -> None:
    for name, value in values.items():
        page.locator(f"{form} [name='{name}']").fill(value)


@browser_test
def test_two_sheets_disagree_reconcile_and_count(live_server, ew, page_for):  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    e = ew.election  # 1 director, 1 deputy, 3 members
    voters = roll_from(e, ew.people)  # 12 voters, two to a household
    # Candidates of different households (close relatives are not elected together), 2 / 2 / 4.
    directors = formal_candidates(e, "director", [voters[0], voters[1]])
    deputies = formal_candidates(e, "deputy", [voters[2], voters[3]])
    members = formal_candidates(e, "member", [voters[4], voters[6], voters[8], voters[10]])
    advance(e, Stage.VOTING)
    box = box_create(actor=ew.worker, election=e, name="中心会场", kind="central")
    worker2 = make_user("community_worker2", Role.COMMUNITY_WORKER, ew.community)

    # 10 of 12 voted, none invalid: more than half of 10 (6 or more) elects.
    votes = {directors[0]: (8, 1, 1), directors[1]: (2, 6, 2), deputies[0]: (7, 2, 1), deputies[1]: (3, 5, 2),
             members[0]: (8, 1, 1), members[1]: (7, 2, 1), members[2]: (6, 3, 1), members[3]: (2, 6, 2)}
    paper = {"ballots_issued": "10", "ballots_returned": "10", "invalid_ballots": "0"}
    for c, triple in votes.items():
        for i, v in enumerate(triple):
            paper[f"c{c.pk}_{i}"] = str(v)
    misread = {**paper, f"c{members[2].pk}_0": "5"}  # worker 2 misreads one member's "for" votes

    one = page_for(**PHONE)
    log_in(one, live_server.url, ew.worker.username)
    one.goto(f"{live_server.url}/elections/{e.pk}/boxes/")
    expect(one.locator("#boxes tr[data-box]")).to_contain_text("未录入")
    one.locator(f"#boxes tr[data-box='{box.pk}']").get_by_role("link", name="录入计票单").click()
    expect(one.locator("#entry-no")).to_contain_text("第 1 次录入")
    _no_sideways_scroll(one)
    _fill(one, "#sheet-form", paper)
    _shot(one, "sheet")
    one.get_by_role("button", name="保存录入").click()
    expect(one.locator(".messages")).to_contain_text("第 1 次录入")
    expect(one.locator(f"#boxes tr[data-box='{box.pk}']")).to_contain_text("已录入一次")

    two = page_for(**PHONE)
    log_in(two, live_server.url, worker2.username)
    two.goto(f"{live_server.url}/elections/{e.pk}/boxes/")
    two.locator(f"#boxes tr[data-box='{box.pk}']").get_by_role("link", name="录入计票单").click()
    expect(two.locator("#entry-no")).to_contain_text("第 2 次录入")
    _fill(two, "#sheet-form", misread)
    two.get_by_role("button", name="保存录入").click()
    expect(two.locator(".messages")).to_contain_text("两次录入不一致")
    expect(two.locator(f"#boxes tr[data-box='{box.pk}']")).to_contain_text("两次录入不一致")
    assert TallySheet.objects.filter(box=box).count() == 2 and not BoxTally.objects.filter(box=box).exists()

    one.reload()
    row = one.locator(f"#boxes tr[data-box='{box.pk}']")
    expect(row).to_contain_text("两次录入不一致")
    row.get_by_role("link", name="核对").click()
    expect(one.locator("#diff-count")).to_contain_text("1 项不一致")
    differing = one.locator(f"#diff tr.diff-row[data-key='marks.{members[2].pk}']")
    expect(differing).to_contain_text(members[2].name)
    expect(differing.locator("span.diff")).to_have_text(["6", "5"])
    expect(one.locator("#diff tr.diff-row")).to_have_count(1)
    _no_sideways_scroll(one)
    _shot(one, "reconcile")
    form = one.locator("#reconcile-form")
    expect(form.locator(f"[name='c{members[2].pk}_0']")).to_have_value("6")  # pre-filled from entry 1
    form.locator("[name='note']").fill("对照纸质计票单：第三名委员候选人赞成票为 6 票，第二次录入误读为 5 票")
    form.get_by_role("button", name="确认核对结果").click()
    expect(one.locator(".messages")).to_contain_text("已核对")
    expect(one.locator(f"#boxes tr[data-box='{box.pk}']")).to_contain_text("已核对确认")
    tally = BoxTally.objects.get(box=box)
    assert tally.reconciled and tally.marks[str(members[2].pk)] == [6, 3, 1] and tally.reconciled_by == ew.worker

    one.get_by_role("link", name="计票与选举结果").click()
    one.locator("#count-form").get_by_role("button", name="计票").click()
    expect(one.locator(".messages")).to_contain_text("已完成计票")
    elected = one.locator("#elected")
    for winner in (directors[0], deputies[0], members[0], members[1], members[2]):
        expect(elected).to_contain_text(winner.name)
    for loser in (directors[1], deputies[1], members[3]):
        expect(elected).not_to_contain_text(loser.name)
    expect(one.locator(f"tr[data-candidate='{members[2].pk}'] .el-mark")).to_have_text("当选")
    _no_sideways_scroll(one)
    _shot(one, "results")
