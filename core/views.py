from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core import health
from core.errors import error_body
from core.navigation import HOME_PANELS
from core.roles import Role, has_role, user_roles


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each user to the home page of their first role."""
    if request.user.is_superuser:
        return redirect("role_home", role=Role.ADMIN.value)
    roles = user_roles(request.user)
    for role in Role:
        if role in roles:
            return redirect("role_home", role=role.value)
    raise PermissionDenied("您的账号尚未分配角色，请联系系统管理员。")


@login_required
def role_home(request: HttpRequest, role: str) -> HttpResponse:
    try:
        current = Role(role)
    except ValueError as exc:
        raise Http404("没有这个角色的首页。") from exc
    if not has_role(request.user, current):
        raise PermissionDenied("您的角色无权访问此页面。")
    panels = [
        {"title": panel.title, "template": panel.template, "context": panel.context(request)}
        for panel in HOME_PANELS[current]
    ]
    return render(request, "core/home.html", {"role": current, "panels": panels})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, body = health.collect()
    return JsonResponse(body, status=200 if healthy else 503, json_dumps_params={"ensure_ascii": False})


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _error_page(request: HttpRequest, status: int, code: str, message: str, template: str) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            error_body(code, message), status=status, json_dumps_params={"ensure_ascii": False}
        )
    body = loader.render_to_string(template, {"message": message, "status": status}, request)
    return HttpResponse(body, status=status)


def error_page(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    """A refusal outside any view (request bounds, CSRF, bad request): Chinese page or error body."""
    return _error_page(request, status, code, message, "error.html")


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent

    if isinstance(exception, RequestDataTooBig):
        message = "提交的内容过大，请拆分后重试。"
    elif isinstance(exception, TooManyFieldsSent):
        message = "提交的字段过多，请分批提交。"
    else:
        message = "请求无效，请返回后重新操作。"
    return error_page(request, 400, "bad_request", message)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return error_page(request, 403, "csrf_failed", "页面已过期或来源无法验证，请刷新页面后重新提交。")


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else "您的角色无权访问此页面。"
    return _error_page(request, 403, "permission_denied", message, "403.html")


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 404, "not_found", "您访问的页面不存在或已被移除。", "404.html")


def handler500(request: HttpRequest) -> HttpResponse:
    # No request context processors: the failure may be in them.
    if _is_api(request):
        return JsonResponse(
            error_body("server_error", "系统内部错误，请稍后重试或联系信息科。"),
            status=500,
            json_dumps_params={"ensure_ascii": False},
        )
    return HttpResponse(loader.render_to_string("500.html"), status=500)


def axes_lockout(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """django-axes lockout: the JSON error body for the API, the Chinese lockout page otherwise."""
    message = "登录失败次数过多，账号已被暂时锁定，请稍后再试。"
    if _is_api(request):
        return JsonResponse(
            error_body("locked_out", message), status=429, json_dumps_params={"ensure_ascii": False}
        )
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    body = loader.render_to_string("registration/locked_out.html", {"cooloff_minutes": minutes}, request)
    return HttpResponse(body, status=429)
