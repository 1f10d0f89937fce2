"""/api/v1/governance: workers, evaluations, action items — status codes, scope, the one error shape."""

from __future__ import annotations

import json

from django.test import Client
from django.urls import reverse

from shequ.governance.models import ActionItem, Evaluation, Worker

BASE = "/api/v1/governance"


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


def new_worker(**extra):
    body = {"community_code": "431302001001", "name": "刘芳", "position": "member", "committee": "party",
            "start_date": "2016-01-01", "monthly_base_pay": "1200"}
    body.update(extra)
    return body


def test_named_operations():
    assert reverse("api:governance_workers") == BASE + "/workers"
    assert reverse("api:governance_worker", kwargs={"worker_id": 3}) == BASE + "/workers/3"
    assert reverse("api:governance_action_items") == BASE + "/action-items"


def test_worker_crud(gov):
    api = Api(gov.worker)
    created = api.send("POST", "/workers", new_worker())
    assert created.status_code == 201, created.content
    worker = created.json()
    assert worker["name"] == "刘芳" and worker["monthly_base_pay"] in ("1200.00", 1200.0, "1200")
    assert worker["in_post"] is True and worker["resident_id"] is None

    listing = api.get("/workers", community="431302001001").json()
    assert {w["name"] for w in listing["results"]} == {"王小明", "刘芳"} and listing["count"] == 2
    director = next(w for w in listing["results"] if w["name"] == "王小明")
    assert director["resident_id"] == gov.wang.pk and director["resident_phone"] == "138****5678"
    assert gov.wang.id_number not in json.dumps(listing) and "13812345678" not in json.dumps(listing)

    patched = api.send("PATCH", f"/workers/{worker['id']}", {"monthly_base_pay": "1300", "resident_id": gov.li.pk})
    assert patched.status_code == 200, patched.content
    assert patched.json()["resident_id"] == gov.li.pk
    ended = api.send("POST", f"/workers/{worker['id']}/end", {"end_date": "2020-12-31"})
    assert ended.status_code == 200 and ended.json()["end_date"] == "2020-12-31" and not ended.json()["in_post"]
    assert api.get("/workers", status="past").json()["count"] == 1
    assert api.get("/workers", status="current").json()["count"] == 1
    assert api.send("DELETE", f"/workers/{worker['id']}").status_code == 204
    assert not Worker.objects.filter(pk=worker["id"]).exists()


def test_worker_errors_in_one_shape(gov):
    api = Api(gov.worker)
    body = error(api.send("POST", "/workers", new_worker(position="worker")), 422)
    assert "committee" in body["details"]
    body = error(api.send("POST", "/workers", new_worker(monthly_base_pay="-5", end_date="2010-01-01")), 422)
    assert {"monthly_base_pay", "end_date"} <= set(body["details"])
    error(api.send("POST", "/workers", new_worker(start_date="not a date")), 422)
    error(api.send("POST", "/workers", {"name": "x"}), 422)
    body = error(api.send("POST", "/workers", new_worker(resident_id=gov.zhao.pk)), 422)
    assert "resident_id" in body["details"]
    error(api.send("POST", "/workers", new_worker(community_code="431381001001")), 404)
    error(api.send("POST", "/workers", new_worker(community_code="abc")), 404)
    error(Api(gov.admin).send("POST", "/workers", new_worker(community_code="431302001")), 422)
    error(api.send("PATCH", f"/workers/{gov.director.pk}", {"start_date": "2030-01-01"}), 422)
    error(Api(gov.analyst).send("POST", "/workers", new_worker()), 403)
    assert Worker.objects.count() == 1


def test_evaluations_and_the_two_year_rule(gov):
    api = Api(gov.worker)
    path = f"/workers/{gov.director.pk}/evaluations"
    assert api.send("POST", path, {"year": 2019, "rating": "incompetent"}).status_code == 200
    recorded = api.send("POST", path, {"year": 2020, "rating": "incompetent", "note": "居民代表会议评议"})
    assert recorded.status_code == 200 and recorded.json()["rating"] == "incompetent"
    items = api.get("/action-items").json()
    assert items["count"] == 1
    item = items["results"][0]
    assert (item["first_year"], item["second_year"], item["status"]) == (2019, 2020, "open")
    assert item["community_code"] == gov.community.code and item["age_days"] == 0 and item["worker_name"] == "王小明"

    corrected = api.send("POST", path, {"year": 2020, "rating": "basic"})
    assert corrected.status_code == 200 and Evaluation.objects.count() == 2
    assert api.get("/action-items", status="open").json()["count"] == 0
    assert api.get("/action-items", status="withdrawn").json()["count"] == 1
    assert [e["year"] for e in api.get(path).json()] == [2020, 2019]
    assert api.get("/evaluations", year=2019).json()["count"] == 1

    body = error(api.send("POST", path, {"year": 2013, "rating": "competent"}), 422)
    assert "2015" in body["message"] and "year" in body["details"]
    error(api.send("POST", path, {"year": 2019, "rating": "so-so"}), 422)
    error(api.send("POST", path, {"year": "二〇一九", "rating": "competent"}), 422)

    evaluation = Evaluation.objects.get(year=2019)
    assert api.send("DELETE", f"/evaluations/{evaluation.pk}").status_code == 204
    error(api.send("DELETE", f"/evaluations/{evaluation.pk}"), 404)


def test_resolving_needs_the_right_role(gov):
    path = f"/workers/{gov.director.pk}/evaluations"
    for year in (2019, 2020):
        Api(gov.worker).send("POST", path, {"year": year, "rating": "incompetent"})
    item = ActionItem.objects.get()
    resolve = f"/action-items/{item.pk}/resolve"
    payload = {"outcome": "dismissed", "note": "依合同解聘"}
    error(Api(gov.worker).send("POST", resolve, payload), 403)
    error(Api(gov.analyst).send("POST", resolve, payload), 403)
    error(Api(gov.outsider).send("POST", resolve, payload), 404)
    error(Api(gov.outsider).get(f"/action-items/{item.pk}"), 404)
    assert Api(gov.outsider).get("/action-items").json()["count"] == 0
    error(Api(gov.grid_worker).get("/action-items"), 404)
    body = error(Api(gov.subdistrict_officer).send("POST", resolve, {"outcome": "dismissed", "note": ""}), 422)
    assert "note" in body["details"]
    done = Api(gov.subdistrict_officer).send("POST", resolve, payload)
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "done" and done.json()["closed_by"] == "subdistrict_officer"
    error(Api(gov.subdistrict_officer).send("POST", resolve, payload), 409)


def test_outsiders_and_readers(gov):
    outsider = Api(gov.outsider)
    error(outsider.get(f"/workers/{gov.director.pk}"), 404)
    error(outsider.send("PATCH", f"/workers/{gov.director.pk}", {"name": "X"}), 404)
    error(outsider.send("POST", f"/workers/{gov.director.pk}/evaluations", {"year": 2020, "rating": "competent"}), 404)
    assert outsider.get("/workers").json()["count"] == 0
    analyst = Api(gov.analyst)
    assert analyst.get("/workers").json()["count"] == 1
    error(analyst.send("PATCH", f"/workers/{gov.director.pk}", {"name": "X"}), 403)
    error(analyst.send("POST", f"/workers/{gov.director.pk}/evaluations", {"year": 2020, "rating": "competent"}), 403)
    error(analyst.send("DELETE", f"/workers/{gov.director.pk}"), 403)
    error(Api(gov.resident_user).get("/workers"), 404)
    assert Worker.objects.get().name == "王小明" and Evaluation.objects.count() == 0
    anonymous = Client().get(BASE + "/workers")
    assert anonymous.status_code == 401


def test_odd_input_never_ends_in_a_500(gov):
    """Huge ids, non-numbers, NaN and over-long notes: each a 404 or a 422 in the one shape."""
    api = Api(gov.worker)
    big = 10**20
    error(api.get(f"/workers/{big}"), 404)
    body = error(api.send("POST", "/workers", new_worker(resident_id=big)), 422)
    assert "resident_id" in body["details"]
    error(api.send("POST", "/workers", new_worker(monthly_base_pay="NaN")), 422)
    error(api.send("POST", "/workers", new_worker(monthly_base_pay="1e30")), 422)
    body = error(api.send("POST", f"/workers/{gov.director.pk}/evaluations", {"year": 2020, "rating": "competent",
                                                                              "note": "长" * 300}), 422)
    assert "note" in body["details"]
    assert api.get("/action-items", page=999, status="bogus").status_code == 200
    pages = Client()
    pages.force_login(gov.worker)
    staff = f"/governance/community/{gov.community.code}/staff/"
    for url, status in [
        (f"/governance/workers/{big}/edit/", 404),
        ("/governance/community/abc/staff/", 404),
        ("/governance/worklist/?page=abc&status=zz&area=x", 200),
        (staff + "?until=abc", 200),
        (staff + "?until=1900", 200),
        (f"/governance/community/{gov.community.code}/residents/?pick=abc", 404),
        (f"/governance/workers/{gov.director.pk}/evaluations/?year=abc", 200),
    ]:
        assert pages.get(url).status_code == status, url
    response = pages.post(staff + "new/", {"resident_id": big, "position": "member", "committee": "party",
                                           "start_date": "2016-01-01", "monthly_base_pay": "1200"})
    assert response.status_code == 422
