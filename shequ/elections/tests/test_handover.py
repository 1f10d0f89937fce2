"""The handover after a completed election: the outgoing committee's terms end, the elected start, pay by the
standards in force; only once, only when completed, only in scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from shequ.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shequ.elections.models import Stage
from shequ.elections.services.handover import handover_record
from shequ.elections.services.results import results_publish
from shequ.elections.tests.test_results import counted_election
from shequ.governance.models import CommitteeKind, Position, Worker
from shequ.governance.services.workers import worker_create

pytestmark = pytest.mark.django_db

HANDOVER = dt.date(2026, 7, 1)


def _outgoing(ew: Any) -> list[Worker]:
    start = dt.date(2021, 7, 1)
    rows = [
        worker_create(actor=ew.admin, community=ew.community, name="老主任", position=Position.DIRECTOR,
                      committee=CommitteeKind.RESIDENTS, start_date=start, monthly_base_pay=Decimal("1500")),
        worker_create(actor=ew.admin, community=ew.community, name="老委员", position=Position.MEMBER,
                      committee=CommitteeKind.RESIDENTS, start_date=start, monthly_base_pay=Decimal("1200")),
    ]
    # Not the residents' committee, or not in this community: untouched.
    rows.append(worker_create(actor=ew.admin, community=ew.community, name="党组织书记", position=Position.DIRECTOR,
                              committee=CommitteeKind.PARTY, start_date=start, monthly_base_pay=Decimal("1500")))
    rows.append(worker_create(actor=ew.admin, community=ew.community_b, name="别社区主任",
                              position=Position.DIRECTOR, committee=CommitteeKind.RESIDENTS, start_date=start,
                              monthly_base_pay=Decimal("1500")))
    return rows


def completed(ew: Any) -> Any:
    s = counted_election(ew)
    results_publish(actor=ew.worker, election=s.election)
    s.election.refresh_from_db()
    return s


def test_handover_ends_the_old_committee_and_creates_the_new(ew):
    old = _outgoing(ew)
    s = completed(ew)
    handover_record(actor=ew.worker, election=s.election, handover_on=HANDOVER, note="公章、档案已移交")
    s.election.refresh_from_db()
    assert s.election.handover_on == HANDOVER and s.election.handover_note == "公章、档案已移交"
    ends = {w.name: w.end_date for w in Worker.objects.filter(pk__in=[w.pk for w in old])}
    assert ends == {"老主任": dt.date(2026, 6, 30), "老委员": dt.date(2026, 6, 30), "党组织书记": None,
                    "别社区主任": None}
    new = Worker.objects.filter(community=ew.community, start_date=HANDOVER).order_by("position", "name")
    got = {(w.name, w.position, w.committee, w.monthly_base_pay, w.resident_id) for w in new}
    c = s.c
    assert got == {
        (c[0].name, Position.DIRECTOR, CommitteeKind.RESIDENTS, Decimal("1500.00"), c[0].resident_id),
        (c[2].name, Position.DEPUTY, CommitteeKind.RESIDENTS, Decimal("1400.00"), c[2].resident_id),
        (c[4].name, Position.MEMBER, CommitteeKind.RESIDENTS, Decimal("1200.00"), c[4].resident_id),
        (c[5].name, Position.MEMBER, CommitteeKind.RESIDENTS, Decimal("1200.00"), c[5].resident_id),
        (c[6].name, Position.MEMBER, CommitteeKind.RESIDENTS, Decimal("1200.00"), c[6].resident_id),
    }
    with pytest.raises(Conflict):  # recorded once
        handover_record(actor=ew.worker, election=s.election, handover_on=HANDOVER)
    assert Worker.objects.filter(community=ew.community, start_date=HANDOVER).count() == 5


def test_handover_without_workers(ew):
    s = completed(ew)
    handover_record(actor=ew.worker, election=s.election, handover_on=HANDOVER, create_workers=False)
    assert not Worker.objects.exists()


def test_handover_refused_before_completed_or_before_the_day(ew):
    old = _outgoing(ew)
    s = counted_election(ew)
    assert s.election.stage == Stage.COUNTED
    with pytest.raises(Conflict):
        handover_record(actor=ew.worker, election=s.election, handover_on=HANDOVER)
    results_publish(actor=ew.worker, election=s.election)
    with pytest.raises(ValidationFailed) as exc:
        handover_record(actor=ew.worker, election=s.election, handover_on=ew.day - dt.timedelta(days=1))
    assert "handover_on" in exc.value.details
    s.election.refresh_from_db()
    assert s.election.handover_on is None
    assert not Worker.objects.filter(pk__in=[w.pk for w in old], end_date__isnull=False).exists()
    assert Worker.objects.count() == len(old)


def test_handover_scope(ew):
    s = completed(ew)
    with pytest.raises(NotFound):
        handover_record(actor=ew.outsider, election=s.election, handover_on=HANDOVER)
    with pytest.raises(PermissionDenied):
        handover_record(actor=ew.analyst, election=s.election, handover_on=HANDOVER)
    s.election.refresh_from_db()
    assert s.election.handover_on is None and not Worker.objects.exists()
