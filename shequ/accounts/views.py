"""Account pages: the landing page per role, password change, user management and API tokens.

Thin: parse with a form, call a selector or service, render. Refusals come back as form errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shequ.accounts import selectors, services
from shequ.accounts.forms import (
    PasswordChangeForm,
    PasswordResetForm,
    RoleAddForm,
    TokenCreateForm,
    UserCreateForm,
    UserEditForm,
    apply_error,
)
from shequ.accounts.models import User, WorkLine
from shequ.accounts.policies import grantable_roles
from shequ.accounts.scope import viewer_scope
from shequ.core.errors import ApplicationError, NotFound
from shequ.core.masking import mask_phone
from shequ.core.roles import Perm, Role

PAGE_SIZE = 50


def _me(request: HttpRequest) -> User:
    """The signed-in user (the views calling this are behind login_required)."""
    return cast(User, request.user)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page per role: officers and workers see their areas; residents their household;
    auditors the audit log."""
    scope = viewer_scope(request.user)
    if scope.has(Perm.OWN_HOUSEHOLD) and not scope.has(Perm.REGISTRY_VIEW):
        if scope.resident_household_id:
            return redirect("registry:household_detail", pk=scope.resident_household_id)
        return render(request, "accounts/home.html", {"dash": None, "unlinked_resident": True})
    if scope.has(Perm.AUDIT_VIEW) and not scope.has(Perm.REGISTRY_VIEW):
        return redirect("audit:log")
    return render(request, "accounts/home.html", {"dash": selectors.dashboard(viewer=request.user)})


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.password_change(
                    actor=_me(request),
                    old_password=form.cleaned_data["old_password"],
                    new_password=form.cleaned_data["new_password"],
                )
            except ApplicationError as exc:
                apply_error(form, exc, {"password": "new_password"})
                status = exc.status
            else:
                update_session_auth_hash(request, _me(request))
                messages.success(request, _("密码已修改。"))
                return redirect("home")
        else:
            status = 422
    return render(request, "accounts/password_change.html", {"form": form}, status=status)


# --- users ----------------------------------------------------------------------------------------


def _active_filter(value: str) -> bool | None:
    return {"1": True, "0": False}.get(value)


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    area = request.GET.get("area", "").strip()
    active = request.GET.get("active", "")
    qs = selectors.user_list(viewer=request.user, q=q, role=role, area_code=area, active=_active_filter(active))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(u, mask_phone(u.phone)) for u in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/user_list.html",
        {
            "page": page,
            "rows": rows,
            "filters": {"q": q, "role": role, "area": area, "active": active},
            "roles": Role.choices,
            "can_create": bool(grantable_roles(viewer_scope(request.user))),
            "query": query.urlencode(),
        },
    )


def _role_choices(request: HttpRequest) -> list[str]:
    return grantable_roles(viewer_scope(request.user))


@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    roles = _role_choices(request)
    if not roles:
        raise NotFound()
    form = UserCreateForm(request.POST or None, roles=roles)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.user_create(
                    actor=request.user,
                    username=data["username"],
                    password=data["password"],
                    role=data["role"],
                    area=data["area"],
                    display_name=data["display_name"],
                    phone=data["phone"],
                    work_lines=data["work_lines"],
                    resident_id_number=data["resident_id_number"],
                )
            except ApplicationError as exc:
                apply_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("已创建用户 %(username)s。") % {"username": user.username})
                return redirect("accounts:user_detail", pk=user.pk)
        else:
            status = 422
    return render(
        request,
        "accounts/user_form.html",
        {"form": form, "areas": selectors.grantable_areas(viewer=request.user)},
        status=status,
    )


def _detail(request: HttpRequest, target: User, status: int = 200, **forms: Any) -> HttpResponse:
    scope = viewer_scope(request.user)
    manageable = selectors.user_manageable(viewer=request.user, user=target)
    roles = _role_choices(request)
    resident = target.resident
    resident_visible = resident is not None and scope.has(Perm.REGISTRY_VIEW, resident.area_code)
    is_machine = any(ra.role == Role.MACHINE_CLIENT for ra in target.role_assignments.all())
    context = {
        "target": target,
        "masked_phone": mask_phone(target.phone),
        "work_lines": [str(dict(WorkLine.choices).get(line, line)) for line in target.work_lines or []],
        "manageable": manageable,
        "resident": resident if resident_visible else None,
        "has_resident": resident is not None,
        "edit_form": forms.get("edit_form")
        or UserEditForm(initial={"display_name": target.display_name, "work_lines": target.work_lines}),
        "role_form": forms.get("role_form") or RoleAddForm(roles=roles),
        "password_form": forms.get("password_form") or PasswordResetForm(),
        "token_form": forms.get("token_form") or TokenCreateForm(),
        "tokens": selectors.token_list(viewer=request.user, owner=target) if manageable else None,
        "is_machine": is_machine,
        "new_key": forms.get("new_key"),
        "areas": selectors.grantable_areas(viewer=request.user) if manageable else [],
    }
    response = render(request, "accounts/user_detail.html", context, status=status)
    if context["new_key"]:
        response["Cache-Control"] = "no-store"
    return response


def _post_on_user_page(
    request: HttpRequest,
    target: User,
    form_key: str,
    form: Any,
    call: Callable[[dict[str, Any]], Any],
    *,
    done: str | Callable[[Any], HttpResponse],
    aliases: dict[str, str] | None = None,
) -> HttpResponse:
    """One of the user page's forms posted: on refusal the page comes back with the form's errors (422, or the
    service's status); else `done` — a message before going back to the page, or a response of its own."""
    if not form.is_valid():
        return _detail(request, target, 422, **{form_key: form})
    try:
        result = call(form.cleaned_data)
    except ApplicationError as exc:
        apply_error(form, exc, aliases)
        return _detail(request, target, exc.status, **{form_key: form})
    if callable(done):
        return done(result)
    messages.success(request, done)
    return redirect("accounts:user_detail", pk=target.pk)


@login_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.user_get(viewer=request.user, pk=pk)
    if request.method != "POST":
        return _detail(request, target)
    return _post_on_user_page(
        request,
        target,
        "edit_form",
        UserEditForm(request.POST),
        lambda data: services.user_update(
            actor=request.user,
            user=target,
            display_name=data["display_name"],
            phone=data["phone"] or None,
            work_lines=data["work_lines"],
        ),
        done=_("已保存。"),
    )


@login_required
@require_POST
def user_role_add(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.user_get(viewer=request.user, pk=pk)
    return _post_on_user_page(
        request,
        target,
        "role_form",
        RoleAddForm(request.POST, roles=_role_choices(request)),
        lambda data: services.user_role_add(
            actor=request.user,
            user=target,
            role=data["role"],
            area=data["area"],
            resident_id_number=data["resident_id_number"],
        ),
        done=_("已添加角色。"),
    )


@login_required
@require_POST
def user_role_remove(request: HttpRequest, pk: int, assignment_id: int) -> HttpResponse:
    target = selectors.user_get(viewer=request.user, pk=pk)
    assignment = selectors.role_assignment_get(user=target, pk=assignment_id)
    services.user_role_remove(actor=request.user, user=target, assignment=assignment)
    messages.success(request, _("已移除角色。"))
    return redirect("accounts:user_detail", pk=target.pk)


@login_required
@require_POST
def user_set_active(request: HttpRequest, pk: int, active: bool) -> HttpResponse:
    target = selectors.user_get(viewer=request.user, pk=pk)
    services.user_set_active(actor=request.user, user=target, active=active)
    messages.success(request, _("已启用该账号。") if active else _("已停用该账号。"))
    return redirect("accounts:user_detail", pk=target.pk)


@login_required
@require_POST
def user_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.user_get(viewer=request.user, pk=pk)
    return _post_on_user_page(
        request,
        target,
        "password_form",
        PasswordResetForm(request.POST),
        lambda data: services.user_password_reset(actor=request.user, user=target, password=data["new_password"]),
        done=_("已重置密码。"),
        aliases={"password": "new_password"},
    )


@login_required
@require_POST
@never_cache
def user_token_create(request: HttpRequest, pk: int) -> HttpResponse:
    """An officer creates a token for a machine-client account it manages (shown once)."""
    target = selectors.user_get(viewer=request.user, pk=pk)
    return _post_on_user_page(
        request,
        target,
        "token_form",
        TokenCreateForm(request.POST),
        lambda data: services.token_create(actor=request.user, owner=target, name=data["token_name"]),
        done=lambda created: _detail(request, target, 201, new_key=created[1]),
        aliases={"name": "token_name"},
    )


# --- own API tokens -------------------------------------------------------------------------------


@login_required
@never_cache
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST or None)
    new_key = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _token, new_key = services.token_create(
                    actor=request.user, owner=_me(request), name=form.cleaned_data["token_name"]
                )
            except ApplicationError as exc:
                apply_error(form, exc, {"name": "token_name"})
                status = exc.status
            else:
                status = 201
                form = TokenCreateForm()
        else:
            status = 422
    tokens = selectors.token_list(viewer=request.user)
    return render(
        request, "accounts/tokens.html", {"form": form, "tokens": tokens, "new_key": new_key}, status=status
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = selectors.token_get(viewer=request.user, pk=pk)
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, _("令牌已吊销。"))
    if token.user_id != request.user.pk:
        return redirect("accounts:user_detail", pk=token.user_id)
    return redirect("accounts:tokens")
