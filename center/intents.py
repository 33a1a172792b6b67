"""Intents: what the hospital asked the center to do, recorded before the call (committed on their own
or with the row they serve), and how each was resolved. Callers own the business rows; this module owns
only the intent's status."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from center.client import next_msgid
from center.models import CenterIntent

# The recovery task leaves an intent alone while its call may still be under way in another process.
RECOVERY_BACKOFF_SECONDS = (30, 60, 120, 300, 600)


def in_flight_grace() -> datetime.timedelta:
    """How long a call can take before nobody can still be waiting for its reply (one write is never
    retried; the 2601 fence after it is tried three times)."""
    return datetime.timedelta(seconds=2 * float(settings.CENTER["TIMEOUT"]) + 10)


def intent_record(
    *, infno: str, subject: str, psn_no: str = "", insuplc_admdvs: str = "", context: dict | None = None
) -> CenterIntent:
    """Call inside the caller's transaction that also records the business row (pending settlement,
    reversing settlement, lines marked sent); it commits with it, before the call goes out."""
    return CenterIntent.objects.create(
        msgid=next_msgid(),
        infno=infno,
        subject=subject,
        psn_no=psn_no,
        insuplc_admdvs=insuplc_admdvs,
        context=context or {},
        next_check_at=timezone.now() + in_flight_grace(),
    )


def intent_for(msgid: str) -> CenterIntent | None:
    return CenterIntent.objects.filter(msgid=msgid).first() if msgid else None


def _set(msgid: str, status: str, resolution: str = "", detail: str = "", **extra: Any) -> None:
    fields = {"status": status, "detail": detail[:1000], **extra}
    if resolution:
        fields["resolution"] = resolution
    if status in (CenterIntent.Status.DONE, CenterIntent.Status.FAILED):
        fields["resolved_at"] = timezone.now()
        fields["next_check_at"] = None
    CenterIntent.objects.filter(msgid=msgid).update(**fields)


def intent_done(msgid: str, resolution: str = CenterIntent.Resolution.ANSWERED, detail: str = "") -> None:
    _set(msgid, CenterIntent.Status.DONE, resolution, detail)


def intent_failed(msgid: str, resolution: str, detail: str = "") -> None:
    _set(msgid, CenterIntent.Status.FAILED, resolution, detail)


def intent_unknown(msgid: str, detail: str) -> None:
    """The outcome is unknown: the recovery task asks the center, first after the in-flight grace, then
    with a growing backoff."""
    intent = intent_for(msgid)
    attempts = intent.recovery_attempts if intent else 0
    delay = RECOVERY_BACKOFF_SECONDS[min(attempts, len(RECOVERY_BACKOFF_SECONDS) - 1)]
    _set(
        msgid,
        CenterIntent.Status.UNKNOWN,
        detail=detail,
        recovery_attempts=attempts + 1,
        next_check_at=timezone.now() + max(in_flight_grace(), datetime.timedelta(seconds=delay)),
    )


def intents_due(limit: int = 50) -> list[CenterIntent]:
    """Unresolved intents whose call can no longer be under way (a killed process leaves them open)."""
    return list(
        CenterIntent.objects.filter(
            status__in=[CenterIntent.Status.OPEN, CenterIntent.Status.UNKNOWN],
            next_check_at__lte=timezone.now(),
        ).order_by("next_check_at")[:limit]
    )
