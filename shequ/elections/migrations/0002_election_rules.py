"""Seed the election rules (topic `election_rules`) for Hunan as versioned policy data.

v1 (2018-12-29 to 2025-12-31): the Organic Law of Urban Residents' Committees as amended on 2018-12-29 (term of
five years) and the common provincial parameters. v2 (from 2026-01-01): the 2025 revision (voter list published
20 days before election day, written proxies, household representatives' turnout) with the same provincial
parameters. Provincial figures are marked as such in their labels: a province changes them by a new version.

Values are written here rather than imported so the migration keeps meaning what it meant when written.
"""

from __future__ import annotations

import datetime as dt

from django.db import migrations

SET_CODE = "hunan-residents-committee-elections"
TOPIC = "election_rules"
PROVINCIAL = "（省级参数）"

CITATION_V1 = (
    "《中华人民共和国城市居民委员会组织法》（2018年12月29日第十三届全国人民代表大会常务委员会第七次会议修正）；"
    "《湖南省实施〈中华人民共和国城市居民委员会组织法〉办法》及湖南省居民委员会选举规程" + PROVINCIAL
)
CITATION_V2 = (
    "《中华人民共和国城市居民委员会组织法》（2025年修订，自2026年1月1日起施行）；"
    "《湖南省实施〈中华人民共和国城市居民委员会组织法〉办法》及湖南省居民委员会选举规程" + PROVINCIAL
)

PARAMS: list[tuple[str, str, object, str]] = [
    ("term_years", "count", "5", "居民委员会每届任期（年）"),
    ("voter_min_age", "count", "18", "选民年龄下限（选举日年满周岁）"),
    ("seats_min", "count", "5", "居民委员会成员最少职数"),
    ("seats_max", "count", "9", "居民委员会成员最多职数"),
    ("seats_odd", "count", "0", "成员总数须为单数（1=是，0=否）" + PROVINCIAL),
    ("supervision_seats_min", "count", "3", "居务监督委员会最少职数" + PROVINCIAL),
    ("supervision_seats_max", "count", "5", "居务监督委员会最多职数" + PROVINCIAL),
    ("council_seats_min", "count", "5", "居民议事会最少人数" + PROVINCIAL),
    ("council_seats_max", "count", "15", "居民议事会最多人数" + PROVINCIAL),
    ("margin_director_min", "count", "1", "主任候选人至少多于应选人数" + PROVINCIAL),
    ("margin_director_max", "count", "1", "主任候选人至多多于应选人数" + PROVINCIAL),
    ("margin_deputy_min", "count", "1", "副主任候选人至少多于应选人数" + PROVINCIAL),
    ("margin_deputy_max", "count", "1", "副主任候选人至多多于应选人数" + PROVINCIAL),
    ("margin_member_min", "count", "1", "委员候选人至少多于应选人数" + PROVINCIAL),
    ("margin_member_max", "count", "3", "委员候选人至多多于应选人数" + PROVINCIAL),
    ("women_min", "count", "1", "候选人和当选成员中妇女至少人数"),
    ("close_relatives_block", "count", "1", "近亲属不得同时当选（1=阻止，0=提示）" + PROVINCIAL),
    ("roll_publish_days_before", "count", "20", "选民名单于选举日前公布的天数"),
    ("objection_days", "count", "5", "对选民名单提出异议的期限（公布后天数）" + PROVINCIAL),
    ("objection_answer_days", "count", "3", "答复异议的期限（收到后天数）" + PROVINCIAL),
    ("candidates_publish_days_before", "count", "5", "提名截止、正式候选人名单于选举日前公布的天数" + PROVINCIAL),
    ("nomination_joint_voters_min", "count", "10", "选民联名提名的最少人数" + PROVINCIAL),
    ("group_reps_min", "count", "2", "每个居民小组推选代表最少人数"),
    ("group_reps_max", "count", "3", "每个居民小组推选代表最多人数"),
    ("floating_residence_years", "count", "1", "户籍不在本社区者申请登记须居住满（年）"),
    ("turnout_num", "count", "1", "选举有效：参加投票者须超过登记选民的（分子）"),
    ("turnout_den", "count", "2", "选举有效：参加投票者须超过登记选民的（分母）"),
    ("elect_num", "count", "1", "当选：得票须超过投票人数的（分子）"),
    ("elect_den", "count", "2", "当选：得票须超过投票人数的（分母）"),
    ("second_round_num", "count", "1", "另行选举：得票不少于投票人数的（分子）" + PROVINCIAL),
    ("second_round_den", "count", "3", "另行选举：得票不少于投票人数的（分母）" + PROVINCIAL),
    ("proxy_max", "count", "3", "每一选民接受委托投票的最多人数" + PROVINCIAL),
    ("mobile_box_staff_min", "count", "3", "流动票箱的最少工作人员数" + PROVINCIAL),
]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    PolicySet = apps.get_model("standards", "PolicySet")
    PolicyVersion = apps.get_model("standards", "PolicyVersion")
    PolicyParameter = apps.get_model("standards", "PolicyParameter")
    if PolicySet.objects.filter(code=SET_CODE).exists():
        return
    policy_set = PolicySet.objects.create(
        code=SET_CODE,
        topic=TOPIC,
        name="湖南省居民委员会选举规则",
        name_en="Hunan residents' committee election rules",
        jurisdiction_code="43",
        description="居民委员会换届选举的法定规则和湖南省参数：选民资格、名单公布与异议、提名与差额、委托投票、"
        "选举有效与当选票数、另行选举。标注“省级参数”的数值应按本省实施办法核定。",
    )
    v1 = PolicyVersion.objects.create(
        policy_set=policy_set,
        number=1,
        effective_from=dt.date(2018, 12, 29),
        effective_to=dt.date(2025, 12, 31),
        citation=CITATION_V1,
        note="2018年修正的居民委员会组织法：每届任期五年。",
    )
    v2 = PolicyVersion.objects.create(
        policy_set=policy_set,
        number=2,
        effective_from=dt.date(2026, 1, 1),
        effective_to=None,
        citation=CITATION_V2,
        note="2025年修订的居民委员会组织法：选民名单于选举日前二十日公布，书面委托投票，户代表过半数参加投票。",
    )
    PolicyParameter.objects.bulk_create(
        [PolicyParameter(version=v, key=k, kind=kind, value=value, label=label)
         for v in (v1, v2) for k, kind, value, label in PARAMS]
    )


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("standards", "PolicySet").objects.filter(code=SET_CODE).delete()


class Migration(migrations.Migration):
    dependencies = [("elections", "0001_initial"), ("standards", "0004_compliance_pattern_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
