"""Rows the center refused: retried with backoff, dead-lettered after SyncPolicy.max_attempts, and
resolved by the office (resend after fixing, or cancel with 2302/2205)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sync import rules
from sync.models import SyncFailure, SyncPolicy


def _blocked() -> Q:
    return Q(status__in=[SyncFailure.Status.DEAD, SyncFailure.Status.CANCELLED]) | Q(
        status=SyncFailure.Status.RETRYING, next_attempt_at__gt=timezone.now()
    )


def blocked_keys() -> set[tuple[str, str]]:
    """(kind, key) of rows that must not be sent this cycle: dead, cancelled by the office, or waiting
    out their backoff."""
    return set(SyncFailure.objects.filter(_blocked()).values_list("kind", "key"))


def blocked_lines(subject: str) -> set[str]:
    return set(
        SyncFailure.objects.filter(_blocked(), kind=SyncFailure.Kind.LINE, subject=subject).values_list(
            "key", flat=True
        )
    )


def failure_record(*, kind: str, key: str, subject: str, error: str, policy: SyncPolicy) -> SyncFailure:
    """One more refusal of a row: its backoff grows; after N it is a dead letter."""
    with transaction.atomic():
        failure = (
            SyncFailure.objects.select_for_update()
            .filter(kind=kind, key=key, status__in=SyncFailure.OPEN)
            .first()
        )
        if failure is None:
            failure = SyncFailure(kind=kind, key=key, subject=subject)
        failure.attempts += 1
        failure.last_error = error[:2000]
        if rules.is_dead(failure.attempts, policy.max_attempts):
            failure.status, failure.next_attempt_at = SyncFailure.Status.DEAD, None
        else:
            failure.status = SyncFailure.Status.RETRYING
            failure.next_attempt_at = timezone.now() + rules.backoff(failure.attempts, policy.backoff_minutes)
        failure.save()
        return failure


def failures_resolved(kind: str, keys: Iterable[str], note: str = "重试上传成功", actor: Any = None) -> int:
    return SyncFailure.objects.filter(kind=kind, key__in=list(keys), status__in=SyncFailure.OPEN).update(
        status=SyncFailure.Status.RESOLVED,
        next_attempt_at=None,
        resolution_note=note,
        updated_at=timezone.now(),
        updated_by=actor,
    )
