"""Health of the stack: database, Redis, Celery workers (and beat's last heartbeat).

Later issues add the last sync with the insurance center through `register_check`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

BEAT_HEARTBEAT_KEY = "core:beat:last"

# name -> function returning {"ok": bool, ...}; only "required" checks decide 200/503; a failing
# "degrades" check turns the status to "degraded" (still 200), e.g. a late sync with the center (SYNC-1).
_EXTRA_CHECKS: dict[str, tuple[Callable[[], dict[str, Any]], bool]] = {}
_DEGRADING: set[str] = set()


def register_check(
    name: str, check: Callable[[], dict[str, Any]], *, required: bool = True, degrades: bool = False
) -> None:
    _EXTRA_CHECKS[name] = (check, required)
    if degrades:
        _DEGRADING.add(name)


def _timed(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as exc:  # a health check reports every failure instead of raising
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def check_redis() -> dict[str, Any]:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return {"ok": True}


def check_celery_workers() -> dict[str, Any]:
    from celery import current_app as app

    with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
        # limit=1: answer as soon as one worker replies, so /healthz stays fast.
        replies = app.control.ping(timeout=1.0, limit=1, connection=conn)
    workers = sorted(name for reply in replies for name in reply)
    return {"ok": bool(workers), "workers": workers}


def record_beat_heartbeat() -> str:
    now = timezone.now().isoformat()
    cache.set(BEAT_HEARTBEAT_KEY, now, timeout=None)
    return now


def check_beat() -> dict[str, Any]:
    last = cache.get(BEAT_HEARTBEAT_KEY)
    return {"ok": last is not None, "last_heartbeat": last}


def collect() -> tuple[bool, dict[str, Any]]:
    """Run every check. Healthy when database, Redis, Celery workers and extra required checks pass."""
    checks: dict[str, dict[str, Any]] = {"database": _timed(check_database), "redis": _timed(check_redis)}
    if checks["redis"]["ok"]:
        checks["celery"] = _timed(check_celery_workers)
        checks["beat"] = _timed(check_beat)
    else:
        # The broker is Redis: without it no worker can be reached.
        checks["celery"] = {"ok": False, "error": "Redis 不可用，无法联系 Celery 工作进程"}
        checks["beat"] = {"ok": False, "error": "Redis 不可用"}
    required = ["database", "redis", "celery"]
    for name, (check, is_required) in _EXTRA_CHECKS.items():
        checks[name] = _timed(check)
        if is_required:
            required.append(name)
    healthy = all(checks[name]["ok"] for name in required)
    degraded = any(not checks[name]["ok"] for name in _DEGRADING if name in checks)
    return healthy, {
        "status": ("degraded" if degraded else "ok") if healthy else "unhealthy",
        "time": timezone.localtime().isoformat(),
        "checks": checks,
    }
