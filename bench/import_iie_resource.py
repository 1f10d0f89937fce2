"""The django-import-export resource the import benchmark compares against (bench/import_bench.py).

It does what a django-import-export user would write for the same CSV: the same ID-number and phone checks
and derived fields (with the same cached fast paths as our importer, so the comparison is about row handling,
not about python-stdnum's speed), community by code, household get-or-create by 户号, ID number as the
natural key with skip_unchanged. It does less than ours: no memberships, tags, per-row scope checks, audit
rows or subtree statistics.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from import_export import fields, resources, widgets

from shequ.areas.models import Area
from shequ.registry.importing.columns import HOUSEHOLD_KIND_VOCAB, RELATION_VOCAB, normalise_header
from shequ.registry.importing.fastpath import parse_id_fast, pinyin_keys_fast
from shequ.registry.models import Household, Resident
from shequ.registry.phones import normalise_phone


class ResidentResource(resources.ModelResource):
    name = fields.Field(attribute="name", column_name="姓名")
    id_number = fields.Field(attribute="id_number", column_name="公民身份号码")
    phone = fields.Field(attribute="phone", column_name="联系电话")
    relation = fields.Field(attribute="relation", column_name="与户主关系")
    community = fields.Field(attribute="community", column_name="社区代码",
                             widget=widgets.ForeignKeyWidget(Area, "code"))
    household = fields.Field(attribute="household", column_name="户号",
                             widget=widgets.ForeignKeyWidget(Household, "number"))

    class Meta:
        model = Resident
        import_id_fields = ("id_number",)
        fields = ("name", "id_number", "phone", "relation", "community", "household")
        skip_unchanged = True

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        parsed = parse_id_fast(row["公民身份号码"], dt.date.today())
        row["公民身份号码"] = parsed.number
        row["联系电话"] = normalise_phone(row["联系电话"])
        row["与户主关系"] = RELATION_VOCAB.get(normalise_header(row["与户主关系"]), "")
        number = row["户号"]
        if number:
            area = Area.objects.get(code=row["社区代码"])
            kind = HOUSEHOLD_KIND_VOCAB.get(normalise_header(row["户别"]), "permanent")
            Household.objects.get_or_create(number=number, defaults={"community": area, "area_code": area.code,
                                                                     "kind": kind, "room": row["门牌/房号"] or ""})

    def before_save_instance(self, instance: Resident, row: Any, **kwargs: Any) -> None:
        parsed = parse_id_fast(instance.id_number, dt.date.today())
        instance.sex, instance.birth_date = parsed.sex, parsed.birth_date
        instance.name_pinyin, instance.name_initials = pinyin_keys_fast(instance.name)
        instance.id_number_rev = instance.id_number[::-1]
        instance.phone_rev = instance.phone[::-1]
        instance.area_code = instance.community.code
