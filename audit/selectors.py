"""Reads of the audit domain: the review queue, a finding's evidence, batch progress, doctor points
(AUD-5, including `doctor_suspension` for the prescription check) and the indicators (AUD-6)."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from audit import engine
from audit.models import (
    AuditChunk,
    AuditJob,
    DoctorMeasure,
    DoctorPointEntry,
    Finding,
    IndicatorThreshold,
    MeasureKind,
    PointsPolicy,
    PointsRule,
    PointsThreshold,
    StockMovement,
)
from audit.rules_sql_patterns import EXAM_FILTER
from core.roles import Role, has_role

# --- review queue --------------------------------------------------------------------------------


def queue(
    *,
    status: str = "open",
    level: str = "",
    rule: str = "",
    department: int | None = None,
    doctor: int | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    min_amount: Decimal | None = None,
) -> QuerySet[Finding]:
    query = Finding.objects.select_related("rule", "department", "doctor", "person", "stay")
    if status:
        query = query.filter(status=status)
    if level:
        query = query.filter(level=level)
    if rule:
        query = query.filter(rule_id=rule)
    if department:
        query = query.filter(department_id=department)
    if doctor:
        query = query.filter(doctor_id=doctor)
    if date_from:
        query = query.filter(occurred_on__gte=date_from)
    if date_to:
        query = query.filter(occurred_on__lte=date_to)
    if min_amount is not None:
        query = query.filter(amount__gte=min_amount)
    return query.order_by("-occurred_on", "-amount", "-id")


def findings_for(user: Any) -> QuerySet[Finding]:
    """Office and admin see every finding; a doctor only those naming him."""
    if has_role(user, Role.OFFICE, Role.ADMIN):
        return Finding.objects.all()
    practitioner = getattr(user, "practitioner", None)
    if practitioner is not None and has_role(user, Role.DOCTOR):
        return Finding.objects.filter(doctor=practitioner)
    return Finding.objects.none()


EVIDENCE_SQL = """
SELECT line_key, charged_at, item_name, med_list_codg, quantity, unit_price, amount, self_pay, kind,
       coalesce(stay_id, visit_id)
FROM audit_fee_line WHERE line_key = ANY(%s) ORDER BY charged_at, line_id
"""


def evidence_lines(finding: Finding) -> list[dict[str, Any]]:
    keys = [str(k) for k in (finding.evidence or {}).get("lines", [])][:500]
    if not keys:
        return []
    with connection.cursor() as cursor:
        cursor.execute(EVIDENCE_SQL, [keys])
        columns = [
            "key",
            "charged_at",
            "name",
            "code",
            "quantity",
            "unit_price",
            "amount",
            "self_pay",
            "kind",
            "enc",
        ]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def evidence_stays(finding: Finding):
    from admission.models import Stay

    ids = (finding.evidence or {}).get("stays", [])
    return list(
        Stay.objects.filter(pk__in=ids).select_related("department", "person").order_by("admitted_at")
    )


def evidence_records(finding: Finding) -> dict[str, list]:
    """The other records a finding names: orders never charged (FEE-2-ORDER), the pharmacy's movements
    (STOCK) and the near-identical settlements (AMT-SAME)."""
    from admission.models import Order
    from settlement.models import Settlement

    evidence = finding.evidence or {}
    ids = {
        key: [int(i) for i in evidence.get(key, [])][:500] for key in ("orders", "movements", "settlements")
    }
    return {
        "orders": list(
            Order.objects.filter(pk__in=ids["orders"]).select_related("doctor").order_by("ordered_at")
        ),
        "movements": list(
            StockMovement.objects.filter(pk__in=ids["movements"])
            .select_related("hospital_item")
            .order_by("moved_at")
        ),
        "settlements": list(
            Settlement.objects.filter(pk__in=ids["settlements"])
            .select_related("person")
            .order_by("settled_at")
        ),
    }


# --- batches -------------------------------------------------------------------------------------


@dataclass
class JobProgress:
    job: AuditJob
    total: int
    done: int
    failed: int
    running: int
    findings: int
    lines_per_second: int | None

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.total) if self.total else 100


def job_progress(job: AuditJob) -> JobProgress:
    counts = dict(job.chunks.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    total = sum(counts.values())
    done = counts.get(AuditChunk.Status.DONE, 0)
    findings = job.chunks.aggregate(n=Sum("findings"))["n"] or 0
    end = job.finished_at or timezone.now()
    seconds = max((end - job.started_at).total_seconds(), 0.001)
    scanned = job.lines_total * (done / total) if total else 0
    return JobProgress(
        job=job,
        total=total,
        done=done,
        failed=counts.get(AuditChunk.Status.FAILED, 0),
        running=counts.get(AuditChunk.Status.RUNNING, 0),
        findings=findings,
        lines_per_second=int(scanned / seconds) if done else None,
    )


# --- doctor points (AUD-5) -----------------------------------------------------------------------


def points_policy(on_date: datetime.date) -> PointsPolicy:
    row = (
        PointsPolicy.objects.filter(PointsPolicy.valid_on_filter(on_date)).order_by("-effective_from").first()
    )
    return row or PointsPolicy(effective_from=on_date)


def period_start(on_date: datetime.date) -> datetime.date:
    """The agreement period containing `on_date` (periods of `period_months` from the start month)."""
    policy = points_policy(on_date)
    offset = on_date.year * 12 + on_date.month - 1 - (policy.period_start_month - 1)
    first = offset - offset % policy.period_months + (policy.period_start_month - 1)
    return datetime.date(first // 12, first % 12 + 1, 1)


def points_for_rule(rule_code: str, on_date: datetime.date) -> int:
    row = (
        PointsRule.objects.filter(PointsRule.valid_on_filter(on_date), rule_id=rule_code)
        .order_by("-effective_from")
        .first()
    )
    return row.points if row else 0


def thresholds(on_date: datetime.date) -> list[PointsThreshold]:
    rows = PointsThreshold.objects.filter(PointsThreshold.valid_on_filter(on_date)).order_by(
        "points", "-effective_from"
    )
    latest: dict[int, PointsThreshold] = {}
    for row in rows:
        latest.setdefault(row.points, row)
    return list(latest.values())


def doctor_points(practitioner: Any, on_date: datetime.date | None = None) -> int:
    on_date = on_date or timezone.localdate()
    return (
        DoctorPointEntry.objects.filter(
            practitioner=practitioner, period_start=period_start(on_date)
        ).aggregate(total=Sum("points"))["total"]
        or 0
    )


def doctor_suspension(practitioner: Any, on_date: datetime.date | None = None) -> DoctorMeasure | None:
    """AUD-5: the suspension or termination in force for this doctor on `on_date`, or None.
    The prescription check calls this and refuses insured prescriptions while one is in force."""
    if practitioner is None:
        return None
    on_date = on_date or timezone.localdate()
    return (
        DoctorMeasure.objects.filter(
            practitioner=practitioner,
            measure__in=[MeasureKind.SUSPENSION, MeasureKind.TERMINATION],
            effective_from__lte=on_date,
        )
        .exclude(status=DoctorMeasure.Status.REVOKED)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=on_date))
        .order_by("-effective_from")
        .first()
    )


def needs_exam(practitioner: Any, period: datetime.date) -> bool:
    policy = points_policy(period)
    total = (
        DoctorPointEntry.objects.filter(practitioner=practitioner, period_start=period).aggregate(
            t=Sum("points")
        )["t"]
        or 0
    )
    return policy.exam_min_points <= total <= policy.exam_max_points


def doctors_ledger(on_date: datetime.date | None = None) -> list[dict[str, Any]]:
    from hospital.models import Practitioner

    period = period_start(on_date or timezone.localdate())
    rows = (
        DoctorPointEntry.objects.filter(period_start=period)
        .values("practitioner")
        .annotate(total=Sum("points"))
        .order_by("-total")
    )
    doctors = Practitioner.objects.in_bulk([r["practitioner"] for r in rows])
    policy = points_policy(period)
    return [
        {
            "practitioner": doctors[r["practitioner"]],
            "total": r["total"],
            "exam": policy.exam_min_points <= r["total"] <= policy.exam_max_points,
            "suspension": doctor_suspension(doctors[r["practitioner"]], on_date),
        }
        for r in rows
    ]


# --- indicators (AUD-6, FEE-5, FEE-7, ADM-7, ADM-11) ----------------------------------------------

INDICATOR_LABELS = {
    "out_of_scope_pct": "目录外（自费）费用占比 %",
    "personal_burden_pct": "个人负担占比 %",
    "self_pay_drug_pct": "自费药品占比 %",
    "average_stay_days": "平均住院日",
    "referral_pct": "转诊率 %",
    "positive_rate_pct": "检查检验阳性率 %",
}

INDICATOR_SQL = (
    """
WITH lines AS (
  SELECT date_trunc('month', charged_on)::date AS month, department_id,
         sum(amount) AS total,
         sum(amount) FILTER (WHERE self_pay) AS self_pay,
         sum(amount) FILTER (WHERE item_type IN ('western', 'patent', 'herbal')) AS drugs,
         sum(amount) FILTER (WHERE self_pay AND item_type IN ('western', 'patent', 'herbal'))
           AS self_pay_drugs
  FROM audit_fee_line WHERE charged_on BETWEEN %(start)s AND %(end)s
  GROUP BY 1, 2
), stays AS (
  SELECT date_trunc('month', (s.discharged_at AT TIME ZONE 'Asia/Shanghai'))::date AS month, s.department_id,
         count(*) AS discharged,
         avg(greatest((s.discharged_at AT TIME ZONE 'Asia/Shanghai')::date
                      - (s.admitted_at AT TIME ZONE 'Asia/Shanghai')::date, 1)) AS alos,
         count(t.id) AS referred
  FROM admission_stay s LEFT JOIN admission_transfer t ON t.stay_id = s.id
  WHERE s.discharged_at IS NOT NULL AND s.status <> 'cancelled'
    AND (s.discharged_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN %(start)s AND %(end)s
  GROUP BY 1, 2
), setl AS (
  SELECT date_trunc('month', (st.settled_at AT TIME ZONE 'Asia/Shanghai'))::date AS month, s.department_id,
         sum(st.personal_burden) AS burden, sum(st.total) AS total
  FROM settlement_settlement st JOIN admission_stay s ON s.id = st.stay_id
  WHERE st.status = 'settled' AND st.settled_at IS NOT NULL
    AND (st.settled_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN %(start)s AND %(end)s
  GROUP BY 1, 2
), exams AS (  -- FEE-5: the rule's lines (its parameters as of the period's end) with a recorded result
  SELECT date_trunc('month', l.charged_on)::date AS month, l.department_id, count(*) AS exams,
         count(*) FILTER (WHERE r.positive) AS positive
  FROM audit_fee_line l JOIN audit_examresult r ON r.feedetl_sn = l.feedetl_sn
  WHERE l.charged_on BETWEEN %(start)s AND %(end)s AND """
    + EXAM_FILTER
    + """
  GROUP BY 1, 2
), keys AS (SELECT month, department_id FROM lines UNION SELECT month, department_id FROM stays
            UNION SELECT month, department_id FROM setl UNION SELECT month, department_id FROM exams)
SELECT k.month, k.department_id, d.name, coalesce(l.total, 0), coalesce(l.self_pay, 0), coalesce(l.drugs, 0),
       coalesce(l.self_pay_drugs, 0), coalesce(s.discharged, 0), s.alos, coalesce(s.referred, 0),
       coalesce(t.burden, 0), coalesce(t.total, 0), coalesce(e.exams, 0), coalesce(e.positive, 0)
FROM keys k JOIN hospital_department d ON d.id = k.department_id
LEFT JOIN lines l ON l.month = k.month AND l.department_id = k.department_id
LEFT JOIN stays s ON s.month = k.month AND s.department_id = k.department_id
LEFT JOIN setl t ON t.month = k.month AND t.department_id = k.department_id
LEFT JOIN exams e ON e.month = k.month AND e.department_id = k.department_id
ORDER BY k.month, d.name
"""
)


def _pct(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def grade(value: Decimal | None, threshold: IndicatorThreshold | None) -> str:
    """正常 / 预警 / 超标 against the indicator's versioned thresholds (a positive rate is worse when
    lower: FEE-5's "≥ 70 %" alarms below 70)."""
    if value is None or threshold is None:
        return ""
    sign = 1 if threshold.higher_is_worse else -1
    value, alarm, warn = sign * value, sign * threshold.alarm, sign * threshold.warn
    if value > alarm or (threshold.alarm_when_equal and value >= alarm):
        return "超标"
    if value > warn:
        return "预警"
    return "正常"


def indicators(start: datetime.date, end: datetime.date) -> list[dict[str, Any]]:
    fee_5 = engine.params_as_of("FEE-5", end)
    with connection.cursor() as cursor:
        cursor.execute(INDICATOR_SQL, {"start": start, "end": end, "p": json.dumps(fee_5)})
        rows = cursor.fetchall()
    limits = {
        t.indicator: t
        for t in IndicatorThreshold.objects.filter(IndicatorThreshold.valid_on_filter(end)).order_by(
            "effective_from"
        )
    }
    result = []
    for (
        month,
        dept_id,
        dept,
        total,
        self_pay,
        drugs,
        sp_drugs,
        discharged,
        alos,
        referred,
        burden,
        s_total,
        exams,
        positive,
    ) in rows:
        values = {
            "out_of_scope_pct": _pct(self_pay, total),
            "personal_burden_pct": _pct(burden, s_total),
            "self_pay_drug_pct": _pct(sp_drugs, drugs),
            "average_stay_days": None
            if alos is None
            else Decimal(alos).quantize(Decimal("0.1"), ROUND_HALF_UP),
            "referral_pct": _pct(referred, discharged),
            "positive_rate_pct": _pct(positive, exams),
        }
        result.append(
            {
                "month": month,
                "department_id": dept_id,
                "department": dept,
                "total": Decimal(total).quantize(Decimal("0.01")),
                "discharged": discharged,
                "values": values,
                "grades": {k: grade(v, limits.get(k)) for k, v in values.items()},
                "cells": [(v, grade(v, limits.get(k))) for k, v in values.items()],
            }
        )
    return result


# --- INS-4 proposals ------------------------------------------------------------------------------

# Which rules describe an insured person's own violation, and its INS-4 category (000 §2–§4):
# I lending a card / impersonation; III repeated or over-quantity prescriptions; IV leaving the ward.
INS4_CATEGORY = {
    "CARD-BURST": "I",
    "CARD-GROUP": "I",
    "RX-1": "III",
    "RX-2": "III",
    "RX-3": "III",
    "ADM-5": "IV",
}


@dataclass
class Ins4Proposal:
    category: str
    fund_loss: Decimal
    measures: Any
    labels: list[str]


def ins4_proposal(finding: Finding, on_date: datetime.date | None = None) -> Ins4Proposal | None:
    """INS-4: the sanction a confirmed finding proposes for the insured person, with computed measures
    (insured.rules.sanction_measures over the table in force); None when the rule is not a person's."""
    from insured import rules as insured_rules
    from insured import selectors as insured_selectors

    category = INS4_CATEGORY.get(finding.rule_id)
    if category is None or finding.person_id is None or finding.status not in Finding.STANDING:
        return None
    on_date = on_date or timezone.localdate()
    loss = finding.deducted_amount if finding.deducted_amount is not None else finding.amount
    try:
        measures = insured_rules.sanction_measures(
            category=category,
            fund_loss=loss,
            start_date=on_date,
            policy=insured_selectors.sanction_policy_rows(on_date),
        )
    except (insured_rules.NoPolicyRow, ValueError):
        return None
    return Ins4Proposal(
        category=category, fund_loss=loss, measures=measures, labels=insured_rules.measure_labels(measures)
    )
