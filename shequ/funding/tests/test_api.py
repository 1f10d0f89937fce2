"""/api/v1/funding: operating and project funds CRUD with community/year filters, per-community totals;
scope by role, one error shape."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from shequ.core.models import AuditLog
from shequ.funding import services
from shequ.funding.models import OperatingFund, ProjectFund

BASE = "/api/v1/funding"


class Api:
    def __init__(self, user):
        self.client = Client()
        self.client.force_login(user)

    def get(self, path, **params):
        return self.client.get(BASE + path, params)

    def send(self, method, path, body=None):
        return self.client.generic(method, BASE + path, json.dumps(body or {}), content_type="application/json")


def error(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    return body


@pytest.fixture
def fund(world):
    return services.operating_fund_create(
        actor=world.worker, community=world.community, year=2020, source="city", amount=Decimal("80000")
    )


def test_named_operations():
    assert reverse("api:funding_operating") == BASE + "/operating"
    assert reverse("api:funding_project_detail", kwargs={"fund_id": 2}) == BASE + "/projects/2"


def test_operating_crud(world):
    api = Api(world.worker)
    new = {"community_code": world.community.code, "year": 2021, "source": "district", "amount": "123456.7",
           "received_on": "2021-04-02", "note": "第一批"}
    response = api.send("POST", "/operating", new)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount"] == "123456.70" and body["received_on"] == "2021-04-02"
    assert body["area_code"] == world.community.code
    pk = body["id"]
    assert api.get(f"/operating/{pk}").json() == body
    patched = api.send("PATCH", f"/operating/{pk}", {"amount": 130000, "received_on": None}).json()
    assert patched["amount"] == "130000.00" and patched["received_on"] is None and patched["note"] == "第一批"
    assert api.send("DELETE", f"/operating/{pk}").status_code == 204
    assert not OperatingFund.objects.exists()
    assert AuditLog.objects.filter(entity_type="operating_fund", entity_id=str(pk)).count() == 3


def test_project_crud(world):
    api = Api(world.subdistrict_officer)
    body = api.send("POST", "/projects", {"community_code": world.community_b.code, "year": 2020,
                                          "name": "助老食堂", "amount": 200000}).json()
    assert body["name"] == "助老食堂" and body["amount"] == "200000.00"
    assert api.send("PATCH", f"/projects/{body['id']}", {"name": "助老餐桌"}).json()["name"] == "助老餐桌"
    assert api.send("DELETE", f"/projects/{body['id']}").status_code == 204
    assert not ProjectFund.objects.exists()


def test_filters_and_totals(world, fund):
    services.operating_fund_create(actor=world.admin, community=world.community2, year=2021, source="city", amount=5)
    services.project_fund_create(actor=world.admin, community=world.community, year=2020, name="项目", amount=7)
    admin = Api(world.admin)
    assert admin.get("/operating").json()["count"] == 2
    assert admin.get("/operating", year=2020).json()["count"] == 1
    assert admin.get("/operating", community=world.community2.code).json()["results"][0]["amount"] == "5.00"
    assert admin.get("/projects", year=2021).json()["count"] == 0
    totals = admin.get("/communities", year=2020).json()
    rows = {r["code"]: r for r in totals["results"]}
    assert totals["year"] == 2020
    assert totals["operating_total"] == "80000.00" and totals["project_total"] == "7.00"
    assert rows[world.community.code]["operating_total"] == "80000.00"
    assert rows[world.community.code]["project_total"] == "7.00"
    assert rows[world.community2.code]["operating_total"] is None
    assert admin.get("/communities").json()["year"] == 2021  # latest year with a fund
    assert Api(world.worker).get("/operating").json()["count"] == 1  # scope


def test_validation_errors(world):
    api = Api(world.worker)
    body = error(api.send("POST", "/operating", {"community_code": world.community.code, "year": 1800,
                                                 "source": "bank", "amount": -3}), 422)
    assert set(body["details"]) == {"year", "source", "amount"}
    error(api.send("POST", "/operating", {"community_code": world.community.code, "year": 2020,
                                          "source": "city", "amount": "1e10"}), 422)
    error(api.send("POST", "/projects", {"community_code": world.community.code, "year": 2020,
                                         "name": "", "amount": 10}), 422)
    error(api.send("POST", "/projects", {"community_code": world.community.code, "year": "x",
                                         "name": "a", "amount": 10}), 422)
    assert not OperatingFund.objects.exists() and not ProjectFund.objects.exists()


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [("analyst", 200, 403), ("outsider", 404, 404), ("grid_worker", 404, 404), ("resident_user", 404, 404)],
)
def test_scope_by_role(world, fund, role, read, write):
    api = Api(getattr(world, role))
    assert api.get(f"/operating/{fund.pk}").status_code == read
    error(api.send("PATCH", f"/operating/{fund.pk}", {"amount": 1}), write)
    error(api.send("DELETE", f"/operating/{fund.pk}"), write)
    error(api.send("POST", "/operating", {"community_code": world.community.code, "year": 2020, "source": "city",
                                          "amount": 1}), write)
    fund.refresh_from_db()
    assert fund.amount == Decimal("80000") and OperatingFund.objects.count() == 1
