"""SYNC-1: the watchdog (a separate beat task) and the daily report.

If no cycle finished within 20 minutes + grace, it raises an alert (office and admin home pages,
/healthz "degraded", a log line) and ends a cycle that holds the lock but no longer moves (its
database session is terminated, which frees the advisory lock); the alert clears when a cycle
finishes again."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import connection
from django.db.models import Max
from django.utils import timezone

from sync import rules
from sync.cycle import CYCLE_LOCK, policy
from sync.models import SyncAction, SyncAlert, SyncCycle, SyncFailure

logger = logging.getLogger("sync.watchdog")


def last_finished() -> datetime.datetime | None:
    return SyncCycle.objects.exclude(
        status__in=[SyncCycle.Status.RUNNING, SyncCycle.Status.ABANDONED]
    ).aggregate(at=Max("finished_at"))["at"]


def active_alert() -> SyncAlert | None:
    return SyncAlert.objects.filter(cleared_at__isnull=True).order_by("-raised_at").first()


def lock_holder() -> int | None:
    """The database session holding the cycle lock, if any."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND ((classid::bigint << 32) | objid::bigint) = hashtext(%s)::bigint",
            [CYCLE_LOCK],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def release_hung_lock() -> bool:
    """End the session of a cycle that started longer ago than the watchdog allows."""
    pid = lock_holder()
    if pid is None:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s) WHERE %s <> pg_backend_pid()", [pid, pid])
        row = cursor.fetchone()
        ended = bool(row and row[0])
    SyncCycle.objects.filter(status=SyncCycle.Status.RUNNING).update(
        status=SyncCycle.Status.ABANDONED, finished_at=timezone.now(), error="看门狗：周期超时，已释放锁"
    )
    return ended


def watchdog_check(*, now: datetime.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    grace = policy().watchdog_grace_minutes
    finished = last_finished()
    if not rules.cycle_overdue(finished, now, grace):
        cleared = SyncAlert.objects.filter(cleared_at__isnull=True).update(cleared_at=now)
        if cleared:
            logger.info("SYNC-1 sync running again (last cycle finished %s); alert cleared", finished)
        return {"ok": True, "cleared": cleared, "released": False}
    released = False
    limit = now - datetime.timedelta(seconds=rules.MAX_INTERVAL_SECONDS) - datetime.timedelta(minutes=grace)
    if SyncCycle.objects.filter(status=SyncCycle.Status.RUNNING, started_at__lt=limit).exists():
        released = release_hung_lock()
    since = timezone.localtime(finished).strftime("%Y-%m-%d %H:%M") if finished else "从未"
    message = (
        f"医保同步超过 {20 + grace} 分钟未完成（上次完成：{since}），请检查 Celery worker 与 beat（SYNC-1）。"
    )
    alert = active_alert()
    if alert is None:
        alert = SyncAlert.objects.create(message=message)
    else:
        SyncAlert.objects.filter(pk=alert.pk).update(message=message)
    logger.error("SYNC-1 watchdog: %s%s", message, "；已释放挂起的同步锁" if released else "")
    return {"ok": False, "alert": alert.pk, "released": released}


def daily_report(*, day: datetime.date | None = None) -> dict[str, Any]:
    """Cycles, counts and failures of a day (yesterday by default), logged and kept in the history."""
    day = day or timezone.localdate() - datetime.timedelta(days=1)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = start + datetime.timedelta(days=1)
    cycles = SyncCycle.objects.filter(started_at__gte=start, started_at__lt=end)
    by_status = {s: cycles.filter(status=s).count() for s in SyncCycle.Status.values}
    lines = sum(int((c.counts or {}).get("lines", 0)) for c in cycles)
    refused = sum(int((c.counts or {}).get("refused", 0)) for c in cycles)
    report = {
        "day": day.isoformat(),
        "cycles": cycles.count(),
        "by_status": by_status,
        "lines": lines,
        "refused": refused,
        "max_lag_seconds": cycles.aggregate(m=Max("lag_seconds"))["m"] or 0,
        "dead_letters": SyncFailure.objects.filter(status=SyncFailure.Status.DEAD).count(),
        "alerts": SyncAlert.objects.filter(raised_at__gte=start, raised_at__lt=end).count(),
    }
    note = (
        f"{day}：同步 {report['cycles']} 次（完成 {by_status['done']}，有失败 {by_status['partial']}，"
        f"中断 {by_status['failed'] + by_status['abandoned']}），上传明细 {lines} 条，退回 {refused} 条，"
        f"死信 {report['dead_letters']} 条，告警 {report['alerts']} 次"
    )
    SyncAction.objects.create(actor=None, action="日报", target=day.isoformat(), note=note[:300])
    logger.info("SYNC-1 daily report %s", note)
    return report
