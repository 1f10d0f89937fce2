"""pytest fixtures shared by every app's tests."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from shequ.areas.models import Area, AreaStats, Level
from shequ.core.roles import Role
from shequ.core.testing.factories import make_id_number, make_user


def _area(code: str, name: str, level: str, parent: Area | None, **extra: object) -> Area:
    area = Area.objects.create(code=code, name=name, level=level, parent=parent, **extra)
    AreaStats.objects.create(area=area)
    return area


def _ensure_default_tags() -> None:
    """A transactional test (browser, live server) flushes the database, the tags the migrations seed
    included; under pytest-xdist a later test on the same worker would then find none."""
    import importlib

    from django.apps import apps

    from shequ.registry.models import Tag

    if not Tag.objects.exists():
        importlib.import_module("shequ.registry.migrations.0002_default_tags").forwards(apps, None)


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    """Two districts, two sub-districts, three communities, two grids; a user per role; a few residents."""
    from shequ.registry import services

    _ensure_default_tags()

    w = SimpleNamespace()
    w.city = _area("4313", "娄底市", Level.CITY, None)
    w.district = _area("431302", "娄星区", Level.DISTRICT, w.city)
    w.district2 = _area("431381", "冷水江市", Level.DISTRICT, w.city)
    w.subdistrict = _area("431302001", "乐坪街道", Level.SUBDISTRICT, w.district)
    w.subdistrict2 = _area("431381001", "锡矿山街道", Level.SUBDISTRICT, w.district2)
    w.community = _area(
        "431302001001",
        "长青社区",
        Level.COMMUNITY,
        w.subdistrict,
        urban_rural_class="111",
        community_kind="central_urban",
    )
    w.community_b = _area(
        "431302001002",
        "花园社区",
        Level.COMMUNITY,
        w.subdistrict,
        urban_rural_class="111",
        community_kind="central_urban",
    )
    w.community2 = _area(
        "431381001001", "矿山社区", Level.COMMUNITY, w.subdistrict2, urban_rural_class="112", community_kind="urban"
    )
    w.grid = _area("431302001001001", "长青社区第一网格", Level.GRID, w.community)
    w.grid2 = _area("431302001001002", "长青社区第二网格", Level.GRID, w.community)

    w.admin = make_user("city_admin", Role.CITY_ADMIN, w.city)
    w.analyst = make_user("city_analyst", Role.CITY_ANALYST, w.city)
    w.district_officer = make_user("district_officer", Role.DISTRICT_OFFICER, w.district)
    w.subdistrict_officer = make_user("subdistrict_officer", Role.SUBDISTRICT_OFFICER, w.subdistrict)
    w.worker = make_user("community_worker", Role.COMMUNITY_WORKER, w.community)
    w.grid_worker = make_user("grid_worker", Role.GRID_WORKER, w.grid)
    w.auditor = make_user("auditor", Role.AUDITOR, w.district)
    w.outsider = make_user("other_worker", Role.COMMUNITY_WORKER, w.community2)

    w.building = services.building_create(
        actor=w.admin, community=w.community, address="长青路1号1栋", compound="长青小区", grid=w.grid
    )
    w.building2 = services.building_create(actor=w.admin, community=w.community2, address="矿山路8号")
    w.household = services.household_create(actor=w.admin, building=w.building, room="101")
    w.household2 = services.household_create(actor=w.admin, building=w.building2, room="201")
    w.wang = services.resident_create(
        actor=w.admin,
        name="王小明",
        id_number=make_id_number(dt.date(1985, 3, 4)),
        phone="13812345678",
        household=w.household,
        relation="head",
        tags=["party_member"],
    )
    w.li = services.resident_create(
        actor=w.admin,
        name="李娜",
        id_number=make_id_number(dt.date(1987, 6, 1), male=False),
        phone="13900001111",
        household=w.household,
        relation="spouse",
    )
    w.zhao = services.resident_create(
        actor=w.admin,
        name="赵强",
        id_number=make_id_number(dt.date(1970, 1, 2)),
        phone="13711112222",
        household=w.household2,
        relation="head",
        tags=["dibao"],
    )
    w.resident_user = make_user("resident", Role.RESIDENT, w.community, resident=w.li)

    # A district's integration: a machine client bound to 娄星区, with an API token (it never logs in with a
    # password); `Authorization: Bearer <w.machine_key>` is scoped to that district like a user.
    from shequ.accounts.models import ApiToken
    from shequ.accounts.services import KEY_LEAD

    w.machine = make_user("district_machine", Role.MACHINE_CLIENT, w.district)
    w.machine.set_unusable_password()
    w.machine.save(update_fields=["password"])
    w.machine_key = KEY_LEAD + "world-district-machine-client-key"
    w.machine_token = ApiToken.objects.create(
        user=w.machine, name="district-sync", key_hash=ApiToken.hash_key(w.machine_key), prefix=w.machine_key[:8]
    )
    return w


def _seed_migration_data() -> None:
    """Rows that data migrations create (default tags, the Loudi policy, incident categories and calendar), put
    back after a transactional flush. Each seed function skips rows that are already there."""
    import importlib

    from django.apps import apps

    from shequ.incidents.seed import ensure_seed

    importlib.import_module("shequ.registry.migrations.0002_default_tags").forwards(apps, None)
    importlib.import_module("shequ.standards.migrations.0002_loudi_policy").forwards(apps, None)
    importlib.import_module("shequ.elections.migrations.0002_election_rules").forwards(apps, None)
    importlib.import_module("shequ.elections.migrations.0006_nomination_methods_rule").forwards(apps, None)
    ensure_seed()


@pytest.fixture(autouse=True)
def _default_language():  # type: ignore[no-untyped-def]
    """Each test starts in the default language: a request with the English cookie leaves its thread in English
    (LocaleMiddleware activates, nothing deactivates), and a later test on the same worker would see English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield


_reseed_pending = False


def _restore_seeded_rows() -> None:
    """The database as migrations left it, from the snapshot taken for `serialized_rollback` (the same ids, so a
    later restore updates these rows instead of colliding with them); the seed functions when there is none."""
    from django.db import connection

    contents = getattr(connection, "_test_serialized_contents", None)
    if contents:
        connection.creation.deserialize_db_from_string(contents)
    else:
        _seed_migration_data()


@pytest.fixture(autouse=True)
def _reseed_after_transactional_test(request, django_db_blocker):  # type: ignore[no-untyped-def]
    """A transactional test (live_server, Celery worker, `django_db(transaction=True)`) ends by flushing every
    table, which would leave later tests in the same worker without the migration-seeded rows. They are put back
    when the next test starts — in the transactional test's own teardown it is too early for a `django_db`
    marker, whose flush runs after this fixture's teardown. Put back inside a test's transaction (a marker's
    database comes before this fixture), they are rolled back with it, so the next test restores them again."""
    global _reseed_pending
    marker = request.node.get_closest_marker("django_db")
    transactional = bool({"transactional_db", "live_server"} & set(request.fixturenames)) or bool(
        marker and marker.kwargs.get("transaction")
    )
    if _reseed_pending:
        from django.db import connection

        with django_db_blocker.unblock():
            _restore_seeded_rows()
            if not connection.in_atomic_block:
                _reseed_pending = False
    yield
    if transactional:
        _reseed_pending = True
