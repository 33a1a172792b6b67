"""Settlement writes: pre-settle, settle, reverse and re-settle a stay through the insurance center.

The order of every settle is the one STYLE.md asks for where money moves:
  1. a short transaction locks the stay, checks nothing is settled, and records a *pending* settlement
     with the idempotency key and the msgid it will use (the unique constraints make a second one
     impossible, and a retry with the same key finds the first);
  2. the center is called outside any transaction (fees 2301, then 2304 with that msgid; a lost
     reply is reversed by 2601 before anything is retried — transactions.settle does that);
  3. a second transaction records the center's answer, the payer rows, the accumulators and the
     stay's status, and compares the hospital's own calculation field by field.
Reversal (SET-9) is a counter-entry: a new row with negated amounts; the original only changes status.
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from admission.models import ChargeLine, Stay
from center import transactions
from center.client import CenterClient, CenterError, CenterRejected
from core.errors import ConflictError, DomainError
from settlement import rules, selectors
from settlement.models import (
    Accumulator,
    AccumulatorEntry,
    SelfPayRefund,
    Settlement,
    SettlementFund,
)

AMOUNT_FIELDS = rules.SettlementResult.MONEY_FIELDS
CENTER_FIELD_NAMES = {
    "total": "medfee_sumamt",
    "full_self_pay": "fulamt_ownpay_amt",
    "over_limit_self_pay": "overlmt_selfpay",
    "pre_self_pay": "preselfpay_amt",
    "in_scope": "inscp_scp_amt",
    "deductible_paid": "act_pay_dedc",
    "fund_pay": "hifp_pay",
    "fund_pay_total": "fund_pay_sumamt",
    "hospital_share": "hosp_part_amt",
    "personal_burden": "psn_part_amt",
    "personal_account_pay": "acct_pay",
    "cash_pay": "psn_cash_pay",
}
FUND_TYPE_NAMES = {"100": "基本医疗保险统筹基金", "200": "个人账户"}


def center() -> CenterClient:
    return CenterClient.from_settings()


def _new_medins_setl_id() -> str:
    return f"{settings.HOSPITAL['CODE']}{timezone.localtime():%Y%m%d%H%M%S}{uuid.uuid4().hex[:6].upper()}"


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
    """试算: the hospital's calculation and, when the stay is registered, the center's (2303).
    Nothing of the settlement is written; fee lines not yet at the center are uploaded (2301),
    as they would be by the regular upload."""
    facts = selectors.stay_settlement_facts(stay, use_personal_account=use_personal_account)
    answer: dict[str, Any] = {
        "local": facts.result,
        "policy": facts.policy,
        "problems": direct_settlement_problems(stay),
        "center": None,
        "mismatch": [],
        "center_error": None,
    }
    registration = facts.registration
    if registration is not None and not answer["problems"]:
        try:
            fees_upload(actor=actor, stay=stay)
            data = _center_settlement_data(stay, registration, facts, use_personal_account)
            reply = transactions.pre_settle(
                center(), data=data, insuplc_admdvs=registration.insuplc_admdvs, actor=actor
            )
            answer["center"] = reply
            answer["mismatch"] = compare(facts.result, reply["setlinfo"])
        except CenterError as error:
            answer["center_error"] = {"code": error.code, "message": error.message, "rule": error.rule}
    return answer


def fees_upload(*, actor: Any, stay: Stay, up_to: datetime.date | None = None) -> int:
    """2301: upload the stay's lines not yet at the center (up to a day for a mid-stay settlement)."""
    from admission.selectors import active_registration

    registration = active_registration(stay)
    if registration is None:
        return 0
    lines = ChargeLine.objects.filter(stay=stay)
    if up_to is not None:
        lines = lines.filter(charged_on__lte=up_to)
    pending = list(
        lines.exclude(upload_status=ChargeLine.UploadStatus.UPLOADED)
        .select_related(
            "hospital_item", "order", "ordering_department", "ordering_doctor", "executing_department"
        )
        .order_by("id")
    )
    if not pending:
        return 0
    feedetail = [
        {
            "feedetl_sn": line.feedetl_sn,
            "init_feedetl_sn": line.init_feedetl_sn,
            "mdtrt_id": registration.mdtrt_id,
            "drord_no": line.order.drord_no,
            "psn_no": stay.person.psn_no,
            "med_type": registration.med_type,
            "fee_ocur_time": timezone.localtime(line.charged_at).strftime("%Y-%m-%d %H:%M:%S"),
            "med_list_codg": line.med_list_codg or line.hospital_item.medins_list_codg,
            "medins_list_codg": line.hospital_item.medins_list_codg,
            "det_item_fee_sumamt": str(line.amount),
            "cnt": str(line.quantity),
            "pric": str(line.unit_price),
            "bilg_dept_codg": line.ordering_department.insurance_code,
            "bilg_dept_name": line.ordering_department.name,
            "bilg_dr_codg": line.ordering_doctor.insurance_code,
            "bilg_dr_name": line.ordering_doctor.name,
            "acord_dept_codg": line.executing_department.insurance_code,
            "hosp_appr_flag": line.hosp_appr_flag,
            "tcmdrug_used_way": line.tcmdrug_used_way,
            "etip_flag": "1" if line.external_lab else "0",
            "dscg_tkdrug_flag": "1" if line.discharge_medication else "0",
        }
        for line in pending
    ]
    transactions.upload_fees(
        center(), feedetail=feedetail, insuplc_admdvs=registration.insuplc_admdvs, actor=actor
    )
    ChargeLine.objects.filter(pk__in=[line.pk for line in pending]).update(
        upload_status=ChargeLine.UploadStatus.UPLOADED, upload_message=""
    )
    return len(pending)


def _center_settlement_data(stay, registration, facts, use_personal_account: bool, mid: bool = False) -> dict:
    credential = stay.person.credentials.filter(mdtrt_cert_type=registration.mdtrt_cert_type).first()
    return transactions.settlement_data(
        psn_no=stay.person.psn_no,
        mdtrt_id=registration.mdtrt_id,
        insutype=registration.insutype,
        medfee_sumamt=facts.result.total,
        cert_type=registration.mdtrt_cert_type,
        cert_no=credential.number if credential else registration.mdtrt_cert_no,
        acct_used=use_personal_account,
        mid_setl=mid,
    )


def compare(local: rules.SettlementResult, setlinfo: dict[str, Any]) -> list[dict[str, str]]:
    """Fields where the hospital's calculation differs from the center's by more than 0.01."""
    differences = []
    for field, center_name in CENTER_FIELD_NAMES.items():
        theirs = setlinfo.get(center_name)
        if theirs is None:
            continue
        ours = getattr(local, field)
        if abs(Decimal(theirs) - ours) > Decimal("0.01"):
            differences.append(
                {"field": field, "center_field": center_name, "local": str(ours), "center": str(theirs)}
            )
    return differences


# --- settle --------------------------------------------------------------------------------------


def stay_settle(
    *,
    actor: Any,
    stay: Stay,
    idempotency_key: str,
    use_personal_account: bool = True,
    mid_settlement: bool = False,
) -> Settlement:
    """Settle the stay through the center. The same key returns the same settlement; a second
    settlement of a settled stay is refused; a center fault leaves nothing settled (SET-10)."""
    if not idempotency_key:
        raise DomainError("结算请求须带 Idempotency-Key。", code="idempotency_key_required")
    existing = Settlement.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return _same_request(existing, stay)
    problems = direct_settlement_problems(stay)
    if problems:
        raise DomainError(
            "不能联网直接结算：" + "；".join(p["message"] for p in problems) + "。可按全自费结算（SET-10）。",
            code="not_directly_settleable",
            rule=problems[0]["rule"],
            errors={"problems": [p["message"] for p in problems]},
            status_code=409,
        )
    pending = _open_pending(actor, stay, idempotency_key, use_personal_account, mid_settlement)
    if pending.status != Settlement.Status.PENDING or pending.idempotency_key != idempotency_key:
        return pending
    return _settle_at_center(actor, pending, stay, use_personal_account, mid_settlement)


def _same_request(existing: Settlement, stay: Stay) -> Settlement:
    if existing.stay_id != stay.pk:
        raise ConflictError("该 Idempotency-Key 已用于另一笔结算。", code="idempotency_key_reused")
    return existing


def _open_pending(actor, stay, idempotency_key, use_personal_account, mid) -> Settlement:
    """Step 1: lock the stay and record the intent; concurrent callers wait here and then find it."""
    try:
        with transaction.atomic(durable=True):
            locked = Stay.objects.select_for_update().get(pk=stay.pk)
            same_key = Settlement.objects.filter(idempotency_key=idempotency_key).first()
            if same_key is not None:
                return _same_request(same_key, locked)
            active = Settlement.objects.filter(
                stay=locked, is_final=True, status__in=Settlement.ACTIVE
            ).first()
            if active is not None:
                raise ConflictError(
                    f"住院 {locked.ipt_no} 已结算（{active.medins_setl_id}），"
                    "不能重复结算；如需更正请先撤销（SET-9）。",
                    code="already_settled",
                    rule="SET-9",
                )
            if not mid and locked.status != Stay.Status.DISCHARGED:
                raise ConflictError(
                    f"住院 {locked.ipt_no} 当前“{locked.get_status_display()}”，"
                    "须出院后结算（中途结算除外）。",
                    code="stay_not_discharged",
                    rule="ADM-10",
                )
            if mid and locked.status not in Stay.OPEN_STATUSES:
                raise ConflictError("中途结算只适用于在院患者。", code="stay_not_open")
            return Settlement.objects.create(
                kind=Settlement.Kind.INPATIENT,
                stay=locked,
                person=locked.person,
                med_type=locked.med_type,
                is_final=not mid,
                # 中途结算 covers the days before today; today's charges go to the next settlement.
                covers_to=timezone.localdate() - datetime.timedelta(days=1) if mid else timezone.localdate(),
                idempotency_key=idempotency_key,
                medins_setl_id=_new_medins_setl_id(),
                msgid=_next_msgid(),
                use_personal_account=use_personal_account,
                created_by=actor,
                updated_by=actor,
            )
    except IntegrityError as error:
        same_key = Settlement.objects.filter(idempotency_key=idempotency_key).first()
        if same_key is not None:
            return _same_request(same_key, stay)
        raise ConflictError("该住院正在结算或已结算。", code="already_settled", rule="SET-9") from error


def _next_msgid() -> str:
    from center.client import next_msgid

    return next_msgid()


def _settle_at_center(
    actor, pending: Settlement, stay: Stay, use_personal_account: bool, mid: bool
) -> Settlement:
    """Steps 2 and 3."""
    facts = selectors.stay_settlement_facts(
        stay, use_personal_account=use_personal_account, on_date=pending.covers_to
    )
    registration = facts.registration
    try:
        fees_upload(actor=actor, stay=stay, up_to=pending.covers_to)
        data = _center_settlement_data(stay, registration, facts, use_personal_account, mid)
        reply = transactions.settle(
            center(), data=data, insuplc_admdvs=registration.insuplc_admdvs, actor=actor, msgid=pending.msgid
        )
    except CenterError as error:
        _mark_failed(pending, error)
        raise
    return _record_center_settlement(actor, pending, stay, facts, reply, registration)


def _mark_failed(pending: Settlement, error: CenterError) -> None:
    with transaction.atomic():
        Settlement.objects.filter(pk=pending.pk, status=Settlement.Status.PENDING).update(
            status=Settlement.Status.FAILED, reason=f"{error.code}: {error.message}"[:300]
        )


def record_center_answer(
    *, actor, settlement: Settlement, reply: dict, facts, insutype: str, mdtrt_id: str, insuplc_admdvs: str
) -> Settlement:
    """Step 3 (inside the caller's transaction, the settlement row locked): the center's amounts,
    identifiers and payer rows, the comparison with the hospital's calculation, the accumulators."""
    setlinfo = reply["setlinfo"]
    _apply_center_amounts(settlement, setlinfo)
    settlement.status = Settlement.Status.SETTLED
    settlement.insutype = insutype
    settlement.mdtrt_id = mdtrt_id
    settlement.insuplc_admdvs = insuplc_admdvs
    settlement.setl_id = str(setlinfo.get("setl_id") or "")
    settlement.clr_type = str(setlinfo.get("clr_type") or "")
    settlement.clr_way = str(setlinfo.get("clr_way") or "")
    settlement.clr_optins = str(setlinfo.get("clr_optins") or "")
    settlement.local_calculation = selectors.result_as_json(facts.result, facts.policy)
    settlement.center_answer = {k: str(v) if isinstance(v, Decimal) else v for k, v in setlinfo.items()}
    settlement.mismatch = compare(facts.result, setlinfo)
    settlement.needs_review = bool(settlement.mismatch)
    settlement.settled_at = timezone.now()
    settlement.updated_by = actor
    settlement.save()
    _write_funds(settlement, reply.get("setldetail") or [], insutype)
    _apply_accumulators(settlement, facts, sign=1)
    return settlement


def _record_center_settlement(actor, pending, stay, facts, reply, registration) -> Settlement:
    with transaction.atomic(durable=True):
        locked_stay = Stay.objects.select_for_update().get(pk=stay.pk)
        settlement = record_center_answer(
            actor=actor,
            settlement=Settlement.objects.select_for_update().get(pk=pending.pk),
            reply=reply,
            facts=facts,
            insutype=registration.insutype,
            mdtrt_id=registration.mdtrt_id,
            insuplc_admdvs=registration.insuplc_admdvs,
        )
        if settlement.is_final:
            locked_stay.status = Stay.Status.SETTLED
            locked_stay.updated_by = actor
            locked_stay.save(update_fields=["status", "updated_by", "updated_at"])
    return settlement


def _apply_center_amounts(settlement: Settlement, setlinfo: dict[str, Any]) -> None:
    for field, center_name in CENTER_FIELD_NAMES.items():
        value = setlinfo.get(center_name)
        setattr(settlement, field, rules.money(Decimal(value)) if value is not None else rules.ZERO)
    ratio = setlinfo.get("pool_prop_selfpay")
    settlement.fund_ratio = Decimal(str(ratio)) if ratio is not None else Decimal("0")
    balance = setlinfo.get("balc")
    settlement.account_balance_after = (
        rules.money(Decimal(str(balance))) if balance not in (None, "") else None
    )


def _write_funds(settlement: Settlement, setldetail: list[dict], insutype: str) -> None:
    rows = [
        SettlementFund(
            settlement=settlement,
            fund_pay_type=str(d.get("fund_pay_type")),
            fund_pay_type_name=str(
                d.get("fund_pay_type_name") or FUND_TYPE_NAMES.get(str(d.get("fund_pay_type"))[-3:], "")
            ),
            fund_payamt=rules.money(Decimal(d.get("fund_payamt") or 0)),
            inscp_scp_amt=rules.money(Decimal(d.get("inscp_scp_amt") or 0)),
        )
        for d in setldetail
    ]
    if not rows:  # a center that sends no detail: derive the payers from the amounts
        if settlement.fund_pay:
            rows.append(
                SettlementFund(
                    settlement=settlement,
                    fund_pay_type=f"{insutype}100",
                    fund_pay_type_name=FUND_TYPE_NAMES["100"],
                    fund_payamt=settlement.fund_pay,
                )
            )
        if settlement.personal_account_pay:
            rows.append(
                SettlementFund(
                    settlement=settlement,
                    fund_pay_type=f"{insutype}200",
                    fund_pay_type_name=FUND_TYPE_NAMES["200"],
                    fund_payamt=settlement.personal_account_pay,
                )
            )
    SettlementFund.objects.bulk_create(rows)


def _apply_accumulators(settlement: Settlement, facts, sign: int) -> None:
    """The center's answer moves the hospital's accumulators (locked row, one entry per settlement)."""
    accumulator, _ = Accumulator.objects.select_for_update().get_or_create(
        person=settlement.person,
        insutype=settlement.insutype or facts.insutype,
        period_start=facts.period_start,
    )
    accumulator = Accumulator.objects.select_for_update().get(pk=accumulator.pk)
    deductible = sign * abs(settlement.deductible_paid)
    fund = sign * abs(settlement.fund_pay)
    accumulator.deductible_used = max(accumulator.deductible_used + deductible, rules.ZERO)
    accumulator.fund_paid = max(accumulator.fund_paid + fund, rules.ZERO)
    accumulator.save()
    AccumulatorEntry.objects.create(
        accumulator=accumulator, settlement=settlement, deductible_delta=deductible, fund_delta=fund
    )


# --- SET-10: center down -------------------------------------------------------------------------


def stay_settle_self_pay(*, actor: Any, stay: Stay, idempotency_key: str, reason: str) -> Settlement:
    """SET-10/INS-5: the patient pays everything in cash; the stay is pending re-settlement (when the
    center was down) or gets the manual-claim package (non-direct persons)."""
    if not reason.strip():
        raise DomainError(
            "请说明全自费结算的原因（如：医保中心故障）。", code="reason_required", rule="SET-10"
        )
    existing = Settlement.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return _same_request(existing, stay)
    total = selectors.stay_charges_total(stay)
    try:  # the hospital's own calculation, to explain the bill; a remote person's policy may be unknown here
        facts = selectors.stay_settlement_facts(stay, use_personal_account=False)
        explanation, insutype = selectors.result_as_json(facts.result, facts.policy), facts.insutype
    except DomainError as error:
        explanation, insutype = {"note": error.message}, ""
    try:
        with transaction.atomic(durable=True):
            locked = Stay.objects.select_for_update().get(pk=stay.pk)
            if locked.status != Stay.Status.DISCHARGED:
                raise ConflictError("须出院后结算。", code="stay_not_discharged", rule="ADM-10")
            if Settlement.objects.filter(stay=locked, is_final=True, status__in=Settlement.ACTIVE).exists():
                raise ConflictError(
                    "该住院已结算，不能重复结算（SET-9）。", code="already_settled", rule="SET-9"
                )
            settlement = Settlement.objects.create(
                kind=Settlement.Kind.INPATIENT,
                mode=Settlement.Mode.SELF_PAY,
                status=Settlement.Status.SETTLED,
                stay=locked,
                person=locked.person,
                insutype=insutype,
                med_type=locked.med_type,
                covers_to=timezone.localdate(),
                idempotency_key=idempotency_key,
                medins_setl_id=_new_medins_setl_id(),
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
            locked.status = Stay.Status.SETTLED
            locked.updated_by = actor
            locked.save(update_fields=["status", "updated_by", "updated_at"])
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
    is refunded with a receipt — on the clerk's action only, and once (unique rows)."""
    existing = Settlement.objects.filter(idempotency_key=idempotency_key).first()
    if (
        existing is not None
        and existing.resettlement_of_id == settlement.pk
        and existing.status == Settlement.Status.SETTLED
    ):
        return existing, settlement.self_pay_refund
    problems = can_resettle_here(settlement)
    if problems:
        raise DomainError(
            "不能在本院重新结算：" + "；".join(problems) + "。请打印手工报销材料。",
            code="cannot_resettle",
            rule="SET-10",
        )
    stay = settlement.stay
    with transaction.atomic(durable=True):
        Stay.objects.select_for_update().get(pk=stay.pk)
        original = Settlement.objects.select_for_update().get(pk=settlement.pk)
        if original.status != Settlement.Status.SETTLED:
            raise ConflictError("该自费结算已重新结算或已撤销。", code="already_resettled", rule="SET-10")
        original.status = Settlement.Status.RESETTLED
        original.updated_by = actor
        original.save(update_fields=["status", "updated_by", "updated_at"])
        pending = Settlement.objects.create(
            kind=Settlement.Kind.INPATIENT,
            stay=stay,
            person=stay.person,
            med_type=stay.med_type,
            covers_to=original.covers_to,
            idempotency_key=idempotency_key,
            resettlement_of=original,
            medins_setl_id=_new_medins_setl_id(),
            msgid=_next_msgid(),
            created_by=actor,
            updated_by=actor,
        )
    try:
        new = _settle_at_center(actor, pending, stay, True, False)
    except CenterError:
        with transaction.atomic():
            Settlement.objects.filter(pk=original.pk).update(status=Settlement.Status.SETTLED)
        raise
    with transaction.atomic(durable=True):
        refund = SelfPayRefund.objects.create(
            original=original,
            resettlement=new,
            amount=max(original.cash_pay - new.cash_pay, rules.ZERO),
            receipt_no=f"TK{timezone.localtime():%Y%m%d%H%M%S}{new.pk:06d}",
            created_by=actor,
            updated_by=actor,
        )
    return new, refund


# --- reverse (SET-9) -----------------------------------------------------------------------------


def settlement_reverse(*, actor: Any, settlement: Settlement, reason: str) -> Settlement:
    """SET-9: the whole settlement is reversed by a counter-entry; accumulators are restored and the
    stay reopens for re-settlement. The center cancels first (2305 inpatient, 2208 outpatient)."""
    if not reason.strip():
        raise DomainError("撤销结算须填写原因。", code="reason_required", rule="SET-9")
    if settlement.status != Settlement.Status.SETTLED or settlement.reversal_of_id:
        raise ConflictError("只有已结算的记录可以撤销。", code="not_reversible", rule="SET-9")
    if settlement.mode == Settlement.Mode.CENTER:
        try:
            if settlement.kind == Settlement.Kind.INPATIENT:
                transactions.cancel_settlement(
                    center(),
                    mdtrt_id=settlement.mdtrt_id,
                    setl_id=settlement.setl_id,
                    psn_no=settlement.person.psn_no,
                    insuplc_admdvs=settlement.insuplc_admdvs,
                    actor=actor,
                )
            else:
                transactions.cancel_outpatient_settlement(
                    center(),
                    mdtrt_id=settlement.mdtrt_id,
                    setl_id=settlement.setl_id,
                    psn_no=settlement.person.psn_no,
                    insuplc_admdvs=settlement.insuplc_admdvs,
                    actor=actor,
                )
        except CenterRejected as error:
            raise DomainError(
                f"医保中心拒绝撤销结算：{error.message}", code="center_refused_reversal", rule="SET-9"
            ) from error
    with transaction.atomic(durable=True):
        if settlement.stay_id:
            stay = Stay.objects.select_for_update().get(pk=settlement.stay_id)
        original = Settlement.objects.select_for_update().get(pk=settlement.pk)
        if original.status != Settlement.Status.SETTLED:
            raise ConflictError("该结算已撤销。", code="already_reversed", rule="SET-9")
        counter = Settlement.objects.create(
            kind=original.kind,
            mode=original.mode,
            status=Settlement.Status.REVERSAL,
            stay=original.stay,
            visit=original.visit,
            person=original.person,
            insutype=original.insutype,
            med_type=original.med_type,
            is_final=original.is_final,
            covers_to=original.covers_to,
            reversal_of=original,
            setl_id=original.setl_id,
            mdtrt_id=original.mdtrt_id,
            medins_setl_id=f"{original.medins_setl_id}R",
            insuplc_admdvs=original.insuplc_admdvs,
            fund_ratio=original.fund_ratio,
            reason=reason.strip()[:300],
            settled_at=timezone.now(),
            created_by=actor,
            updated_by=actor,
            **{field: -getattr(original, field) for field in AMOUNT_FIELDS},
        )
        SettlementFund.objects.bulk_create(
            SettlementFund(
                settlement=counter,
                fund_pay_type=f.fund_pay_type,
                fund_pay_type_name=f.fund_pay_type_name,
                fund_payamt=-f.fund_payamt,
                inscp_scp_amt=-f.inscp_scp_amt,
            )
            for f in original.funds.all()
        )
        for entry in original.accumulator_entries.select_related("accumulator"):
            accumulator = Accumulator.objects.select_for_update().get(pk=entry.accumulator_id)
            accumulator.deductible_used = max(
                accumulator.deductible_used - entry.deductible_delta, rules.ZERO
            )
            accumulator.fund_paid = max(accumulator.fund_paid - entry.fund_delta, rules.ZERO)
            accumulator.save()
            AccumulatorEntry.objects.create(
                accumulator=accumulator,
                settlement=counter,
                deductible_delta=-entry.deductible_delta,
                fund_delta=-entry.fund_delta,
            )
        original.status = Settlement.Status.REVERSED
        original.reason = reason.strip()[:300]
        original.updated_by = actor
        original.save(update_fields=["status", "reason", "updated_by", "updated_at"])
        if original.stay_id and original.is_final:
            stay.status = Stay.Status.DISCHARGED  # SET-9: reopened for re-settlement
            stay.updated_by = actor
            stay.save(update_fields=["status", "updated_by", "updated_at"])
        if original.visit_id:
            from settlement.models import OutpatientVisit

            OutpatientVisit.objects.filter(pk=original.visit_id).update(status=OutpatientVisit.Status.OPEN)
    return counter
