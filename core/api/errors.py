"""One DRF exception handler: every API failure has the body {code, message, rule, errors}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.errors import DomainError, error_body, flatten_errors

# Chinese messages for DRF's own exceptions, by DRF's default code.
MESSAGES: dict[str, str] = {
    "not_authenticated": "未登录或登录已过期，请重新登录。",
    "authentication_failed": "身份认证失败。",
    "token_expired": "接口令牌已过期，请重新获取。",
    "permission_denied": "您的角色无权执行此操作。",
    "not_found": "未找到请求的对象。",
    "method_not_allowed": "不支持该请求方法。",
    "not_acceptable": "无法按请求的格式返回。",
    "unsupported_media_type": "不支持的请求内容类型。",
    "throttled": "请求过于频繁，请稍后再试。",
    "parse_error": "请求内容无法解析。",
    "invalid": "提交的数据有误，请检查标出的字段。",
}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        set_rollback()
        return Response(exc.as_body(), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        if str(exc):  # an object-level refusal says why (e.g. another department's patient)
            set_rollback()
            return Response(error_body("permission_denied", str(exc)), status=status.HTTP_403_FORBIDDEN)
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # unexpected: Django's 500 handler answers with the same body for /api/

    set_rollback()
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    if isinstance(exc, exceptions.ValidationError):
        body = error_body("validation_error", MESSAGES["invalid"], errors=flatten_errors(exc.detail))
        return Response(body, status=status.HTTP_400_BAD_REQUEST, headers=headers)

    code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
    message = MESSAGES.get(code) or MESSAGES.get(exc.default_code)
    errors = {}
    if message is None:
        # An exception we have no Chinese text for: a generic message, its own words as details.
        message = "请求未能完成。"
        errors = flatten_errors(exc.detail)
    return Response(error_body(code, message, errors=errors), status=exc.status_code, headers=headers)
