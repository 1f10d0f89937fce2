"""The state machine: every legal transition, every illegal one refused with nothing changed, the inputs each
needs, who may act, and escalation moving the case to the sub-district."""

from __future__ import annotations

import pytest

from shequ.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shequ.core.models import AuditLog
from shequ.core.roles import Role
from shequ.core.testing.factories import make_user
from shequ.incidents import services
from shequ.incidents.models import Event, Incident, Status
from shequ.incidents.states import ACTIONS, TABLE, TRANSITIONS
from shequ.incidents.tests.helpers import department, local, report, set_clock, walk

# A path to each status from a new report.
PATHS = {
    Status.REPORTED: (),
    Status.OPENED: ("open",),
    Status.REJECTED: ("reject",),
    Status.DISPATCHED: ("open", "dispatch"),
    Status.HANDLED: ("open", "dispatch", "handle"),
    Status.CHECKED: ("open", "dispatch", "handle", "check"),
    Status.CLOSED: ("open", "dispatch", "handle", "check", "close"),
    Status.EVALUATED: ("open", "dispatch", "handle", "check", "close", "evaluate"),
}


def _at(world, status):  # type: ignore[no-untyped-def]
    return walk(report(world), world.worker, *PATHS[status])


def _kwargs(action):  # type: ignore[no-untyped-def]
    return {
        "note": "说明" if action in ("reject", "dispatch") else "",
        "department": department() if action == "dispatch" else None,
        "rating": 4 if action == "evaluate" else None,
    }


def test_the_whole_life_of_a_case(world, monkeypatch):
    set_clock(monkeypatch, local(2026, 9, 30, 10, 0))
    case = report(world)
    assert case.status == Status.REPORTED and case.number.startswith("SJ20260930")
    assert case.grid == world.grid and case.area_code == world.grid.code
    assert case.handling_code == world.community.code and case.due_at is None
    case = walk(case, world.worker, "open")
    # garbage: 2 working days from the eve of the National Day holiday → Friday 9 October
    assert case.opened_at == local(2026, 9, 30, 10, 0) and case.due_at == local(2026, 10, 9, 10, 0)
    case = walk(case, world.worker, "dispatch", "handle", "check", "close")
    assert case.status == Status.CLOSED and case.department == department() and case.closed_at is not None
    case = walk(case, world.grid_worker, "evaluate", rating=3)  # the reporter evaluates
    assert case.status == Status.EVALUATED and case.rating == 3
    actions = list(Event.objects.filter(incident=case).values_list("action", flat=True))
    assert actions == ["report", "open", "dispatch", "handle", "check", "close", "evaluate"]
    logged = AuditLog.objects.filter(entity_type="incident", entity_id=str(case.pk)).count()
    assert logged == len(actions)


@pytest.mark.parametrize("transition", TRANSITIONS, ids=lambda t: f"{t.source}-{t.action}")
def test_every_legal_transition(world, transition):
    case = _at(world, transition.source)
    actor = world.grid_worker if transition.action == "evaluate" else world.worker
    done = services.incident_transition(actor=actor, incident=case, action=transition.action,
                                        **_kwargs(transition.action))
    assert done.status == transition.target
    event = Event.objects.filter(incident=case).last()
    assert event is not None and (event.action, event.from_status, event.to_status) == (
        transition.action, transition.source, transition.target
    )


ILLEGAL = [(s, a) for s in PATHS for a in ACTIONS if (s, a) not in TABLE]


@pytest.mark.parametrize(("status", "action"), ILLEGAL, ids=[f"{s}-{a}" for s, a in ILLEGAL])
def test_every_illegal_transition_is_refused_and_changes_nothing(world, status, action):
    case = _at(world, status)
    before = Incident.objects.values().get(pk=case.pk)
    events, audits = Event.objects.count(), AuditLog.objects.count()
    with pytest.raises(Conflict) as caught:
        services.incident_transition(actor=world.admin, incident=case, action=action, **_kwargs(action))
    assert caught.value.details["status"] == status and caught.value.details["action"] == action
    assert Incident.objects.values().get(pk=case.pk) == before
    assert (Event.objects.count(), AuditLog.objects.count()) == (events, audits)


def test_merged_case_takes_no_action(world):
    case, other = report(world), report(world)
    services.incident_merge(actor=world.worker, incident=case, into=other)
    for action in ACTIONS:
        with pytest.raises(Conflict):
            services.incident_transition(actor=world.admin, incident=case, action=action, **_kwargs(action))


def test_conflict_message_names_both(world):
    case = _at(world, Status.REPORTED)
    with pytest.raises(Conflict) as caught:
        services.incident_transition(actor=world.worker, incident=case, action="close")
    assert "上报" in str(caught.value.message) and "结案" in str(caught.value.message)


def test_inputs_each_action_needs(world):
    case = report(world)
    with pytest.raises(ValidationFailed) as caught:
        services.incident_transition(actor=world.worker, incident=case, action="reject")
    assert "note" in caught.value.details
    case = walk(case, world.worker, "open")
    case.category.department = None  # no responsible department to fall back on
    case.category.save(update_fields=["department"])
    with pytest.raises(ValidationFailed) as caught:
        services.incident_transition(actor=world.worker, incident=case, action="dispatch")
    assert "department" in caught.value.details
    case = walk(case, world.worker, "dispatch", "handle", "check", "close")
    for bad in (0, 6, "x", None):
        with pytest.raises(ValidationFailed):
            services.incident_transition(actor=world.worker, incident=case, action="evaluate", rating=bad)
    with pytest.raises(ValidationFailed):
        services.incident_transition(actor=world.worker, incident=case, action="fly")
    assert Incident.objects.get(pk=case.pk).status == Status.CLOSED


def test_failed_check_goes_back_to_the_department(world):
    case = walk(report(world), world.worker, "open", "dispatch", "handle")
    with pytest.raises(ValidationFailed):
        services.incident_transition(actor=world.worker, incident=case, action="dispatch")  # the reason is needed
    case = services.incident_transition(actor=world.worker, incident=case, action="dispatch", note="垃圾未清理干净")
    assert case.status == Status.DISPATCHED and case.department == department()


def test_department_must_serve_the_place(world):
    from shequ.incidents.models import Department

    elsewhere = Department.objects.create(name="冷水江市城管局", area_code=world.district2.code)
    case = walk(report(world), world.worker, "open")
    with pytest.raises(ValidationFailed):
        services.incident_transition(actor=world.worker, incident=case, action="dispatch", department=elsewhere)
    local_dept = Department.objects.create(name="长青社区物业", area_code=world.community.code)
    case = services.incident_transition(actor=world.worker, incident=case, action="dispatch", department=local_dept)
    assert case.department == local_dept


def test_who_may_act(world):
    case = report(world)
    for actor in (world.grid_worker, world.analyst):  # they see it, they may not handle it
        with pytest.raises(PermissionDenied):
            services.incident_transition(actor=actor, incident=case, action="open")
    for actor in (world.outsider, world.resident_user, world.auditor):  # they do not see it at all
        with pytest.raises(NotFound):
            services.incident_transition(actor=actor, incident=case, action="open")
    closed = walk(case, world.worker, "open", "dispatch", "handle", "check", "close")
    colleague = make_user("grid_worker_b", Role.GRID_WORKER, world.grid)  # same grid, not the reporter
    with pytest.raises(PermissionDenied):
        services.incident_transition(actor=colleague, incident=closed, action="evaluate", rating=5)
    assert Incident.objects.get(pk=case.pk).status == Status.CLOSED


def test_escalation_moves_handling_to_the_sub_district(world):
    case = walk(report(world), world.worker, "open")
    case = services.incident_transition(actor=world.worker, incident=case, action="escalate", note="需要街道协调")
    assert case.status == Status.OPENED and case.handling_code == world.subdistrict.code
    # the community no longer handles it; it still sees it
    with pytest.raises(PermissionDenied):
        services.incident_transition(actor=world.worker, incident=case, action="dispatch", department=department())
    assert services.allowed_actions(world.worker, case) == []
    case = walk(case, world.subdistrict_officer, "dispatch")
    assert case.status == Status.DISPATCHED
    case = walk(case, world.subdistrict_officer, "escalate")
    assert case.handling_code == world.district.code
    with pytest.raises(PermissionDenied):
        walk(case, world.subdistrict_officer, "handle")
    case = walk(case, world.district_officer, "escalate")
    assert case.handling_code == world.city.code
    with pytest.raises(PermissionDenied):
        walk(case, world.district_officer, "handle")
    with pytest.raises(ValidationFailed):  # nowhere higher than the city
        walk(case, world.admin, "escalate")
    event = Event.objects.filter(incident=case, action="escalate").first()
    assert event is not None and event.data["to"] == world.subdistrict.code
    # only while opened or dispatched
    handled = walk(case, world.admin, "handle")
    with pytest.raises(Conflict):
        walk(handled, world.admin, "escalate")


def test_allowed_actions_follow_the_table_and_the_viewer(world):
    case = report(world)
    assert [t.action for t in services.allowed_actions(world.worker, case)] == ["open", "reject"]
    assert services.allowed_actions(world.grid_worker, case) == []
    assert services.allowed_actions(world.outsider, case) == []
    closed = walk(case, world.worker, "open", "dispatch", "handle", "check", "close")
    assert [t.action for t in services.allowed_actions(world.grid_worker, closed)] == ["evaluate"]
