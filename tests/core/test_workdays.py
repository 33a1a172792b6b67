"""ADM-3/REM-4 working days from the admin-maintained calendar rows (core.CalendarDay), seeded from
chinese-calendar; a year without rows counts weekends only and the home pages warn — never a 500."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from admission import rules
from admission.models import Stay
from core import workdays
from core.models import CalendarDay
from core.roles import Role
from core.workdays import Calendar
from tests.admission.factories import admit, make_hospital

pytestmark = pytest.mark.django_db
D = datetime.date
SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("admitted", "deadline"),
    [
        # 3 working days after the admission day (001 §12), from the seeded rows:
        pytest.param(D(2026, 11, 23), D(2026, 11, 26), id="ADM-3 Mon 11-23: Tue, Wed, Thu"),
        pytest.param(D(2026, 11, 27), D(2026, 12, 2), id="ADM-3 Fri 11-27: Mon, Tue, Wed"),
        pytest.param(D(2026, 9, 30), D(2026, 10, 10), id="ADM-3 National Day: 10-08, 10-09, Sat 10-10 调休"),
        pytest.param(
            D(2026, 2, 13), D(2026, 2, 25), id="ADM-3 Spring Festival: Sat 02-14 调休, 02-24, 02-25"
        ),
        pytest.param(
            D(2025, 12, 31), D(2026, 1, 6), id="ADM-3 New Year: 01-01..03 off, Sun 01-04 调休, 01-05, 01-06"
        ),
        # 2027 has no rows (chinese-calendar 1.11 stops at 2026): weekends only, no error.
        pytest.param(
            D(2026, 12, 29), D(2027, 1, 1), id="ADM-3 2026-12-29 into unmaintained 2027: 12-30, 12-31, 01-01"
        ),
        pytest.param(D(2027, 2, 10), D(2027, 2, 15), id="ADM-3 2027-02-10 unmaintained: Thu, Fri, Mon 02-15"),
    ],
)
def test_adm3_deadline_from_the_calendar_rows(admitted, deadline):
    assert rules.formalities_deadline(admitted, is_workday=Calendar().is_working_day) == deadline


def test_rem4_working_days_until_counts_the_rows():
    """REM-4 / the clerk's countdown: 2026-09-30 → 10-10 is 3 working days (10-08, 10-09, 10-10)."""
    assert workdays.working_days_until(D(2026, 9, 30), D(2026, 10, 10)) == 3
    assert workdays.working_days_until(D(2026, 10, 10), D(2026, 9, 30)) == 0


def test_seed_holds_holidays_and_make_up_days_with_chinese_names():
    assert CalendarDay.objects.get(day=D(2026, 10, 1)).name == "国庆节"
    assert CalendarDay.objects.get(day=D(2026, 10, 10)).kind == CalendarDay.Kind.WORKDAY
    assert workdays.unmaintained_years([2026, 2027]) == [2027]


def test_rows_the_admin_adds_for_2027_change_the_deadline_at_once():
    """ADM-3: once 2027's Spring Festival rows exist (here 02-11..02-17 off), 2027-02-10 + 3 working
    days is 02-18, 02-19, 02-22 — the cached 'weekends only' year is dropped when a row is saved."""
    assert rules.formalities_deadline(D(2027, 2, 10), is_workday=Calendar().is_working_day) == D(2027, 2, 15)
    for day in range(11, 18):
        CalendarDay.objects.create(day=D(2027, 2, day), kind=CalendarDay.Kind.HOLIDAY, name="春节")
    assert rules.formalities_deadline(D(2027, 2, 10), is_workday=Calendar().is_working_day) == D(
        2027, 2, 22
    )  # Thu 18, Fri 19, Mon 22
    assert workdays.unmaintained_years([2027]) == []
    CalendarDay.objects.filter(day__year=2027).delete()
    assert workdays.unmaintained_years([2027]) == [2027]


@pytest.fixture
def frozen_today(monkeypatch):
    original = timezone.localdate

    def freeze(day: datetime.date) -> None:
        monkeypatch.setattr(
            timezone, "localdate", lambda value=None, tz=None: day if value is None else original(value, tz)
        )

    return freeze


@pytest.mark.parametrize(
    ("admitted_at", "due"),
    [
        pytest.param(datetime.datetime(2026, 12, 29, 23, tzinfo=SH), D(2027, 1, 1), id="ADM-3 2026-12-29"),
        pytest.param(datetime.datetime(2027, 2, 10, 9, tzinfo=SH), D(2027, 2, 15), id="ADM-3 2027-02-10"),
    ],
)
def test_emergency_admission_in_an_unmaintained_year_works_and_the_homes_warn(
    admitted_at, due, client_for, frozen_today
):
    """ADM-3: an emergency admission whose deadline reaches 2027 (no rows) is admitted, its deadline
    counted on weekdays, and the office, admin and clerk home pages say "2027 年节假日未维护"."""
    frozen_today(admitted_at.date())
    stay = admit(make_hospital(), read=False, kind=Stay.Kind.EMERGENCY, admitted_at=admitted_at)
    assert stay.self_pay and stay.formalities_due == due
    for role in (Role.OFFICE, Role.ADMIN, Role.CLERK):
        response = client_for(role).get(f"/home/{role.value}/")
        assert response.status_code == 200
        assert "2027 年节假日未维护" in response.content.decode(), role
    response = client_for(Role.CLERK).get(f"/home/{Role.CLERK.value}/")
    assert f'href="/admission/{stay.pk}/"' in response.content.decode()  # ADM-3 countdown row


def test_no_warning_when_the_years_ahead_are_maintained(client_for, frozen_today):
    frozen_today(D(2026, 6, 1))
    page = client_for(Role.OFFICE).get("/home/office/").content.decode()
    assert "节假日未维护" not in page and "节假日安排已维护至 2026 年" in page
