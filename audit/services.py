"""Writes of the audit domain: the review of findings (AUD-4), doctor points and measures (AUD-5); the
batches and their chunks (AUD-2, AUD-7) are in audit/batch.py. One transaction each; statuses move
along the models' maps."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from audit import selectors
from audit.models import (
    DoctorExam,
    DoctorMeasure,
    DoctorPointEntry,
    Finding,
    MeasureKind,
)
from core.errors import ConflictError, DomainError

CENT = Decimal("0.01")

# --- review (AUD-4) ------------------------------------------------------------------------------


def _transition(finding: Finding, target: str) -> None:
    if target not in Finding.ALLOWED_TRANSITIONS[Finding.Status(finding.status)]:
        raise ConflictError(
            f"疑点当前为“{finding.get_status_display()}”，不能改为“{Finding.Status(target).label}”（AUD-4）。",
            code="finding_status",
            rule="AUD-4",
        )
    finding.status = target


def finding_confirm(*, actor: Any, finding: Finding, deducted_amount: Decimal, reason: str = "") -> Finding:
    """AUD-2: a person confirms before any deduction; the doctor's points follow (AUD-5)."""
    deducted_amount = Decimal(deducted_amount).quantize(CENT, ROUND_HALF_UP)
    upper = finding.amount if finding.amount > 0 else None
    if deducted_amount < 0 or (upper is not None and deducted_amount > upper):
        raise DomainError(
            f"扣减金额须在 0 与涉及金额 {finding.amount} 元之间。",
            code="deduction_out_of_range",
            rule="AUD-4",
            errors={"deducted_amount": ["扣减金额超出范围。"]},
        )
    with transaction.atomic(durable=True):
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        _transition(finding, Finding.Status.CONFIRMED)
        finding.deducted_amount = deducted_amount
        finding.decision_reason = reason
        finding.decided_at = timezone.now()
        finding.decided_by = actor
        finding.notified_on = timezone.localdate()
        finding.updated_by = actor
        finding.save()
        _points_for(finding, actor=actor)
    return finding


def finding_dismiss(*, actor: Any, finding: Finding, reason: str) -> Finding:
    if not reason.strip():
        raise DomainError(
            "排除须填写理由（AUD-4）。", code="reason_required", rule="AUD-4", errors={"reason": ["必填"]}
        )
    with transaction.atomic(durable=True):
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        _transition(finding, Finding.Status.DISMISSED)
        finding.decision_reason = reason.strip()
        finding.decided_at = timezone.now()
        finding.decided_by = actor
        finding.updated_by = actor
        finding.save()
    return finding


def findings_bulk(*, actor: Any, findings: list[Finding], action: str, reason: str = "") -> int:
    """Confirm (deducting each finding's full amount at stake) or dismiss several findings."""
    done = 0
    for finding in findings:
        if action == "confirm":
            finding_confirm(actor=actor, finding=finding, deducted_amount=finding.amount, reason=reason)
        else:
            finding_dismiss(actor=actor, finding=finding, reason=reason)
        done += 1
    return done


def finding_appeal(
    *, actor: Any, finding: Finding, text: str, on_date: datetime.date | None = None
) -> Finding:
    """AUD-4/AUD-5: a written objection within the appeal window after the notice."""
    on_date = on_date or timezone.localdate()
    policy = selectors.points_policy(on_date)
    with transaction.atomic(durable=True):
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        due = (finding.notified_on or on_date) + datetime.timedelta(days=policy.appeal_days)
        if on_date > due:
            raise DomainError(
                f"申诉期限已过（告知后 {policy.appeal_days} 日内，截至 {due:%Y-%m-%d}，AUD-5）。",
                code="appeal_late",
                rule="AUD-5",
            )
        if not text.strip():
            raise DomainError("请填写申诉理由。", code="reason_required", errors={"text": ["必填"]})
        _transition(finding, Finding.Status.APPEALED)
        finding.appeal_text = text.strip()
        finding.appealed_at = timezone.now()
        finding.updated_by = actor
        finding.save()
    return finding


def finding_recheck(*, actor: Any, finding: Finding, maintain: bool, note: str) -> Finding:
    """Re-check of an appeal: maintain (goes to the panel) or overturn (points reversed)."""
    with transaction.atomic(durable=True):
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        _transition(finding, Finding.Status.MAINTAINED if maintain else Finding.Status.OVERTURNED)
        finding.recheck_note = note
        finding.updated_by = actor
        if not maintain:
            finding.deducted_amount = Decimal("0.00")
            _points_reverse(finding)
        finding.save()
    return finding


def finding_panel_decide(*, actor: Any, finding: Finding, uphold: bool, note: str) -> Finding:
    with transaction.atomic(durable=True):
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        _transition(finding, Finding.Status.UPHELD if uphold else Finding.Status.OVERTURNED)
        finding.panel_note = note
        finding.updated_by = actor
        if not uphold:
            finding.deducted_amount = Decimal("0.00")
            _points_reverse(finding)
        finding.save()
    return finding


# --- doctor points (AUD-5) -----------------------------------------------------------------------


def _points_for(finding: Finding, *, actor: Any) -> None:
    if finding.doctor_id is None:
        return
    points = selectors.points_for_rule(finding.rule_id, finding.occurred_on)
    if not points:
        return
    period = selectors.period_start(finding.occurred_on)
    DoctorPointEntry.objects.get_or_create(
        finding=finding,
        points__gt=0,
        defaults={
            "practitioner_id": finding.doctor_id,
            "period_start": period,
            "points": points,
            "note": f"{finding.rule_id} {finding.rule.name}",
        },
    )
    _measures_for(finding.doctor_id, period, actor=actor)


def _points_reverse(finding: Finding) -> None:
    entry = DoctorPointEntry.objects.filter(finding=finding, points__gt=0).first()
    if entry is None:
        return
    DoctorPointEntry.objects.get_or_create(
        finding=finding,
        points__lt=0,
        defaults={
            "practitioner_id": entry.practitioner_id,
            "period_start": entry.period_start,
            "points": -entry.points,
            "note": "申诉成立，冲销扣分",
        },
    )


def _measures_for(practitioner_id: int, period: datetime.date, *, actor: Any) -> list[DoctorMeasure]:
    """Each threshold reached in the period gives one measure, notified today; suspension and
    termination take effect after the notice days, and may be appealed within the appeal days."""
    today = timezone.localdate()
    policy = selectors.points_policy(today)
    total = (
        DoctorPointEntry.objects.filter(practitioner_id=practitioner_id, period_start=period).aggregate(
            total=Sum("points")
        )["total"]
        or 0
    )
    created = []
    for threshold in selectors.thresholds(today):
        if total < threshold.points:
            continue
        starts = (
            today
            if threshold.measure == MeasureKind.REMINDER
            else today + datetime.timedelta(days=policy.notice_days)
        )
        ends = None
        if threshold.measure == MeasureKind.SUSPENSION and threshold.months:
            ends = starts + relativedelta(months=threshold.months)
        measure, new = DoctorMeasure.objects.get_or_create(
            practitioner_id=practitioner_id,
            period_start=period,
            threshold=threshold.points,
            defaults={
                "measure": threshold.measure,
                "notified_on": today,
                "effective_from": starts,
                "effective_to": ends,
                "appeal_due": today + datetime.timedelta(days=policy.appeal_days),
                "created_by": actor,
            },
        )
        if new:
            created.append(measure)
    return created


def measure_appeal(*, actor: Any, measure: DoctorMeasure, text: str, on_date: datetime.date | None = None):
    on_date = on_date or timezone.localdate()
    with transaction.atomic(durable=True):
        measure = DoctorMeasure.objects.select_for_update().get(pk=measure.pk)
        if on_date > measure.appeal_due:
            raise DomainError(
                f"申诉期限已过（截至 {measure.appeal_due:%Y-%m-%d}，AUD-5）。",
                code="appeal_late",
                rule="AUD-5",
            )
        if measure.status != DoctorMeasure.Status.NOTIFIED:
            raise ConflictError("该处理不在可申诉状态。", code="measure_status", rule="AUD-5")
        measure.status = DoctorMeasure.Status.APPEALED
        measure.appeal_text = text
        measure.updated_by = actor
        measure.save()
    return measure


def measure_decide(*, actor: Any, measure: DoctorMeasure, uphold: bool) -> DoctorMeasure:
    with transaction.atomic(durable=True):
        measure = DoctorMeasure.objects.select_for_update().get(pk=measure.pk)
        if measure.status != DoctorMeasure.Status.APPEALED:
            raise ConflictError("该处理未在申诉中。", code="measure_status", rule="AUD-5")
        measure.status = DoctorMeasure.Status.IN_FORCE if uphold else DoctorMeasure.Status.REVOKED
        measure.updated_by = actor
        measure.save()
    return measure


def exam_record(
    *, actor: Any, practitioner, period_start: datetime.date, exam_on: datetime.date, passed: bool, score=None
):
    """AUD-5: 4–11 points → the policy exam at period end; its result is kept."""
    with transaction.atomic(durable=True):
        exam, _ = DoctorExam.objects.update_or_create(
            practitioner=practitioner,
            period_start=period_start,
            defaults={
                "exam_on": exam_on,
                "passed": passed,
                "score": score,
                "created_by": actor,
                "updated_by": actor,
            },
        )
    return exam


def finding_propose_sanction(*, actor: Any, finding: Finding):
    """INS-4: record the proposed sanction on the insured person (insured.services computes the measures)."""
    from insured import services as insured_services

    proposal = selectors.ins4_proposal(finding)
    if proposal is None:
        raise DomainError("该疑点不适用参保人违规处理（INS-4）。", code="no_ins4_proposal", rule="INS-4")
    return insured_services.sanction_record(
        actor=actor,
        person=finding.person,
        category=proposal.category,
        fund_loss=proposal.fund_loss,
        description=finding.explanation,
        evidence=f"稽核疑点 #{finding.pk}（{finding.rule_id}）",
        occurred_on=finding.occurred_on,
    )
