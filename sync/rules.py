"""Pure rules of the sync (no Django): schedule bound, chunking, backoff, dead letter, watchdog."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

MAX_INTERVAL_SECONDS = 20 * 60  # SYNC-1: at most every 20 minutes


def interval_allowed(seconds: float) -> bool:
    """SYNC-1: the cycle's schedule may be shorter than 20 minutes, never longer (nor zero)."""
    return 0 < seconds <= MAX_INTERVAL_SECONDS


def halves(items: Sequence) -> tuple[list, list]:
    """A refused chunk is split in two to find the bad line (one bad line rejects the whole call)."""
    middle = (len(items) + 1) // 2
    return list(items[:middle]), list(items[middle:])


def backoff(attempts: int, base_minutes: int) -> datetime.timedelta:
    """Wait base × 2^(attempts-1) minutes after the n-th failure, at most a day."""
    return min(
        datetime.timedelta(minutes=base_minutes * 2 ** max(attempts - 1, 0)), datetime.timedelta(days=1)
    )


def is_dead(attempts: int, max_attempts: int) -> bool:
    """After N failures a row goes to the dead-letter list for the office."""
    return attempts >= max_attempts


def cycle_overdue(
    last_finished: datetime.datetime | None, now: datetime.datetime, grace_minutes: int
) -> bool:
    """SYNC-1: the watchdog's test: no cycle finished within 20 minutes + grace."""
    limit = datetime.timedelta(seconds=MAX_INTERVAL_SECONDS) + datetime.timedelta(minutes=grace_minutes)
    return last_finished is None or now - last_finished > limit
