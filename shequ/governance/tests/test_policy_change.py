"""A change to `incompetent_years` made through the policy services refreshes the two-year rule's action items
of the set's area at once (standards.policy_services._recompute_after → action_items_recompute_area)."""

from __future__ import annotations

import datetime as dt

from shequ.core.models import AuditLog
from shequ.governance.models import ActionItem
from shequ.governance.tests.conftest import rate
from shequ.standards.models import PolicySet, PolicyVersion
from shequ.standards.policy_services import policy_version_create, policy_version_update

BAD = "incompetent"


def items(worker):
    return list(ActionItem.objects.filter(worker=worker).order_by("pk").values_list("first_year", "second_year",
                                                                                    "status"))


def test_a_new_version_and_an_edit_of_incompetent_years_clear_and_open_the_item(gov):
    rate(gov, gov.director, (2022, BAD), (2023, BAD))
    assert items(gov.director) == [(2022, 2023, "open")]
    loudi = PolicySet.objects.get(code="loudi-community-standards")
    current = PolicyVersion.objects.get(policy_set=loudi, effective_to__isnull=True)
    values = {p.key: p.value for p in current.parameters.all()}

    # from 2023 three years running are needed: 2021 was not rated 不称职, so the item is withdrawn
    v3 = policy_version_create(actor=gov.admin, policy_set=loudi, effective_from=dt.date(2023, 1, 1),
                               citation="测试：连续三年", parameters=values | {"incompetent_years": "3"})
    assert items(gov.director) == [(2022, 2023, "withdrawn")]
    withdrawn = AuditLog.objects.get(entity_type="action_item", action="action_item.withdraw")
    assert withdrawn.actor == gov.admin

    # a text edit leaves the items alone
    policy_version_update(actor=gov.admin, version=v3, note="说明")
    assert items(gov.director) == [(2022, 2023, "withdrawn")]

    # back to two years (v3 has judged nothing yet, so it is corrected in place): a new item is opened
    policy_version_update(actor=gov.admin, version=v3, parameters={"incompetent_years": "2"})
    assert items(gov.director) == [(2022, 2023, "withdrawn"), (2022, 2023, "open")]


def test_moving_the_start_of_a_version_that_carries_incompetent_years_refreshes_the_items(gov):
    rate(gov, gov.director, (2022, BAD), (2023, BAD))
    loudi = PolicySet.objects.get(code="loudi-community-standards")
    current = PolicyVersion.objects.get(policy_set=loudi, effective_to__isnull=True)
    values = {p.key: p.value for p in current.parameters.all()}
    v3 = policy_version_create(actor=gov.admin, policy_set=loudi, effective_from=dt.date(2025, 1, 1),
                               citation="测试：连续三年", parameters=values | {"incompetent_years": "3"})
    assert items(gov.director) == [(2022, 2023, "open")]  # 2023 is still judged by two years
    policy_version_update(actor=gov.admin, version=v3, effective_from=dt.date(2023, 1, 1), shift_neighbours=True)
    assert items(gov.director) == [(2022, 2023, "withdrawn")]
