"""Middleware of the whole site.

RequestBoundsMiddleware: requests refused before any view runs — an over-long query string (a pasted
essay in a search box), a body larger than the upload limit, or a NUL character in a parameter (no
keyboard types one, and PostgreSQL cannot store it). Answered in Chinese — a page, or the one error
body for /api/ (issue 19, item 1).
NoStoreMiddleware: response headers for personal data (issue 19, item 9).
SessionRenewalMiddleware: idle-session renewal without a database write per request. The session
expires after SESSION_COOKIE_AGE of inactivity; saving it on every request (SESSION_SAVE_EVERY_REQUEST)
renewed that window at the cost of an UPDATE and a transaction per request — most of an API call's
cost. This renews at most once per SESSION_RENEW_SECONDS (issue 18, item 9)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class RequestBoundsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from core.views import error_page

        query_limit = settings.MAX_QUERY_STRING_BYTES
        if len(request.META.get("QUERY_STRING", "").encode()) > query_limit:
            return error_page(
                request,
                414,
                "query_too_long",
                f"检索条件过长（超过 {query_limit} 字节），请缩短后重试。",
            )
        body_limit = settings.MAX_REQUEST_BODY_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > body_limit:
            return error_page(
                request,
                413,
                "request_too_large",
                f"上传内容过大（超过 {body_limit // (1024 * 1024)} MB），请拆分后重试。",
            )
        if _has_nul(request):
            return error_page(request, 400, "nul_character", "提交的内容含有空字符（NUL），请重新输入。")
        return self.get_response(request)


def _has_nul(request: HttpRequest) -> bool:
    if "%00" in request.META.get("QUERY_STRING", "") or any(
        "\x00" in value for values in request.GET.lists() for value in values[1]
    ):
        return True
    if request.method not in ("POST", "PUT", "PATCH"):
        return False
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return any("\x00" in value for values in request.POST.lists() for value in values[1])
    if content_type.startswith("application/json"):
        return b"\\u0000" in request.body or b"\x00" in request.body
    return False


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every page and API answer: they carry patients' data, and a
    shared window PC or a proxy must keep none of it. Static files (whitenoise, earlier in the
    chain) keep their long-lived caching."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


RENEWED_AT = "_renewed_at"


class SessionRenewalMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.interval = getattr(settings, "SESSION_RENEW_SECONDS", 60)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_KEY):  # anonymous visitors get no session
            now = int(time.time())
            if now - session.get(RENEWED_AT, 0) >= self.interval:
                session[RENEWED_AT] = now  # marks it modified: saved with a fresh expiry
        return self.get_response(request)
