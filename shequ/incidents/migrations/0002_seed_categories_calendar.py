"""Seed data: a starting set of incident categories (with working-day time limits and responsible departments)
and the 2026 public holidays and make-up working days.

These rows are seed data for a city to review, not policy: categories, time limits and departments are edited on
the configuration pages (/incidents/config/…), and the holiday page marks each row still equal to what this
migration wrote as "seed" until someone confirms or changes it. Calendar source: 国务院办公厅关于2026年部分节假日
安排的通知 (published November 2025); later years are entered on the holiday page when the State Council
publishes them.

The values are written here rather than imported from the app so the migration keeps meaning what it meant when
it was written. Forwards is idempotent (tests call it again after a transactional flush).
"""

from __future__ import annotations

import datetime as dt

from django.db import migrations

CITY = "4313"

# key, name, phone
DEPARTMENTS = [
    ("cg", "市城市管理和综合执法局", "12319"),
    ("zj", "市住房和城乡建设局", ""),
    ("yj", "市应急管理局", ""),
    ("sf", "市司法局（人民调解）", ""),
    ("hb", "市生态环境局", "12369"),
]

# code (Open311 service_code), name, English name, group, working days, department key, keywords, description
CATEGORIES = [
    ("garbage", "垃圾堆放", "Dumped rubbish", "市容环境", 2, "cg", "垃圾 堆放 清运 杂物",
     "生活垃圾、建筑垃圾或杂物乱堆乱放，未及时清运。"),
    ("street_vending", "占道经营", "Street vending", "市容环境", 3, "cg", "占道 摆摊 出店",
     "流动摊贩或店外经营占用道路、人行道。"),
    ("streetlight", "路灯损坏", "Broken streetlight", "设施维护", 5, "cg", "路灯 照明 不亮",
     "路灯不亮、损坏或倒伏。"),
    ("manhole_cover", "井盖缺失", "Missing manhole cover", "设施维护", 1, "zj", "井盖 窨井 缺失 破损",
     "井盖缺失、破损或移位，易致人员坠落。"),
    ("safety_hazard", "安全隐患", "Safety hazard", "安全隐患", 1, "yj", "隐患 消防 燃气 电线 坍塌",
     "消防通道堵塞、燃气、电线私拉乱接、危房等安全隐患。"),
    ("neighbour_dispute", "邻里纠纷", "Neighbour dispute", "邻里纠纷", 5, "sf", "纠纷 矛盾 调解",
     "邻里之间的矛盾纠纷，需要调解。"),
    ("noise", "噪声扰民", "Noise nuisance", "噪声扰民", 3, "hb", "噪声 噪音 扰民 施工",
     "施工、娱乐、商业经营等噪声影响居民休息。"),
    ("illegal_construction", "违章搭建", "Unauthorised construction", "违章搭建", 10, "cg", "违建 搭建 加层",
     "未经批准的搭建、加层、圈占公共空间。"),
    ("other", "其他", "Other", "其他", 5, None, "", "不属于以上类别的事项。"),
]

HOLIDAYS_2026 = [
    # (first day, last day, name): every day of each holiday period is a rest day
    (dt.date(2026, 1, 1), dt.date(2026, 1, 3), "元旦"),
    (dt.date(2026, 2, 15), dt.date(2026, 2, 23), "春节"),
    (dt.date(2026, 4, 4), dt.date(2026, 4, 6), "清明节"),
    (dt.date(2026, 5, 1), dt.date(2026, 5, 5), "劳动节"),
    (dt.date(2026, 6, 19), dt.date(2026, 6, 21), "端午节"),
    (dt.date(2026, 9, 25), dt.date(2026, 9, 27), "中秋节"),
    (dt.date(2026, 10, 1), dt.date(2026, 10, 7), "国庆节"),
]
MAKEUP_DAYS_2026 = [
    (dt.date(2026, 1, 4), "元旦调休上班"),
    (dt.date(2026, 2, 14), "春节调休上班"),
    (dt.date(2026, 2, 28), "春节调休上班"),
    (dt.date(2026, 5, 9), "劳动节调休上班"),
    (dt.date(2026, 9, 20), "国庆节调休上班"),
    (dt.date(2026, 10, 10), "国庆节调休上班"),
]


def calendar_rows() -> list[tuple[dt.date, bool, str]]:
    """(date, is_workday, name) of every seeded day."""
    rows = []
    for first, last, name in HOLIDAYS_2026:
        day = first
        while day <= last:
            rows.append((day, False, name))
            day += dt.timedelta(days=1)
    rows += [(day, True, name) for day, name in MAKEUP_DAYS_2026]
    return sorted(rows)


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    Department = apps.get_model("incidents", "Department")
    Category = apps.get_model("incidents", "Category")
    CalendarDay = apps.get_model("incidents", "CalendarDay")
    departments = {}
    for key, name, phone in DEPARTMENTS:
        department = Department.objects.filter(name=name, area_code=CITY).first()
        if department is None:
            department = Department.objects.create(name=name, area_code=CITY, phone=phone)
        departments[key] = department
    for code, name, name_en, group, days, key, keywords, description in CATEGORIES:
        Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name, "name_en": name_en, "group": group, "time_limit_days": days,
                "department": departments.get(key) if key else None, "keywords": keywords,
                "description": description,
            },
        )
    for day, is_workday, name in calendar_rows():
        CalendarDay.objects.get_or_create(date=day, defaults={"is_workday": is_workday, "name": name})


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    CalendarDay = apps.get_model("incidents", "CalendarDay")
    for day, is_workday, name in calendar_rows():
        CalendarDay.objects.filter(date=day, is_workday=is_workday, name=name).delete()
    Category = apps.get_model("incidents", "Category")
    Incident = apps.get_model("incidents", "Incident")
    used = set(Incident.objects.values_list("category__code", flat=True).distinct())
    Category.objects.filter(code__in=[c[0] for c in CATEGORIES]).exclude(code__in=used).delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
