"""The election rules as versioned policy data (topic `election_rules`, DESIGN.md §5).

An election is judged by the version in force on its election day (`standards.policy.version_on`), found once
when the election is created or its day changes and kept on `Election.policy_version`. Ratios are stored as a
numerator and a denominator so that "at least one third" is exact; lists (the nomination methods allowed) are
"items" parameters, as in the standards app.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext as _

from shequ.core.errors import ValidationFailed
from shequ.elections.models.campaign import Body
from shequ.standards.models import PolicyVersion
from shequ.standards.policy import Params, params, version_on

TOPIC = "election_rules"
HUNAN_SET = "hunan-residents-committee-elections"

# Every key a version carries, with its kind (standards.ParamKind values).
PARAM_KINDS: dict[str, str] = {
    "term_years": "count",
    "voter_min_age": "count",
    "seats_min": "count",
    "seats_max": "count",
    "seats_odd": "count",  # 1: the committee's total must be odd
    "supervision_seats_min": "count",
    "supervision_seats_max": "count",
    "council_seats_min": "count",
    "council_seats_max": "count",
    "margin_director_min": "count",
    "margin_director_max": "count",
    "margin_deputy_min": "count",
    "margin_deputy_max": "count",
    "margin_member_min": "count",
    "margin_member_max": "count",
    "women_min": "count",  # women among the candidates and among those elected
    "close_relatives_block": "count",  # 1: close relatives may not be elected together; 0: warn only
    "roll_publish_days_before": "count",
    "objection_days": "count",
    "objection_answer_days": "count",
    "candidates_publish_days_before": "count",  # nominations close, the formal list is published
    "nomination_joint_voters_min": "count",
    "group_reps_min": "count",
    "group_reps_max": "count",
    "floating_residence_years": "count",
    "turnout_num": "count",  # valid when voters who voted > num/den of the registered voters
    "turnout_den": "count",
    "elect_num": "count",  # elected with > num/den of the ballots returned
    "elect_den": "count",
    "second_round_num": "count",  # 另行选举: elected with ≥ num/den of the ballots returned
    "second_round_den": "count",
    "proxy_max": "count",
    "mobile_box_staff_min": "count",
    "nomination_methods": "items",  # the ways a candidate may be nominated (elections.NominationMethod values)
}


def version_for_election(area_code: str, election_day: dt.date) -> PolicyVersion:
    """The rule set in force on `election_day`; refused when none covers that day."""
    version = version_on(TOPIC, area_code, election_day)
    if version is None:
        message = _("选举日 %(day)s 没有适用的选举规则版本，请先由市级管理员设置。") % {"day": election_day.isoformat()}
        raise ValidationFailed(message, details={"election_day": [message]})
    return version


def election_params(election: object) -> Params:
    """The parameters of the election's rule version (Decimals for numbers). The women rule is the residents'
    committee's (the Organic Law's "妇女成员"): a group leader's, supervision committee's or council's election
    by the same machinery does not have to put a woman on its list or among those elected."""
    values = params(getattr(election, "policy_version", None))
    body = getattr(election, "body", "")
    if body and body != Body.RESIDENTS_COMMITTEE and "women_min" in values:
        values = {**values, "women_min": Decimal(0)}
    return values


def number(values: Params, key: str) -> int:
    """An integer parameter; a version lacking it is a policy error, not a user error."""
    value = values.get(key)
    if not isinstance(value, Decimal):
        raise ValidationFailed(_("选举规则缺少参数 %(key)s。") % {"key": key}, code="policy_incomplete")
    return int(value)


def items(values: Params, key: str) -> list[str]:
    """A list parameter (kind "items"); a version lacking it is a policy error, not a user error."""
    value = values.get(key)
    if not isinstance(value, list):
        raise ValidationFailed(_("选举规则缺少参数 %(key)s。") % {"key": key}, code="policy_incomplete")
    return list(value)


def ratio(values: Params, key: str) -> Fraction:
    """`turnout`, `elect` or `second_round` as an exact fraction."""
    return Fraction(number(values, f"{key}_num"), number(values, f"{key}_den"))
