"""The election rules gain `nomination_methods`: the ways a candidate may be nominated (elections.NominationMethod
values), a list parameter ("items") like the standards' functional rooms.

Every version of the topic that lacks it (the seeded v1 and v2, and any a province has added since) gets the ways
issue 4 names for the rule — a number of voters jointly, household representatives, residents' groups. Self-nomination
(本人自荐) is not among them: the issue lists only those three ways (the Organic Law itself names none), so a province
whose rules allow 自荐 adds `self` in a new version. Values are written here rather than imported so the migration keeps
meaning what it meant when written. Idempotent: the test fixtures call `forwards` again after a flush.
"""

from __future__ import annotations

from django.db import migrations

TOPIC = "election_rules"
KEY = "nomination_methods"
METHODS = ["voters_jointly", "household_reps", "resident_groups"]
LABEL = (
    "允许的提名方式（voters_jointly 选民联名，household_reps 户代表，resident_groups 居民小组，"
    "self 本人自荐）（省级参数）"
)


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    PolicyVersion = apps.get_model("standards", "PolicyVersion")
    PolicyParameter = apps.get_model("standards", "PolicyParameter")
    versions = PolicyVersion.objects.filter(policy_set__topic=TOPIC).exclude(parameters__key=KEY)
    PolicyParameter.objects.bulk_create(
        [PolicyParameter(version=v, key=KEY, kind="items", value=list(METHODS), label=LABEL) for v in versions]
    )


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("standards", "PolicyParameter").objects.filter(version__policy_set__topic=TOPIC, key=KEY).delete()


class Migration(migrations.Migration):
    dependencies = [("elections", "0005_declared_kinship"), ("standards", "0004_compliance_pattern_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
