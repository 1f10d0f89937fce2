"""On a phone screen, in Debian's Chromium: a community worker enters a joint nomination sheet by name — finds the
voters in the roll, adds each as a nominator (their numbers fill the field, never twice), picks the nominee the
same way, and the nomination is registered with exactly those nominators."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shequ.core.testing.browser import browser_test, log_in
from shequ.elections.models import Candidate, Stage
from shequ.elections.rules import election_params, number
from shequ.elections.testing import advance, make_people, roll_from

PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}


@browser_test
def test_joint_nomination_entered_by_name(live_server, ew, page_for, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    singles = make_people(actor=ew.admin, community=ew.community, households=14, adults=1, prefix="单户")
    voters = roll_from(ew.election, ew.people)
    alone = roll_from(ew.election, singles)
    advance(ew.election, Stage.ROLL_FROZEN)
    day = ew.day - dt.timedelta(days=10)  # before the nomination deadline
    monkeypatch.setattr("shequ.elections.services.common.timezone.localdate", lambda *a, **k: day)
    minimum = int(number(election_params(ew.election), "nomination_joint_voters_min"))
    assert minimum <= 10 < len(alone)  # the lookup shows ten voters at a time

    page: Any = page_for(**PHONE)
    log_in(page, live_server.url, ew.worker.username)
    page.goto(f"{live_server.url}/elections/{ew.election.pk}/candidates/")
    form = page.locator("#nominate form")
    search = page.locator("#roll-q")
    search.fill("单户")
    adds = page.locator("#roll-results [data-add-nominator]")
    expect(adds).to_have_count(10)
    added = [adds.nth(i).get_attribute("data-add-nominator") for i in range(minimum)]
    for i in range(minimum):
        adds.nth(i).click()
    adds.nth(0).click()  # a second click adds nobody twice
    field = form.locator("textarea[name='nominator_ids']")
    expect(field).to_have_value(", ".join(added))
    expect(page.locator("#nominator-count")).to_contain_text(str(minimum))

    nominee = voters[0]
    search.fill(nominee.name)
    page.locator("#roll-results li", has_text=nominee.name).get_by_role("button", name="选为被提名人").click()
    expect(form.locator("[name='resident_id']")).to_have_value(str(nominee.resident_id))
    form.locator("[name='seat']").select_option("member")
    form.locator("[name='method']").select_option("voters_jointly")
    form.get_by_role("button", name="登记提名").click()
    expect(page.locator(".messages")).to_contain_text(nominee.name)

    candidate = Candidate.objects.get(election=ew.election)
    assert candidate.resident_id == nominee.resident_id
    nomination = candidate.nominations.get()
    assert sorted(nomination.nominator_ids) == sorted(int(n) for n in added)
