"""Every URL pattern and every API operation × every role: nothing outside the viewer's subtree leaks,
and writes aimed outside it are refused and change nothing (DESIGN.md §3, convention 2: tested by
enumeration, because scoping that silently breaks is the failure we fear most)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from shequ.core.models import AuditLog
from shequ.disclosure.models import Disclosure
from shequ.elections.models import BallotBox, Campaign, Candidate, Election, Objection, Proxy, Voter
from shequ.facilities.models import Premises
from shequ.funding.models import OperatingFund, ProjectFund
from shequ.governance.models import Evaluation, Worker
from shequ.incidents.models import Incident
from shequ.registry.models import Building, Household, Resident, ResidentUnit
from shequ.standards.models import PolicyParameter, PolicyVersion

SKIP_PREFIXES = ("admin/", "static/", "media/", "i18n/", "api/", "logout/")
ROLE_ATTRS = [
    "admin", "analyst", "district_officer", "subdistrict_officer", "worker", "grid_worker", "auditor",
    "resident_user", "outsider", "machine",
]
# The API is also walked the way a machine client calls it: `Authorization: Bearer <key>`, no session. The
# fixture's machine client is bound to 娄星区 (a district's integration), so its token must see that subtree only.
API_VIEWERS = [(role, "session") for role in ROLE_ATTRS] + [("machine", "bearer")]


def expected_visible(world: Any, role: str) -> set[int]:
    """Written out by hand from the fixture, independently of the selectors under test."""
    everyone = {world.wang.pk, world.li.pk, world.zhao.pk}
    lexing = {world.wang.pk, world.li.pk}
    return {
        "admin": everyone, "analyst": everyone, "district_officer": lexing, "subdistrict_officer": lexing,
        "worker": lexing, "grid_worker": lexing, "auditor": set(), "resident_user": lexing,
        "outsider": {world.zhao.pk}, "machine": lexing,
    }[role]


# Which communities' standards facts and incidents each role may see (written out by hand, like the above).
DOMAIN_VISIBLE = {
    "admin": {"c1", "c2"}, "analyst": {"c1", "c2"}, "district_officer": {"c1"}, "subdistrict_officer": {"c1"},
    "worker": {"c1"}, "grid_worker": set(), "auditor": set(), "resident_user": set(), "outsider": {"c2"},
    "machine": {"c1"},
}
DOMAIN_MODELS = (Premises, OperatingFund, ProjectFund, Worker, Evaluation, Incident)
ELECTION_MODELS = (Election, Voter, Candidate, Objection, Proxy, BallotBox, Campaign, Disclosure)


def _election_facts(world: Any, key: str, community: Any) -> list[str]:
    """A draft election (nothing of it public yet) with a voter, a candidate, an objection, a proxy and a box."""
    import datetime as dt

    from shequ.elections.testing import make_election

    election = make_election(actor=world.admin, community=community, title=f"保密选举{key}")
    first = election.rounds.get(number=1)
    voters = [Voter.objects.create(election=election, name=f"草稿选民{key}{i}", sex="M",
                                   birth_date=dt.date(1980, 1, 1)) for i in range(2)]
    Candidate.objects.create(election=election, round=first, seat="member", voter=voters[0],
                             name=f"草稿候选人{key}")
    Objection.objects.create(election=election, kind="omitted", filed_by_name=f"异议人{key}",
                             reason=f"异议理由{key}", filed_on=dt.date(2026, 6, 1))
    Proxy.objects.create(election=election, grantor=voters[0], holder=voters[1], written_on=dt.date(2026, 6, 1),
                         note=f"委托备注{key}")
    BallotBox.objects.create(round=first, name=f"票箱{key}", staff=["甲", "乙", "丙"])
    return [f"保密选举{key}", f"草稿选民{key}0", f"草稿候选人{key}", f"异议人{key}", f"异议理由{key}",
            f"委托备注{key}", f"票箱{key}"]


def _domain_facts(world: Any) -> dict[str, list[str]]:
    """Premises, staff, funds and an incident in community (c1) and community2 (c2), each carrying markers."""
    import datetime as dt
    import uuid
    from decimal import Decimal

    from django.utils import timezone

    from shequ.incidents.models import Category

    category = Category.objects.order_by("pk").first() or Category.objects.create(
        code="scope-test", name="测试类别", time_limit_days=3
    )
    out: dict[str, list[str]] = {}
    for key, community in (("c1", world.community), ("c2", world.community2)):
        code = community.code
        address = f"机密路{key}号"
        Premises.objects.create(community=community, area_code=code, address=address,
                                floor_area_m2=Decimal("420"), year_from=2015)
        worker = Worker.objects.create(community=community, area_code=code, name=f"保密人员{key}",
                                       position="director", committee="residents", start_date=dt.date(2021, 1, 1),
                                       monthly_base_pay=Decimal("1500"))
        Evaluation.objects.create(worker=worker, area_code=code, year=2022, rating="incompetent",
                                  note=f"评议备注{key}")
        OperatingFund.objects.create(community=community, area_code=code, year=2024, source="city",
                                     amount=Decimal("123457.89"), note=f"经费备注{key}")
        ProjectFund.objects.create(community=community, area_code=code, year=2024, name=f"惠民项目{key}",
                                   amount=Decimal("200000"))
        Incident.objects.create(number=f"SJSCOPE{key}", category=category, source="staff", community=community,
                                area_code=code, handling_code=code, description=f"隐秘事件描述{key}",
                                reporter_name=f"反映人{key}", reporter_phone=f"1390000000{key[-1]}",
                                reported_at=timezone.now(), token=str(uuid.uuid4()))
        out[key] = [address, f"保密人员{key}", f"评议备注{key}", f"经费备注{key}", f"惠民项目{key}",
                    f"隐秘事件描述{key}", f"反映人{key}", f"SJSCOPE{key}", *_election_facts(world, key, community)]
    return out


def _domain_forbidden(world: Any, role: str) -> list[str]:
    facts = _domain_facts(world)
    return [m for key, ms in facts.items() if key not in DOMAIN_VISIBLE[role] for m in ms]


def markers(resident: Resident) -> list[str]:
    return [resident.name, resident.id_number, resident.phone]


def body_text(response: Any) -> str:
    """Text of a response; .xlsx downloads are opened and their cells joined, so leaks show there too."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if raw[:2] == b"PK":
        import io

        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True)
        except Exception:  # not a workbook: fall through to bytes
            return raw.decode("utf-8", "replace")
        return "\n".join(
            str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row
        )
    return raw.decode("utf-8", "replace")


def _walk(patterns: list, prefix: str = "") -> list[tuple[str, URLPattern]]:
    out = []
    for p in patterns:
        if isinstance(p, URLResolver):
            out += _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            out.append((prefix + str(p.pattern), p))
    return out


_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _candidates(world: Any) -> dict[str, list[str]]:
    ints = set()
    for model in (Resident, Household, Building, ResidentUnit, *DOMAIN_MODELS, *ELECTION_MODELS, PolicyVersion):
        ints.update(model.objects.values_list("pk", flat=True))
    from shequ.accounts.models import User

    ints.update(User.objects.values_list("pk", flat=True))
    from shequ.areas.models import Area

    codes = list(Area.objects.values_list("code", flat=True))
    from shequ.core.models import BackgroundJob

    uuids = [str(u) for u in BackgroundJob.objects.values_list("pk", flat=True)] or [
        "00000000-0000-0000-0000-000000000000"
    ]
    # Election pages and operations take only election-side ids: every such row of both communities, so each
    # role meets both its own and the other's records, without multiplying ~70 routes by every id of the world.
    election_ints: set[int] = set()
    for model in ELECTION_MODELS:
        election_ints.update(model.objects.values_list("pk", flat=True))
    return {"int": [str(i) for i in sorted(ints)], "str": codes, "slug": codes, "uuid": uuids, "path": codes,
            "election_int": [str(i) for i in sorted(election_ints)]}


ELECTION_ROUTES = ("elections/", "disclosure/", "/api/v1/elections", "/api/v1/disclosure")


def _kind(route: str, conv: str) -> str:
    if conv == "int" and route.lstrip("/").startswith(tuple(r.lstrip("/") for r in ELECTION_ROUTES)):
        return "election_int"
    return conv or "str"


def _urls(world: Any) -> list[str]:
    cands = _candidates(world)
    urls: list[str] = []
    for route, _pattern in _walk(get_resolver().url_patterns):
        if route.startswith(SKIP_PREFIXES) or route.startswith("^"):
            continue
        params = _PARAM.findall(route)
        if not params:
            urls.append("/" + route)
            continue
        # one parameter varies over every candidate; others take the first candidate of their kind
        for i, (conv, _name) in enumerate(params):
            for value in cands.get(_kind(route, conv), cands["str"]):
                url = route
                for j, (conv_j, name_j) in enumerate(params):
                    token = f"<{conv_j + ':' if conv_j else ''}{name_j}>"
                    url = url.replace(token, value if i == j else cands.get(_kind(route, conv_j), ["x"])[0], 1)
                urls.append("/" + url)
    return sorted(set(urls))


def _api_operations() -> list[tuple[str, str]]:
    from shequ.core.api import api

    # Paths relative to the API's root ("/registry/residents"): the URLs below are "/api/v1" + path.
    schema = api.get_openapi_schema(path_prefix="")
    ops = []
    for path, methods in schema["paths"].items():
        for method in methods:
            ops.append((method.upper(), path))
    return ops


def _fill_api(path: str, cands: dict[str, list[str]], world: Any) -> list[str]:
    names = re.findall(r"{(\w+)}", path)
    if not names:
        return [path]
    out = []
    ints = cands["election_int"] if path.startswith(ELECTION_ROUTES) else cands["int"]
    values = ints + cands["str"]
    for value in values:
        filled = path
        for name in names:
            filled = filled.replace("{" + name + "}", value)
        out.append(filled)
    return out


# A user's changes to its own account (password, tokens) are not writes into an area.
REGISTRY_ENTITIES = (
    "resident", "household", "building", "resident_unit", "area", "premises", "functional_room", "facility_photo",
    "operating_fund", "project_fund", "worker", "evaluation", "action_item", "incident", "grid",
    "elections.Election", "elections.Voter", "elections.Candidate", "elections.Objection", "elections.Proxy",
    "elections.BallotBox", "elections.TallySheet", "elections.BoxTally", "disclosure.Disclosure",
)

WRITE_PREFIXES = {
    "admin": ["4313"], "analyst": [], "district_officer": ["431302"], "subdistrict_officer": ["431302001"],
    "worker": ["431302001001"], "grid_worker": ["431302001001001"], "auditor": [], "resident_user": [],
    "outsider": ["431381001001"], "machine": ["431302"],  # a machine client files cases in its district
}


def _outside_state(world: Any, role: str) -> Any:
    """Every registry row outside the subtree where the role may write, as plain values."""

    def outside(model: Any) -> list[dict]:
        rows = model.objects.order_by("pk").values()
        return [r for r in rows if not any(r["area_code"].startswith(p) for p in WRITE_PREFIXES[role])]

    state = [outside(m) for m in (Resident, Household, Building, ResidentUnit, *DOMAIN_MODELS, Election)]
    outside_elections = [row["id"] for row in state[-1]]
    state += [list(model.objects.filter(election_id__in=outside_elections).order_by("pk").values())
              for model in (Voter, Candidate, Objection, Proxy)]
    state.append(list(BallotBox.objects.filter(round__election_id__in=outside_elections).order_by("pk").values()))
    if role != "admin":  # only the city administrator may change the city's policy
        state += [list(PolicyVersion.objects.order_by("pk").values()),
                  list(PolicyParameter.objects.order_by("pk").values())]
    return state


@pytest.mark.parametrize("role", ROLE_ATTRS)
def test_pages_never_leak_outside_scope(world, role):
    client = Client()
    client.force_login(getattr(world, role))
    forbidden_domain = _domain_forbidden(world, role)
    hidden = [r for r in Resident.objects.all() if r.pk not in expected_visible(world, role)]
    forbidden = [m for r in hidden for m in markers(r) if m] + forbidden_domain
    for url in _urls(world):
        # search by pinyin initials: the echoed query must not itself be a marker
        for query in ("", "?q=" + (hidden[0].name_initials if hidden else "x")):
            response = client.get(url + query)
            assert response.status_code < 500, (url, response.status_code)
            body = body_text(response)
            for marker in forbidden:
                assert marker not in body, f"{role} sees {marker!r} at {url}{query}"


@pytest.mark.parametrize("role", ROLE_ATTRS)
def test_page_writes_outside_scope_change_nothing(world, role):
    client = Client()
    client.force_login(getattr(world, role))
    _domain_facts(world)
    before = _outside_state(world, role)
    audit_before = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    outside_household = world.household if role == "outsider" else world.household2
    outside_community = world.community if role == "outsider" else world.community2
    data = {"name": "篡改", "phone": "13000000000", "reason": "越权测试原因", "relation": "other",
            "address": "篡改路1号", "status": "moved_out", "household": outside_household.pk,
            "household_id": outside_household.pk, "community": outside_community.code,
            "community_code": outside_community.code, "id_number": "431302198001010011"}
    for url in _urls(world):
        if url.startswith("/login"):
            continue
        response = client.post(url, data)
        assert response.status_code < 500, (url, response.status_code)
    assert _outside_state(world, role) == before
    written = [
        row.area_code
        for row in AuditLog.objects.filter(pk__gt=audit_before, entity_type__in=REGISTRY_ENTITIES)
        if not any(row.area_code.startswith(p) for p in WRITE_PREFIXES[role])
    ]
    assert written == []


def _session_only_operations() -> set[tuple[str, str]]:
    """Operations a bearer token may not call (token management: a token cannot mint or revoke tokens)."""
    from shequ.core.api import api

    schema = api.get_openapi_schema(path_prefix="")
    schemes = schema["components"]["securitySchemes"]
    bearer = {name for name, scheme in schemes.items() if scheme.get("scheme") == "bearer"}
    return {
        (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if "security" in operation and not any(set(s) & bearer for s in operation["security"])
    }


def _api_client(world: Any, role: str, auth: str) -> Client:
    if auth == "bearer":
        return Client(headers={"authorization": f"Bearer {world.machine_key}"})
    client = Client()
    client.force_login(getattr(world, role))
    return client


@pytest.mark.parametrize(("role", "auth"), API_VIEWERS)
def test_api_never_leaks_and_refuses_writes_outside_scope(world, role, auth):
    client = _api_client(world, role, auth)
    forbidden_domain = _domain_forbidden(world, role)
    cands = _candidates(world)
    hidden = [r for r in Resident.objects.all() if r.pk not in expected_visible(world, role)]
    forbidden = [m for r in hidden for m in markers(r) if m] + forbidden_domain
    before = _outside_state(world, role)
    from shequ.core.api import api_fallback

    unauthenticated = set()
    operations = _api_operations()
    routed = set()
    for method, path in operations:
        for url in _fill_api("/api/v1" + path, cands, world):
            if resolve(url).func is not api_fallback:
                routed.add((method, path))
            if method == "GET":
                response = client.get(url, {"q": hidden[0].name_initials} if hidden else {})
                body = body_text(response)
                for marker in forbidden:
                    assert marker not in body, f"{role} sees {marker!r} at GET {url}"
            else:
                outside = world.community if role == "outsider" else world.community2
                payload = json.dumps({"name": "篡改", "phone": "13000000000", "reason": "越权测试原因",
                                      "community_code": outside.code, "address": "篡改路1号"})
                response = client.generic(method, url, payload, content_type="application/json")
            assert response.status_code < 500, (method, url, response.status_code)
            if response.status_code == 401:
                unauthenticated.add((method, path))
    assert _outside_state(world, role) == before
    # Every operation was reached by at least one of its URLs (not only the API's "no such operation" 404) ...
    assert routed == set(operations)
    # ... and nothing passed merely because the viewer was never let in: only what needs a session refuses a token.
    assert unauthenticated <= (_session_only_operations() if auth == "bearer" else set())
    if auth == "bearer":
        listed = client.get("/api/v1/registry/residents").json()["results"]
        assert {r["id"] for r in listed} == expected_visible(world, role)
