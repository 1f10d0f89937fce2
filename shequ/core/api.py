"""The one NinjaAPI at /api/v1: authentication, the error shape, and each app's router."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer

from shequ.core.errors import ApplicationError, NotFound


class SessionAuth(APIKeyCookie):
    """Browser session (with CSRF on unsafe methods)."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


TOKEN_USE_RESOLUTION = dt.timedelta(minutes=1)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from shequ.accounts.services import token_use

        user = token_use(token, now=timezone.now(), resolution=TOKEN_USE_RESOLUTION)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Shequ API",
    version="1",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    docs_url="/docs",
)


def _error(request: HttpRequest, status: int, code: str, message: str, details: Any = None) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, "details": details or {}}, status=status)


@api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


def _count(ctx: dict[str, Any], key: str) -> int:
    return int(ctx[key])


def _choices(ctx: dict[str, Any]) -> str:
    """pydantic's list of allowed values ("'a', 'b' or 'c'") with the "or" in the request's language."""
    expected = str(ctx["expected"])
    head, sep, last = expected.rpartition(" or ")
    return _("%(head)s 或 %(last)s") % {"head": head, "last": last} if sep else expected


def _error_text(ctx: dict[str, Any]) -> str:
    """A validator's own message (ValueError / AssertionError raised in a schema), already in the request's
    language when the validator translated it."""
    return str(ctx["error"])


def _integer(ctx: dict[str, Any]) -> str:
    return _("请输入整数")


def _number(ctx: dict[str, Any]) -> str:
    return _("请输入数字")


def _boolean(ctx: dict[str, Any]) -> str:
    return _("请输入 true 或 false")


def _date(ctx: dict[str, Any]) -> str:
    return _("请输入有效日期（YYYY-MM-DD）")


def _datetime(ctx: dict[str, Any]) -> str:
    return _("请输入有效的日期时间（如 2026-01-31T08:30:00+08:00）")


def _time(ctx: dict[str, Any]) -> str:
    return _("请输入有效时间（HH:MM）")


def _choice(ctx: dict[str, Any]) -> str:
    return _("请选择以下值之一：%(expected)s") % {"expected": _choices(ctx)}


def _object(ctx: dict[str, Any]) -> str:
    return _("应为对象")


def _uuid(ctx: dict[str, Any]) -> str:
    return _("请输入有效的 UUID")


def _url(ctx: dict[str, Any]) -> str:
    return _("请输入有效的网址")


# pydantic's error types (https://docs.pydantic.dev/latest/errors/validation_errors/) → a message in the
# request's language, built from the error's context (min_length, gt, expected ...). A type not listed here
# keeps pydantic's own (English) text.
VALIDATION_MESSAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "missing": lambda ctx: _("此项必填"),
    "string_too_short": lambda ctx: ngettext(
        "至少需要 %(n)s 个字符", "至少需要 %(n)s 个字符", _count(ctx, "min_length")
    ) % {"n": _count(ctx, "min_length")},
    "string_too_long": lambda ctx: ngettext(
        "最多 %(n)s 个字符", "最多 %(n)s 个字符", _count(ctx, "max_length")
    ) % {"n": _count(ctx, "max_length")},
    "too_short": lambda ctx: ngettext("至少需要 %(n)s 项", "至少需要 %(n)s 项", _count(ctx, "min_length"))
    % {"n": _count(ctx, "min_length")},
    "too_long": lambda ctx: ngettext("最多只能有 %(n)s 项", "最多只能有 %(n)s 项", _count(ctx, "max_length"))
    % {"n": _count(ctx, "max_length")},
    "string_type": lambda ctx: _("应为字符串"),
    "string_pattern_mismatch": lambda ctx: _("格式不正确"),
    "int_parsing": _integer,
    "int_type": _integer,
    "int_from_float": _integer,
    "float_parsing": _number,
    "float_type": _number,
    "decimal_parsing": _number,
    "decimal_type": _number,
    "finite_number": _number,
    "decimal_max_digits": lambda ctx: ngettext(
        "最多 %(n)s 位数字", "最多 %(n)s 位数字", _count(ctx, "max_digits")
    ) % {"n": _count(ctx, "max_digits")},
    "decimal_max_places": lambda ctx: ngettext(
        "小数最多 %(n)s 位", "小数最多 %(n)s 位", _count(ctx, "decimal_places")
    ) % {"n": _count(ctx, "decimal_places")},
    "bool_parsing": _boolean,
    "bool_type": _boolean,
    "date_parsing": _date,
    "date_from_datetime_parsing": _date,
    "date_type": _date,
    "date_from_datetime_inexact": lambda ctx: _("日期不能带有时间部分"),
    "datetime_parsing": _datetime,
    "datetime_from_date_parsing": _datetime,
    "datetime_type": _datetime,
    "time_parsing": _time,
    "time_type": _time,
    "enum": _choice,
    "literal_error": _choice,
    "greater_than": lambda ctx: _("必须大于 %(limit)s") % {"limit": ctx["gt"]},
    "greater_than_equal": lambda ctx: _("不能小于 %(limit)s") % {"limit": ctx["ge"]},
    "less_than": lambda ctx: _("必须小于 %(limit)s") % {"limit": ctx["lt"]},
    "less_than_equal": lambda ctx: _("不能大于 %(limit)s") % {"limit": ctx["le"]},
    "multiple_of": lambda ctx: _("必须是 %(n)s 的倍数") % {"n": ctx["multiple_of"]},
    "json_invalid": lambda ctx: _("不是有效的 JSON"),
    "list_type": lambda ctx: _("应为列表"),
    "dict_type": _object,
    "model_type": _object,
    "model_attributes_type": _object,
    "uuid_parsing": _uuid,
    "uuid_type": _uuid,
    "url_parsing": _url,
    "url_type": _url,
    "extra_forbidden": lambda ctx: _("不允许此字段"),
    "value_error": _error_text,
    "assertion_error": _error_text,
}


def validation_message(err: dict[str, Any]) -> str:
    """One pydantic error in the request's language; pydantic's own text for a type (or context) we do not know."""
    build = VALIDATION_MESSAGES.get(str(err.get("type", "")))
    if build is not None:
        try:
            return str(build(err.get("ctx") or {}))
        except (KeyError, TypeError, ValueError):
            pass
    return str(err.get("msg", ""))


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details = [
        {
            "field": ".".join(str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload")),
            "message": validation_message(err),
            "code": str(err.get("type", "")),
        }
        for err in exc.errors
    ]
    return _error(request, 422, "validation_failed", _("提交的数据有误。"), details)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthenticated", _("请先登录或提供有效的接口令牌。"))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {404: "not_found", 403: "permission_denied", 405: "method_not_allowed"}.get(exc.status_code, "error")
    return _error(request, exc.status_code, code, str(exc))


def _register_routers() -> None:
    from shequ.accounts.api import router as accounts_router
    from shequ.areas.api import router as areas_router
    from shequ.core.audit_api import router as audit_router
    from shequ.disclosure.api import router as disclosure_router
    from shequ.elections.api import router as elections_router
    from shequ.facilities.api import router as facilities_router
    from shequ.funding.api import router as funding_router
    from shequ.governance.api import router as governance_router
    from shequ.grids.api import router as grids_router
    from shequ.incidents.api import router as incidents_router
    from shequ.registry.api import router as registry_router
    from shequ.registry.importing.api import router as import_router
    from shequ.registry.importing.export_api import router as export_router
    from shequ.standards.api import router as standards_router
    from shequ.standards.api_policy import router as policy_router
    from shequ.standards.bulk.api import router as bulk_router

    api.add_router("/areas", areas_router)
    api.add_router("/registry/imports", import_router)
    api.add_router("/registry/exports", export_router)
    api.add_router("/registry", registry_router)
    api.add_router("/accounts", accounts_router)
    api.add_router("/audit", audit_router)
    api.add_router("/standards/policies", policy_router)
    api.add_router("/standards/bulk", bulk_router)
    api.add_router("/standards", standards_router)
    api.add_router("/facilities", facilities_router)
    api.add_router("/funding", funding_router)
    api.add_router("/governance", governance_router)
    api.add_router("/grids", grids_router)
    api.add_router("/incidents", incidents_router)
    api.add_router("/elections", elections_router)
    api.add_router("/disclosure", disclosure_router)


_register_routers()


def sectioned_urls() -> tuple[list[Any], str, str]:
    """The API's URL patterns, those under a common first segment ("elections/…", "registry/…") grouped into
    one include per segment. Django tries patterns one by one, and ninja's list is flat (170-odd): grouped, a
    request is matched against the segments and then its own section, not every path before it. Each group
    keeps its position and its patterns' order, and groups cannot overlap (different literal first segments),
    so what matches is unchanged; names stay in the `api` namespace."""
    from django.urls import URLPattern, include, path

    patterns, app_name, namespace = api.urls
    groups: dict[str, list[Any]] = {}
    out: list[Any] = []
    for pattern in patterns:
        head, slash, tail = str(pattern.pattern).partition("/")
        if not isinstance(pattern, URLPattern) or not slash or "<" in head:
            out.append(pattern)
            continue
        if head not in groups:
            groups[head] = []
            out.append((head, groups[head]))
        view: Any = pattern.callback
        groups[head].append(path(tail, view, kwargs=pattern.default_args, name=pattern.name))
    return ([path(f"{item[0]}/", include(item[1])) if isinstance(item, tuple) else item for item in out],
            app_name, namespace)


def api_fallback(request: HttpRequest) -> HttpResponse:
    """Where no API operation matches. A path that differs from an operation's only by the trailing slash is
    redirected to it (308: method and body kept — clients disagree about slashes); anything else is a 404 in the
    API's error shape, not the site's HTML page."""
    from django.http import HttpResponsePermanentRedirect
    from django.urls import Resolver404, resolve

    other = request.path[:-1] if request.path.endswith("/") else request.path + "/"
    try:
        match = resolve(other)
    except Resolver404:
        match = None
    if match is not None and match.func is not api_fallback:
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(other + (f"?{query}" if query else ""), preserve_request=True)
    return _error(request, 404, NotFound.code, str(NotFound().message))

