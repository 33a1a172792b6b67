"""Admission rules with the regulations' numbers (ADM-3, ADM-5, ADM-7, ADM-8, ADM-10, ADM-11)."""

import datetime
import functools
from decimal import Decimal

import pytest

from admission import rules
from core import workdays

D = datetime.date


# The 2026 rows the calendar needs here, as plain data (the seeded table is tested in
# tests/core/test_workdays.py): National Day 10-01..10-07 off, Saturday 10-10 worked.
CALENDAR_2026 = workdays.YearCalendar(
    year=2026,
    maintained=True,
    holidays={D(2026, 10, day): "国庆节" for day in range(1, 8)},
    workdays=frozenset({D(2026, 10, 10)}),
)


def calendar_2026(day: datetime.date) -> bool:
    assert day.year == 2026
    return CALENDAR_2026.is_working_day(day)


@pytest.mark.parametrize(
    ("admitted", "deadline"),
    [
        pytest.param(D(2026, 11, 23), D(2026, 11, 26), id="ADM-3 Monday to Thursday"),
        pytest.param(D(2026, 11, 26), D(2026, 12, 1), id="ADM-3 Thursday: Fri, (weekend), Mon, Tue"),
        pytest.param(D(2026, 11, 28), D(2026, 12, 2), id="ADM-3 admitted Saturday: Mon, Tue, Wed"),
        pytest.param(D(2026, 9, 30), D(2026, 10, 10), id="ADM-3 National Day: 10-08, 10-09, Sat 10-10"),
    ],
)
def test_adm3_three_working_days(admitted, deadline):
    assert rules.formalities_deadline(admitted, is_workday=calendar_2026) == deadline


def test_adm3_overdue_only_after_the_deadline_day():
    admitted = D(2026, 9, 30)
    overdue = functools.partial(rules.formalities_overdue, is_workday=calendar_2026)
    assert not overdue(admitted, None, today=D(2026, 10, 10))
    assert overdue(admitted, None, today=D(2026, 10, 11))
    assert not overdue(admitted, D(2026, 10, 10), today=D(2026, 10, 20))
    assert overdue(admitted, D(2026, 10, 12), today=D(2026, 10, 20))


def test_adm3_working_days_are_data():
    assert rules.formalities_deadline(D(2026, 11, 23), working_days=5, is_workday=calendar_2026) == D(
        2026, 11, 30
    )


def test_adm3_a_year_without_rows_counts_weekends_only():
    """ADM-3: 2099 has no holiday rows: Friday 2099-01-02 + 3 → Mon 01-05, Tue, Wed 01-07."""
    unknown = workdays.YearCalendar(year=2099, maintained=False, holidays={}, workdays=frozenset())
    assert rules.formalities_deadline(D(2099, 1, 2), is_workday=unknown.is_working_day) == D(2099, 1, 7)


@pytest.mark.parametrize(("gap", "expected"), [(0, True), (10, True), (11, False)])
def test_adm8_split_admission_at_10_and_11_days(gap, expected):
    discharged = D(2026, 11, 1)
    admitted = discharged + datetime.timedelta(days=gap)
    assert rules.is_split_admission(discharged, ["E11.900"], admitted, ["I10", "E11.9"]) is expected


def test_adm8_other_disease_is_not_split():
    assert not rules.is_split_admission(D(2026, 11, 1), ["E11.900"], D(2026, 11, 5), ["J18.900"])


@pytest.mark.parametrize(
    ("findings", "ghost"),
    [
        (["absent"], False),
        (["absent", "on_leave"], False),  # one absence plus approved leave
        (["absent", "present", "absent"], True),  # the second unexcused absence
        (["on_leave", "on_leave", "present"], False),
    ],
)
def test_adm5_second_unexcused_absence_makes_a_ghost_bed(findings, ghost):
    assert rules.is_ghost_bed(findings) is ghost


@pytest.mark.parametrize(
    ("fee_day", "self_paid"), [(D(2026, 11, 20), False), (D(2026, 11, 21), True), (D(2026, 11, 19), False)]
)
def test_adm10_days_after_the_discharge_notice_are_self_paid(fee_day, self_paid):
    assert rules.self_paid_after_discharge_notice(fee_day, D(2026, 11, 20)) is self_paid


def test_adm10_without_notice_nothing_is_self_paid():
    assert not rules.self_paid_after_discharge_notice(D(2026, 11, 21), None)


@pytest.mark.parametrize(
    ("bed_days", "discharges", "tier", "exceeded"),
    [
        (1600, 100, 3, False),
        (1601, 100, 3, True),
        (2100, 100, 2, False),
        (2101, 100, 2, True),
        (5000, 100, 1, False),
    ],
)
def test_adm7_average_length_of_stay(bed_days, discharges, tier, exceeded):
    assert rules.average_length_of_stay_exceeded(bed_days, discharges, tier) is exceeded


def test_adm11_referral_rate_below_3_percent():
    assert rules.referral_rate(2, 67) == Decimal("2.99")
    assert not rules.referral_rate_exceeded(2, 67)
    assert rules.referral_rate_exceeded(3, 100)
    assert rules.referral_rate(0, 0) == Decimal("0.00")


def test_icd10_category():
    assert {rules.icd10_category(c) for c in ["E11.900", "E11.9", "e11", "E119"]} == {"E11"}


@pytest.mark.parametrize(
    ("price", "bureau", "cap", "verdict", "excess"),
    [
        (Decimal("30.00"), Decimal("35.00"), Decimal("30.00"), rules.PriceVerdict.OK, Decimal("0")),
        (
            Decimal("32.00"),
            Decimal("35.00"),
            Decimal("30.00"),
            rules.PriceVerdict.OVER_LIMIT,
            Decimal("2.00"),
        ),
        (
            Decimal("35.00"),
            Decimal("35.00"),
            Decimal("30.00"),
            rules.PriceVerdict.OVER_LIMIT,
            Decimal("5.00"),
        ),
        (
            Decimal("35.01"),
            Decimal("35.00"),
            Decimal("30.00"),
            rules.PriceVerdict.OVER_STANDARD,
            Decimal("0"),
        ),
        (Decimal("99.00"), None, None, rules.PriceVerdict.OK, Decimal("0")),
    ],
)
def test_fee1_two_ceilings(price, bureau, cap, verdict, excess):
    assert rules.price_verdict(price, bureau, cap) == (verdict, excess)


def test_adm10_checklist_lists_exactly_what_is_missing():
    missing = rules.discharge_checklist(
        has_main_diagnosis=False,
        orders_without_charge=["YZ0001"],
        charges_without_order=["FY0009"],
        pending_consents=["人血白蛋白"],
        discharge_medication_problems=["出院带药超过 15 天：二甲双胍缓释片 30 天"],
        unuploaded_charges=2,
    )
    assert [m["rule"] for m in missing] == ["ADM-10", "FEE-2", "FEE-2", "FEE-4", "RX-3", "ADM-10"]
    assert "FY0009" in missing[2]["message"]
    assert rules.discharge_checklist(has_main_diagnosis=True) == []


@pytest.mark.parametrize(
    ("referrals", "admissions", "exceeded"),
    [
        pytest.param(599, 20000, False, id="ADM-11 599/20000 = 2.995 % (shown 3.00 %) is within"),
        pytest.param(600, 20000, True, id="ADM-11 600/20000 = 3.000 % is not below 3 %"),
        pytest.param(2, 67, False, id="ADM-11 2/67 = 2.985 % within"),
        pytest.param(1, 33, True, id="ADM-11 1/33 = 3.03 % exceeded"),
        pytest.param(0, 0, False, id="ADM-11 no admissions"),
    ],
)
def test_adm11_exact_rate_is_compared_with_3_percent(referrals, admissions, exceeded):
    assert rules.referral_rate_exceeded(referrals, admissions) is exceeded
    if admissions == 20000:
        assert rules.referral_rate(referrals, admissions) == Decimal("3.00")  # display only


T = datetime.datetime


@pytest.mark.parametrize(
    ("hours", "leaves", "excused"),
    [
        pytest.param(9, [], False, id="ADM-5 no leave: absent"),
        pytest.param(9, [(8, 12)], True, id="ADM-5 inside an approved leave: on leave"),
        pytest.param(8, [(8, 12)], True, id="ADM-5 the leave's first moment"),
        pytest.param(12, [(8, 12)], True, id="ADM-5 the leave's last moment"),
        pytest.param(13, [(8, 12)], False, id="ADM-5 an hour after the leave ended: absent"),
        pytest.param(13, [(8, 12), (13, 20)], True, id="ADM-5 inside a second leave"),
    ],
)
def test_adm5_an_approved_leave_excuses_an_absence(hours, leaves, excused):
    """ADM-5 (001 §15): hours after 2026-11-01 00:00."""

    def at(hour: int) -> datetime.datetime:
        return T(2026, 11, 1) + datetime.timedelta(hours=hour)

    assert rules.absence_excused(at(hours), [(at(a), at(b)) for a, b in leaves]) is excused


BED = rules.DailyGroup("床位费", ("001102",))
NURSING = rules.DailyGroup("护理级别", ("00120100003", "00120100004", "00120100005"))


@pytest.mark.parametrize(
    ("code", "already", "group", "duplicate"),
    [
        pytest.param("001102000010000", Decimal(0), "床位费", False, id="FEE-3 first bed of the day"),
        pytest.param("001102000020000", Decimal(1), "床位费", True, id="FEE-3 a second bed class same day"),
        pytest.param("001102000010000", Decimal(0), "床位费", False, id="FEE-3 after a refund (net 0)"),
        pytest.param("001201000040000", Decimal(1), "护理级别", True, id="FEE-3 Ⅱ级护理 after Ⅰ级 same day"),
        pytest.param("001201000020000", Decimal(1), None, False, id="FEE-3 特级护理 is hourly, not daily"),
        pytest.param("002202010010000", Decimal(5), None, False, id="FEE-3 a test is not a daily item"),
    ],
)
def test_fee3_daily_items_once_a_day(code, already, group, duplicate):
    found = rules.daily_group(code, [BED, NURSING])
    assert (found.name if found else None) == group
    assert bool(found and rules.daily_duplicate(found, already)) is duplicate
