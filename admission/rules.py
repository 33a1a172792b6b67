"""Admission rules as pure functions over plain values (ADM-3, ADM-5, ADM-7, ADM-8, ADM-10, ADM-11).

Numbers (3 working days, 2 absences, 10 days, 16/21 days, 3 %) are parameters with the
regulation's values as defaults; the admission app's versioned parameter rows supply them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from diagnoses.rules import icd10_category

IsWorkday = Callable[[datetime.date], bool]


def add_working_days(start: datetime.date, count: int, is_workday: IsWorkday) -> datetime.date:
    """The `count`-th working day after `start` (start itself not counted); the calendar is passed in
    (core.workdays.Calendar().is_working_day), so this stays a pure rule."""
    day, remaining = start, count
    while remaining > 0:
        day += datetime.timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return day


def formalities_deadline(
    admitted_on: datetime.date, working_days: int = 3, *, is_workday: IsWorkday
) -> datetime.date:
    """ADM-3: an emergency admission's insurance formalities are due by the end of the third
    working day after the admission day (001 §12)."""
    return add_working_days(admitted_on, working_days, is_workday)


def formalities_overdue(
    admitted_on: datetime.date,
    completed_on: datetime.date | None,
    today: datetime.date,
    working_days: int = 3,
    *,
    is_workday: IsWorkday,
) -> bool:
    """ADM-3: overdue (stay not recognised for the fund) when not completed by the deadline."""
    return deadline_passed(
        formalities_deadline(admitted_on, working_days, is_workday=is_workday), completed_on, today
    )


def deadline_passed(
    deadline: datetime.date, completed_on: datetime.date | None, today: datetime.date
) -> bool:
    """Completed after the deadline, or still not completed once the deadline day is over."""
    return (completed_on if completed_on is not None else today) > deadline


def is_split_admission(
    previous_discharge: datetime.date,
    previous_diagnoses: Iterable[str],
    admission: datetime.date,
    diagnoses: Iterable[str],
    window_days: int = 10,
) -> bool:
    """ADM-8: re-admitted with the same disease (same ICD-10 category) within 10 days of discharge
    counts as one admission (000 §4 三.3). Day 10 is inside the window, day 11 outside."""
    gap = (admission - previous_discharge).days
    if gap < 0 or gap > window_days:
        return False
    before = {icd10_category(c) for c in previous_diagnoses}
    return any(icd10_category(c) in before for c in diagnoses)


class InspectionFinding(StrEnum):
    PRESENT = "present"  # 在床
    ABSENT = "absent"  # 不在床，无假条
    ON_LEAVE = "on_leave"  # 不在床，已批准请假


def is_ghost_bed(findings: Iterable[InspectionFinding | str], threshold: int = 2) -> bool:
    """ADM-5: the second unexcused absence in a stay makes it a ghost bed (挂床, 001 §15)."""
    return sum(1 for f in findings if InspectionFinding(f) == InspectionFinding.ABSENT) >= threshold


def absence_excused(
    at: datetime.datetime, approved_leaves: Iterable[tuple[datetime.datetime, datetime.datetime]]
) -> bool:
    """ADM-5: a patient found absent during a leave approved by then (start ≤ moment ≤ end) is on
    leave, not absent; a leave approved after the round excuses nothing (no back-dated 假条)."""
    return any(start <= at <= end for start, end in approved_leaves)


def self_paid_after_discharge_notice(
    fee_date: datetime.date, notice_date: datetime.date | None, grace_days: int = 0
) -> bool:
    """ADM-10: after a discharge order, days the patient stays on voluntarily are self-paid from the
    notification (001 篇二). The notice day itself is the last fund-paid day (`grace_days` 0)."""
    if notice_date is None:
        return False
    return fee_date > notice_date + datetime.timedelta(days=grace_days)


ALOS_LIMITS = {3: 16, 2: 21}


def average_length_of_stay_exceeded(total_bed_days: int, discharges: int, tier: int, limits=None) -> bool:
    """ADM-7: average length of stay — tier 3 ≤ 16 days, tier 2 ≤ 21 days (001 §10)."""
    limit = (limits or ALOS_LIMITS).get(tier)
    if limit is None or discharges == 0:
        return False
    return Decimal(total_bed_days) / discharges > limit


def referral_rate(referrals: int, admissions: int) -> Decimal:
    """ADM-11: outward referrals ÷ admissions, as a percentage with two decimals."""
    if admissions == 0:
        return Decimal("0.00")
    return (Decimal(referrals) * 100 / admissions).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def referral_rate_exceeded(referrals: int, admissions: int, limit_percent: Decimal = Decimal("3")) -> bool:
    """ADM-11: the outward referral rate must stay below 3 % (001 §16), compared exactly — 599 of
    20,000 is 2.995 %, within, although it shows as 3.00 % — so no rounding before comparing."""
    if admissions == 0:
        return False
    return Decimal(referrals) * 100 >= limit_percent * admissions


# --- FEE-1: two ceilings ---


class PriceVerdict(StrEnum):
    OK = "ok"
    OVER_LIMIT = "over_limit"  # within the bureau's price, above the payment standard: excess self-paid
    OVER_STANDARD = "over_standard"  # above the price bureau's price: 超标准收费, refused


def price_verdict(
    unit_price: Decimal, bureau_price: Decimal | None, payment_cap: Decimal | None
) -> tuple[PriceVerdict, Decimal]:
    """FEE-1: a price above the price bureau's price may not be charged at all; a price within it but
    above the insurance payment standard (pric_uplmt_amt) is charged, the excess per unit self-paid.
    Returns the verdict and the over-limit amount per unit."""
    if bureau_price is not None and unit_price > bureau_price:
        return PriceVerdict.OVER_STANDARD, Decimal("0")
    if payment_cap is not None and unit_price > payment_cap:
        return PriceVerdict.OVER_LIMIT, unit_price - payment_cap
    return PriceVerdict.OK, Decimal("0")


# --- FEE-3: items charged once a day ---


@dataclass(frozen=True)
class DailyGroup:
    name: str
    prefixes: tuple[str, ...]
    per_day: int = 1


def daily_group(code: str, groups: Iterable[DailyGroup]) -> DailyGroup | None:
    """FEE-3: the once-a-day group a national code belongs to (bed, nursing level), if any."""
    return next((g for g in groups if code and code.startswith(g.prefixes)), None)


def daily_duplicate(group: DailyGroup, already: Decimal) -> bool:
    """FEE-3: a bed or nursing level charged again on a day that already has its once (net of
    refunds). A line's own quantity is not judged here (a stay's first bed line may cover days)."""
    return already >= group.per_day


# --- ADM-10: the discharge checklist ---


def discharge_checklist(
    *,
    has_main_diagnosis: bool,
    orders_without_charge: Iterable[str] = (),
    charges_without_order: Iterable[str] = (),
    pending_consents: Iterable[str] = (),
    discharge_medication_problems: Iterable[str] = (),
    unuploaded_charges: int = 0,
) -> list[dict[str, str]]:
    """ADM-10: everything entered and checked before discharge (000 §4 三.6). Returns what is
    missing, each with its rule id and a Chinese message; empty means discharge may proceed."""
    missing = []
    if not has_main_diagnosis:
        missing.append({"rule": "ADM-10", "code": "main_diagnosis", "message": "缺少出院主诊断。"})
    for order in orders_without_charge:
        missing.append({"rule": "FEE-2", "code": "order_not_charged", "message": f"医嘱 {order} 尚未计费。"})
    for charge in charges_without_order:
        missing.append(
            {"rule": "FEE-2", "code": "charge_without_order", "message": f"费用 {charge} 没有对应医嘱。"}
        )
    for item in pending_consents:
        missing.append(
            {
                "rule": "FEE-4",
                "code": "consent_missing",
                "message": f"自费项目 {item} 缺少患者签字的知情同意书。",
            }
        )
    for problem in discharge_medication_problems:
        missing.append({"rule": "RX-3", "code": "discharge_medication", "message": problem})
    if unuploaded_charges:
        missing.append(
            {
                "rule": "ADM-10",
                "code": "charges_not_uploaded",
                "message": f"还有 {unuploaded_charges} 条费用未上传医保中心。",
            }
        )
    return missing
