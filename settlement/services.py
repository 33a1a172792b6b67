"""Settlement writes at the window: pre-settle, settle, the SET-10 cash fallback and re-settlement, and
reversal. The settle and reverse flow itself — intent, center call, answer, recovery — is one, for stays
and outpatient visits alike: settlement.flow (and settlement.recovery for unknown outcomes).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from admission.models import Stay
from center import transactions
from center.client import CenterError, next_msgid
from core.errors import ConflictError, DomainError
from settlement import flow, selectors
from settlement.flow import compare, record_center_answer  # noqa: F401 (the window's API names)
from settlement.models import SelfPayRefund, Settlement

center = flow.center


# --- reading a stay for settlement ---------------------------------------------------------------


def direct_settlement_problems(stay: Stay) -> list[dict[str, str]]:
    """Why the stay cannot be settled directly through the center (INS-4, INS-5, ADM-3/4/5)."""
    from admission.selectors import active_registration, fund_recognition
    from insured.selectors import window_assessment

    problems = list(fund_recognition(stay).reasons)
    assessment = window_assessment(stay.person)
    if not assessment.direct_settlement:
        problems += [
            {"rule": n.rule, "message": n.message} for n in assessment.notices if n.level == "danger"
        ]
        if not any(p["rule"] in ("INS-4", "INS-5", "INS-3") for p in problems):
            problems.append({"rule": "INS-5", "message": "不能直接结算：出院时全额自付，回参保地手工报销"})
    if active_registration(stay) is None and not problems:
        problems.append({"rule": "ADM-1", "message": "该住院未在医保中心登记（2401），请先办理医保登记"})
    return problems


# --- pre-settle ----------------------------------------------------------------------------------


def stay_pre_settle(*, actor: Any, stay: Stay, use_personal_account: bool = True) -> dict[str, Any]:
    """试算: the hospital's calculation and, when the stay is registered, the center's (2303). Nothing of
    the settlement is written; lines up to the settlement's cut-off not yet at the center are uploaded
    (2301), as the regular upload would. No local policy does not stop it (the center decides)."""
    enc = flow.encounter_for_stay(stay)
    mid = stay.status in Stay.OPEN_STATUSES
    covers_to = flow.settle_cutoff(enc, mid)
    facts, note = flow.local_facts(enc, use_personal_account=use_personal_account, covers_to=covers_to)
    answer: dict[str, Any] = {
        "local": facts.result if facts else None,
        "policy": facts.policy if facts else None,
        "local_note": note,
        "problems": direct_settlement_problems(stay),
        "center": None,
        "mismatch": [],
        "center_error": None,
    }
    if enc.mdtrt_id and not answer["problems"]:
        try:
            flow.lines_upload(actor=actor, enc=enc, up_to=covers_to)
            data = flow.settlement_data(
                enc,
                total=flow.unsettled_total(enc, covers_to),
                use_personal_account=use_personal_account,
                mid=mid,
            )
            reply = transactions.pre_settle(
                center(), data=data, insuplc_admdvs=enc.insuplc_admdvs, actor=actor
            )
            answer["center"] = reply
            answer["mismatch"] = compare(facts.result, reply["setlinfo"]) if facts else []
        except CenterError as error:
            answer["center_error"] = {"code": error.code, "message": error.message, "rule": error.rule}
    return answer


def fees_upload(*, actor: Any, stay: Stay, up_to: datetime.date | None = None) -> int:
    """2301: the stay's lines not yet at the center (up to a day for a mid-stay settlement)."""
    return flow.lines_upload(actor=actor, enc=flow.encounter_for_stay(stay), up_to=up_to)


# --- settle --------------------------------------------------------------------------------------


def stay_settle(
    *,
    actor: Any,
    stay: Stay,
    idempotency_key: str,
    use_personal_account: bool = True,
    mid_settlement: bool = False,
) -> Settlement:
    """Settle the stay through the center. The same key returns the same outcome; a second settlement
    of a settled stay is refused; an unknown outcome is resolved before anything else may happen."""
    key = flow.checked_key(idempotency_key)
    existing = Settlement.objects.filter(idempotency_key=key).first()
    enc = flow.encounter_for_stay(stay)
    if existing is not None:
        return flow.replay(existing, enc)
    problems = direct_settlement_problems(stay)
    if problems:
        raise DomainError(
            "不能联网直接结算：" + "；".join(p["message"] for p in problems) + "。可按全自费结算（SET-10）。",
            code="not_directly_settleable",
            rule=problems[0]["rule"],
            errors={"problems": [p["message"] for p in problems]},
            status_code=409,
        )
    return flow.settle(
        actor=actor,
        enc=enc,
        idempotency_key=key,
        use_personal_account=use_personal_account,
        mid=mid_settlement,
    )


# --- SET-10: center down -------------------------------------------------------------------------


def stay_settle_self_pay(*, actor: Any, stay: Stay, idempotency_key: str, reason: str) -> Settlement:
    """SET-10/INS-5: the patient pays in cash what no settlement has paid (after mid-stay settlements,
    only the rest); the stay is pending re-settlement (when the center was down) or gets the
    manual-claim package (non-direct persons). Refused while a fund settlement may exist."""
    if not reason.strip():
        raise DomainError(
            "请说明全自费结算的原因（如：医保中心故障）。", code="reason_required", rule="SET-10"
        )
    key = flow.checked_key(idempotency_key)
    enc = flow.encounter_for_stay(stay)
    existing = Settlement.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return flow.replay(existing, enc)
    flow.refuse_while_in_flight(enc)  # SET-10: no cash while a fund settlement may exist
    covers_to = flow.settle_cutoff(enc, mid=False)
    facts, note = flow.local_facts(enc, use_personal_account=False, covers_to=covers_to)
    explanation = selectors.result_as_json(facts.result, facts.policy) if facts else {"note": note}
    insutype = facts.insutype if facts else enc.insutype
    try:
        with transaction.atomic(durable=True):
            enc.lock()
            locked = Stay.objects.get(pk=stay.pk)
            flow.refuse_while_in_flight(enc)  # SET-10: no cash while a fund settlement may exist
            if locked.status != Stay.Status.DISCHARGED:
                raise ConflictError("须出院后结算。", code="stay_not_discharged", rule="ADM-10")
            if Settlement.objects.filter(stay=locked, is_final=True, status__in=Settlement.ACTIVE).exists():
                raise ConflictError(
                    "该住院已结算，不能重复结算（SET-9）。", code="already_settled", rule="SET-9"
                )
            total = flow.unsettled_total(enc, covers_to, sent_only=False)  # the patient pays it all
            settlement = Settlement.objects.create(
                kind=Settlement.Kind.INPATIENT,
                mode=Settlement.Mode.SELF_PAY,
                status=Settlement.Status.SETTLED,
                stay=locked,
                person=locked.person,
                insutype=insutype,
                med_type=locked.med_type,
                covers_to=covers_to,
                idempotency_key=key,
                medins_setl_id=next_msgid(),
                mdtrt_id=enc.mdtrt_id,
                insuplc_admdvs=enc.insuplc_admdvs,
                total=total,
                full_self_pay=total,
                personal_burden=total,
                cash_pay=total,
                use_personal_account=False,
                local_calculation=explanation,
                reason=reason.strip()[:300],
                settled_at=timezone.now(),
                created_by=actor,
                updated_by=actor,
            )
            flow.link_lines(enc, settlement)
            from admission import services as admission_services

            admission_services.stay_mark_settled(actor=actor, stay_id=locked.pk)
    except IntegrityError as error:
        raise ConflictError("该住院正在结算或已结算。", code="already_settled") from error
    return settlement


def can_resettle_here(settlement: Settlement) -> list[str]:
    """SET-10: what prevents re-settling a self-paid settlement at this hospital (empty: it can be)."""
    problems = []
    if settlement.mode != Settlement.Mode.SELF_PAY or settlement.status != Settlement.Status.SETTLED:
        problems.append("只有全自费结算可以重新结算")
    if settlement.stay_id:
        problems += [p["message"] for p in direct_settlement_problems(settlement.stay)]
    return problems


def stay_resettle(
    *, actor: Any, settlement: Settlement, idempotency_key: str
) -> tuple[Settlement, SelfPayRefund]:
    """SET-10 重新结算: the center settles the self-paid stay; the cash paid beyond the patient's share
    is refunded with a receipt — once (unique rows). A failed attempt leaves the self-pay settlement as
    it was, so the clerk can try again."""
    key = flow.checked_key(idempotency_key)
    existing = Settlement.objects.filter(idempotency_key=key).first()
    if existing is not None and existing.resettlement_of_id != settlement.pk:
        raise ConflictError("该 Idempotency-Key 已用于另一笔结算。", code="idempotency_key_reused")
    if existing is None:
        problems = can_resettle_here(settlement)
        if problems:
            raise DomainError(
                "不能在本院重新结算：" + "；".join(problems) + "。请打印手工报销材料。",
                code="cannot_resettle",
                rule="SET-10",
            )
    new = flow.settle(
        actor=actor,
        enc=flow.encounter_for_stay(settlement.stay),
        idempotency_key=key,
        use_personal_account=True,
        resettlement_of=settlement,
    )
    settlement.refresh_from_db()
    return new, settlement.self_pay_refund


# --- reverse (SET-9) -----------------------------------------------------------------------------


def settlement_reverse(*, actor: Any, settlement: Settlement, reason: str) -> Settlement:
    """SET-9: the whole settlement is reversed by a counter-entry carrying the center's answer;
    accumulators are restored and the stay or visit reopens (settlement.flow.reverse)."""
    return flow.reverse(actor=actor, settlement=settlement, reason=reason)


def transfer_deductible_record(
    *,
    actor: Any,
    stay: Stay,
    first_hospital_name: str,
    first_standard: Any,
    first_paid: Any,
    first_hospital_code: str = "",
):
    """SET-7: record that the stay was transferred in from another hospital — its deductible standard
    and what the patient paid there — so this stay's settlements bear one deductible, the higher
    standard. Refused once the stay has a settlement (the deductible it paid would change)."""
    from decimal import Decimal, InvalidOperation

    from settlement.models import TransferDeductible

    try:
        standard = flow.rules.money(Decimal(str(first_standard)))
        paid = flow.rules.money(Decimal(str(first_paid)))
    except (InvalidOperation, ValueError) as error:
        raise DomainError("起付标准和已付起付线须为金额。", code="invalid_amount", rule="SET-7") from error
    if standard < 0 or paid < 0 or paid > standard:
        raise DomainError(
            "已付起付线不能为负，也不能超过转出医院的起付标准。",
            code="invalid_transfer_deductible",
            rule="SET-7",
        )
    if not (first_hospital_name or "").strip():
        raise DomainError("请填写转出医院。", code="first_hospital_required", rule="SET-7")
    with transaction.atomic():
        locked = Stay.objects.select_for_update().get(pk=stay.pk)
        if Settlement.objects.filter(stay=locked, status__in=Settlement.ACTIVE).exists():
            raise ConflictError(
                f"住院 {locked.ipt_no} 已有结算，不能再登记转院起付线；请先撤销结算（SET-9）。",
                code="already_settled",
                rule="SET-7",
            )
        record, _ = TransferDeductible.objects.update_or_create(
            stay=locked,
            defaults={
                "first_hospital_code": first_hospital_code,
                "first_hospital_name": first_hospital_name.strip()[:100],
                "first_standard": standard,
                "first_paid": paid,
                "created_by": actor,
                "updated_by": actor,
            },
        )
        return record
