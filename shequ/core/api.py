"""The one NinjaAPI at /api/v1: authentication, the error shape, and each app's router."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
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


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details = [
        {
            "field": ".".join(str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload")),
            "message": err.get("msg", ""),
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

