"""Outpatient visits at the window (med_type 11 普通门诊, 13 急诊, 14 门诊慢特病) through the center's
outpatient transactions: 2201 registration (+2203 visit information), 2204 fees, 2206 pre-settle,
2207 settle, 2208 cancel (via services.settlement_reverse).

ADM-8: several card uses by one person on one day are one visit. SET-5: the chronic ratio applies
only to a visit for the person's filed and approved disease within its validity; otherwise the visit
is an ordinary one, and the window says so.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from admission import sequences
from admission.rules import icd10_category
from center import transactions
from center.client import CenterError
from core.errors import ConflictError, DomainError
from drug_catalog import selectors as catalog_selectors
from drug_catalog.models import CatalogItem, HospitalItem
from hospital.models import Department, Practitioner
from insured.models import CardRead
from insured.selectors import basic_enrollment
from settlement import rules, selectors, services
from settlement.models import ChronicDiseaseFiling, OutpatientCharge, OutpatientVisit, Settlement

MED_TYPES = {"11": "11 普通门诊", "13": "13 急诊", "14": "14 门诊慢特病"}


def chronic_filing(person, disease_code: str, on_date: datetime.date) -> ChronicDiseaseFiling | None:
    """SET-5: the person's approved filing for this disease valid on the date (same ICD-10 category)."""
    category = icd10_category(disease_code)
    for filing in ChronicDiseaseFiling.objects.filter(
        ChronicDiseaseFiling.valid_on_filter(on_date), person=person, approved_by_center=True
    ):
        if icd10_category(filing.disease_code) == category:
            return filing
    return None


def visit_register(
    *,
    actor: Any,
    card_read: CardRead,
    department: Department,
    doctor: Practitioner,
    med_type: str = "11",
    disease_code: str = "",
) -> tuple[OutpatientVisit, list[dict[str, str]]]:
    """Register a visit after a confirmed card read. The same person, day and medical type is the
    same visit (ADM-8); the center gets 2201 and 2203."""
    if card_read.confirmed_at is None:
        raise DomainError("请先确认人证卡一致（INS-1）。", code="card_not_confirmed", rule="INS-1")
    if med_type not in MED_TYPES:
        raise DomainError("医疗类别应为 11 普通门诊、13 急诊或 14 门诊慢特病。", code="invalid_med_type")
    person = card_read.person
    today = timezone.localdate()
    notices: list[dict[str, str]] = []
    if med_type == "14":
        if not disease_code.strip():
            raise DomainError(
                "门诊慢特病须填写病种（诊断）代码（SET-5）。", code="disease_required", rule="SET-5"
            )
        if chronic_filing(person, disease_code, today) is None:
            raise DomainError(
                f"{person.name} 没有 {disease_code} 的有效门诊慢特病备案，不能按慢特病结算；"
                "请按普通门诊（11）就诊（SET-5）。",
                code="chronic_not_filed",
                rule="SET-5",
            )
    same_day = OutpatientVisit.objects.filter(person=person, visit_date=today, med_type=med_type).exclude(
        status=OutpatientVisit.Status.CANCELLED
    )
    existing = same_day.first()
    if existing is not None:
        notices.append(
            {"rule": "ADM-8", "message": f"同一天多次刷卡视为一次就诊：沿用门诊号 {existing.visit_no}。"}
        )
        return existing, notices
    enrollment = basic_enrollment(person)
    try:
        with transaction.atomic(durable=True):
            visit = OutpatientVisit.objects.create(
                person=person,
                visit_no=f"MZ{today:%Y%m%d}{sequences.next_value(f'visit:{today:%Y%m%d}'):05d}",
                visit_date=today,
                med_type=med_type,
                insutype=enrollment.insutype.code,
                department=department,
                doctor=doctor,
                disease_code=disease_code.strip().upper(),
                mdtrt_cert_type=card_read.credential.mdtrt_cert_type,
                mdtrt_cert_no=card_read.credential.number,
                created_by=actor,
                updated_by=actor,
            )
    except IntegrityError:  # a second clerk registered the same visit a moment ago (ADM-8)
        return same_day.get(), notices
    return visit, notices + visit_register_at_center(actor=actor, visit=visit)


def visit_register_at_center(*, actor: Any, visit: OutpatientVisit) -> list[dict[str, str]]:
    """2201 then 2203; a center failure leaves the visit unregistered and says so (retry later)."""
    if visit.mdtrt_id:
        return []
    begntime = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
    try:
        client = services.center()
        mdtrt_id = transactions.register_outpatient(
            client,
            data={
                "psn_no": visit.person.psn_no,
                "insutype": visit.insutype,
                "begntime": begntime,
                "mdtrt_cert_type": visit.mdtrt_cert_type,
                "mdtrt_cert_no": visit.mdtrt_cert_no,
                "ipt_otp_no": visit.visit_no,
                "atddr_no": visit.doctor.insurance_code,
                "dr_name": visit.doctor.name,
                "dept_code": visit.department.insurance_code,
                "dept_name": visit.department.name,
                "caty": visit.department.category_code,
            },
            insuplc_admdvs=visit.person.insuplc_admdvs,
            actor=actor,
        )
        transactions.outpatient_visit_info(
            client,
            mdtrtinfo={
                "mdtrt_id": mdtrt_id,
                "psn_no": visit.person.psn_no,
                "med_type": visit.med_type,
                "begntime": begntime,
                "dise_codg": visit.disease_code,
                "dise_name": visit.disease_code,
            },
            diseinfo=[],
            insuplc_admdvs=visit.person.insuplc_admdvs,
            actor=actor,
        )
    except CenterError as error:
        return [
            {"rule": "ADM-1", "message": f"医保中心门诊登记（2201）未成功：{error.message}。结算前可重试。"}
        ]
    OutpatientVisit.objects.filter(pk=visit.pk).update(mdtrt_id=mdtrt_id)
    visit.mdtrt_id = mdtrt_id
    return []


def _price_for(code: str, on_date: datetime.date) -> tuple[HospitalItem | None, CatalogItem | None]:
    item = catalog_selectors.national_items_by_code([code], on_date=on_date).get(code)
    hospital_item = (
        HospitalItem.objects.filter(
            Q(med_list_codg=code) | Q(medins_list_codg=code),
            mapping_status=HospitalItem.MappingStatus.APPROVED,
        )
        .order_by("medins_list_codg")
        .first()
    )
    return hospital_item, item


def _charge(visit, *, name, code, item, hospital_item, quantity, unit_price, reason, prescription_item=None):
    on_date = visit.visit_date
    return OutpatientCharge(
        visit=visit,
        feedetl_sn=sequences.feedetl_sn(on_date.year),
        prescription_item=prescription_item,
        hospital_item=hospital_item,
        med_list_codg=item.code if item else "",
        name=name,
        insurance_class=item.insurance_class if item else "",
        b_self_pay_ratio=item.b_self_pay_ratio if item else None,
        price_cap=item.price_cap if item else None,
        quantity=quantity,
        unit_price=unit_price,
        amount=rules.money(quantity * unit_price),
        self_pay_reason=reason,
        charged_at=timezone.now(),
    )


def visit_add_prescription(*, actor: Any, visit: OutpatientVisit, prescription) -> list[OutpatientCharge]:
    """Charges from a saved prescription of this patient: each line at its hospital price per minimum
    unit (quantity × pack size); a line the doctor marked self-pay stays self-pay (FEE-4)."""
    if prescription.person_id != visit.person_id or prescription.status != "issued":
        raise DomainError("只能收取该患者已开具的处方。", code="prescription_mismatch")
    if prescription.visit_type not in ("outpatient", "emergency"):
        raise DomainError("住院处方不在门诊收费。", code="prescription_not_outpatient")
    with transaction.atomic(durable=True):
        locked = OutpatientVisit.objects.select_for_update().get(pk=visit.pk)
        if locked.status != OutpatientVisit.Status.OPEN:
            raise ConflictError("该就诊已结算或撤销。", code="visit_closed")
        if OutpatientCharge.objects.filter(
            visit=locked, prescription_item__prescription=prescription
        ).exists():
            raise ConflictError(
                f"处方 {prescription.number} 已收费（FEE-3）。", code="duplicate_charge", rule="FEE-3"
            )
        rows, missing = [], []
        for line in prescription.items.select_related("catalog_item"):
            hospital_item, item = _price_for(line.code, locked.visit_date)
            if hospital_item is None:
                missing.append(line.name)
                continue
            units = line.quantity * (
                line.catalog_item.pack_size if line.catalog_item.item_type in ("western", "patent") else 1
            )
            rows.append(
                _charge(
                    locked,
                    name=line.name,
                    code=line.code,
                    item=item,
                    hospital_item=hospital_item,
                    quantity=units,
                    unit_price=hospital_item.price,
                    reason="self_pay" if line.self_pay else "",
                    prescription_item=line,
                )
            )
        if missing:
            raise DomainError(
                "以下项目没有院内收费价格（目录对照），不能收费：" + "、".join(missing),
                code="no_price",
                rule="FEE-1",
            )
        return OutpatientCharge.objects.bulk_create(rows)


def visit_add_item(
    *, actor: Any, visit: OutpatientVisit, hospital_item: HospitalItem, quantity: Decimal
) -> OutpatientCharge:
    """A service item (诊查费, 检查 …); an item without an approved mapping is full self-pay (FEE-1)."""
    if quantity <= 0:
        raise DomainError("数量须大于 0。", code="invalid_quantity")
    with transaction.atomic(durable=True):
        locked = OutpatientVisit.objects.select_for_update().get(pk=visit.pk)
        if locked.status != OutpatientVisit.Status.OPEN:
            raise ConflictError("该就诊已结算或撤销。", code="visit_closed")
        item = None
        if hospital_item.fund_payable_on(locked.visit_date):
            code = hospital_item.med_list_codg
            item = catalog_selectors.national_items_by_code([code], on_date=locked.visit_date).get(code)
        reason = "" if item and not item.non_payable else ("fee6" if item else "unmapped")
        charge = _charge(
            locked,
            name=hospital_item.name,
            code=hospital_item.med_list_codg,
            item=item,
            hospital_item=hospital_item,
            quantity=quantity,
            unit_price=hospital_item.price,
            reason=reason,
        )
        charge.save()
        return charge


def visit_facts(visit: OutpatientVisit, *, use_personal_account: bool = True):
    """The hospital's own calculation of the visit (policy by insured region, scheme and care type)."""
    version = selectors.policy_version_as_of(
        insured_region=visit.person.insuplc_admdvs,
        insurance_type=visit.insutype,
        med_type=visit.med_type,
        hospital_tier=settings.HOSPITAL["TIER"],
        on_date=visit.visit_date,
    )
    policy = selectors.as_rule_policy(version)
    period_start, accumulators = selectors.person_accumulators(
        visit.person, visit.insutype, version, visit.visit_date
    )
    lines = [
        rules.FeeLine(
            rules.InsuranceClass(c.insurance_class)
            if c.insurance_class and not c.self_pay_reason
            else rules.InsuranceClass.C,
            quantity=c.quantity,
            unit_price=c.unit_price,
            b_self_pay_ratio=c.b_self_pay_ratio,
            price_cap=c.price_cap,
            not_payable=bool(c.self_pay_reason),
        )
        for c in visit.charges.all()
    ]
    enrollment = basic_enrollment(visit.person, required=False)
    balance = enrollment.balance if enrollment and visit.insutype != "390" else None
    result = rules.settle(
        lines,
        policy,
        accumulators,
        personal_account_balance=balance,
        use_personal_account=use_personal_account,
    )
    return selectors.StayFacts(
        result=result,
        policy=policy,
        version=version,
        registration=None,
        insutype=visit.insutype,
        psn_type=enrollment.psn_type.code if enrollment else "",
        period_start=period_start,
        accumulators=accumulators,
        lines=lines,
    )


def _upload(actor, visit: OutpatientVisit) -> str:
    """2204: the visit's charges not yet at the center, as the visit's batch (chrg_bchno)."""
    batch = f"B{visit.visit_no}"
    if not visit.charges.exists():
        raise DomainError("该就诊没有费用。", code="no_charges")
    charges = list(visit.charges.filter(uploaded=False).select_related("hospital_item"))
    if not charges:
        return batch
    transactions.upload_outpatient_fees(
        services.center(),
        feedetail=[
            {
                "feedetl_sn": c.feedetl_sn,
                "mdtrt_id": visit.mdtrt_id,
                "psn_no": visit.person.psn_no,
                "chrg_bchno": batch,
                "med_type": visit.med_type,
                "fee_ocur_time": timezone.localtime(c.charged_at).strftime("%Y-%m-%d %H:%M:%S"),
                "med_list_codg": c.med_list_codg
                or (c.hospital_item.medins_list_codg if c.hospital_item else ""),
                "medins_list_codg": c.hospital_item.medins_list_codg if c.hospital_item else "",
                "det_item_fee_sumamt": str(c.amount),
                "cnt": str(c.quantity),
                "pric": str(c.unit_price),
                "bilg_dept_codg": visit.department.insurance_code,
                "bilg_dr_codg": visit.doctor.insurance_code,
            }
            for c in charges
        ],
        insuplc_admdvs=visit.person.insuplc_admdvs,
        actor=actor,
    )
    OutpatientCharge.objects.filter(pk__in=[c.pk for c in charges]).update(uploaded=True)
    return batch


def _data(visit: OutpatientVisit, facts, batch: str, use_personal_account: bool) -> dict:
    data = transactions.settlement_data(
        psn_no=visit.person.psn_no,
        mdtrt_id=visit.mdtrt_id,
        insutype=visit.insutype,
        medfee_sumamt=facts.result.total,
        cert_type=visit.mdtrt_cert_type,
        cert_no=visit.mdtrt_cert_no,
        acct_used=use_personal_account,
    )
    data["chrg_bchno"] = batch
    data["med_type"] = visit.med_type
    return data


def visit_pre_settle(
    *, actor: Any, visit: OutpatientVisit, use_personal_account: bool = True
) -> dict[str, Any]:
    """2206 with the hospital's own calculation beside it (nothing of the settlement is written)."""
    facts = visit_facts(visit, use_personal_account=use_personal_account)
    answer = {
        "local": facts.result,
        "policy": facts.policy,
        "center": None,
        "mismatch": [],
        "center_error": None,
    }
    if visit.mdtrt_id:
        try:
            batch = _upload(actor, visit)
            reply = transactions.pre_settle_outpatient(
                services.center(),
                data=_data(visit, facts, batch, use_personal_account),
                insuplc_admdvs=visit.person.insuplc_admdvs,
                actor=actor,
            )
            answer["center"] = reply
            answer["mismatch"] = services.compare(facts.result, reply["setlinfo"])
        except CenterError as error:
            answer["center_error"] = {"code": error.code, "message": error.message, "rule": error.rule}
    return answer


def visit_settle(
    *, actor: Any, visit: OutpatientVisit, idempotency_key: str, use_personal_account: bool = True
) -> Settlement:
    """2204 + 2207; the same key returns the same settlement; one active settlement per visit."""
    if not idempotency_key:
        raise DomainError("结算请求须带 Idempotency-Key。", code="idempotency_key_required")
    existing = Settlement.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.visit_id != visit.pk:
            raise ConflictError("该 Idempotency-Key 已用于另一笔结算。", code="idempotency_key_reused")
        return existing
    if not visit.mdtrt_id:
        notices = visit_register_at_center(actor=actor, visit=visit)
        if notices:
            raise DomainError(
                notices[0]["message"], code="visit_not_registered", rule="ADM-1", status_code=409
            )
    facts = visit_facts(visit, use_personal_account=use_personal_account)
    try:
        with transaction.atomic(durable=True):
            locked = OutpatientVisit.objects.select_for_update().get(pk=visit.pk)
            if Settlement.objects.filter(visit=locked, status__in=Settlement.ACTIVE).exists():
                raise ConflictError(
                    f"门诊 {locked.visit_no} 已结算，不能重复结算（SET-9）。",
                    code="already_settled",
                    rule="SET-9",
                )
            pending = Settlement.objects.create(
                kind=Settlement.Kind.OUTPATIENT,
                visit=locked,
                person=locked.person,
                insutype=locked.insutype,
                med_type=locked.med_type,
                covers_to=locked.visit_date,
                idempotency_key=idempotency_key,
                medins_setl_id=services._new_medins_setl_id(),
                msgid=services._next_msgid(),
                use_personal_account=use_personal_account,
                created_by=actor,
                updated_by=actor,
            )
    except IntegrityError as error:
        raise ConflictError("该就诊正在结算或已结算。", code="already_settled", rule="SET-9") from error
    try:
        batch = _upload(actor, visit)
        reply = transactions.settle_outpatient(
            services.center(),
            data=_data(visit, facts, batch, use_personal_account),
            insuplc_admdvs=visit.person.insuplc_admdvs,
            actor=actor,
            msgid=pending.msgid,
        )
    except CenterError as error:
        services._mark_failed(pending, error)
        raise
    with transaction.atomic(durable=True):
        locked = OutpatientVisit.objects.select_for_update().get(pk=visit.pk)
        settlement = services.record_center_answer(
            actor=actor,
            settlement=Settlement.objects.select_for_update().get(pk=pending.pk),
            reply=reply,
            facts=facts,
            insutype=visit.insutype,
            mdtrt_id=visit.mdtrt_id,
            insuplc_admdvs=visit.person.insuplc_admdvs,
        )
        locked.status = OutpatientVisit.Status.SETTLED
        locked.save(update_fields=["status", "updated_at"])
    return settlement
