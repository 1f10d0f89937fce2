"""Paper-ballot pages: opening the vote, boxes (states, create, delete), the sheet entry form (which entry,
errors inline, the warning for ballots beyond those issued), reconciliation (differences highlighted, note
required); scope (outsider 404) and roles (analyst reads the boxes, may not enter: 403)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from shequ.core.testing.clients import login, page_text
from shequ.elections.models import BallotBox, BoxTally, Election, Stage, TallySheet
from shequ.elections.services.tally import sheet_enter
from shequ.elections.tests.test_tally import SHEET, voting_world


@pytest.fixture
def tw(ew):  # type: ignore[no-untyped-def]
    return voting_world(ew)


def form_data(w: Any, **changes: Any) -> dict[str, str]:
    """SHEET as the entry form posts it."""
    sheet = SHEET(w, **changes)
    data = {f: str(sheet[f]) for f in ("ballots_issued", "ballots_returned", "invalid_ballots")}
    for cid, triple in sheet["marks"].items():
        for i, v in enumerate(triple):
            data[f"c{cid}_{i}"] = str(v)
    for seat, names in sheet["write_ins"].items():
        for n, (name, votes) in enumerate(names.items()):
            data[f"wi_{seat}_{n}_name"], data[f"wi_{seat}_{n}_votes"] = name, str(votes)
    return data


def test_url_names():
    assert reverse("elections:voting_open", args=[3]) == "/elections/3/voting/open/"
    assert reverse("elections:boxes", args=[3]) == "/elections/3/boxes/"
    assert reverse("elections:sheet", args=[3, 4]) == "/elections/3/boxes/4/sheet/"
    assert reverse("elections:reconcile", args=[3, 4]) == "/elections/3/boxes/4/reconcile/"


def test_boxes_page_create_and_delete(tw, django_assert_max_num_queries):
    url = reverse("elections:boxes", args=[tw.election.pk])
    client = login(tw.worker)
    with django_assert_max_num_queries(20):
        body = page_text(client, url)
    assert "中心会场" in body and "未录入" in body
    assert reverse("elections:sheet", args=[tw.election.pk, tw.box.pk]) in body
    refused = client.post(url, {"name": "流动票箱", "kind": "mobile", "staff": "甲、乙"})
    assert refused.status_code == 422 and "流动票箱须至少由 3 名工作人员负责" in refused.content.decode()
    assert BallotBox.objects.count() == 1
    done = client.post(url, {"name": "流动票箱", "kind": "mobile", "staff": "甲、乙，丙", "voters_assigned": "4"})
    assert done.status_code == 302
    box = BallotBox.objects.get(name="流动票箱")
    assert box.staff == ["甲", "乙", "丙"] and box.voters_assigned == 4
    assert client.post(reverse("elections:box_delete", args=[tw.election.pk, box.pk])).status_code == 302
    assert not BallotBox.objects.filter(pk=box.pk).exists()


def test_boxes_scope_and_roles(tw):
    url = reverse("elections:boxes", args=[tw.election.pk])
    assert login(tw.outsider).get(url).status_code == 404
    body = page_text(login(tw.analyst), url)
    assert "中心会场" in body and 'id="box-form"' not in body and "录入计票单" not in body
    assert login(tw.analyst).post(url, {"name": "x", "kind": "fixed"}).status_code == 403
    assert login(tw.outsider).post(url, {"name": "x", "kind": "fixed"}).status_code == 404
    sheet_url = reverse("elections:sheet", args=[tw.election.pk, tw.box.pk])
    assert login(tw.analyst).get(sheet_url).status_code == 403
    assert login(tw.outsider).post(sheet_url, form_data(tw)).status_code == 404
    assert login(tw.worker).get(reverse("elections:sheet", args=[tw.election.pk, 999999])).status_code == 404
    assert BallotBox.objects.count() == 1 and TallySheet.objects.count() == 0


def test_open_voting_button(ew):
    w = voting_world(ew, stage=Stage.CANDIDATES_PUBLISHED)
    client = login(w.worker)
    body = page_text(client, reverse("elections:boxes", args=[w.election.pk]))
    assert 'id="voting-open"' in body
    response = client.post(reverse("elections:voting_open", args=[w.election.pk]))
    from shequ.elections.services.common import today

    if today() < w.election.election_day:
        assert response.status_code == 422 and "之前不能开始投票" in response.content.decode()
        assert Election.objects.get(pk=w.election.pk).stage == Stage.CANDIDATES_PUBLISHED
    else:  # pragma: no cover - after election day
        assert response.status_code == 302
    assert login(w.analyst).post(reverse("elections:voting_open", args=[w.election.pk])).status_code == 403


def test_sheet_entry_errors_inline_then_saved(tw):
    url = reverse("elections:sheet", args=[tw.election.pk, tw.box.pk])
    client = login(tw.worker)
    body = page_text(client, url)
    assert "您正在进行第 1 次录入" in body and tw.members[3].name in body and f'name="c{tw.members[3].pk}_2"' in body
    data = form_data(tw)
    data[f"c{tw.directors[0].pk}_0"] = "9"  # 9 + 2 + 1 > 9 valid; director "for" 9 + 3 > 9 × 1
    data["ballots_returned"] = ""
    refused = client.post(url, data)
    assert refused.status_code == 422 and "“收回选票”须为不小于 0 的整数" in refused.content.decode()
    data["ballots_returned"] = "10"
    refused = client.post(url, data)
    text = refused.content.decode()
    assert refused.status_code == 422 and f"候选人 {tw.directors[0].name} 的赞成、反对、弃权票合计 12 张" in text
    assert 'value="9"' in text and TallySheet.objects.count() == 0
    saved = client.post(url, form_data(tw, ballots_issued=9))
    assert saved.status_code == 302
    sheet = TallySheet.objects.get()
    assert sheet.entered_by == tw.worker and sheet.write_ins == {"member": {"王五": 2}}
    body = page_text(client, url)
    assert "您正在更正您的第 1 次录入" in body and "多于发出选票" in body


def test_two_entries_disagree_then_reconciled(tw):
    sheet_url = reverse("elections:sheet", args=[tw.election.pk, tw.box.pk])
    assert login(tw.worker).post(sheet_url, form_data(tw)).status_code == 302
    second = login(tw.worker2)
    assert "您正在进行第 2 次录入" in page_text(second, sheet_url)
    assert second.post(sheet_url, form_data(tw, ballots_issued=11)).status_code == 302
    boxes = page_text(login(tw.worker), reverse("elections:boxes", args=[tw.election.pk]))
    assert "两次录入不一致" in boxes and reverse("elections:reconcile", args=[tw.election.pk, tw.box.pk]) in boxes
    third = login(tw.subdistrict_officer)
    assert "两次录入已由其他人完成" in page_text(third, sheet_url)

    url = reverse("elections:reconcile", args=[tw.election.pk, tw.box.pk])
    body = page_text(login(tw.worker), url)
    assert "有 1 项不一致" in body
    row = re.search(r'<tr data-key="ballots_issued" class="diff-row">.*?</tr>', body, re.S)
    assert row and '<span class="diff"><b>10</b></span>' in row.group(0) and "<b>11</b>" in row.group(0)
    assert '<tr data-key="ballots_returned">' in body  # an agreeing figure is not highlighted
    assert 'id="id_ballots_issued" name="ballots_issued" value="10"' in body  # pre-filled from entry 1
    data = form_data(tw)
    refused = login(tw.worker).post(url, data)
    assert refused.status_code == 422 and "请填写核对说明" in refused.content.decode()
    assert not BoxTally.objects.exists()
    done = login(tw.worker).post(url, {**data, "note": "核对纸质计票单：发出 10 张"})
    assert done.status_code == 302
    tally = BoxTally.objects.get()
    assert tally.reconciled and tally.ballots_issued == 10 and TallySheet.objects.count() == 2
    assert "已核对确认" in page_text(login(tw.worker), reverse("elections:boxes", args=[tw.election.pk]))


def test_agreeing_entries_accept_the_box(tw):
    sheet_enter(actor=tw.worker, box=tw.box, **SHEET(tw))
    response = login(tw.worker2).post(reverse("elections:sheet", args=[tw.election.pk, tw.box.pk]), form_data(tw),
                                      follow=True)
    assert "两次录入一致，本票箱计票结果已确认" in response.content.decode()
    assert BoxTally.objects.get().reconciled is False
    body = page_text(login(tw.worker), reverse("elections:reconcile", args=[tw.election.pk, tw.box.pk]))
    assert 'id="reconcile-form"' not in body and "两次录入一致，已确认" in body


def test_sheet_page_closed_before_voting(ew):
    w = voting_world(ew, stage=Stage.CANDIDATES_PUBLISHED)
    url = reverse("elections:sheet", args=[w.election.pk, w.box.pk])
    body = page_text(login(w.worker), url)
    assert "现在不能录入计票单" in body and 'id="sheet-form"' not in body
    response = login(w.worker).post(url, form_data(w))
    assert response.status_code == 409 and TallySheet.objects.count() == 0
