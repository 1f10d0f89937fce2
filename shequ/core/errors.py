"""One error shape for the whole platform: {code, message, details}.

Each app declares its own codes; user-facing messages are translated where they are raised.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: Any = None, *, code: str | None = None, details: Any = None, status: int | None = None):
        self.message = message if message is not None else _("请求无效。")
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details = details if details is not None else {}
        super().__init__(str(self.message))

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": str(self.message), "details": _stringify(self.details)}


class NotFound(ApplicationError):
    """Also what "not yours" answers: outsiders cannot tell the two apart."""

    status = 404
    code = "not_found"

    def __init__(self, message: Any = None, **kwargs: Any):
        super().__init__(message if message is not None else _("未找到该记录。"), **kwargs)


class PermissionDenied(ApplicationError):
    status = 403
    code = "permission_denied"

    def __init__(self, message: Any = None, **kwargs: Any):
        super().__init__(message if message is not None else _("您没有执行此操作的权限。"), **kwargs)


class ValidationFailed(ApplicationError):
    status = 422
    code = "validation_failed"

    def __init__(self, message: Any = None, **kwargs: Any):
        super().__init__(message if message is not None else _("提交的数据有误。"), **kwargs)


class Conflict(ApplicationError):
    status = 409
    code = "conflict"


def _stringify(value: Any) -> Any:
    """Lazy translation proxies and other objects become plain JSON values."""
    if isinstance(value, dict):
        return {str(k): _stringify(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_stringify(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)


def validation_error_from_django(exc: Any) -> ValidationFailed:
    """Turn django.core.exceptions.ValidationError into our shape, keyed by field."""
    if hasattr(exc, "message_dict"):
        details = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
    else:
        details = {"__all__": [str(m) for m in exc.messages]}
    first = next(iter(details.values()))[0] if details else None
    return ValidationFailed(first, details=details)
