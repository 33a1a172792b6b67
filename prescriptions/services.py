"""Writes for prescriptions: issue (after the same check the doctor saw), cancel, record approvals."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import ConflictError, DomainError
from hospital.models import Department, Practitioner
from insured.models import InsuredPerson
from prescriptions import rules, selectors
from prescriptions.models import (
    DrugApproval,
    Prescription,
    PrescriptionDiagnosis,
    PrescriptionItem,
    PrescriptionSequence,
)


def next_prescription_number(day: datetime.date) -> str:
    """RX20261125-0001: a per-day counter, row-locked so two doctors never get the same number."""
    PrescriptionSequence.objects.get_or_create(day=day)
    sequence = PrescriptionSequence.objects.select_for_update().get(day=day)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"RX{day:%Y%m%d}-{sequence.last:04d}"


def prescription_issue(
    *,
    actor: Any,
    doctor: Practitioner,
    psn_no: str,
    visit_type: str,
    diagnosis_codes: Sequence[str],
    lines: Sequence[selectors.LineRequest],
    department: Department | None = None,
    idempotency_key: str | None = None,
    on_date: datetime.date | None = None,
) -> Prescription:
    """Save a prescription. A blocking violation refuses it (RX-1..RX-8): the doctor fixes the line or
    marks it self-pay with the patient's consent, which turns the block into a recorded warning."""
    if idempotency_key:
        existing = Prescription.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    if not lines:
        raise DomainError("处方至少须有一个项目。", code="prescription_empty")
    on_date = on_date or timezone.localdate()
    if not all(line.self_pay for line in lines):
        from core.checks import prescriber_refusal  # AUD-5 (audit registers it), asked when prescribing

        if (refusal := prescriber_refusal(doctor, on_date)) is not None:
            raise refusal
    try:
        with transaction.atomic(durable=True):
            answer = selectors.check(
                psn_no=psn_no,
                visit_type=visit_type,
                diagnosis_codes=diagnosis_codes,
                lines=lines,
                on_date=on_date,
            )
            result = answer.result
            if not result.ok:
                blocks = [v for v in result.violations if v.level == rules.Level.BLOCK]
                raise DomainError(
                    "处方未通过医保审核，不能保存：" + "；".join(v.message for v in blocks[:3]),
                    code="prescription_blocked",
                    rule=blocks[0].rule,
                    errors={"violations": [v.message for v in blocks]},
                    status_code=422,
                )
            prescription = Prescription.objects.create(
                number=next_prescription_number(on_date),
                person=answer.person,
                doctor=doctor,
                department=department or doctor.department,
                visit_type=visit_type,
                prescribed_on=on_date,
                insured=not all(o.self_pay for o in result.items),
                profile_code=answer.profile.code,
                check_summary=[
                    {"rule": v.rule, "level": v.level, "item": v.item, "message": v.message}
                    for v in result.violations
                ],
                idempotency_key=idempotency_key or None,
                created_by=actor,
                updated_by=actor,
            )
            PrescriptionDiagnosis.objects.bulk_create(
                PrescriptionDiagnosis(
                    prescription=prescription,
                    order=order,
                    code=d.code,
                    name=d.name,
                    category=d.category,
                    disease=d.disease,
                )
                for order, d in enumerate(answer.diagnoses, start=1)
            )
            PrescriptionItem.objects.bulk_create(
                _item_row(prescription, index, line, outcome, answer)
                for index, (line, outcome) in enumerate(zip(answer.lines, result.items, strict=True))
            )
    except IntegrityError:
        # A concurrent retry with the same idempotency key won the race: answer with its prescription.
        if idempotency_key:
            existing = Prescription.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
        raise
    return prescription


def _item_row(
    prescription: Prescription,
    index: int,
    line: rules.ItemInput,
    outcome: rules.ItemOutcome,
    answer: selectors.CheckAnswer,
) -> PrescriptionItem:
    item = answer.catalog_items[line.code]
    is_oral_drug = selectors.catalog_facts(item).is_oral
    return PrescriptionItem(
        prescription=prescription,
        line_no=index + 1,
        catalog_item=item,
        code=line.code,
        name=item.name,
        item_type=item.item_type,
        quantity=line.quantity,
        unit=item.unit,
        dose=line.dose,
        dose_unit=item.min_unit or item.unit,
        frequency=line.frequency,
        declared_days=line.days,
        days_supply=outcome.days_supply.quantize(Decimal("0.01")) if outcome.days_supply else None,
        supply_ends_on=rules.supply_end(prescription.prescribed_on, outcome.judged_days)
        if is_oral_drug
        else None,
        self_pay=outcome.self_pay,
        self_pay_reasons="；".join(outcome.self_pay_reasons),
        consent=line.consent,
        indication_met=line.indication_met,
        diagnosis_order=line.diagnosis_index + 1 if line.diagnosis_index is not None else None,
    )


def prescription_cancel(*, actor: Any, prescription: Prescription, reason: str) -> Prescription:
    """Cancel (作废) with a reason; the rows stay (ADM-12). RX-4 then no longer counts its supply."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("作废处方须填写原因。", code="reason_required")
    with transaction.atomic(durable=True):
        locked = Prescription.objects.select_for_update().get(pk=prescription.pk)
        if Prescription.Status.CANCELLED not in Prescription.ALLOWED_TRANSITIONS[locked.status]:
            raise ConflictError(f"处方 {locked.number} 已作废。", code="prescription_cancelled")
        locked.status = Prescription.Status.CANCELLED
        locked.cancel_reason = reason
        locked.updated_by = actor
        locked.save(update_fields=["status", "cancel_reason", "updated_by", "updated_at"])
    return locked


def drug_approval_record(
    *,
    actor: Any,
    person: InsuredPerson,
    item_code: str,
    kind: str,
    approved_on: datetime.date,
    evidence: str = "",
) -> DrugApproval:
    """RX-5 hospital approval of a restricted drug / RX-6 office approval of a protein product."""
    if kind == DrugApproval.Kind.PROTEIN and not evidence.strip():
        raise DomainError(
            "蛋白类制品审批须填写达到的生化指标（RX-6）。", code="evidence_required", rule="RX-6"
        )
    with transaction.atomic(durable=True):
        return DrugApproval.objects.create(
            person=person,
            item_code=item_code,
            kind=kind,
            approved_on=approved_on,
            evidence=evidence.strip(),
            created_by=actor,
            updated_by=actor,
        )
