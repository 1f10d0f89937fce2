"""Seed the Loudi community standards (娄底市社区建设标准) as versioned policy data.

v1 (2015): premises, service centre, functional rooms, five unifications, plaques, staffing, the two-year
evaluation rule and grid sizes (娄发〔2015〕12号). v2 (from 2016, open-ended): all of v1 plus operating funds,
project funds and base pay (娄民发〔2016〕58号). Source: 娄民复字〔2018〕10号 (the civil-affairs bureau's reply).

The values are written here rather than imported from shequ.standards.policy so the migration keeps meaning
what it meant when it was written.
"""

from __future__ import annotations

import datetime as dt

from django.db import migrations

SET_CODE = "loudi-community-standards"
TOPIC = "community_standards"

CITATION_V1 = "《关于进一步加强社区党建和社区建设的实施意见》（娄发〔2015〕12号）"
CITATION_V2 = (
    "《关于进一步加强社区党建和社区建设的实施意见》（娄发〔2015〕12号）；"
    "《关于印发〈娄底市社区民主建设与管理工作方案〉的通知》（娄民发〔2016〕58号）"
)

V1_PARAMS: list[tuple[str, str, object, str]] = [
    ("premises_min_m2", "m2", "400", "社区公共服务用房最低面积"),
    ("premises_min_m2_new", "m2", "600", "新建社区公共服务用房最低面积"),
    ("service_centre_min_m2", "m2", "50", "社区服务中心最低面积"),
    (
        "functional_rooms",
        "items",
        ["党群活动室", "调解室", "警务室", "计划生育服务室", "慈善超市", "社区办公室", "辅助用房"],
        "应建功能室",
    ),
    ("unifications", "items", ["社区标识", "外墙装饰", "机构门牌", "服务窗口", "宣传栏目"], "五统一"),
    ("plaques", "items", ["社区党组织", "社区居民委员会", "社区服务中心"], "对外悬挂的组织机构牌匾（仅此三块）"),
    ("staff_households_per_worker", "count", "200", "每名工作人员对应常住户数"),
    ("staff_min", "count", "5", "社区工作人员最少人数（含两委成员）"),
    ("staff_max", "count", "9", "社区工作人员最多人数（含两委成员）"),
    ("incompetent_years", "count", "2", "连续评定为不称职的年数（须责令辞职、依法罢免或解聘）"),
    ("grid_households", "count", "200", "网格规模（户）"),
    ("grid_people", "count", "600", "网格规模（人）"),
]
V2_EXTRA: list[tuple[str, str, object, str]] = [
    ("operating_funds_min_village", "yuan", "80000", "村级运转经费年度最低标准"),
    ("operating_funds_min_urban", "yuan", "200000", "城市社区运转经费年度最低标准"),
    ("operating_funds_min_central_urban", "yuan", "250000", "中心城区社区运转经费年度最低标准"),
    ("operating_funds_min_township", "yuan", "100000", "乡镇社区运转经费年度最低标准"),
    ("project_funds_min_central_urban", "yuan", "200000", "中心城区社区惠民项目资金年度最低标准"),
    ("base_pay_director", "yuan", "1500", "正职月基本报酬"),
    ("base_pay_deputy", "yuan", "1400", "副职月基本报酬"),
    ("base_pay_member", "yuan", "1200", "委员月基本报酬"),
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
        name="娄底市社区建设标准",
        name_en="Loudi community standards",
        jurisdiction_code="4313",
        description=(
            "社区公共服务用房、社区服务中心、功能室、“五统一”、牌匾、工作人员配置、运转经费、惠民项目资金和"
            "基本报酬标准。来源：娄底市民政局《关于市人大五届二次会议第10号建议办理情况的答复》"
            "（娄民复字〔2018〕10号）。"
        ),
    )
    v1 = PolicyVersion.objects.create(
        policy_set=policy_set,
        number=1,
        effective_from=dt.date(2015, 1, 1),
        effective_to=dt.date(2015, 12, 31),
        citation=CITATION_V1,
        note="从2015年起执行的社区用房、服务中心、功能室、五统一、牌匾和工作人员配置标准。",
    )
    v2 = PolicyVersion.objects.create(
        policy_set=policy_set,
        number=2,
        effective_from=dt.date(2016, 1, 1),
        effective_to=None,
        citation=CITATION_V2,
        note="从2016年起增加运转经费、惠民项目资金和两委成员基本报酬标准。",
    )
    PolicyParameter.objects.bulk_create(
        [PolicyParameter(version=v1, key=k, kind=kind, value=value, label=label) for k, kind, value, label in V1_PARAMS]
        + [
            PolicyParameter(version=v2, key=k, kind=kind, value=value, label=label)
            for k, kind, value, label in V1_PARAMS + V2_EXTRA
        ]
    )


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    PolicySet = apps.get_model("standards", "PolicySet")
    ComplianceResult = apps.get_model("standards", "ComplianceResult")
    PolicyVersion = apps.get_model("standards", "PolicyVersion")
    versions = list(PolicyVersion.objects.filter(policy_set__code=SET_CODE).values_list("pk", flat=True))
    ComplianceResult.objects.filter(policy_version_id__in=versions).delete()
    PolicySet.objects.filter(code=SET_CODE).delete()


class Migration(migrations.Migration):
    dependencies = [("standards", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
