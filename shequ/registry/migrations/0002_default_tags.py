from django.db import migrations

# (code, 中文, English, owner line, visible lines (empty = all), sensitive)
TAGS = [
    ("dibao", "低保", "Minimum living allowance", "assistance", ["assistance", "civil_affairs"], True),
    ("tekun", "特困", "Extreme poverty support", "assistance", ["assistance", "civil_affairs"], True),
    ("disabled", "残疾", "Disability", "civil_affairs", ["civil_affairs", "assistance", "health"], True),
    ("elderly", "高龄", "Advanced age (80+)", "civil_affairs", [], False),
    ("youfu", "优抚", "Entitled groups (veterans' families)", "civil_affairs", ["civil_affairs"], False),
    ("shidu", "失独", "Lost only child", "health", ["health", "civil_affairs"], True),
    ("party_member", "党员", "Party member", "party", ["party"], False),
    ("left_behind", "留守", "Left-behind child or elder", "civil_affairs", [], False),
    ("empty_nest", "空巢", "Empty-nest elder", "civil_affairs", [], False),
    ("veteran", "退役军人", "Veteran", "civil_affairs", [], False),
    ("living_alone", "独居老人", "Elder living alone", "civil_affairs", [], False),
    ("unemployed", "失业", "Registered unemployed", "labour", ["labour"], False),
    ("community_correction", "社区矫正", "Community correction", "stability", ["stability"], True),
    ("mental_disorder", "严重精神障碍", "Severe mental disorder", "health", ["health", "stability"], True),
]


def forwards(apps, schema_editor):
    Tag = apps.get_model("registry", "Tag")
    for code, name, name_en, owner, visible, sensitive in TAGS:
        Tag.objects.update_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "owner_line": owner, "visible_lines": visible,
                      "sensitive": sensitive},
        )


def backwards(apps, schema_editor):
    apps.get_model("registry", "Tag").objects.filter(code__in=[t[0] for t in TAGS]).delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
