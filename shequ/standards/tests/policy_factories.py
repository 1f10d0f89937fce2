"""A small policy set for the policy tests: two versions, like the Loudi set but under a topic of its own so the
seeded Loudi set never answers for it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import trans_real

from shequ.standards.models import PolicyParameter, PolicySet, PolicyVersion

TOPIC = "test_policy_pages"
PENDING = Path(settings.BASE_DIR) / "locale" / "pending" / "policypages.json"
V1 = {
    "premises_min_m2": ("m2", "400"),
    "staff_min": ("count", "5"),
    "plaques": ("items", ["社区党组织", "社区居民委员会", "社区服务中心"]),
}
V2_EXTRA = {"operating_funds_min_urban": ("yuan", "200000")}


def make_policy_set(*, jurisdiction: str = "4313", code: str = "test-standards", v2_end: dt.date | None = None):
    """v1 2015-01-01..2015-12-31, v2 from 2016-01-01 (open-ended unless `v2_end`)."""
    policy_set = PolicySet.objects.create(
        code=code, topic=TOPIC, name="测试社区标准", name_en="Test standards", jurisdiction_code=jurisdiction
    )
    v1 = PolicyVersion.objects.create(
        policy_set=policy_set,
        number=1,
        effective_from=dt.date(2015, 1, 1),
        effective_to=dt.date(2015, 12, 31),
        citation="娄发〔2015〕12号",
    )
    v2 = PolicyVersion.objects.create(
        policy_set=policy_set,
        number=2,
        effective_from=dt.date(2016, 1, 1),
        effective_to=v2_end,
        citation="娄民发〔2016〕58号",
    )
    for version, params in ((v1, V1), (v2, V1 | V2_EXTRA)):
        PolicyParameter.objects.bulk_create(
            [PolicyParameter(version=version, key=k, kind=kind, value=value) for k, (kind, value) in params.items()]
        )
    return SimpleNamespace(set=policy_set, v1=v1, v2=v2)


def v2_values(**changes: object) -> dict[str, object]:
    """The parameters of v2 as a service takes them, with `changes` applied."""
    values: dict[str, object] = {k: value for k, (_kind, value) in (V1 | V2_EXTRA).items()}
    values.update(changes)
    return values


def v1_values() -> dict[str, object]:
    return {k: value for k, (_kind, value) in V1.items()}


@pytest.fixture
def english_catalogue():
    """The English catalogue as it will be once locale/pending/policypages.json is merged."""
    pending = json.loads(PENDING.read_text(encoding="utf-8"))
    catalogue = trans_real.translation("en")._catalog
    for msgid, text in pending.items():
        if msgid not in catalogue:
            catalogue[msgid] = text
    yield pending
    trans_real._translations.clear()
    translation.deactivate()
