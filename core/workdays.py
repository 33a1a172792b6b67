"""Mainland-China working days (chinese-calendar): weekends and statutory holidays off,
adjusted working weekends on. Never `weekday() < 5`."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import chinese_calendar


class CalendarUnknown(ValueError):
    """The official holiday schedule for that year is not published (chinese-calendar has no data)."""


def is_working_day(day: datetime.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as exc:
        raise CalendarUnknown(f"{day.year} 年节假日安排尚未收录，无法计算工作日") from exc


def working_days_until(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end` (0 when `end` is not later)."""
    count, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        count += is_working_day(day)
    return count


def add_working_days(
    start: datetime.date, count: int, is_workday: Callable[[datetime.date], bool] = is_working_day
) -> datetime.date:
    """The `count`-th working day after `start` (start itself not counted)."""
    day = start
    remaining = count
    while remaining > 0:
        day += datetime.timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return day
