"""Requests refused before any view runs: an over-long query string (a pasted essay in a search box)
or a body larger than the upload limit. Answered in Chinese — a page, or the one error body for /api/."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


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
        return self.get_response(request)
