"""Readable names for the audit pages: actions, entity types and field names in the page's language.

Audit rows keep the internal codes (`resident.update`, `resident`, `household_id`) so they stay searchable and
stable; these functions give each one a label, falling back to the raw code for anything unknown. Entity types
and field names are looked up on the models first (their translated `verbose_name`), then in the small
mappings below.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.functional import Promise
from django.utils.text import camel_case_to_spaces
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.core.roles import Role

# Every action written to the audit log (shequ/**/services, the importers, the grid partition, the demo build).
# Incident steps (`incident.<step>`) are named by the incidents app's own step labels, see `action_label`.
ACTION_LABELS: dict[str, str | Promise] = {
    # registry
    "resident.create": pgettext_lazy("audit action", "新增居民"),
    "resident.update": pgettext_lazy("audit action", "修改居民信息"),
    "resident.move": pgettext_lazy("audit action", "居民迁户"),
    "resident.move_out": pgettext_lazy("audit action", "居民迁出本辖区"),
    "resident.tag_add": pgettext_lazy("audit action", "添加居民标签"),
    "resident.tag_remove": pgettext_lazy("audit action", "移除居民标签"),
    "tag.create": pgettext_lazy("audit action", "新增标签"),
    "tag.update": pgettext_lazy("audit action", "修改标签"),
    "household.create": pgettext_lazy("audit action", "新增户"),
    "household.update": pgettext_lazy("audit action", "修改户信息"),
    "household.set_head": pgettext_lazy("audit action", "设定户主"),
    "household.move_out": pgettext_lazy("audit action", "户迁出本辖区"),
    "building.create": pgettext_lazy("audit action", "新增楼栋"),
    "building.update": pgettext_lazy("audit action", "修改楼栋信息"),
    "unit.create": pgettext_lazy("audit action", "新增驻区单位"),
    "unit.update": pgettext_lazy("audit action", "修改驻区单位信息"),
    "registry.import": pgettext_lazy("audit action", "批量导入居民信息"),
    "imports.purge": pgettext_lazy("audit action", "清理导入文件"),
    "demo.build_started": pgettext_lazy("audit action", "开始生成演示数据"),
    "demo.build": pgettext_lazy("audit action", "生成演示数据"),
    # areas and grids
    "area.create": pgettext_lazy("audit action", "新增区域"),
    "area.set_kind": pgettext_lazy("audit action", "设置社区类别"),
    "grids.move_building": pgettext_lazy("audit action", "楼栋调整网格"),
    "grids.partition": pgettext_lazy("audit action", "重新划分网格"),
    "grids.profile_update": pgettext_lazy("audit action", "修改网格信息"),
    # accounts
    "user.create": pgettext_lazy("audit action", "新建账号"),
    "user.update": pgettext_lazy("audit action", "修改账号信息"),
    "user.role_add": pgettext_lazy("audit action", "授予角色"),
    "user.role_remove": pgettext_lazy("audit action", "撤销角色"),
    "user.activate": pgettext_lazy("audit action", "启用账号"),
    "user.deactivate": pgettext_lazy("audit action", "停用账号"),
    "user.password_reset": pgettext_lazy("audit action", "重置密码"),
    "user.password_change": pgettext_lazy("audit action", "修改本人密码"),
    "token.create": pgettext_lazy("audit action", "创建接口令牌"),
    "token.revoke": pgettext_lazy("audit action", "吊销接口令牌"),
    "access_log.purge": pgettext_lazy("audit action", "清理过期访问日志"),
    # governance
    "worker.create": pgettext_lazy("audit action", "新增社区工作人员"),
    "worker.update": pgettext_lazy("audit action", "修改社区工作人员信息"),
    "worker.end": pgettext_lazy("audit action", "登记任职结束"),
    "worker.delete": pgettext_lazy("audit action", "删除社区工作人员"),
    "evaluation.record": pgettext_lazy("audit action", "录入评议结果"),
    "evaluation.correct": pgettext_lazy("audit action", "更正评议结果"),
    "evaluation.delete": pgettext_lazy("audit action", "删除评议结果"),
    "action_item.open": pgettext_lazy("audit action", "生成整改事项"),
    "action_item.resolve": pgettext_lazy("audit action", "办结整改事项"),
    "action_item.withdraw": pgettext_lazy("audit action", "撤销整改事项"),
    # incidents (configuration; the cases' steps come from EVENT_LABELS)
    "incident.note": pgettext_lazy("audit action", "补充事件材料"),
    "incident.due_recomputed": pgettext_lazy("audit action", "因节假日调整重算办理时限"),
    "incident_category.create": pgettext_lazy("audit action", "新增事件类别"),
    "incident_category.update": pgettext_lazy("audit action", "修改事件类别"),
    "incident_department.create": pgettext_lazy("audit action", "新增处置部门"),
    "incident_department.update": pgettext_lazy("audit action", "修改处置部门"),
    "calendar_day.set": pgettext_lazy("audit action", "设置节假日调整"),
    "calendar_day.delete": pgettext_lazy("audit action", "删除节假日调整"),
    # elections (generic verbs: the object column says what was created, changed or deleted)
    "create": pgettext_lazy("audit action", "新增记录"),
    "update": pgettext_lazy("audit action", "修改记录"),
    "delete": pgettext_lazy("audit action", "删除记录"),
    "publish": pgettext_lazy("audit action", "公布"),
    "reset": pgettext_lazy("audit action", "重新开始编号"),
    "roll.generate": pgettext_lazy("audit action", "生成选民名单"),
    "roll.representatives": pgettext_lazy("audit action", "设定户代表"),
    "roll.publish": pgettext_lazy("audit action", "公布选民名单"),
    "roll.freeze": pgettext_lazy("audit action", "锁定选民名单"),
    "voter.add": pgettext_lazy("audit action", "添加选民"),
    "voter.exclude": pgettext_lazy("audit action", "移出选民名单"),
    "voter.include": pgettext_lazy("audit action", "恢复列入选民名单"),
    "voter.replace": pgettext_lazy("audit action", "更换户代表"),
    "voter.add_by_objection": pgettext_lazy("audit action", "依异议添加选民"),
    "voter.correct_by_objection": pgettext_lazy("audit action", "依异议更正选民信息"),
    "voter.exclude_by_objection": pgettext_lazy("audit action", "依异议移出选民名单"),
    "objection.file": pgettext_lazy("audit action", "登记选民名单异议"),
    "objection.answer": pgettext_lazy("audit action", "答复选民名单异议"),
    "accept": pgettext_lazy("audit action", "采用一致的计票录入"),
    "reconcile": pgettext_lazy("audit action", "核对计票结果"),
    "count": pgettext_lazy("audit action", "计票"),
    "publish_results": pgettext_lazy("audit action", "公布选举结果"),
    "repeat": pgettext_lazy("audit action", "重新选举"),
    "handover": pgettext_lazy("audit action", "登记工作移交"),
    # facilities and funding
    "premises.create": pgettext_lazy("audit action", "新增社区服务用房"),
    "premises.update": pgettext_lazy("audit action", "修改社区服务用房"),
    "premises.delete": pgettext_lazy("audit action", "删除社区服务用房"),
    "functional_room.create": pgettext_lazy("audit action", "新增功能室"),
    "functional_room.update": pgettext_lazy("audit action", "修改功能室"),
    "functional_room.delete": pgettext_lazy("audit action", "删除功能室"),
    "facility_photo.create": pgettext_lazy("audit action", "上传设施照片"),
    "facility_photo.delete": pgettext_lazy("audit action", "删除设施照片"),
    "operating_fund.create": pgettext_lazy("audit action", "新增运转经费"),
    "operating_fund.update": pgettext_lazy("audit action", "修改运转经费"),
    "operating_fund.delete": pgettext_lazy("audit action", "删除运转经费"),
    "project_fund.create": pgettext_lazy("audit action", "新增惠民项目资金"),
    "project_fund.update": pgettext_lazy("audit action", "修改惠民项目资金"),
    "project_fund.delete": pgettext_lazy("audit action", "删除惠民项目资金"),
    # standards
    "policy_version.create": pgettext_lazy("audit action", "新增政策版本"),
    "policy_version.update": pgettext_lazy("audit action", "修改政策版本"),
    "policy_version.delete": pgettext_lazy("audit action", "删除政策版本"),
    "standards.recompute": pgettext_lazy("audit action", "重新计算达标情况"),
    "standards.bulk_import": pgettext_lazy("audit action", "批量导入达标数据"),
}

# Entity types written by the services, and the model each one is a row of (for its verbose_name and fields).
ENTITY_MODELS: dict[str, str] = {
    "resident": "registry.Resident",
    "household": "registry.Household",
    "building": "registry.Building",
    "resident_unit": "registry.ResidentUnit",
    "tag": "registry.Tag",
    "area": "areas.Area",
    "user": "accounts.User",
    "api_token": "accounts.ApiToken",
    "worker": "governance.Worker",
    "evaluation": "governance.Evaluation",
    "action_item": "governance.ActionItem",
    "incident": "incidents.Incident",
    "incident_category": "incidents.Category",
    "incident_department": "incidents.Department",
    "calendar_day": "incidents.CalendarDay",
    "grid": "grids.GridProfile",
    "premises": "facilities.Premises",
    "functional_room": "facilities.FunctionalRoom",
    "facility_photo": "facilities.FacilityPhoto",
    "operating_fund": "funding.OperatingFund",
    "project_fund": "funding.ProjectFund",
    "policy_version": "standards.PolicyVersion",
    "compliance_result": "standards.ComplianceResult",
    "access_log": "core.AccessLog",
}

# Entity types that are no model row, or whose model has no verbose_name of its own (these come first).
ENTITY_LABELS: dict[str, str | Promise] = {
    "tag": _("标签"),
    "user": _("账号"),
    "api_token": _("接口令牌"),
    "community": _("社区"),
    "compliance": _("达标情况"),
    "bulk_import": _("达标数据导入"),
    "import": _("居民信息导入批次"),
    "import_file": _("导入文件"),
    "demo": _("演示数据"),
}

# Field names that are no model field (or whose field has no verbose_name), as written into `changes`.
FIELD_LABELS: dict[str, str | Promise] = {
    "area_code": _("区划代码"),
    "area": _("区划"),
    "tags": _("标签"),
    "code": _("代码"),
    "name_en": _("英文名称"),
    "visible_lines": _("可见条线"),
    "sensitive": _("敏感标签"),
    "role": _("角色"),
    "password": _("密码"),
    "is_active": _("账号状态"),
    "resident": _("居民"),
    "name": _("名称"),
    "kind": _("类型"),
    "file": _("文件"),
    "counts": _("数量"),
    "deleted": _("删除条数"),
    "before": _("截止时间"),
    "days": _("保留天数"),
    "grids": _("网格数"),
    "moved": _("调整数量"),
    "removed": _("撤销的网格"),
    "kept_empty": _("保留的空网格"),
}

# Keys of an export's recorded filters (AccessLog.query).
QUERY_LABELS: dict[str, str | Promise] = {
    "q": _("搜索"),
    "kind": _("类型"),
    "area": _("区划"),
    "tag": _("标签"),
    "status": _("状态"),
    "hkind": _("户别"),
    "unmask": _("含完整身份号码和电话"),
    "job": _("后台任务"),
    "year": _("年份"),
    "format": _("格式"),
    "election": _("选举"),
}

# Fields holding choices without a model field to carry them.
FIELD_CHOICES: dict[str, dict[str, str | Promise]] = {"role": dict(Role.choices)}

# Fields whose values are area codes (the area's name is shown beside the code).
AREA_CODE_FIELDS = frozenset({"area_code", "area", "grid", "community", "community_code", "jurisdiction_code"})


def action_label(code: str) -> str:
    """The label of an action code; an unknown code is shown as it is."""
    label = ACTION_LABELS.get(code)
    if label is None and code.startswith("incident."):
        from shequ.incidents.states import EVENT_LABELS

        label = EVENT_LABELS.get(code.removeprefix("incident."))
    return str(label) if label is not None else code


@cache
def entity_model(entity_type: str) -> type[models.Model] | None:
    """The model an entity type names: the mapping above, or an `app_label.Model` written as such."""
    name = ENTITY_MODELS.get(entity_type, entity_type)
    if "." not in name:
        return None
    try:
        return apps.get_model(name)
    except (LookupError, ValueError):
        return None


def _own_verbose_name(model: type[models.Model]) -> bool:
    """Whether the model names itself (Django's default is its class name split into words)."""
    meta = model._meta
    return str(meta.verbose_name) != camel_case_to_spaces(meta.object_name or "")


def entity_label(entity_type: str) -> str:
    """The label of an entity type: the mapping above (for the few that are no model row or whose model has no
    name of its own), else the model's verbose_name, else the raw code."""
    label = ENTITY_LABELS.get(entity_type)
    if label is not None:
        return str(label)
    model = entity_model(entity_type)
    if model is not None and _own_verbose_name(model):
        return str(model._meta.verbose_name)
    return entity_type


def _field_of(model: type[models.Model], name: str) -> models.Field[Any, Any] | None:
    found: Any
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:
        found = next((f for f in model._meta.concrete_fields if f.attname == name), None)
    return found if isinstance(found, models.Field) else None


@cache
def model_field(entity_type: str, name: str) -> models.Field[Any, Any] | None:
    """The model field a key of `changes` names: by name (`household`) or column (`household_id`)."""
    model = entity_model(entity_type)
    return _field_of(model, name) if model is not None else None


def _own_field_name(field: models.Field[Any, Any]) -> bool:
    """Whether the field was given a verbose_name (Django's default is its name with spaces)."""
    return bool(field.verbose_name) and str(field.verbose_name) != field.name.replace("_", " ")


def _related_label(entity_type: str, name: str) -> str | None:
    """`head.id_number` on a household: the head's 公民身份号码, named through the foreign key."""
    owner, _dot, rest = name.partition(".")
    fk = model_field(entity_type, owner)
    target = fk.related_model if fk is not None and fk.many_to_one else None
    field = _field_of(target, rest) if isinstance(target, type) and "." not in rest else None
    if fk is None or field is None or not _own_field_name(fk) or not _own_field_name(field):
        return None
    return _("%(owner)s的%(field)s") % {"owner": fk.verbose_name, "field": field.verbose_name}


def field_label(entity_type: str, name: str) -> str:
    """The label of a field of an entity: the model field's verbose_name (through a foreign key for
    `head.phone`), the mapping above, else the name."""
    field = model_field(entity_type, name)
    if field is not None and _own_field_name(field):
        return str(field.verbose_name)
    related = _related_label(entity_type, name) if "." in name else None
    if related is not None:
        return related
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else name


def query_label(entity_type: str, key: str) -> str:
    """The label of an export filter: the exported model's field (户别 for a household list's `kind`), the
    mapping above, else the key."""
    field = model_field(entity_type, key)
    if field is not None and _own_field_name(field):
        return str(field.verbose_name)
    label = QUERY_LABELS.get(key)
    return str(label) if label is not None else key


def choice_label(entity_type: str, name: str, value: Any) -> str | None:
    """The display name of a value of a field with choices (户主 for `head`), or None."""
    if not isinstance(value, str):
        return None
    field = model_field(entity_type, name)
    choices: dict[Any, Any] = dict(field.flatchoices) if field is not None and field.choices else {}
    label = choices.get(value) or FIELD_CHOICES.get(name, {}).get(value)
    return str(label) if label is not None else None
