"""Mainland-China working days (ADM-3, REM-4): weekends and statutory holidays off, make-up
working weekends on — from the admin-maintained rows in `core.CalendarDay` (seeded from
chinese-calendar). A year nobody has maintained counts weekends only and is reported by
`unmaintained_years` so the office and admin home pages can warn; nothing ever fails for it.

The module imports no Django model at import time, so pure rules (admission.rules) may import it;
the rows are read on first use of a year and cached (Django's cache, cleared when a row changes).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

CACHE_KEY = "core:workdays:{year}"
CACHE_SECONDS = 3600


@dataclass(frozen=True)
class YearCalendar:
    """One year's departures from the weekly pattern; `maintained` is False when it has no rows."""

    year: int
    maintained: bool
    holidays: dict[datetime.date, str]
    workdays: frozenset[datetime.date]

    def is_working_day(self, day: datetime.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5  # ordinary week; the only rule for a year without rows

    def holiday_name(self, day: datetime.date) -> str | None:
        return self.holidays.get(day)


def load_year(year: int) -> YearCalendar:
    """The year's rows from the database (through the cache)."""
    from django.core.cache import cache

    key = CACHE_KEY.format(year=year)
    calendar = cache.get(key)
    if calendar is None:
        from core.models import CalendarDay

        rows = list(CalendarDay.objects.filter(day__year=year).values_list("day", "kind", "name"))
        calendar = YearCalendar(
            year=year,
            maintained=bool(rows),
            holidays={day: name for day, kind, name in rows if kind == CalendarDay.Kind.HOLIDAY},
            workdays=frozenset(day for day, kind, _ in rows if kind == CalendarDay.Kind.WORKDAY),
        )
        cache.set(key, calendar, CACHE_SECONDS)
    return calendar


def forget_year(year: int) -> None:
    """Called when a row of `year` changes (core.signals)."""
    from django.core.cache import cache

    cache.delete(CACHE_KEY.format(year=year))


class Calendar:
    """Years loaded once per use: a deadline loop asks the cache once per year, not once per day."""

    def __init__(self, loader: Callable[[int], YearCalendar] = load_year) -> None:
        self._loader = loader
        self._years: dict[int, YearCalendar] = {}

    def year(self, year: int) -> YearCalendar:
        if year not in self._years:
            self._years[year] = self._loader(year)
        return self._years[year]

    def is_working_day(self, day: datetime.date) -> bool:
        return self.year(day.year).is_working_day(day)


def is_working_day(day: datetime.date) -> bool:
    return load_year(day.year).is_working_day(day)


def holiday_name(day: datetime.date) -> str | None:
    return load_year(day.year).holiday_name(day)


def unmaintained_years(years: Iterable[int]) -> list[int]:
    """The years among `years` with no holiday rows (their working days are weekdays only)."""
    return sorted(year for year in set(years) if not load_year(year).maintained)


def years_ahead(today: datetime.date, days: int = 30) -> list[int]:
    """This year and, within `days` of its end, the next: the years a deadline set today can reach."""
    return sorted({today.year, (today + datetime.timedelta(days=days)).year})


def working_days_until(
    start: datetime.date, end: datetime.date, is_workday: Callable[[datetime.date], bool] | None = None
) -> int:
    """Working days after `start` up to and including `end` (0 when `end` is not later)."""
    is_workday = is_workday or Calendar().is_working_day
    count, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        count += is_workday(day)
    return count


def add_working_days(
    start: datetime.date, count: int, is_workday: Callable[[datetime.date], bool] | None = None
) -> datetime.date:
    """The `count`-th working day after `start` (start itself not counted)."""
    is_workday = is_workday or Calendar().is_working_day
    day = start
    remaining = count
    while remaining > 0:
        day += datetime.timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return day
