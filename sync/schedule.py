"""SYNC-1: the cycle's schedule is a django-celery-beat row (admin-editable) that may never be longer
than 20 minutes, nor disabled. The admin forms call these checks; the watchdog reports a row changed
around them."""

from __future__ import annotations

import datetime

from sync import rules

SYNC_TASK = "sync.tasks.sync_cycle"
PERIOD_SECONDS = {"days": 86400, "hours": 3600, "minutes": 60, "seconds": 1, "microseconds": 1e-6}


def interval_seconds(every: int, period: str) -> float:
    return float(every or 0) * PERIOD_SECONDS.get(period, 0)


def task_problem(*, task: str, interval, crontab, solar, clocked, one_off: bool, enabled: bool) -> str:
    """Why this periodic-task row would break SYNC-1 ("" when it is fine)."""
    if task != SYNC_TASK:
        return ""
    if not enabled:
        return "医保同步任务不得停用（SYNC-1：同步不得中断）。"
    if one_off or crontab is not None or solar is not None or clocked is not None or interval is None:
        return "医保同步任务须使用“间隔”计划（不超过 20 分钟）。"
    return interval_problem(interval.every, interval.period)


def interval_problem(every: int, period: str) -> str:
    if not rules.interval_allowed(interval_seconds(every, period)):
        return "医保同步间隔须大于 0 且不超过 20 分钟（SYNC-1）。"
    return ""


def current_problem() -> str:
    from django_celery_beat.models import PeriodicTask

    rows = list(PeriodicTask.objects.filter(task=SYNC_TASK).select_related("interval"))
    if not rows:
        return "未配置医保同步定时任务（SYNC-1）。"
    for row in rows:
        problem = task_problem(
            task=row.task,
            interval=row.interval,
            crontab=row.crontab_id,
            solar=row.solar_id,
            clocked=row.clocked_id,
            one_off=row.one_off,
            enabled=row.enabled,
        )
        if problem:
            return problem
    return ""


def configured_interval() -> datetime.timedelta | None:
    from django_celery_beat.models import PeriodicTask

    row = PeriodicTask.objects.filter(task=SYNC_TASK, enabled=True).select_related("interval").first()
    if row is None or row.interval is None:
        return None
    return datetime.timedelta(seconds=interval_seconds(row.interval.every, row.interval.period))
