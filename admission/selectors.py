"""Reads for stays: the policy in force, fund recognition, lists with filters, the daily fee list,
the discharge checklist and the referral rate."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from admission import rules
from admission.models import (
    AdmissionPolicy,
    CardCustody,
    DailyListAcknowledgement,
    DiagnosisStage,
    InsuranceRegistration,
    Order,
    SelfPayConsent,
    Stay,
    StayReview,
    Transfer,
)
from core.errors import DomainError
from core.workdays import working_days_until
from fees import rules as fee_rules
from fees.models import FeeLine
from hospital.models import Bed

CLASS_LABELS = {"A": "甲类", "B": "乙类", "C": "丙类", "": "未对照"}
SELF_PAY_LABELS = fee_rules.REASON_LABELS


def policy_as_of(day: datetime.date) -> AdmissionPolicy:
    policy = (
        AdmissionPolicy.objects.filter(AdmissionPolicy.valid_on_filter(day))
        .order_by("-effective_from")
        .first()
    )
    if policy is None:
        raise DomainError(f"未配置 {day} 有效的住院管理参数，请管理员维护。", code="admission_policy_missing")
    return policy


def local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def formalities_overdue(stay: Stay, today: datetime.date | None = None) -> bool:
    """ADM-3: an emergency self-pay admission whose formalities passed the deadline is not recognised."""
    if stay.formalities_due is None:
        return False
    return rules.deadline_passed(
        stay.formalities_due, stay.formalities_completed_on, today or timezone.localdate()
    )


@dataclass
class FundRecognition:
    """Whether the fund may pay this stay, and why not (used by every page and by settlement)."""

    recognised: bool
    reasons: list[dict[str, str]] = field(default_factory=list)


def fund_recognition(stay: Stay, today: datetime.date | None = None) -> FundRecognition:
    reasons = []
    if stay.self_pay:
        reasons.append({"rule": "ADM-3", "message": "自费入院，尚未转为医保"})
    if formalities_overdue(stay, today):
        reasons.append(
            {
                "rule": "ADM-3",
                "message": f"急诊入院未在 {stay.formalities_due:%Y-%m-%d} 前补办医保手续，基金不予认可",
            }
        )
    if stay.fund_status != Stay.FundStatus.RECOGNISED:
        reasons.append(
            {"rule": _fund_rule(stay), "message": stay.fund_status_reason or stay.get_fund_status_display()}
        )
    return FundRecognition(recognised=not reasons, reasons=reasons)


def _fund_rule(stay: Stay) -> str:
    reason = stay.fund_status_reason
    for rule in ("ADM-4", "ADM-5", "ADM-6", "ADM-8"):
        if rule in reason:
            return rule
    return "ADM-5"


def free_beds(ward) -> QuerySet[Bed]:
    """ADM-5: the ward's active beds without an open stay."""
    occupied = Stay.objects.open().filter(bed__ward=ward).values("bed_id")
    return Bed.objects.filter(ward=ward, is_active=True).exclude(pk__in=occupied).order_by("number")


def custody_deadline(stay: Stay, policy: AdmissionPolicy) -> datetime.datetime:
    return stay.admitted_at + datetime.timedelta(hours=policy.custody_hours)


def stay_list(
    *,
    department: int | None = None,
    status: str | None = None,
    overdue: bool = False,
    missing_custody: bool = False,
    query: str = "",
    now: datetime.datetime | None = None,
) -> QuerySet[Stay]:
    """The in-patient list: open stays by default; filters for department, status, ADM-3 and ADM-2."""
    now = now or timezone.now()
    stays = Stay.objects.select_related("person", "department", "ward", "bed", "attending_doctor").annotate(
        has_custody=Exists(CardCustody.objects.filter(stay=OuterRef("pk"))),
        open_reviews=Count("reviews", filter=Q(reviews__status=StayReview.Status.OPEN), distinct=True),
    )
    stays = stays.filter(status=status) if status else stays.open()
    if department:
        stays = stays.filter(department_id=department)
    if overdue:
        stays = stays.filter(
            formalities_due__isnull=False,
            formalities_completed_on__isnull=True,
            formalities_due__lt=now.date(),
        )
    if missing_custody:
        hours = policy_as_of(timezone.localdate(now)).custody_hours
        stays = stays.filter(
            self_pay=False, has_custody=False, admitted_at__lt=now - datetime.timedelta(hours=hours)
        ).exclude(kind=Stay.Kind.TRAUMA)
    if query:
        stays = stays.filter(
            Q(person__name__contains=query)
            | Q(person__name_initials__startswith=query.lower())
            | Q(ipt_no=query.upper())
            | Q(person__psn_no=query)
            | Q(bed__number=query)
        )
    return stays.order_by("ward__code", "bed__number", "admitted_at")


def formalities_countdown(today: datetime.date | None = None) -> list[dict[str, Any]]:
    """ADM-3 countdown on the clerk's home page: emergency admissions awaiting formalities."""
    today = today or timezone.localdate()
    rows = []
    for stay in (
        Stay.objects.open()
        .filter(formalities_due__isnull=False, formalities_completed_on__isnull=True)
        .select_related("person", "ward", "bed")
        .order_by("formalities_due")
    ):
        rows.append(
            {
                "stay": stay,
                "due": stay.formalities_due,
                "left": working_days_until(today, stay.formalities_due),
                "overdue": today > stay.formalities_due,
            }
        )
    return rows


def lock_stay_row(stay_id: int) -> None:
    """Lock a stay for another app's transaction that must follow the stay's lock order (settlement)."""
    Stay.objects.select_for_update().only("pk").get(pk=stay_id)


def active_registration(stay: Stay) -> InsuranceRegistration | None:
    return stay.registrations.filter(status=InsuranceRegistration.Status.REGISTERED).first()


def charge_totals(stay: Stay) -> dict[str, Decimal]:
    totals = FeeLine.objects.filter(stay=stay).aggregate(
        total=Sum("amount"),
        over_limit=Sum("over_limit_amount"),
        self_pay=Sum("full_self_pay_amount"),
    )
    return {k: (v or Decimal("0.00")) for k, v in totals.items()}


def daily_list(stay: Stay, day: datetime.date) -> dict[str, Any]:
    """ADM-9: the day's items by class A/B/C, self-pay marked, day and running totals."""
    lines = list(
        FeeLine.objects.filter(stay=stay, charged_on=day)
        .select_related("hospital_item", "executing_department")
        .order_by("insurance_class", "charged_at", "id")
    )
    groups: dict[str, list[FeeLine]] = defaultdict(list)
    for line in lines:
        groups[line.insurance_class].append(line)
    by_class = [
        {
            "klass": klass,
            "label": CLASS_LABELS.get(klass, klass),
            "lines": [
                {"line": line, "self_pay_label": SELF_PAY_LABELS.get(line.self_pay_reason, "")}
                for line in groups[klass]
            ],
            "subtotal": sum((line.amount for line in groups[klass]), Decimal("0.00")),
        }
        for klass in ("A", "B", "C", "")
        if groups.get(klass)
    ]
    day_total = sum((line.amount for line in lines), Decimal("0.00"))
    day_self_pay = sum(
        (line.full_self_pay_amount + line.over_limit_amount for line in lines), Decimal("0.00")
    )
    running = FeeLine.objects.filter(stay=stay, charged_on__lte=day).aggregate(total=Sum("amount"))["total"]
    ack = DailyListAcknowledgement.objects.filter(stay=stay, day=day).first()
    return {
        "stay": stay,
        "day": day,
        "groups": by_class,
        "day_total": day_total,
        "day_self_pay": day_self_pay,
        "running_total": running or Decimal("0.00"),
        "acknowledgement": ack,
    }


def daily_item_groups(day: datetime.date) -> list[rules.DailyGroup]:
    """FEE-3: the once-a-day item groups in force on `day` (admin-edited rows)."""
    from admission.models import DailyItemGroup

    return [
        rules.DailyGroup(g.name, g.prefixes, g.per_day)
        for g in DailyItemGroup.objects.filter(DailyItemGroup.valid_on_filter(day))
    ]


def daily_group_charged(stay: Stay, group: rules.DailyGroup, day: datetime.date) -> Decimal:
    """FEE-3: quantity of the group already charged to the stay on `day`, refunds subtracted."""
    match = Q()
    for prefix in group.prefixes:
        match |= Q(med_list_codg__startswith=prefix)
    total = FeeLine.objects.filter(match, stay=stay, charged_on=day).aggregate(q=Sum("quantity"))["q"]
    return total or Decimal(0)


def charge_days(stay: Stay) -> list[datetime.date]:
    return list(
        FeeLine.objects.filter(stay=stay)
        .values_list("charged_on", flat=True)
        .distinct()
        .order_by("charged_on")
    )


def discharge_missing(stay: Stay) -> list[dict[str, str]]:
    """ADM-10: what still blocks discharge, each with its rule id and a Chinese message."""
    has_main = stay.diagnoses.filter(stage=DiagnosisStage.DISCHARGE, is_main=True).exists()
    charged_orders = FeeLine.objects.filter(stay=stay).values("order_id")
    orders_without_charge = (
        Order.objects.filter(stay=stay).exclude(status=Order.Status.CANCELLED).exclude(pk__in=charged_orders)
    )
    consents = set(SelfPayConsent.objects.filter(stay=stay).values_list("hospital_item_id", flat=True))
    pending = (
        FeeLine.objects.filter(stay=stay, quantity__gt=0)
        .exclude(self_pay_reason__in=["", "after_notice", "consented"])
        .exclude(hospital_item_id__in=consents)
        .select_related("hospital_item")
    )
    problems = _discharge_medication_problems(stay)
    return rules.discharge_checklist(
        has_main_diagnosis=has_main,
        orders_without_charge=[f"{o.drord_no} {o.content}" for o in orders_without_charge],
        charges_without_order=[],  # FEE-2 is enforced at entry: a charge line cannot exist without its order
        pending_consents=sorted({line.hospital_item.name for line in pending}),
        discharge_medication_problems=problems,
    )


def _discharge_medication_problems(stay: Stay) -> list[str]:
    """RX-3 (000 §4 二.3): each drug's discharge medication added up over all its lines and orders
    (a refund subtracts) against the hospital's profile: 15 days (000), or the outpatient limit of
    the stay's discharge diagnoses where the profile says so (004 "参照上述执行")."""
    from prescriptions import rules as rx_rules
    from prescriptions.selectors import diagnosis_facts, profile_as_of, profile_facts

    totals: dict[str, Decimal] = {}
    names: dict[str, str] = {}
    for line in FeeLine.objects.filter(stay=stay, discharge_medication=True).select_related(
        "order", "hospital_item"
    ):
        days = _discharge_medication_days(line)
        if days is None:
            continue
        key = line.med_list_codg or line.hospital_item.medins_list_codg
        totals[key] = totals.get(key, Decimal(0)) + days
        names.setdefault(key, line.hospital_item.name)
    if not totals:
        return []
    today = timezone.localdate()
    profile = profile_as_of(today)
    limit, label = profile.discharge_days, ""
    if profile.discharge_uses_outpatient_limits:
        codes = list(stay.diagnoses.filter(stage=DiagnosisStage.DISCHARGE).values_list("code", flat=True))
        if codes:
            limit, label = rx_rules.category_limit(diagnosis_facts(codes, today), profile_facts(profile))
    return [
        f"{names[key]} 出院带药合计 {rx_rules.show_days(days)} 天量超过{label} {limit} 天（RX-3）"
        for key, days in totals.items()
        if days > limit
    ]


def _discharge_medication_days(line: FeeLine) -> Decimal | None:
    """RX-3 over a discharge-medication charge: its order's dose and frequency give the days."""
    from prescriptions.rules import days_supply

    order = line.order
    if not order.frequency:
        return None
    item = line.hospital_item
    pack = _pack_size(item)
    return days_supply(line.quantity, pack, order.quantity, order.frequency)


def _pack_size(hospital_item) -> Decimal:
    from drug_catalog.models import CatalogItem

    size = (
        CatalogItem.objects.filter(code=hospital_item.med_list_codg)
        .order_by("-version__effective_from")
        .values_list("pack_size", flat=True)
        .first()
    )
    return size or Decimal(1)


def referral_rate_by_month(year: int) -> list[dict[str, Any]]:
    """ADM-11: outward transfers ÷ admissions per month, against the policy's limit."""
    admissions = dict(
        Stay.objects.filter(admitted_at__year=year)
        .exclude(status=Stay.Status.CANCELLED)
        .values_list("admitted_at__month")
        .annotate(n=Count("id"))
        .values_list("admitted_at__month", "n")
    )
    transfers = dict(
        Transfer.objects.filter(transferred_at__year=year)
        .values_list("transferred_at__month")
        .annotate(n=Count("id"))
        .values_list("transferred_at__month", "n")
    )
    limit = policy_as_of(datetime.date(year, 12, 31)).referral_rate_limit
    rows = []
    for month in range(1, 13):
        a, t = admissions.get(month, 0), transfers.get(month, 0)
        if a or t:
            rate = rules.referral_rate(t, a)
            rows.append(
                {
                    "month": month,
                    "admissions": a,
                    "transfers": t,
                    "rate": rate,
                    "exceeded": rules.referral_rate_exceeded(t, a, limit),
                }
            )
    return rows
