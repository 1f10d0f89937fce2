"""The election timetable from the rule in force on election day: one place for every deadline the services
enforce and the pages show. `values` (the election's parameters) may be passed when the caller has them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shequ.elections.rules import election_params, number
from shequ.standards.policy import Params


def _days(election: Any, key: str, values: Params | None) -> dt.timedelta:
    return dt.timedelta(days=number(values if values is not None else election_params(election), key))


def roll_publish_by(election: Any, values: Params | None = None) -> dt.date:
    """The last day to publish the roll (election day − `roll_publish_days_before`)."""
    return election.election_day - _days(election, "roll_publish_days_before", values)


def objection_last_day(
    election: Any, values: Params | None = None, published_on: dt.date | None = None
) -> dt.date | None:
    """The last day to object (publication + `objection_days`); None before publication unless `published_on`."""
    published = published_on or election.roll_published_on
    return published + _days(election, "objection_days", values) if published else None


def answer_due_on(election: Any, filed_on: dt.date, values: Params | None = None) -> dt.date:
    """The day an objection filed on `filed_on` must be answered by (+ `objection_answer_days`)."""
    return filed_on + _days(election, "objection_answer_days", values)


def nomination_last_day(election: Any, values: Params | None = None) -> dt.date:
    """The last day to nominate and to publish the formal list (election day − `candidates_publish_days_before`)."""
    return election.election_day - _days(election, "candidates_publish_days_before", values)
