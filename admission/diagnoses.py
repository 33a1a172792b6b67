"""Correcting a stay's admission diagnoses until discharge (ADM-1), with history: the diagnoses are
rewritten in one transaction and a `DiagnosisCorrection` row keeps what they were, what they became,
who and why. The same checks as at admission apply (codes exist, fit the patient's sex and age, DRG-1)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from admission.models import DiagnosisCorrection, DiagnosisStage, Stay, StayDiagnosis
from admission.services import DiagnosisInput, _lock_stay, _resolve_diagnoses, _write_diagnoses
from core.errors import ConflictError, DomainError


def _snapshot(rows) -> list[dict[str, Any]]:
    return [{"code": d.code, "name": d.name, "is_main": d.is_main} for d in rows]


def stay_diagnoses_correct(
    *, actor: Any, stay: Stay, diagnoses: list[DiagnosisInput], reason: str
) -> DiagnosisCorrection:
    """ADM-1: replace the admission diagnoses of an open stay (the first is the main one)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "请填写更正原因。", code="reason_required", rule="ADM-1", errors={"reason": ["请填写更正原因。"]}
        )
    resolved = _resolve_diagnoses(diagnoses, timezone.localdate(), stay.person)
    with transaction.atomic(durable=True):
        locked = _lock_stay(stay)
        if locked.status not in Stay.OPEN_STATUSES:
            raise ConflictError(
                f"住院已{locked.get_status_display()}，入院诊断不能再更正（ADM-1）。",
                code="diagnoses_closed",
                rule="ADM-1",
            )
        current = list(locked.diagnoses.filter(stage=DiagnosisStage.ADMISSION).order_by("order"))
        before = _snapshot(current)
        after = [{"code": d.code, "name": d.name, "is_main": d.is_main} for d in resolved]
        if before == after:
            raise DomainError("诊断没有变化。", code="diagnoses_unchanged", rule="ADM-1")
        first = current[0] if current else None
        StayDiagnosis.objects.filter(stay=locked, stage=DiagnosisStage.ADMISSION).delete()
        doctor = getattr(actor, "practitioner", None) or (first.doctor if first else locked.attending_doctor)
        _write_diagnoses(
            locked,
            DiagnosisStage.ADMISSION,
            resolved,
            department=locked.department,
            doctor=doctor,
            at=first.diagnosed_at if first else locked.admitted_at,
        )
        return DiagnosisCorrection.objects.create(
            stay=locked,
            stage=DiagnosisStage.ADMISSION,
            before=before,
            after=after,
            reason=reason[:200],
            corrected_by=actor,
        )
