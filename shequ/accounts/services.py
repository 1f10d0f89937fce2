"""Writes to accounts: users, role assignments, passwords and API tokens. Atomic, validated, audited.

Every refusal happens before anything is written, so a refused call changes nothing.
"""

from __future__ import annotations

import functools
import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.models import ApiToken, RoleAssignment, User, WorkLine
from shequ.accounts.policies import can_grant, can_manage_user, grant_roots, grantable_roles, level_allowed
from shequ.accounts.scope import prime_scope, viewer_scope
from shequ.areas.models import CODE_LENGTH, Area
from shequ.core import hot_sql
from shequ.core.audit import audit_record
from shequ.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, validation_error_from_django
from shequ.core.roles import Perm, Role

KEY_LEAD = "sq_"
_LEVEL_LENGTHS = sorted(set(CODE_LENGTH.values()))


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details={field: [message]})


def _common_code(codes: list[str]) -> str:
    """The deepest area containing all `codes` (audit rows of a user are read by auditors above it)."""
    if not codes:
        return ""
    prefix = codes[0]
    for code in codes[1:]:
        while not code.startswith(prefix):
            prefix = prefix[:-1]
    usable = [n for n in _LEVEL_LENGTHS if n <= len(prefix)]
    return prefix[: usable[-1]] if usable else ""


def user_area_code(user: User) -> str:
    return _common_code(list(user.role_assignments.values_list("area__code", flat=True)))


def _resolve_area(actor: Any, area: Area | str) -> Area:
    """The area must lie under one of the actor's own areas; anything else answers "not found"."""
    found = area if isinstance(area, Area) else Area.objects.filter(code=str(area or "").strip()).first()
    if found is None:
        raise NotFound(_("未找到该区域。"))
    if not any(found.code.startswith(root) for root in grant_roots(viewer_scope(actor))):
        raise NotFound(_("未找到该区域。"))
    return found


def _check_grant(actor: Any, role: str, area: Area) -> None:
    if role not in Role.values:
        raise _fail("role", _("未知的角色"))
    if role not in grantable_roles(viewer_scope(actor)):
        raise PermissionDenied(_("您不能设置此角色：只能管理比自己级别低的用户。"))
    if not level_allowed(role, area.level):
        raise _fail(
            "area",
            _("%(role)s 不能绑定到%(level)s级区域") % {"role": Role(role).label, "level": area.get_level_display()},
        )
    if not can_grant(viewer_scope(actor), role, area.code):
        raise PermissionDenied(_("您不能在该区域设置此角色：只能管理比自己级别低的用户。"))


def _require_manage(actor: Any, user: User) -> None:
    if not can_manage_user(actor, user):
        raise PermissionDenied(_("您不能管理该用户：只能管理辖区内比自己级别低的用户。"))


def _clean_work_lines(work_lines: list[str] | None) -> list[str]:
    lines: list[str] = []
    for line in work_lines or []:
        if line not in WorkLine.values:
            raise _fail("work_lines", _("未知的业务条线：%(line)s") % {"line": line})
        if line not in lines:
            lines.append(line)
    return lines


def _clean_phone(phone: str) -> str:
    from shequ.registry.phones import PhoneError, normalise_phone

    try:
        return normalise_phone(phone)
    except PhoneError as exc:
        raise _fail("phone", str(exc))


def _check_password(password: str, user: User) -> None:
    if not password:
        raise _fail("password", _("请输入密码"))
    try:
        validate_password(password, user)
    except ValidationError as exc:
        messages = [str(m) for m in exc.messages]
        raise ValidationFailed(messages[0], details={"password": messages})


def _find_resident(actor: Any, area: Area, id_number: str) -> Any:
    """The resident with this ID number, inside both the target area and the actor's registry scope."""
    from shequ.registry.idnumbers import IdNumberError, parse_id_number
    from shequ.registry.models import Resident

    if not (id_number or "").strip():
        raise _fail("resident_id_number", _("居民账号须关联居民：请填写其公民身份号码"))
    try:
        number = parse_id_number(id_number).number
    except IdNumberError as exc:
        raise _fail("resident_id_number", str(exc.message))
    resident = (
        Resident.objects.filter(viewer_scope(actor).q(Perm.REGISTRY_VIEW), id_number=number)
        .filter(area_code__startswith=area.code)
        .first()
    )
    if resident is None:
        raise _fail("resident_id_number", _("在该社区未找到此身份号码的居民"))
    taken = User.objects.filter(resident=resident, role_assignments__role=Role.RESIDENT).first()
    if taken is not None:
        raise Conflict(
            _("该居民已有账号：%(username)s") % {"username": taken.username},
            details={"resident_id_number": [_("该居民已有账号")]},
        )
    return resident


def _save(instance: Any, *, exclude: list[str] | None = None, **kwargs: Any) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise validation_error_from_django(exc) from None
    instance.save(**kwargs)


def _audit(actor: Any, action: str, user: User, changes: dict[str, Any], area_code: str | None = None) -> None:
    audit_record(
        actor=actor,
        action=action,
        entity_type="user",
        entity_id=user.pk,
        area_code=area_code if area_code is not None else user_area_code(user),
        changes=changes,
        summary=user.username,
    )


# --- users ----------------------------------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    password: str,
    role: str,
    area: Area | str,
    display_name: str = "",
    phone: str = "",
    work_lines: list[str] | None = None,
    resident_id_number: str = "",
) -> User:
    target_area = _resolve_area(actor, area)
    _check_grant(actor, role, target_area)
    username = (username or "").strip()
    if not username:
        raise _fail("username", _("请填写用户名"))
    if User.objects.filter(username__iexact=username).exists():
        raise _fail("username", _("用户名 %(username)s 已被使用") % {"username": username})
    user = User(
        username=username,
        display_name=(display_name or "").strip(),
        phone=_clean_phone(phone),
        work_lines=_clean_work_lines(work_lines),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    # A machine client never logs in with a password: it uses API tokens only.
    if role == Role.MACHINE_CLIENT and not password:
        user.set_unusable_password()
    else:
        _check_password(password, user)
        user.set_password(password)
    resident = _find_resident(actor, target_area, resident_id_number) if role == Role.RESIDENT else None
    user.resident = resident
    _save(user, exclude=["password"])
    assignment = RoleAssignment(user=user, role=role, area=target_area)
    _save(assignment)
    changes: dict[str, Any] = {
        "username": [None, user.username],
        "display_name": [None, user.display_name],
        "phone": [None, user.phone],
        "role": [None, role],
        "area": [None, target_area.code],
        "work_lines": [None, user.work_lines],
    }
    if resident is not None:
        changes["resident"] = [None, resident.pk]
    _audit(actor, "user.create", user, changes, area_code=target_area.code)
    return user


@transaction.atomic
def user_update(
    *,
    actor: Any,
    user: User,
    display_name: str | None = None,
    phone: str | None = None,
    work_lines: list[str] | None = None,
) -> User:
    _require_manage(actor, user)
    before = {"display_name": user.display_name, "phone": user.phone, "work_lines": list(user.work_lines or [])}
    if display_name is not None:
        user.display_name = display_name.strip()
    if phone is not None:
        user.phone = _clean_phone(phone)
    if work_lines is not None:
        user.work_lines = _clean_work_lines(work_lines)
    after = {"display_name": user.display_name, "phone": user.phone, "work_lines": list(user.work_lines or [])}
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changes:
        _save(user, exclude=["password"], update_fields=list(changes))
        _audit(actor, "user.update", user, changes)
    return user


@transaction.atomic
def user_role_add(
    *, actor: Any, user: User, role: str, area: Area | str, resident_id_number: str = ""
) -> RoleAssignment:
    _require_manage(actor, user)
    target_area = _resolve_area(actor, area)
    _check_grant(actor, role, target_area)
    if RoleAssignment.objects.filter(user=user, role=role, area=target_area).exists():
        raise Conflict(_("该用户已有此角色"), details={"role": [_("该用户已有此角色")]})
    changes: dict[str, Any] = {"role": [None, role], "area": [None, target_area.code]}
    if role == Role.RESIDENT:
        resident = _find_resident(actor, target_area, resident_id_number) if not user.resident_id else user.resident
        if resident is None or not resident.area_code.startswith(target_area.code):
            raise _fail("resident_id_number", _("在该社区未找到此身份号码的居民"))
        if user.resident_id != resident.pk:
            user.resident = resident
            user.save(update_fields=["resident"])
            changes["resident"] = [None, resident.pk]
    assignment = RoleAssignment(user=user, role=role, area=target_area)
    _save(assignment)
    _audit(actor, "user.role_add", user, changes, area_code=target_area.code)
    return assignment


@transaction.atomic
def user_role_remove(*, actor: Any, user: User, assignment: RoleAssignment) -> None:
    if assignment.user_id != user.pk:
        raise NotFound()
    _require_manage(actor, user)
    code = assignment.area.code
    changes = {"role": [assignment.role, None], "area": [code, None]}
    assignment.delete()
    _audit(actor, "user.role_remove", user, changes, area_code=code)


@transaction.atomic
def user_set_active(*, actor: Any, user: User, active: bool) -> User:
    _require_manage(actor, user)
    if user.is_active != active:
        old = user.is_active
        user.is_active = active
        user.save(update_fields=["is_active"])
        _audit(actor, "user.activate" if active else "user.deactivate", user, {"is_active": [old, active]})
    return user


def _set_password(actor: Any, user: User, password: str, action: str) -> User:
    """Check and set a password; the audit row says that it changed, never what to."""
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    _audit(actor, action, user, {"password": ["***", "***"]})
    return user


@transaction.atomic
def user_password_reset(*, actor: Any, user: User, password: str) -> User:
    """An officer sets a new password for a user below it."""
    _require_manage(actor, user)
    return _set_password(actor, user, password, "user.password_reset")


@transaction.atomic
def password_change(*, actor: User, old_password: str, new_password: str) -> User:
    """A user changes its own password."""
    if not actor.check_password(old_password or ""):
        raise _fail("old_password", _("原密码不正确"))
    return _set_password(actor, actor, new_password, "user.password_change")


# --- API tokens -----------------------------------------------------------------------------------


def _require_token_owner(actor: Any, owner: User, *, creating: bool) -> None:
    """A user manages its own tokens. An officer creates tokens only for a machine client it manages,
    and may revoke the tokens of any user it manages (a lost phone, a leaked key)."""
    if owner.pk == getattr(actor, "pk", None):
        return
    if creating and not owner.role_assignments.filter(role=Role.MACHINE_CLIENT).exists():
        raise PermissionDenied(_("只能为系统接口客户端账号代建令牌"))
    _require_manage(actor, owner)


@transaction.atomic
def token_create(*, actor: Any, owner: User, name: str) -> tuple[ApiToken, str]:
    """A named token; the key is returned once and only its SHA-256 hash is kept."""
    _require_token_owner(actor, owner, creating=True)
    name = (name or "").strip()
    if not name:
        raise _fail("name", _("请为令牌命名"))
    if not owner.is_active:
        raise _fail("user", _("该账号已停用"))
    key = KEY_LEAD + secrets.token_urlsafe(32)
    token = ApiToken(user=owner, name=name, key_hash=ApiToken.hash_key(key), prefix=key[:8])
    _save(token)
    audit_record(
        actor=actor,
        action="token.create",
        entity_type="api_token",
        entity_id=token.pk,
        area_code=user_area_code(owner),
        changes={"name": [None, name], "user": [None, owner.username], "prefix": [None, token.prefix]},
        summary=owner.username,
    )
    return token, key


@transaction.atomic
def token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    _require_token_owner(actor, token.user, creating=False)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="token.revoke",
            entity_type="api_token",
            entity_id=token.pk,
            area_code=user_area_code(token.user),
            changes={"revoked_at": [None, str(token.revoked_at)]},
            summary=token.user.username,
        )
    return token


@functools.cache
def _token_sql(vendor: str, touch: bool) -> str:
    """The token statement of `token_use` for this backend (built once); with `touch`, PostgreSQL's form that
    also records the use."""
    quote = connection.ops.quote_name
    token_table = quote(ApiToken._meta.db_table)
    columns = ", ".join(f"u.{quote(str(f.column))}" for f in User._meta.concrete_fields)
    stale = "(t.last_used_at IS NULL OR t.last_used_at < %s)"
    select = (
        f"SELECT {columns}, t.id, CASE WHEN {stale} THEN 1 ELSE 0 END, ra.role, a.code "  # noqa: S608
        f"FROM {token_table} t JOIN {quote(User._meta.db_table)} u ON u.id = t.user_id "
        f"LEFT JOIN {quote(RoleAssignment._meta.db_table)} ra ON ra.user_id = u.id "
        f"LEFT JOIN {quote(Area._meta.db_table)} a ON a.id = ra.area_id "
        "WHERE t.key_hash = %s AND t.revoked_at IS NULL AND u.is_active = %s"
    )
    if not touch:
        return select
    # set_config(..., true) is SET LOCAL: this statement's own transaction commits without waiting for the WAL.
    touch_sql = (
        f"UPDATE {token_table} t SET last_used_at = %s WHERE t.key_hash = %s AND t.revoked_at IS NULL "  # noqa: S608
        f"AND {stale} RETURNING set_config('synchronous_commit', 'off', true)"
    )
    return f"WITH touched AS ({touch_sql}) {select}"


def token_use(key: str, *, now: Any, resolution: Any) -> User | None:
    """The active user behind a bearer token, its scope primed, the use recorded ("last used" to `resolution`:
    not a write per request). Every machine-client request starts here, so it is one prepared statement (a row
    per role assignment) — on PostgreSQL outside a transaction, with the "last used" UPDATE in the same
    statement, whose commit does not wait for the WAL (a crash can lose the latest "last used", nothing else)."""
    fields = User._meta.concrete_fields
    since = connection.ops.adapt_datetimefield_value(now - resolution)
    key_hash = ApiToken.hash_key(key)
    touch_here = connection.vendor == "postgresql" and not connection.in_atomic_block
    if touch_here:
        rows = hot_sql.fetch(_token_sql(connection.vendor, True), [now, key_hash, since, since, key_hash, True])
    else:
        rows = hot_sql.fetch(_token_sql(connection.vendor, False), [since, key_hash, True])
    if not rows:
        return None
    # The ORM's own converters (per backend and per field), as a raw queryset applies them.
    compiler = User.objects.all().query.get_compiler(using=connection.alias)
    converters = compiler.get_converters([f.get_col(User._meta.db_table) for f in fields])
    first = next(iter(compiler.apply_converters([list(rows[0])], converters)))
    n = len(fields)
    user = User.from_db(connection.alias, [f.attname for f in fields], first[:n])
    prime_scope(user, [(row[n + 2], row[n + 3]) for row in rows if row[n + 2] is not None])
    if first[n + 1] and not touch_here:
        ApiToken.objects.filter(pk=first[n]).update(last_used_at=now)
    return user
