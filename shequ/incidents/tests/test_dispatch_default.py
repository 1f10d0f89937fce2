"""Dispatching to the category's responsible department: the service falls back on it when no department is named,
and the detail page offers it pre-selected, as long as it may take the case (active, serving the case's place)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from shequ.core.errors import ValidationFailed
from shequ.incidents import services
from shequ.incidents.models import Department, Event, Incident, Status
from shequ.incidents.tests.helpers import category, report, walk


def _opened(world):  # type: ignore[no-untyped-def]
    return walk(report(world), world.worker, "open")


def _responsible(case: Incident) -> Department:
    department = case.category.department
    assert department is not None  # the seeded 垃圾堆放 has one
    return department


def _other_city_department(case: Incident) -> Department:
    other = Department.objects.filter(area_code="4313", active=True).exclude(pk=_responsible(case).pk).first()
    assert other is not None
    return other


def _selected(page: str) -> list[str]:
    select = re.search(r'<select name="department"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None
    return re.findall(r'<option value="(\d*)" selected>', select.group(1))


def test_dispatch_naming_no_department_goes_to_the_categorys(world):
    case = _opened(world)
    done = services.incident_transition(actor=world.worker, incident=case, action="dispatch")
    assert done.status == Status.DISPATCHED and done.department == _responsible(case)
    assert Incident.objects.get(pk=case.pk).department_id == _responsible(case).pk
    event = Event.objects.get(incident=case, action="dispatch")
    assert event.data == {"department": _responsible(case).name, "by_category": True}


def test_a_named_department_wins(world):
    case = _opened(world)
    other = _other_city_department(case)
    done = services.incident_transition(actor=world.worker, incident=case, action="dispatch", department=other)
    assert done.department == other
    assert "by_category" not in Event.objects.get(incident=case, action="dispatch").data


@pytest.mark.parametrize("why", ["none", "inactive", "elsewhere"])
def test_no_usable_category_department_is_still_refused(world, why):
    case = _opened(world)
    garbage = category()
    if why == "none":
        garbage.department = None
        garbage.save(update_fields=["department"])
    elif why == "inactive":
        Department.objects.filter(pk=garbage.department_id).update(active=False)
    else:  # a department of another district does not serve this case's place
        garbage.department = Department.objects.create(name="冷水江市城管局", area_code=world.district2.code)
        garbage.save(update_fields=["department"])
    with pytest.raises(ValidationFailed) as caught:
        services.incident_transition(actor=world.worker, incident=case, action="dispatch")
    assert caught.value.details["department"] == ["请选择处置部门"]
    fresh = Incident.objects.get(pk=case.pk)
    assert fresh.status == Status.OPENED and fresh.department_id is None


def test_a_failed_check_sent_back_without_a_department_keeps_the_cases(world):
    case = _opened(world)
    other = _other_city_department(case)
    case = walk(case, world.worker, "dispatch", "handle", department=other)
    again = services.incident_transition(actor=world.worker, incident=case, action="dispatch", note="未清理干净")
    assert again.status == Status.DISPATCHED and again.department == other


def test_the_page_pre_selects_the_categorys_department_and_dispatches_to_it(world):
    case = _opened(world)
    client = Client()
    client.force_login(world.worker)
    url = reverse("incidents:detail", args=[case.pk])
    assert _selected(client.get(url).content.decode()) == [str(_responsible(case).pk)]
    response = client.post(reverse("incidents:transition", args=[case.pk]), {"action": "dispatch", "department": ""})
    assert response.status_code == 302
    assert Incident.objects.get(pk=case.pk).department_id == _responsible(case).pk
    page = client.get(url).content.decode()
    assert "（类别的责任部门）" in page


def test_the_page_pre_selects_nothing_without_a_usable_category_department(world):
    case = _opened(world)
    Department.objects.filter(pk=case.category.department_id).update(active=False)
    client = Client()
    client.force_login(world.worker)
    assert _selected(client.get(reverse("incidents:detail", args=[case.pk])).content.decode()) == []


def test_the_re_dispatch_form_pre_selects_the_cases_own_department(world):
    case = _opened(world)
    other = _other_city_department(case)
    case = walk(case, world.worker, "dispatch", "handle", department=other)
    client = Client()
    client.force_login(world.worker)
    assert _selected(client.get(reverse("incidents:detail", args=[case.pk])).content.decode()) == [str(other.pk)]
