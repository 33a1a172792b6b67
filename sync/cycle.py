"""The sync cycle (SYNC-1, issue 20): one at a time (a Postgres advisory lock), planned as chunks any
number of workers take, in dependency order — fee lines (2301/2204), discharges (2402), settlement
lists (4101), then downloads. Every upload goes through settlement.flow / settlement.uploads under the
encounter's call lock, the same code and lock as the window's settle path.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
from typing import Any

from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from center.client import CenterError, CenterGarbled, CenterRejected, CenterTimeout, CenterUnavailable
from center.models import CenterExchange
from settlement import flow, locks, recovery, uploads
from sync import failures
from sync.models import SyncChunk, SyncCycle, SyncFailure, SyncPolicy
from sync.rules import halves

logger = logging.getLogger(__name__)

CYCLE_LOCK = "sync-cycle"


def policy() -> SyncPolicy:
    return SyncPolicy.objects.order_by("pk").first() or SyncPolicy()


@contextlib.contextmanager
def cycle_lock():
    """Yields True when this process holds the one-cycle-at-a-time lock (a session advisory lock:
    a killed worker's session ends and frees it; a hung one is ended by the watchdog)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [CYCLE_LOCK])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [CYCLE_LOCK])


def queue_sizes() -> dict[str, int]:
    inpatient, outpatient = flow.registered_pending_lines()
    return {
        "lines": inpatient.count() + outpatient.count(),
        "discharges": len(uploads.discharges_pending()),
        "lists": len(uploads.settlement_lists_pending()),
        "dead": SyncFailure.objects.filter(status=SyncFailure.Status.DEAD).count(),
        "retrying": SyncFailure.objects.filter(status=SyncFailure.Status.RETRYING).count(),
    }


def lag_seconds() -> int:
    """How long the oldest fee line the center has not acknowledged has waited."""
    oldest = [qs.aggregate(at=Min("charged_at"))["at"] for qs in flow.registered_pending_lines()]
    oldest = [at for at in oldest if at is not None]
    return max(int((timezone.now() - min(oldest)).total_seconds()), 0) if oldest else 0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# --- the cycle ---------------------------------------------------------------------------------------


def cycle_run(
    *, actor: Any = None, trigger: str = SyncCycle.Trigger.BEAT, dispatch: bool = False
) -> SyncCycle | None:
    """Run one cycle, or return None when another holds the lock. With `dispatch`, chunks are also
    queued on the Celery workers; this process takes chunks too, and waits until all are done."""
    with cycle_lock() as held:
        if not held:
            return None
        # A cycle still "running" while nobody holds the lock was killed: its chunks are abandoned.
        for stale in SyncCycle.objects.filter(status=SyncCycle.Status.RUNNING):
            SyncChunk.objects.filter(
                cycle=stale, status__in=[SyncChunk.Status.QUEUED, SyncChunk.Status.RUNNING]
            ).update(status=SyncChunk.Status.FAILED, result={"error": "周期中断"})
            stale.status, stale.finished_at = SyncCycle.Status.ABANDONED, timezone.now()
            stale.error = stale.error or "进程中断，下一周期接续"
            stale.save(update_fields=["status", "finished_at", "error"])
        cycle = SyncCycle.objects.create(
            trigger=trigger, triggered_by=actor, queue=queue_sizes(), lag_seconds=lag_seconds()
        )
        try:
            recovered = recovery.recover_due(actor=actor)
            plan(cycle)
            if dispatch:
                from sync import tasks

                count = cycle.chunks.count()
                for _ in range(min(count, 8)):
                    tasks.run_chunks.delay(cycle.pk)
            work(cycle)
            finish(cycle, recovered)
        except Exception as error:
            logger.exception("sync cycle %s failed", cycle.pk)
            cycle.status, cycle.finished_at = SyncCycle.Status.FAILED, timezone.now()
            cycle.error = f"{type(error).__name__}: {error}"[:1000]
            cycle.save(update_fields=["status", "finished_at", "error"])
        return cycle


def plan(cycle: SyncCycle) -> None:
    """The cycle's work as chunks: one per encounter with lines, per discharge, per settlement list,
    per download; rows waiting out their backoff or dead-lettered are left out."""
    blocked = failures.blocked_keys()
    rows = [
        SyncChunk(cycle=cycle, kind=SyncChunk.Kind.LINES, phase=1, subject=subject)
        for subject in flow.encounters_with_pending_lines()
    ]
    rows += [
        SyncChunk(cycle=cycle, kind=SyncChunk.Kind.DISCHARGE, phase=2, subject=f"stay:{pk}")
        for pk in uploads.discharges_pending()
        if ("discharge", f"stay:{pk}") not in blocked
    ]
    rows += [
        SyncChunk(cycle=cycle, kind=SyncChunk.Kind.SETTLEMENT_LIST, phase=3, subject=f"settlement:{pk}")
        for pk in uploads.settlement_lists_pending()
        if ("list", f"settlement:{pk}") not in blocked
    ]
    rows += [
        SyncChunk(cycle=cycle, kind=SyncChunk.Kind.DOWNLOAD, phase=4, subject=name)
        for name in ("catalog", "dictionary", "person")
    ]
    SyncChunk.objects.bulk_create(rows)


def chunk_claim(cycle_id: int, worker: str) -> SyncChunk | None:
    """The next queued chunk of the earliest unfinished phase, taken by one worker only."""
    with transaction.atomic():
        phase = SyncChunk.objects.filter(
            cycle_id=cycle_id, status__in=[SyncChunk.Status.QUEUED, SyncChunk.Status.RUNNING]
        ).aggregate(phase=Min("phase"))["phase"]
        if phase is None:
            return None
        chunk = (
            SyncChunk.objects.select_for_update(skip_locked=True)
            .filter(cycle_id=cycle_id, status=SyncChunk.Status.QUEUED, phase=phase, cycle__status="running")
            .order_by("id")
            .first()
        )
        if chunk is None:
            return None
        chunk.status, chunk.worker, chunk.started_at = SyncChunk.Status.RUNNING, worker, timezone.now()
        chunk.save(update_fields=["status", "worker", "started_at"])
        return chunk


def work(cycle: SyncCycle, *, wait: bool = True) -> int:
    """Take chunks until the cycle has none left; with `wait`, also wait for other workers' chunks."""
    worker, done = worker_name(), 0
    while True:
        chunk = chunk_claim(cycle.pk, worker)
        if chunk is not None:
            chunk_run(chunk)
            done += 1
            continue
        unfinished = SyncChunk.objects.filter(
            cycle=cycle, status__in=[SyncChunk.Status.QUEUED, SyncChunk.Status.RUNNING]
        ).exists()
        if not unfinished or not wait:
            return done
        time.sleep(0.05)


def chunk_run(chunk: SyncChunk) -> SyncChunk:
    try:
        result = RUNNERS[chunk.kind](chunk)
        status = SyncChunk.Status.DONE
    except CenterUnavailable as error:
        # The center cannot be reached: end the cycle's remaining work; the next cycle tries again.
        SyncChunk.objects.filter(cycle_id=chunk.cycle_id, status=SyncChunk.Status.QUEUED).update(
            status=SyncChunk.Status.FAILED, result={"error": error.message}
        )
        result, status = {"error": error.message, "unavailable": True}, SyncChunk.Status.FAILED
    except (CenterTimeout, CenterGarbled) as error:
        # Unknown outcome: the rows stay "sent"; the next cycle (or recovery) asks the center first.
        result, status = {"unknown": error.message}, SyncChunk.Status.FAILED
    except CenterError as error:
        result, status = {"error": error.message}, SyncChunk.Status.FAILED
    except Exception as error:  # a local bug in one chunk must not stop the others
        logger.exception("sync chunk %s failed", chunk.pk)
        result, status = {"error": f"{type(error).__name__}: {error}"[:500]}, SyncChunk.Status.FAILED
    chunk.status, chunk.result, chunk.finished_at = status, result, timezone.now()
    chunk.save(update_fields=["status", "result", "finished_at"])
    return chunk


def finish(cycle: SyncCycle, recovered: dict[str, int]) -> None:
    totals: dict[str, int] = {"recovered": recovered.get("resolved", 0)}
    failed = unavailable = 0
    for chunk in cycle.chunks.all():
        for key, value in chunk.result.items():
            if isinstance(value, int) and not isinstance(value, bool):
                totals[key] = totals.get(key, 0) + value
        if chunk.status == SyncChunk.Status.FAILED:
            failed += 1
            unavailable += bool(chunk.result.get("unavailable"))
    totals["chunks"] = cycle.chunks.count()
    totals["failed_chunks"] = failed
    totals["messages"] = CenterExchange.objects.filter(started_at__gte=cycle.started_at).count()
    cycle.counts = totals
    cycle.finished_at = timezone.now()
    if unavailable:
        cycle.status, cycle.error = SyncCycle.Status.FAILED, "医保中心不可用，下一周期重试"
    else:
        cycle.status = SyncCycle.Status.PARTIAL if failed or totals.get("refused") else SyncCycle.Status.DONE
    cycle.save(update_fields=["counts", "finished_at", "status", "error"])


# --- runners ------------------------------------------------------------------------------------------


def upload_lines(chunk: SyncChunk) -> dict[str, int]:
    enc = flow.encounter_for_subject(chunk.subject)
    return encounter_lines_upload(enc)


def encounter_lines_upload(enc: flow.Encounter, *, actor: Any = None, only: list[str] | None = None) -> dict:
    """The encounter's pending lines in chunks of SyncPolicy.chunk_size; a refused chunk is halved until
    the refused line is found, which is recorded (retry with backoff, then dead letter); the rest go."""
    if not enc.mdtrt_id:
        return {"skipped": 1}
    with locks.encounter_calls(enc.subject):  # the window's settle waits for this encounter, not the cycle
        return _encounter_lines_upload(enc, actor, only)


def _encounter_lines_upload(enc: flow.Encounter, actor: Any, only: list[str] | None) -> dict:
    settings = policy()
    blocked = failures.blocked_lines(enc.subject)
    rows = flow.pending_lines(enc)[0].filter(upload_msgid="")
    if only is not None:
        rows = rows.filter(feedetl_sn__in=only)
    sns = [sn for sn in rows.order_by("id").values_list("feedetl_sn", flat=True) if sn not in blocked]
    counts = {"lines": 0, "refused": 0}
    if not sns:
        flow.lines_upload(actor=actor, enc=enc, only_sns=[])  # still asks about lines sent earlier
        return counts
    try:
        _upload(actor, enc, sns, settings.chunk_size, counts, settings)
    finally:
        still = set(
            flow.pending_lines(enc)[0].filter(feedetl_sn__in=sns).values_list("feedetl_sn", flat=True)
        )
        counts["lines"] = len(sns) - len(still)
        failures.failures_resolved(SyncFailure.Kind.LINE, [sn for sn in sns if sn not in still])
    return counts


def _upload(actor, enc, sns: list[str], size: int, counts: dict, settings: SyncPolicy) -> None:
    """Messages of at most `size` lines (fewer when long: flow packs them under 40,000 characters). A
    refused message is halved until its bad line is alone; the lines after it go on."""
    todo = list(sns)
    while todo:
        try:
            flow.lines_upload(actor=actor, enc=enc, only_sns=todo, chunk_size=size)
            return
        except CenterRejected as error:
            refused = list(getattr(error, "feedetl_sns", None) or todo)
            if len(refused) == 1:
                counts["refused"] += 1
                failures.failure_record(
                    kind=SyncFailure.Kind.LINE,
                    key=refused[0],
                    subject=enc.subject,
                    error=error.message,
                    policy=settings,
                )
            else:
                for half in halves(refused):
                    _upload(actor, enc, half, len(half), counts, settings)
            done = set(refused)
            todo = [sn for sn in todo if sn not in done]


def upload_discharge(chunk: SyncChunk) -> dict[str, int]:
    return _guarded(
        SyncFailure.Kind.DISCHARGE,
        chunk.subject,
        lambda: uploads.discharge_upload(actor=None, stay_id=int(chunk.subject.partition(":")[2])),
        "discharges",
    )


def upload_settlement_list(chunk: SyncChunk) -> dict[str, int]:
    return _guarded(
        SyncFailure.Kind.SETTLEMENT_LIST,
        chunk.subject,
        lambda: uploads.settlement_list_upload(
            actor=None, settlement_id=int(chunk.subject.partition(":")[2])
        ),
        "lists",
    )


def _guarded(kind: str, key: str, call, counter: str) -> dict[str, int]:
    try:
        call()
    except CenterRejected as error:
        failures.failure_record(kind=kind, key=key, subject=key, error=error.message, policy=policy())
        return {"refused": 1}
    failures.failures_resolved(kind, [key])
    return {counter: 1}


def download(chunk: SyncChunk) -> dict[str, int]:
    from sync import downloads

    if chunk.subject == "catalog":
        return {"downloaded": downloads.catalog_download().rows}
    if chunk.subject == "person":
        return {"persons_checked": downloads.person_status_download().rows}
    return {"downloaded": downloads.dictionary_download().rows}


RUNNERS = {
    SyncChunk.Kind.LINES: upload_lines,
    SyncChunk.Kind.DISCHARGE: upload_discharge,
    SyncChunk.Kind.SETTLEMENT_LIST: upload_settlement_list,
    SyncChunk.Kind.DOWNLOAD: download,
}
