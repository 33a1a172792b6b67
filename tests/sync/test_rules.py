"""Pure rules of the sync, table-driven (SYNC-1)."""

import datetime

import pytest

from sync import rules, schedule

NOW = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("seconds", "allowed"),
    [
        pytest.param(20 * 60, True, id="SYNC-1-20min-allowed"),
        pytest.param(20 * 60 + 1, False, id="SYNC-1-20min-plus-1s-refused"),
        pytest.param(60, True, id="SYNC-1-1min-allowed"),
        pytest.param(0, False, id="SYNC-1-zero-refused"),
    ],
)
def test_interval_allowed(seconds, allowed):
    assert rules.interval_allowed(seconds) is allowed


@pytest.mark.parametrize(
    ("every", "period", "problem"),
    [
        pytest.param(20, "minutes", False, id="SYNC-1-20-minutes"),
        pytest.param(21, "minutes", True, id="SYNC-1-21-minutes"),
        pytest.param(1, "hours", True, id="SYNC-1-1-hour"),
        pytest.param(1200, "seconds", False, id="SYNC-1-1200-seconds"),
        pytest.param(1, "days", True, id="SYNC-1-1-day"),
    ],
)
def test_interval_problem(every, period, problem):
    assert bool(schedule.interval_problem(every, period)) is problem


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        pytest.param([1, 2, 3, 4, 5], ([1, 2, 3], [4, 5]), id="SYNC-1-odd"),
        pytest.param([1, 2], ([1], [2]), id="SYNC-1-two"),
    ],
)
def test_halves(items, expected):
    assert rules.halves(items) == expected


@pytest.mark.parametrize(
    ("attempts", "minutes"),
    [
        pytest.param(1, 5, id="SYNC-1-backoff-1st"),
        pytest.param(2, 10, id="SYNC-1-backoff-2nd"),
        pytest.param(4, 40, id="SYNC-1-backoff-4th"),
        pytest.param(20, 24 * 60, id="SYNC-1-backoff-capped-at-a-day"),
    ],
)
def test_backoff(attempts, minutes):
    assert rules.backoff(attempts, 5) == datetime.timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("attempts", "dead"),
    [pytest.param(4, False, id="SYNC-1-4-of-5"), pytest.param(5, True, id="SYNC-1-5-of-5-dead")],
)
def test_is_dead(attempts, dead):
    assert rules.is_dead(attempts, 5) is dead


@pytest.mark.parametrize(
    ("finished", "overdue"),
    [
        pytest.param(NOW - datetime.timedelta(minutes=25), False, id="SYNC-1-25min-within-grace"),
        pytest.param(NOW - datetime.timedelta(minutes=25, seconds=1), True, id="SYNC-1-25min-1s-overdue"),
        pytest.param(None, True, id="SYNC-1-never-ran"),
    ],
)
def test_cycle_overdue(finished, overdue):
    assert rules.cycle_overdue(finished, NOW, grace_minutes=5) is overdue
