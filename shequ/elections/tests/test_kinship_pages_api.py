"""Declared kinships on the candidates page (section, add and remove forms, roll lookup) and under
/api/v1/elections/{id}/kinships (list, add, delete): the one error shape, scope and roles, nothing changed when
refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shequ.core.models import AuditLog
from shequ.core.testing.clients import ApiClient, assert_error, login
from shequ.elections.models import DeclaredKinship, SeatKind, Stage
from shequ.elections.services.kinship import kinship_declare
from shequ.elections.testing import advance, formal_candidates, make_people, roll_from

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen(ew):  # type: ignore[no-untyped-def]
    ew.singles = make_people(actor=ew.admin, community=ew.community, households=6, adults=1, prefix="单户")
    ew.voters = roll_from(ew.election, ew.people)
    ew.alone = roll_from(ew.election, ew.singles)
    advance(ew.election, Stage.ROLL_FROZEN)
    ew.a, ew.b = ew.singles[0], ew.singles[1]  # two residents of different households, not kin by the registry
    return ew


def _url(name, ew, *args):  # type: ignore[no-untyped-def]
    return reverse(f"elections:{name}", args=[ew.election.pk, *args])


def _api(user):  # type: ignore[no-untyped-def]
    return ApiClient(user, "/api/v1")


# -- page -----------------------------------------------------------------------------------------------------------


def test_page_add_and_remove(frozen):
    ew = frozen
    formal_candidates(ew.election, SeatKind.MEMBER, ew.alone[:2])
    client = login(ew.worker)
    html = client.get(_url("candidates", ew)).content.decode()
    assert 'id="kinship"' in html and _url("kinship_declare", ew) in html
    assert 'id="candidate-kin"' not in html
    response = client.post(_url("kinship_declare", ew), {"resident_a_id": ew.a.pk, "resident_b_id": ew.b.pk,
                                                         "relation": "siblings", "kin_note": "本人申报"})
    assert response.status_code == 302
    row = DeclaredKinship.objects.get()
    assert (row.relation, row.note, row.recorded_by) == ("siblings", "本人申报", ew.worker)
    html = client.get(_url("candidates", ew)).content.decode()
    assert f'id="kinship-{row.pk}"' in html and "本人申报" in html
    assert 'id="candidate-kin"' in html  # the two formal candidates are now close relatives
    assert _url("kinship_remove", ew, row.pk) in html
    # The same pair again, the other way round: refused on the form, nothing added.
    response = client.post(_url("kinship_declare", ew), {"resident_a_id": ew.b.pk, "resident_b_id": ew.a.pk,
                                                         "relation": "spouse"})
    assert response.status_code == 422 and ew.a.name in response.content.decode()
    assert DeclaredKinship.objects.count() == 1
    assert client.post(_url("kinship_remove", ew, row.pk)).status_code == 302
    assert not DeclaredKinship.objects.exists()
    assert AuditLog.objects.filter(entity_type="elections.DeclaredKinship").count() == 2
    assert client.post(_url("kinship_remove", ew, row.pk)).status_code == 404


def test_page_errors_on_the_form(frozen):
    ew = frozen
    client = login(ew.worker)
    response = client.post(_url("kinship_declare", ew), {"resident_a_id": ew.a.pk, "resident_b_id": ew.a.pk,
                                                         "relation": "spouse"})
    assert response.status_code == 422 and "两位不同的居民" in response.content.decode()
    response = client.post(_url("kinship_declare", ew), {"resident_a_id": ew.a.pk, "resident_b_id": ew.zhao.pk,
                                                         "relation": "spouse"})
    assert response.status_code == 422 and str(ew.zhao.pk) in response.content.decode()
    assert not DeclaredKinship.objects.exists()


def test_page_scope_and_roles(frozen):
    ew = frozen
    row = kinship_declare(actor=ew.worker, election=ew.election, resident_a=ew.a.pk, resident_b=ew.b.pk,
                          relation="spouse")
    body = {"resident_a_id": ew.a.pk, "resident_b_id": ew.singles[2].pk, "relation": "spouse"}
    assert login(ew.outsider).post(_url("kinship_declare", ew), body).status_code == 404
    assert login(ew.analyst).post(_url("kinship_declare", ew), body).status_code == 403
    assert login(ew.outsider).post(_url("kinship_remove", ew, row.pk)).status_code == 404
    assert login(ew.analyst).post(_url("kinship_remove", ew, row.pk)).status_code == 403
    assert list(DeclaredKinship.objects.values_list("pk", flat=True)) == [row.pk]
    html = login(ew.analyst).get(_url("candidates", ew)).content.decode()
    assert f'id="kinship-{row.pk}"' in html  # a viewer sees the list, without the forms
    assert _url("kinship_declare", ew) not in html and _url("kinship_remove", ew, row.pk) not in html
    assert login(ew.worker).get(_url("kinship_declare", ew)).status_code == 405


def test_roll_lookup_fills_the_kinship_fields(frozen):
    ew = frozen
    client = login(ew.worker)
    html = client.get(_url("candidate_lookup", ew), {"q": ew.alone[1].name, "for": "kinship"}).content.decode()
    assert "field=resident_a_id" in html and "field=resident_b_id" in html and "data-add-nominator" not in html
    html = client.get(_url("candidate_lookup", ew), {"pick": ew.alone[1].pk, "field": "resident_b_id"}).content
    assert f'name="resident_b_id" min="1" id="id_resident_b_id" value="{ew.b.pk}"' in html.decode()


# -- API ------------------------------------------------------------------------------------------------------------


def test_api_list_add_delete(frozen):
    ew = frozen
    api = _api(ew.worker)
    base = f"/elections/{ew.election.pk}/kinships"
    formal_candidates(ew.election, SeatKind.MEMBER, [ew.alone[0], ew.alone[1], ew.voters[0], ew.voters[1]])
    listed = api.get(base).json()
    assert listed["kinships"] == [] and listed["community_id"] == ew.community.pk
    # ew.people[0] and [1] are head and spouse of one household: kin by the registry.
    assert [(p["candidate_a_name"], p["candidate_b_name"], p["source"]) for p in listed["candidate_pairs"]] == [
        (ew.people[0].name, ew.people[1].name, "registry")]

    response = api.send("POST", base, {"resident_a_id": ew.b.pk, "resident_b_id": ew.a.pk,
                                       "relation": "grandparent_grandchild", "note": "祖孙"})
    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["resident_a_id"], out["resident_b_id"]) == tuple(sorted((ew.a.pk, ew.b.pk)))
    assert out["relation"] == "grandparent_grandchild" and out["note"] == "祖孙"
    assert out["election_id"] == ew.election.pk and "id_number" not in str(out)
    listed = api.get(base).json()
    assert [k["id"] for k in listed["kinships"]] == [out["id"]]
    assert {(p["candidate_a_name"], p["candidate_b_name"], p["source"]) for p in listed["candidate_pairs"]} == {
        (ew.people[0].name, ew.people[1].name, "registry"), (ew.a.name, ew.b.name, "declared")}

    error = assert_error(api.send("POST", base, {"resident_a_id": ew.a.pk, "resident_b_id": ew.b.pk,
                                                 "relation": "spouse"}), 422, "kinship_exists")
    assert "resident_b" in error["details"]
    assert_error(api.send("POST", base, {"resident_a_id": ew.a.pk, "resident_b_id": ew.a.pk, "relation": "spouse"}),
                 422, "validation_failed")
    assert_error(api.send("POST", base, {"resident_a_id": ew.a.pk, "resident_b_id": ew.zhao.pk,
                                         "relation": "spouse"}), 422)
    assert_error(api.send("POST", base, {"resident_a_id": ew.a.pk, "resident_b_id": ew.singles[2].pk,
                                         "relation": "friend"}), 422)
    assert DeclaredKinship.objects.count() == 1

    assert api.send("DELETE", f"{base}/{out['id']}").status_code == 204
    assert_error(api.send("DELETE", f"{base}/{out['id']}"), 404, "not_found")
    assert not DeclaredKinship.objects.exists()


def test_api_scope_and_roles(frozen):
    ew = frozen
    base = f"/elections/{ew.election.pk}/kinships"
    row = kinship_declare(actor=ew.worker, election=ew.election, resident_a=ew.a.pk, resident_b=ew.b.pk,
                          relation="spouse")
    body = {"resident_a_id": ew.a.pk, "resident_b_id": ew.singles[2].pk, "relation": "spouse"}
    assert_error(_api(ew.outsider).get(base), 404, "not_found")
    assert_error(_api(ew.resident_user).get(base), 404)
    assert_error(_api(ew.outsider).send("POST", base, body), 404)
    assert_error(_api(ew.analyst).send("POST", base, body), 403, "permission_denied")
    assert_error(_api(ew.outsider).send("DELETE", f"{base}/{row.pk}"), 404)
    assert_error(_api(ew.analyst).send("DELETE", f"{base}/{row.pk}"), 403)
    assert _api(ew.analyst).get(base).json()["kinships"][0]["id"] == row.pk
    assert list(DeclaredKinship.objects.values_list("pk", flat=True)) == [row.pk]
    # A kinship of another community is not found through this election.
    from shequ.elections.testing import make_election

    other = make_election(actor=ew.admin, community=ew.community2, title="矿山社区选举")
    assert_error(_api(ew.admin).send("DELETE", f"/elections/{other.pk}/kinships/{row.pk}"), 404)
    assert DeclaredKinship.objects.filter(pk=row.pk).exists()
