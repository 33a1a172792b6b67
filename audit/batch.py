"""Writes of the audit's batches (AUD-2, AUD-7): a job over a period split into chunks (rule × days) that
any number of Celery workers run; each chunk's findings and its "done" commit together (resumable,
idempotent). One transaction each."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit import engine, rules_sql
from audit.models import AuditChunk, AuditJob, AuditRule
from core.errors import DomainError

# A chunk still "running" after this long was killed with its worker: resume runs it again.
STALE_AFTER = datetime.timedelta(minutes=30)


def job_create(
    *,
    actor: Any = None,
    period_start: datetime.date,
    period_end: datetime.date,
    trigger: str = AuditJob.Trigger.MANUAL,
    chunk_days: int = 1,
    rules: list[str] | None = None,
) -> AuditJob:
    """A batch over [period_start, period_end]: one chunk per enabled rule and slice of `chunk_days` days.
    Chunks are independent (each anchors its hits in its own days), so any number of workers run them."""
    if period_end < period_start:
        raise DomainError("截止日期不能早于起始日期。", code="audit_period_invalid", rule="AUD-2")
    with transaction.atomic(durable=True):
        job = AuditJob.objects.create(
            period_start=period_start,
            period_end=period_end,
            trigger=trigger,
            lines_total=engine.count_lines(period_start, period_end),
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        selected = AuditRule.objects.filter(enabled=True)
        if rules:
            selected = selected.filter(code__in=rules)
        chunks = []
        day = period_start
        while day <= period_end:
            last = min(day + datetime.timedelta(days=chunk_days - 1), period_end)
            chunks.extend(AuditChunk(job=job, rule=rule, day_from=day, day_to=last) for rule in selected)
            day = last + datetime.timedelta(days=1)
        AuditChunk.objects.bulk_create(chunks)
    return job


def job_dispatch(job: AuditJob) -> int:
    """Queue every chunk not done (pending, failed, or running but stale) on the Celery workers: first one
    line-rule chunk per day (it runs the day's other line rules with it), then the other rules, last the
    rest of the line-rule chunks (by then done: they return at once instead of waiting for the group)."""
    from audit import tasks

    ids = dispatch_order(job)
    for pk in ids:
        tasks.run_chunk.delay(pk)
    return len(ids)


def dispatch_order(job: AuditJob) -> list[int]:
    """The chunks to queue, in job_dispatch's order (the benchmark's workers take them in it too)."""
    stale = timezone.now() - STALE_AFTER
    rows = (
        job.chunks.exclude(status=AuditChunk.Status.DONE)
        .exclude(status=AuditChunk.Status.RUNNING, started_at__gt=stale)
        .order_by("day_from", "rule__sort_order", "pk")
        .values_list("pk", "rule_id", "day_from")
    )
    leaders, others, followers, days = [], [], [], set()
    for pk, rule, day in rows:
        if rule not in rules_sql.PERIOD_LINE_RULES:
            others.append(pk)
        elif day in days:
            followers.append(pk)
        else:
            days.add(day)
            leaders.append(pk)
    return leaders + others + followers


def job_start(
    *, actor: Any = None, period_start: datetime.date, period_end: datetime.date, trigger: str
) -> AuditJob:
    job = job_create(actor=actor, period_start=period_start, period_end=period_end, trigger=trigger)
    transaction.on_commit(lambda: job_dispatch(job))
    return job


def chunk_run(chunk_id: int) -> AuditChunk:
    """Run one chunk: its findings and its done status commit together (resumable, idempotent)."""
    # One statement (its own transaction): it waits while another worker holds this chunk (a duplicate
    # delivery, or a day's sibling run by the leader), then re-reads the row and finds it done.
    marked = (
        AuditChunk.objects.filter(pk=chunk_id)
        .exclude(status=AuditChunk.Status.DONE)
        .update(status=AuditChunk.Status.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1)
    )
    if not marked:
        return AuditChunk.objects.get(pk=chunk_id)
    try:
        with transaction.atomic(durable=True):
            chunk = AuditChunk.objects.select_for_update(of=("self",)).select_related("rule").get(pk=chunk_id)
            if chunk.status == AuditChunk.Status.DONE:  # run meanwhile with its day's siblings
                return chunk
            if chunk.rule_id in rules_sql.PERIOD_LINE_RULES:
                group = [chunk, *_line_siblings(chunk)]
                with engine.day_lines(chunk.day_from, chunk.day_to):
                    found = engine.insert_findings_together(
                        [(member.rule, member.pk) for member in group], start=chunk.day_from, end=chunk.day_to
                    )
                _chunks_done([(member, found[member.rule_id]) for member in group])
            else:
                _chunk_insert(chunk)
    except Exception as exc:
        failed = AuditChunk.objects.filter(pk=chunk_id)
        failed.update(status=AuditChunk.Status.FAILED, error=str(exc)[:500])
        _job_close_if_finished(failed.values_list("job_id", flat=True).get())
        raise
    _job_close_if_finished(chunk.job_id)
    return chunk


def _line_siblings(chunk: AuditChunk) -> list[AuditChunk]:
    """The same job's other line-rule chunks over the same days that no worker holds and none has done:
    they run in this transaction over one copy of the days' lines, each committing with its findings."""
    siblings = list(
        AuditChunk.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("rule")
        .filter(
            job_id=chunk.job_id,
            day_from=chunk.day_from,
            day_to=chunk.day_to,
            rule_id__in=rules_sql.PERIOD_LINE_RULES,
        )
        .exclude(pk=chunk.pk)
        .exclude(status=AuditChunk.Status.DONE)
        .order_by("pk")
    )
    now = timezone.now()
    for sibling in siblings:
        sibling.started_at = now
    return siblings


def _chunk_insert(chunk: AuditChunk) -> None:
    found = engine.insert_findings(chunk.rule, start=chunk.day_from, end=chunk.day_to, chunk_id=chunk.pk)
    _chunks_done([(chunk, found)])


def _chunks_done(done: list[tuple[AuditChunk, int]]) -> None:
    now = timezone.now()
    for chunk, found in done:
        chunk.findings, chunk.status, chunk.finished_at, chunk.error = found, AuditChunk.Status.DONE, now, ""
    AuditChunk.objects.bulk_update(
        [chunk for chunk, _ in done], ["status", "findings", "started_at", "finished_at", "error"]
    )


def _job_close_if_finished(job_id: int) -> None:
    open_chunks = AuditChunk.objects.filter(
        job_id=job_id, status__in=(AuditChunk.Status.PENDING, AuditChunk.Status.RUNNING)
    )
    if open_chunks.exists():  # the common case, without the job's row lock (workers do not queue on it)
        return
    with transaction.atomic():
        job = AuditJob.objects.select_for_update().get(pk=job_id)
        if open_chunks.exists():
            return
        statuses = set(job.chunks.values_list("status", flat=True).distinct())
        job.status = AuditJob.Status.FAILED if AuditChunk.Status.FAILED in statuses else AuditJob.Status.DONE
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "finished_at", "updated_at"])


def job_run_inline(job: AuditJob) -> AuditJob:
    """Run every open chunk in this process (tests, the benchmark, a resume by hand)."""
    for pk in job.chunks.exclude(status=AuditChunk.Status.DONE).order_by("pk").values_list("pk", flat=True):
        chunk_run(pk)
    job.refresh_from_db()
    return job


def nightly(*, today: datetime.date | None = None) -> AuditJob:
    """The scheduled batch (02:00): yesterday's lines, stays and card reads."""
    day = (today or timezone.localdate()) - datetime.timedelta(days=1)
    return job_start(period_start=day, period_end=day, trigger=AuditJob.Trigger.SCHEDULE)
