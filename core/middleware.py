"""Idle-session renewal without a database write per request.

The session expires after SESSION_COOKIE_AGE of inactivity. Saving it on every request
(SESSION_SAVE_EVERY_REQUEST) renewed that window at the cost of an UPDATE and a transaction per
request — most of an API call's cost. This renews at most once per SESSION_RENEW_SECONDS: the idle
timeout is then exact to within that interval (60 s on a 4-hour window).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse

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
