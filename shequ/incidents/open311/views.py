"""Open311 GeoReport v2 at /open311/v2/: discovery, services, service definitions, requests (list, create, one),
tokens — each as .xml or .json, errors as the spec's list of {code, description}.

Reads need no key (the spec's GET methods are public); an optional api_key (or a signed-in session) only decides
whether photo links are shown. POST needs an api_key: a Shequ API token whose account may report incidents where
the request lies. HTTP status as the spec says: 404 for what does not exist, 403 for a missing or wrong key or a
place outside the key's area, 400 for everything else — never a 500.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from shequ.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from shequ.incidents import access
from shequ.incidents.files import refuse_oversized
from shequ.incidents.models import Category
from shequ.incidents.open311 import params, selectors, serialize, services
from shequ.incidents.open311.formats import CONTENT_TYPES, DEFAULT_FORMAT, Open311Error, render, render_error

logger = logging.getLogger(__name__)

# Names of the incident services' fields as an Open311 client knows them.
FIELD_PARAMS = {
    "category": "service_code",
    "location": "lat/long",
    "community": "address_string",
    "building": "address_id",
    "address": "address_string",
    "reporter_name": "first_name/last_name",
    "reporter_phone": "phone",
    "photos": "media",
}
View = Callable[..., HttpResponse]


def general_error() -> str:
    return _("一般服务错误：请求未能处理，请稍后重试；如果问题持续，请联系平台管理员")


def _from_application_error(exc: ApplicationError) -> Open311Error:
    status = 404 if isinstance(exc, NotFound) else 403 if isinstance(exc, PermissionDenied) else 400
    errors: list[tuple[int | str, str]] = []
    if isinstance(exc, ValidationFailed) and isinstance(exc.details, dict):
        for field, messages in exc.details.items():
            for message in messages if isinstance(messages, (list, tuple)) else [messages]:
                errors.append((status, f"{FIELD_PARAMS.get(field, field)}: {message}"))
    return Open311Error(status, errors or [(status, str(exc.message))])


def _arguments(request: HttpRequest) -> QueryDict:
    return request.POST if request.method == "POST" else request.GET


def open311(*methods: str) -> Callable[[View], View]:
    """Format by extension, allowed methods, language (`locale`, else the request's), jurisdiction_id, and every
    failure answered in the spec's error format."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, fmt: str = DEFAULT_FORMAT, **kwargs: Any) -> HttpResponse:
            fmt = fmt.lower()
            if any("\x00" in str(part) for part in (*args, *kwargs.values())):
                # No id, code or token holds a NUL, and the database would refuse to compare one.
                missing = Open311Error(404, _("没有这个资源"))
                return render_error(fmt if fmt in CONTENT_TYPES else DEFAULT_FORMAT, missing)
            if fmt not in CONTENT_TYPES:
                message = _("不支持的格式“%(fmt)s”：请使用 .xml 或 .json") % {"fmt": fmt[:20]}
                return render_error(DEFAULT_FORMAT, Open311Error(404, message))
            try:
                language = params.locale(request.GET)
            except Open311Error as exc:
                return render_error(fmt, exc)
            with translation.override(language) if language else nullcontext():
                try:
                    if request.method == "POST":
                        refuse_oversized(request)  # before the body is read
                    if request.method not in methods:
                        response = render_error(fmt, Open311Error(400, _("此资源不支持 %(method)s 请求") % {
                            "method": (request.method or "")[:10]}))
                        response["Allow"] = ", ".join(methods)
                        return response
                    params.check_jurisdiction(request.GET)
                    params.check_jurisdiction(_arguments(request))
                    return view(request, *args, fmt=fmt, **kwargs)
                except Open311Error as exc:
                    return render_error(fmt, exc)
                except ApplicationError as exc:
                    return render_error(fmt, _from_application_error(exc))
                except (SuspiciousOperation, MultiPartParserError):
                    message = _("无法读取请求内容：请按 application/x-www-form-urlencoded 提交")
                    return render_error(fmt, Open311Error(400, message))
                except Exception:
                    # The spec's "general service error": logged for us, a 400 for the client.
                    logger.exception("Open311 request failed: %s %s", request.method, request.path)
                    return render_error(fmt, Open311Error(400, general_error()))

        return csrf_exempt(wrapper)

    return decorate


def _api_user(request: HttpRequest, *, required: bool) -> Any:
    from shequ.core.api import TokenAuth

    key = params.api_key(request)
    if not key:
        if required:
            raise Open311Error(403, _("缺少 api_key：提交服务请求需要接口令牌"))
        return None
    user = TokenAuth().authenticate(request, key)
    if user is None:
        raise Open311Error(403, _("api_key 无效或已被吊销"))
    return user


def _viewer(request: HttpRequest) -> Any:
    user = _api_user(request, required=False)
    if user is not None:
        return user
    session_user = getattr(request, "user", None)
    return session_user if session_user is not None and session_user.is_authenticated else None


def _category(code: str) -> Category:
    try:
        return selectors.service_get(code)
    except NotFound:
        raise Open311Error(404, _("service_code：未找到服务代码“%(code)s”") % {"code": code[:50]}) from None


def _rows(request: HttpRequest, incidents: list[Any]) -> list[dict[str, Any]]:
    media = selectors.media_for(_viewer(request), incidents)
    rows = []
    for incident in incidents:
        kind, target = media.get(incident.pk, (None, None))
        url = request.build_absolute_uri(reverse("incidents:photo", args=[target])) if kind == "photo" else target
        rows.append(serialize.request(incident, url))
    return rows


@open311("GET", "HEAD")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    tokens_url = request.build_absolute_uri(reverse("accounts:tokens"))
    contact = getattr(settings, "SHEQU_OPEN311_CONTACT", "") or _("请联系市民政局社区综合信息平台管理员")
    key_service = getattr(settings, "SHEQU_OPEN311_KEY_SERVICE", "") or _(
        "api_key 即 Shequ 接口令牌，由管理员为具有事件上报权限的账号签发：%(url)s"
    ) % {"url": tokens_url}
    payload = serialize.discovery(
        url=request.build_absolute_uri(reverse("open311:root")).rstrip("/"),
        changeset=selectors.services_changed_at(),
        contact=contact,
        key_service=key_service,
        kind=getattr(settings, "SHEQU_OPEN311_ENDPOINT_TYPE", "production"),
    )
    return render(fmt, "discovery", payload)


def root(request: HttpRequest) -> HttpResponse:
    """The endpoint's root serves its discovery document, as the service discovery spec suggests."""
    return discovery(request, fmt=DEFAULT_FORMAT)


@open311("GET", "HEAD")
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    return render(fmt, "services", [serialize.service(c) for c in selectors.service_list()])


@open311("GET", "HEAD")
def service_definition(request: HttpRequest, service_code: str, fmt: str) -> HttpResponse:
    return render(fmt, "service_definition", serialize.service_definition(_category(service_code)))


@open311("GET", "HEAD", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    return _create(request, fmt) if request.method == "POST" else _list(request, fmt)


def _list(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.GET
    ids = params.values(data, "service_request_id")
    if ids:
        incidents = selectors.request_list(ids=ids)
    else:
        statuses = params.values(data, "status")
        unknown = [s for s in statuses if s not in ("open", "closed")]
        if unknown:
            raise params.bad("status", _("只能是 open 或 closed"))
        start, end = params.date_window(data, timezone.now())
        page = params.positive_int(data, "page", 1, 10**6)
        size = params.positive_int(data, "page_size", params.MAX_PAGE_SIZE, params.MAX_PAGE_SIZE)
        incidents = selectors.request_list(
            codes=params.values(data, "service_code"),
            statuses=statuses,
            start=start,
            end=end,
            offset=(page - 1) * size,
            limit=size,
        )
    return render(fmt, "service_requests", _rows(request, incidents))


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    user = _api_user(request, required=True)
    code = params.value(data, "service_code")
    if not code:
        raise params.bad("service_code", _("此项必填"))
    category = _category(code)
    if not access.can_report(user):
        raise Open311Error(403, _("该 api_key 所属账号无权上报事件"))
    point = params.coordinates(data)
    building_id = params.address_id(data)
    address = params.value(data, "address_string")
    if point is None and building_id is None and not address:
        raise Open311Error(400, _("缺少位置：请提供 lat 和 long，或 address_string，或 address_id"))
    building = community = None
    if building_id is not None:
        building = selectors.report_building(viewer=user, pk=building_id)
        if building is None:
            raise params.bad("address_id", params.unknown_address_id())
    elif point is None:
        building = selectors.address_building(viewer=user, address=address)
        community = None if building is not None else selectors.sole_report_community(viewer=user)
        if building is None and community is None:
            raise params.bad("address_string", _("无法确定该地址的位置：请同时提供 lat 和 long，或 address_id"))
    fields = params.text_fields(data, ("description", "first_name", "last_name", "phone", "email", "media_url"))
    incident = services.open311_request_create(
        actor=user,
        category=category,
        latitude=point[0] if point else None,
        longitude=point[1] if point else None,
        building=building,
        community=community,
        address=address,
        photos=request.FILES.getlist("media"),
        **fields,
    )
    # 200 rather than 201: the spec shows none, and the clients in use expect 200.
    return render(fmt, "service_requests", [serialize.created(incident)])


@open311("GET", "HEAD")
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    try:
        incident = selectors.request_get(request_id)
    except NotFound:
        raise Open311Error(404, _("未找到服务请求“%(id)s”") % {"id": request_id[:50]}) from None
    return render(fmt, "service_requests", _rows(request, [incident]))


@open311("GET", "HEAD")
def token_detail(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    try:
        incident = selectors.request_by_token(token)
    except NotFound:
        raise Open311Error(404, _("未找到令牌“%(token)s”") % {"token": token[:50]}) from None
    return render(fmt, "service_requests", [serialize.token(incident)])


@csrf_exempt
def unknown(request: HttpRequest, rest: str) -> HttpResponse:
    extension = rest.rsplit(".", 1)[-1].lower() if "." in rest.rsplit("/", 1)[-1] else ""
    fmt = extension if extension in CONTENT_TYPES else DEFAULT_FORMAT
    return render_error(fmt, Open311Error(404, _("没有这个资源：%(path)s") % {"path": rest[:100]}))
