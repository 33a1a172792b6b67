"""Reads of fee lines: one person's lines of every encounter, and the lines where the center's
per-line answer differs from the hospital's split (issue 17 item 3)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F, Q, QuerySet

from fees.models import FeeLine

TOLERANCE = Decimal("0.01")
COMPARED = (
    ("full_self_pay_amount", "center_fulamt_ownpay_amt", "全自费"),
    ("over_limit_amount", "center_overlmt_amt", "超限价"),
    ("pre_self_pay_amount", "center_preselfpay_amt", "先行自付"),
    ("in_scope_amount", "center_inscp_scp_amt", "符合范围"),
)


def person_lines(person_id: int) -> QuerySet[FeeLine]:
    """Every line of the person, inpatient and outpatient together, newest first."""
    return (
        FeeLine.objects.filter(person_id=person_id)
        .select_related("stay", "visit", "hospital_item", "ordering_doctor", "ordering_department")
        .order_by("-charged_on", "-charged_at", "-id")
    )


def differences(line: FeeLine) -> list[dict[str, str]]:
    """The parts where the center's answer differs from ours by more than a cent."""
    if not line.center_answered:
        return []
    found = []
    for ours, theirs, label in COMPARED:
        center = getattr(line, theirs) or Decimal("0.00")
        local = getattr(line, ours)
        if abs(center - local) > TOLERANCE:
            found.append({"field": label, "local": f"{local:.2f}", "center": f"{center:.2f}"})
    return found


def center_differences() -> list[tuple[FeeLine, list[dict[str, str]]]]:
    """Lines the center answered with a split other than ours, for the insurance office."""
    answered = FeeLine.objects.filter(center_inscp_scp_amt__isnull=False)
    differing = Q()
    for ours, theirs, _ in COMPARED:
        differing |= ~Q(**{theirs: F(ours)}) | Q(**{f"{theirs}__isnull": True})
    rows = (
        answered.filter(differing)
        .select_related("stay", "visit", "person", "hospital_item")
        .order_by("-charged_on", "-id")[:500]
    )
    return [(line, diff) for line in rows if (diff := differences(line))]
