"""The one lock order of every write that moves money or status (STYLE.md): stay, then outpatient
visit, then settlements (by id), then accumulators (by id). Two services following it never deadlock."""

from __future__ import annotations

import contextlib
import datetime
import threading
import time

from settlement.models import Accumulator, Settlement


def lock_encounter(*, stay_id: int | None = None, visit_id: int | None = None) -> None:
    """First: the stay (admission's row) or the outpatient visit."""
    if stay_id is not None:
        from admission.selectors import lock_stay_row

        lock_stay_row(stay_id)
    if visit_id is not None:
        from settlement.models import OutpatientVisit

        OutpatientVisit.objects.select_for_update().only("pk").get(pk=visit_id)


def lock_settlement(settlement_id: int) -> Settlement:
    """Second: a settlement row, after its encounter."""
    return Settlement.objects.select_for_update().get(pk=settlement_id)


def lock_accumulator(
    *, person_id: int, insutype: str, period_start: datetime.date, care_type: str = "inpatient"
) -> Accumulator:
    """Last: the person's accumulator row for the counter and period (created on first use)."""
    accumulator, _ = Accumulator.objects.get_or_create(
        person_id=person_id, insutype=insutype, care_type=care_type, period_start=period_start
    )
    return lock_accumulator_row(accumulator.pk)


def lock_accumulator_row(accumulator_id: int) -> Accumulator:
    return Accumulator.objects.select_for_update().get(pk=accumulator_id)


@contextlib.contextmanager
def encounter_calls(subject: str, *, wait_seconds: float = 30.0):
    """One conversation with the center per encounter at a time (uploads, settle, recovery): a session
    advisory lock held across the calls, which no row lock can be (no transaction spans a call). The
    20-minute sync takes the same lock, so the window never races it."""
    from django.db import connection

    from core.errors import ConflictError

    key = f"center-calls:{subject}"
    if holds_encounter_calls(subject):  # re-entrant within one thread (settle → upload)
        yield
        return
    deadline = time.monotonic() + wait_seconds
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [key])
            if cursor.fetchone()[0]:
                break
            if time.monotonic() > deadline:
                raise ConflictError(
                    "该就诊正在与医保中心通讯（上传或结算），请稍候再试。",
                    code="settlement_in_progress",
                    rule="SET-9",
                )
            time.sleep(0.05)
    _held.subjects = {*getattr(_held, "subjects", set()), subject}
    try:
        yield
    finally:
        _held.subjects = getattr(_held, "subjects", set()) - {subject}
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [key])


_held = threading.local()


def holds_encounter_calls(subject: str) -> bool:
    return subject in getattr(_held, "subjects", set())
