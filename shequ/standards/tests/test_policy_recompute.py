"""A change to the community standards queues a recompute of the years it touches; other topics do not, and a
version that judged an election cannot be deleted."""

from __future__ import annotations

import datetime as dt

import pytest

from shequ.core.errors import Conflict
from shequ.core.models import BackgroundJob
from shequ.standards.models import PolicySet
from shequ.standards.policy_services import policy_version_create, policy_version_delete, policy_version_update
from shequ.standards.tasks import JOB_KIND
from shequ.standards.tests.policy_factories import make_policy_set, v2_values

pytestmark = pytest.mark.django_db


def test_new_and_changed_versions_queue_a_recompute_from_their_first_year(world):
    ps = make_policy_set()
    PolicySet.objects.filter(pk=ps.set.pk).update(topic="community_standards")  # the factory's own topic is a test one
    ps.set.refresh_from_db()
    v3 = policy_version_create(actor=world.admin, policy_set=ps.set, effective_from=dt.date(2020, 1, 1),
                               citation="娄民发〔2020〕1号", parameters=v2_values() | {"premises_min_m2": "450"})
    job = BackgroundJob.objects.get(kind=JOB_KIND)
    assert job.area_code == "4313"
    assert job.params["years"][0] == 2020 and job.params["years"][-1] == dt.date.today().year
    policy_version_update(actor=world.admin, version=v3, parameters={"premises_min_m2": "460"})
    assert BackgroundJob.objects.filter(kind=JOB_KIND).count() == 2
    policy_version_update(actor=world.admin, version=v3, parameters={"premises_min_m2": "460"})  # no change
    assert BackgroundJob.objects.filter(kind=JOB_KIND).count() == 2


def test_election_rules_do_not_recompute_compliance_and_a_version_in_use_stays(world, django_user_model):
    from shequ.elections.testing import make_election

    # the set is Hunan's: the city administrator may not change it
    province = django_user_model.objects.create_superuser("province", password="x")
    rules = PolicySet.objects.get(code="hunan-residents-committee-elections")
    v2 = rules.versions.get(number=2)
    values = dict(v2.parameters.values_list("key", "value"))
    v3 = policy_version_create(actor=province, policy_set=rules, effective_from=dt.date(2027, 1, 1),
                               citation="湘民发〔2026〕1号", parameters=values | {"proxy_max": "2"})
    assert not BackgroundJob.objects.filter(kind=JOB_KIND).exists()
    make_election(actor=world.admin, community=world.community, day=dt.date(2027, 3, 1))
    with pytest.raises(Conflict):
        policy_version_delete(actor=province, version=v3)
    assert rules.versions.filter(pk=v3.pk).exists()


def test_a_version_an_election_is_fixed_to_keeps_its_figures(world, django_user_model):
    from shequ.elections.testing import make_election

    province = django_user_model.objects.create_superuser("province", password="x")
    rules = PolicySet.objects.get(code="hunan-residents-committee-elections")
    values = dict(rules.versions.get(number=2).parameters.values_list("key", "value"))
    v3 = policy_version_create(actor=province, policy_set=rules, effective_from=dt.date(2027, 1, 1),
                               citation="湘民发〔2026〕1号", parameters=values)
    policy_version_update(actor=province, version=v3, parameters={"proxy_max": "2"})  # not used yet: in place
    make_election(actor=world.admin, community=world.community, day=dt.date(2027, 3, 1))
    with pytest.raises(Conflict) as caught:
        policy_version_update(actor=province, version=v3, parameters={"proxy_max": "3"})
    assert caught.value.code == "version_in_use" and "选举" in str(caught.value.message)
    assert v3.parameters.get(key="proxy_max").value == "2"
    policy_version_update(actor=province, version=v3, note="更正")  # texts stay editable
