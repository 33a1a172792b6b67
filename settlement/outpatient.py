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

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from admission import sequences
from center import transactions
from center.client import CenterError
from core.errors import ConflictError, DomainError
from diagnoses.rules import icd10_category
from drug_catalog import selectors as catalog_selectors
from drug_catalog.models import CatalogItem, HospitalItem
from fees import services as fee_services
from fees.models import FeeLine
from hospital.models import Department, Practitioner
from insured.models import CardRead
from insured.selectors import basic_enrollment
from settlement import flow
from settlement.models import ChronicDiseaseFiling, OutpatientConsent, OutpatientVisit, Settlement

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
    """2201 (its intent recorded first; a lost reply is resolved with 5201 by 门诊号), then 2203. A
    center failure leaves the visit unregistered and says so (retry later); a registration the
    center made is never made twice."""
    from center import intents, payloads
    from center.client import CenterGarbled, CenterTimeout
    from center.models import CenterIntent

    visit.refresh_from_db()
    started = timezone.localtime()
    begntime = payloads.center_time(started)
    client = flow.center()
    if not visit.mdtrt_id:
        with transaction.atomic(durable=True):
            intent = intents.intent_record(
                infno="2201",
                subject=f"visit:{visit.pk}",
                psn_no=visit.person.psn_no,
                insuplc_admdvs=visit.person.insuplc_admdvs,
                context={"visit_no": visit.visit_no, "begntime": begntime},
            )
        try:
            mdtrt_id = transactions.register_outpatient(
                client,
                data=payloads.outpatient_registration(
                    psn_no=visit.person.psn_no,
                    insutype=visit.insutype,
                    begntime=started,
                    cert=(visit.mdtrt_cert_type, visit.mdtrt_cert_no),
                    visit_no=visit.visit_no,
                    doctor=(visit.doctor.insurance_code, visit.doctor.name),
                    department=(
                        visit.department.insurance_code,
                        visit.department.name,
                        visit.department.category_code,
                    ),
                ),
                insuplc_admdvs=visit.person.insuplc_admdvs,
                actor=actor,
                msgid=intent.msgid,
            )
        except (CenterTimeout, CenterGarbled) as error:
            intents.intent_unknown(intent.msgid, error.message)
            mdtrt_id = visit_registration_resolve(actor=actor, visit=visit, msgid=intent.msgid)
            if not mdtrt_id:
                return [
                    {
                        "rule": "ADM-1",
                        "message": "医保中心门诊登记（2201）应答丢失，核实后未登记，结算前可重试。",
                    }
                ]
        except CenterError as error:
            intents.intent_failed(intent.msgid, CenterIntent.Resolution.REFUSED, error.message)
            return [
                {
                    "rule": "ADM-1",
                    "message": f"医保中心门诊登记（2201）未成功：{error.message}。结算前可重试。",
                }
            ]
        else:
            OutpatientVisit.objects.filter(pk=visit.pk).update(mdtrt_id=mdtrt_id)
            intents.intent_done(intent.msgid)
        visit.mdtrt_id = mdtrt_id
    try:
        transactions.outpatient_visit_info(
            client,
            mdtrtinfo=payloads.outpatient_visit_info(
                mdtrt_id=visit.mdtrt_id,
                psn_no=visit.person.psn_no,
                med_type=visit.med_type,
                begntime=started,
                disease_code=visit.disease_code,
            ),
            diseinfo=[],
            insuplc_admdvs=visit.person.insuplc_admdvs,
            actor=actor,
        )
    except CenterError as error:
        return [
            {"rule": "ADM-1", "message": f"医保中心就诊信息（2203）未成功：{error.message}。结算前可重试。"}
        ]
    return []


def visit_registration_resolve(*, actor: Any, visit: OutpatientVisit, msgid: str) -> str:
    """A 2201 whose reply was lost: 5201 by 门诊号; found → recorded, not found → fenced (2601)."""
    from center import intents
    from center.models import CenterIntent

    intent = intents.intent_for(msgid)
    try:
        visits = transactions.query_visits(
            flow.center(),
            psn_no=visit.person.psn_no,
            insuplc_admdvs=visit.person.insuplc_admdvs,
            begntime=(intent.context.get("begntime", "") if intent else ""),
            endtime=timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
            actor=actor,
        )
        held = [
            v for v in visits if v.get("ipt_otp_no") == visit.visit_no and str(v.get("vali_flag", "1")) == "1"
        ]
        if not held:
            transactions.reverse(
                flow.center(),
                psn_no=visit.person.psn_no,
                omsgid=msgid,
                oinfno="2201",
                insuplc_admdvs=visit.person.insuplc_admdvs,
                actor=actor,
            )
    except CenterError as error:
        intents.intent_unknown(msgid, f"核实未成功：{error.message}")
        return ""
    if not held:
        intents.intent_failed(msgid, CenterIntent.Resolution.NOT_FOUND, "中心无此登记，已冲正")
        return ""
    mdtrt_id = str(held[0]["mdtrt_id"])
    OutpatientVisit.objects.filter(pk=visit.pk, mdtrt_id="").update(mdtrt_id=mdtrt_id)
    intents.intent_done(msgid, CenterIntent.Resolution.FOUND)
    return mdtrt_id


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


def encounter_facts(visit: OutpatientVisit) -> fee_services.Encounter:
    """What fees needs to know of the visit: the visit day onwards, settled or not (late lines), the
    person's insurance and person type (SET-2 share table, as for a stay)."""
    enrollment = basic_enrollment(visit.person, required=False)
    settled = (
        visit.status == OutpatientVisit.Status.SETTLED
        or visit.settlements.filter(status__in=Settlement.ACTIVE).exists()
    )
    start = timezone.make_aware(datetime.datetime.combine(visit.visit_date, datetime.time.min))
    return fee_services.Encounter(
        outpatient=True,
        start=start,
        end=None,
        covered_until=visit.visit_date if settled else None,
        notice_day=None,
        insutype=visit.insutype,
        psn_type=enrollment.psn_type.code if enrollment else "",
        visit_id=visit.pk,
    )


def _judge(visit: OutpatientVisit) -> fee_services.Judge:
    consents = set(visit.consents.values_list("hospital_item_id", flat=True))
    return fee_services.Judge(encounter_facts(visit), consents)


def _line(visit: OutpatientVisit, values: dict[str, Any], *, actor, prescription_item=None) -> FeeLine:
    return FeeLine(
        visit=visit,
        person_id=visit.person_id,
        feedetl_sn=sequences.feedetl_sn(values["charged_on"].year),
        prescription_item=prescription_item,
        ordering_department=visit.department,
        ordering_doctor=visit.doctor,
        executing_department=visit.department,
        entered_by=actor if getattr(actor, "pk", None) else None,
        **values,
    )


def _refused(errors: dict[str, list[str]]) -> DomainError:
    reasons = "；".join(problem for problems in errors.values() for problem in problems)
    return DomainError(
        f"{len(errors)} 行费用未通过，未保存：{reasons}。",
        code="charges_refused",
        rule="FEE-1",
        errors={"lines": errors},
        status_code=422,
    )


def visit_consent_record(
    *, actor: Any, visit: OutpatientVisit, hospital_item: HospitalItem, signer: str, reason: str = ""
) -> OutpatientConsent:
    """FEE-4: the patient's signed consent to a self-paid item, recorded before it is charged."""
    if not signer.strip():
        raise DomainError("请填写签字人。", code="signer_required", rule="FEE-4")
    with transaction.atomic(durable=True):
        consent, _ = OutpatientConsent.objects.get_or_create(
            visit=visit,
            hospital_item=hospital_item,
            defaults={
                "signer": signer.strip()[:50],
                "reason": reason[:200],
                "signed_at": timezone.now(),
                "created_by": actor,
                "updated_by": actor,
            },
        )
    return consent


def visit_add_prescription(*, actor: Any, visit: OutpatientVisit, prescription) -> list[FeeLine]:
    """Charges from a saved prescription of this patient: each line at its hospital price per minimum
    unit (quantity × pack size), through the same checks as a stay's (FEE-1 both ceilings, FEE-4,
    SET-2 share for this person, RX-5..7); a line the doctor marked self-pay stays self-pay."""
    if prescription.person_id != visit.person_id or prescription.status != "issued":
        raise DomainError("只能收取该患者已开具的处方。", code="prescription_mismatch")
    if prescription.visit_type not in ("outpatient", "emergency"):
        raise DomainError("住院处方不在门诊收费。", code="prescription_not_outpatient")
    with transaction.atomic(durable=True):
        locked = OutpatientVisit.objects.select_for_update().get(pk=visit.pk)
        if locked.status != OutpatientVisit.Status.OPEN:
            raise ConflictError("该就诊已结算或撤销。", code="visit_closed")
        if FeeLine.objects.filter(visit=locked, prescription_item__prescription=prescription).exists():
            raise ConflictError(
                f"处方 {prescription.number} 已收费（FEE-3）。", code="duplicate_charge", rule="FEE-3"
            )
        judge = _judge(locked)
        now = timezone.now()
        rows, missing, errors = [], [], {}
        for index, line in enumerate(prescription.items.select_related("catalog_item")):
            hospital_item, _item = _price_for(line.code, locked.visit_date)
            if hospital_item is None:
                missing.append(line.name)
                continue
            units = line.quantity * (
                line.catalog_item.pack_size if line.catalog_item.item_type in ("western", "patent") else 1
            )
            values, problems = judge.judge(
                hospital_item=hospital_item,
                quantity=units,
                charged_at=now,
                approved=line.indication_met,
                consented_self_pay=line.self_pay,
                consent_on_file=line.consent,
                name=line.name,
            )
            if problems:
                errors[str(index)] = problems
            else:
                rows.append(_line(locked, values, actor=actor, prescription_item=line))
        if missing:
            raise DomainError(
                "以下项目没有院内收费价格（目录对照），不能收费：" + "、".join(missing),
                code="no_price",
                rule="FEE-1",
            )
        if errors:
            raise _refused(errors)
        return FeeLine.objects.bulk_create(rows)


def visit_add_item(
    *,
    actor: Any,
    visit: OutpatientVisit,
    hospital_item: HospitalItem,
    quantity: Decimal,
    unit_price: Decimal | None = None,
    consent_signer: str = "",
) -> FeeLine:
    """A service item (诊查费, 检查 …) through the same checks as a stay's line; an item without an
    approved mapping is the patient's and is not sent to the center (FEE-1). A self-paid item needs
    the patient's consent (FEE-4): `consent_signer` records it with the line."""
    if quantity is None or quantity <= 0:
        raise DomainError("数量须大于 0。", code="invalid_quantity")
    with transaction.atomic(durable=True):
        locked = OutpatientVisit.objects.select_for_update().get(pk=visit.pk)
        if locked.status != OutpatientVisit.Status.OPEN:
            raise ConflictError("该就诊已结算或撤销。", code="visit_closed")
        if consent_signer.strip():
            OutpatientConsent.objects.get_or_create(
                visit=locked,
                hospital_item=hospital_item,
                defaults={
                    "signer": consent_signer.strip()[:50],
                    "signed_at": timezone.now(),
                    "created_by": actor,
                    "updated_by": actor,
                },
            )
        values, problems = _judge(locked).judge(
            hospital_item=hospital_item, quantity=quantity, charged_at=timezone.now(), unit_price=unit_price
        )
        if problems:
            raise _refused({"0": problems})
        line = _line(locked, values, actor=actor)
        line.save()
        return line


def visit_charge_refund(
    *, actor: Any, line: FeeLine, reason: str, quantity: Decimal | None = None
) -> FeeLine:
    """退费 of an outpatient line: a counter-line, partial and repeated, never beyond what was charged;
    a settled visit's line is refused with the way forward (reverse the settlement, SET-9)."""
    if not reason.strip():
        raise DomainError("退费须填写原因。", code="reason_required")
    with transaction.atomic(durable=True):
        locked = OutpatientVisit.objects.select_for_update().get(pk=line.visit_id)
        if locked.status == OutpatientVisit.Status.CANCELLED:
            raise ConflictError("该就诊已撤销。", code="visit_closed")
        return fee_services.line_refund(
            actor=actor,
            line=line,
            quantity=quantity,
            reason=reason,
            next_sn=sequences.feedetl_sn,
            covered_until=encounter_facts(locked).covered_until,
            settled_label=f"（门诊 {locked.visit_no}）",
        )


def visit_pre_settle(
    *, actor: Any, visit: OutpatientVisit, use_personal_account: bool = True
) -> dict[str, Any]:
    """2206 with the hospital's own calculation beside it (nothing of the settlement is written)."""
    enc = flow.encounter_for_visit(visit)
    facts, note = flow.local_facts(enc, use_personal_account=use_personal_account, covers_to=visit.visit_date)
    answer = {
        "local": facts.result if facts else None,
        "policy": facts.policy if facts else None,
        "local_note": note,
        "center": None,
        "mismatch": [],
        "center_error": None,
    }
    if not visit.charges.exists():
        raise DomainError("该就诊没有费用。", code="no_charges")
    if visit.mdtrt_id:
        try:
            flow.lines_upload(actor=actor, enc=enc)
            data = flow.settlement_data(
                enc,
                total=flow.unsettled_total(enc, visit.visit_date),
                use_personal_account=use_personal_account,
                mid=False,
            )
            reply = transactions.pre_settle_outpatient(
                flow.center(), data=data, insuplc_admdvs=enc.insuplc_admdvs, actor=actor
            )
            answer["center"] = reply
            answer["mismatch"] = flow.compare(facts.result, reply["setlinfo"]) if facts else []
        except CenterError as error:
            answer["center_error"] = {"code": error.code, "message": error.message, "rule": error.rule}
    return answer


def visit_settle(
    *, actor: Any, visit: OutpatientVisit, idempotency_key: str, use_personal_account: bool = True
) -> Settlement:
    """2204 + 2207 through the one settle flow; the same key gives the same outcome."""
    key = flow.checked_key(idempotency_key)
    existing = Settlement.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return flow.replay(existing, flow.encounter_for_visit(visit))
    if not visit.charges.exists():
        raise DomainError("该就诊没有费用。", code="no_charges")
    if not visit.mdtrt_id:
        notices = visit_register_at_center(actor=actor, visit=visit)
        if notices:
            raise DomainError(
                notices[0]["message"], code="visit_not_registered", rule="ADM-1", status_code=409
            )
        visit.refresh_from_db()
    return flow.settle(
        actor=actor,
        enc=flow.encounter_for_visit(visit),
        idempotency_key=key,
        use_personal_account=use_personal_account,
    )
