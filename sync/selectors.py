"""Reads for the sync page, the home panels and /healthz."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count
from django.utils import timezone

from sync import cycle, watchdog
from sync.models import (
    DownloadConflict,
    DownloadRun,
    ReconciliationRun,
    SyncAction,
    SyncChunk,
    SyncCycle,
    SyncFailure,
)


def chart(days: int = 7) -> dict[str, Any]:
    """Per day over the last days: cycles, lines uploaded, lines refused, the longest lag (minutes)."""
    today = timezone.localdate()
    labels, cycles, lines, refused, lag = [], [], [], [], []
    start = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=days - 1), datetime.time.min)
    )
    rows = list(SyncCycle.objects.filter(started_at__gte=start).values("started_at", "counts", "lag_seconds"))
    for offset in range(days - 1, -1, -1):
        day = today - datetime.timedelta(days=offset)
        of_day = [r for r in rows if timezone.localtime(r["started_at"]).date() == day]
        labels.append(f"{day:%m-%d}")
        cycles.append(len(of_day))
        lines.append(sum(int((r["counts"] or {}).get("lines", 0)) for r in of_day))
        refused.append(sum(int((r["counts"] or {}).get("refused", 0)) for r in of_day))
        lag.append(round(max((r["lag_seconds"] for r in of_day), default=0) / 60, 1))
    return {"labels": labels, "cycles": cycles, "lines": lines, "refused": refused, "lag": lag}


def page(days: int = 7) -> dict[str, Any]:
    last = SyncCycle.objects.exclude(status=SyncCycle.Status.RUNNING).first()
    return {
        "cycles": list(SyncCycle.objects.select_related("triggered_by")[:20]),
        "running": SyncCycle.objects.filter(status=SyncCycle.Status.RUNNING).first(),
        "last": last,
        "queue": cycle.queue_sizes(),
        "lag_minutes": round(cycle.lag_seconds() / 60, 1),
        "failures": list(
            SyncFailure.objects.filter(status__in=SyncFailure.OPEN).order_by("status", "-updated_at")[:100]
        ),
        "errors": list(SyncChunk.objects.filter(status=SyncChunk.Status.FAILED).order_by("-id")[:10]),
        "actions": list(SyncAction.objects.select_related("actor")[:30]),
        "alert": watchdog.active_alert(),
        "downloads": list(DownloadRun.objects.annotate(conflict_count=Count("conflicts"))[:10]),
        "conflicts": list(
            DownloadConflict.objects.filter(reviewed_at__isnull=True).select_related("run")[:50]
        ),
        "reconciliations": list(ReconciliationRun.objects.select_related("actor")[:10]),
        "chart": chart(days),
    }


def health() -> dict[str, Any]:
    """/healthz: informational (a late sync degrades, it does not take the hospital's pages down)."""
    alert = watchdog.active_alert()
    finished = watchdog.last_finished()
    return {
        "ok": alert is None,
        "last_cycle_finished": timezone.localtime(finished).isoformat() if finished else None,
        "alert": alert.message if alert else None,
    }


def panel(request) -> dict[str, Any]:
    return {
        "alert": watchdog.active_alert(),
        "last": SyncCycle.objects.exclude(status=SyncCycle.Status.RUNNING).first(),
        "dead": SyncFailure.objects.filter(status=SyncFailure.Status.DEAD).count(),
        "open_differences": ReconciliationRun.objects.filter(groups__differences__status="open")
        .distinct()
        .count(),
    }
