"""Stay lifecycle writes: admit, register at the center, custody, trauma, rounds and leave, office
reviews, discharge and transfer. Charges and orders live in admission/charges.py.

Center calls (2401/2402/2404) never run inside a transaction: the stay is written first, then the
center is asked, then its answer is recorded in a second short transaction.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from admission import rules, selectors, sequences
from admission.models import (
    CardCustody,
    Consultation,
    DiagnosisStage,
    InsuranceRegistration,
    LeaveRequest,
    MedicalRecord,
    MedType,
    Stay,
    StayDiagnosis,
    StayProcedure,
    StayReview,
    Transfer,
    TraumaReport,
    WardRound,
)
from core.errors import ConflictError, DomainError
from core.workdays import Calendar
from hospital.models import Bed, Department, Practitioner, Ward
from insured.models import CardRead, InsuredPerson
from insured.selectors import basic_enrollment


@dataclass(frozen=True)
class DiagnosisInput:
    code: str
    name: str = ""
    diag_type: str = "1"
    is_main: bool = False


@dataclass(frozen=True)
class ProcedureInput:
    code: str
    name: str
    performed_on: datetime.date
    operator: Practitioner
    anaesthesia: str = ""


@dataclass(frozen=True)
class TraumaInput:
    injured_at: datetime.datetime
    place: str
    cause: str
    description: str = ""


@dataclass
class AdmitResult:
    stay: Stay
    warnings: list[dict[str, str]] = field(default_factory=list)


def _lock_stay(stay: Stay) -> Stay:
    return Stay.objects.select_for_update().get(pk=stay.pk)


def _transition(stay: Stay, to: str) -> None:
    if to not in Stay.ALLOWED_TRANSITIONS[Stay.Status(stay.status)]:
        raise ConflictError(
            f"住院 {stay.ipt_no} 当前状态为“{stay.get_status_display()}”，"
            f"不能变更为“{Stay.Status(to).label}”。",
            code="invalid_transition",
        )
    stay.status = to


def stay_mark_settled(*, actor: Any, stay_id: int) -> None:
    """SET-8: the final settlement is recorded. Called by settlement inside its transaction, with the
    stay already locked (settlement.locks: stay first)."""
    locked = _lock_stay(Stay(pk=stay_id))
    _transition(locked, Stay.Status.SETTLED)
    locked.updated_by = actor
    locked.save(update_fields=["status", "updated_by", "updated_at"])


def stay_reopen_for_settlement(*, actor: Any, stay_id: int) -> None:
    """SET-9: a reversed final settlement reopens the stay for re-settlement."""
    locked = _lock_stay(Stay(pk=stay_id))
    _transition(locked, Stay.Status.DISCHARGED)
    locked.updated_by = actor
    locked.save(update_fields=["status", "updated_by", "updated_at"])


def _resolve_diagnoses(
    items: list[DiagnosisInput], on_date: datetime.date, person=None
) -> list[DiagnosisInput]:
    """Codes must exist in the diagnosis tables (ICD-10 insurance edition); names come from them; and
    fit the patient's sex and age (DRG-1: no newborn P code for an adult, no O code for a man)."""
    from diagnoses import selectors as diagnosis_selectors

    if not items:
        raise DomainError("至少须有一个诊断。", code="diagnosis_required", rule="ADM-1")
    known = diagnosis_selectors.lookup([d.code for d in items], on_date=on_date)
    unknown = [d.code for d in items if d.code not in known]
    if unknown:
        raise DomainError(
            f"诊断代码不存在：{'、'.join(unknown)}。",
            code="unknown_diagnosis",
            rule="ADM-1",
            errors={"diagnoses": unknown},
        )
    if person is not None:
        unfit = diagnosis_selectors.implausible_diagnoses(
            [d.code for d in items], gender=person.gender, birth_date=person.birth_date, on_date=on_date
        )
        if unfit:
            raise DomainError(
                "诊断与患者性别或年龄不符：" + "；".join(hit.message for hit in unfit),
                code="implausible_diagnosis",
                rule=unfit[0].rule,
                errors={"diagnoses": [hit.message for hit in unfit]},
            )
    mains = [d for d in items if d.is_main] or [items[0]]
    if len(mains) > 1:
        raise DomainError("只能有一个主诊断。", code="one_main_diagnosis", rule="ADM-1")
    return [DiagnosisInput(d.code, d.name or known[d.code].name, d.diag_type, d is mains[0]) for d in items]


def _write_diagnoses(stay, stage, items, *, department, doctor, at) -> None:
    StayDiagnosis.objects.bulk_create(
        StayDiagnosis(
            stay=stay,
            stage=stage,
            order=order,
            diag_type=d.diag_type,
            code=d.code,
            name=d.name,
            is_main=d.is_main,
            department=department,
            doctor=doctor,
            diagnosed_at=at,
        )
        for order, d in enumerate(items, start=1)
    )


def stay_admit(
    *,
    actor: Any,
    person: InsuredPerson,
    department: Department,
    ward: Ward,
    bed: Bed | None,
    attending_doctor: Practitioner,
    diagnoses: list[DiagnosisInput],
    kind: str = Stay.Kind.NORMAL,
    med_type: str = MedType.INPATIENT,
    admitted_at: datetime.datetime | None = None,
    card_read: CardRead | None = None,
    outpatient_doctor: Practitioner | None = None,
    trauma: TraumaInput | None = None,
    newborn_with_mother: bool = False,
) -> AdmitResult:
    """ADM-1: admit. An insured admission follows a confirmed card read (INS-1); an emergency one
    without a card is admitted self-pay with formalities due in 3 working days (ADM-3); trauma is
    never admitted by card swipe (ADM-4)."""
    admitted_at = admitted_at or timezone.now()
    day = selectors.local_day(admitted_at)
    policy = selectors.policy_as_of(day)
    warnings: list[dict[str, str]] = []
    if kind == Stay.Kind.TRAUMA:
        if card_read is not None:
            raise DomainError(
                "外伤患者不得刷卡办理入院，须按非刷卡入院登记受伤时间、地点和原因（ADM-4）。",
                code="trauma_card_swipe",
                rule="ADM-4",
            )
        if trauma is None or not trauma.place.strip() or trauma.cause not in TraumaReport.Cause.values:
            raise DomainError(
                "外伤入院须填写受伤时间、地点和原因（ADM-4）。", code="trauma_details_required", rule="ADM-4"
            )
        med_type = MedType.TRAUMA
    if card_read is not None:
        if card_read.person_id != person.pk:
            raise DomainError(
                "读卡人员与入院患者不一致（INS-1）。", code="card_person_mismatch", rule="INS-1"
            )
        if card_read.confirmed_at is None:
            raise DomainError("请先确认人证卡一致（INS-1）。", code="card_not_confirmed", rule="INS-1")
    self_pay = card_read is None and kind != Stay.Kind.TRAUMA
    if self_pay and kind not in (Stay.Kind.EMERGENCY,):
        raise DomainError(
            "普通入院须先读卡并确认人证卡一致；急诊未带卡可按急诊入院先自费（INS-1/ADM-3）。",
            code="card_read_required",
            rule="INS-1",
        )
    if bed is not None and bed.ward_id != ward.pk:
        raise DomainError(f"床位 {bed.number} 不属于病区 {ward.name}。", code="bed_ward_mismatch")
    resolved = _resolve_diagnoses(diagnoses, day, person)

    try:
        with transaction.atomic(durable=True):
            if bed is not None:
                Bed.objects.select_for_update().get(pk=bed.pk)
                if Stay.objects.open().filter(bed=bed).exists():
                    raise ConflictError(
                        f"床位 {ward.name} {bed.number} 已有在院患者（ADM-5）。",
                        code="bed_occupied",
                        rule="ADM-5",
                    )
            if Stay.objects.open().filter(person=person).exists():
                raise ConflictError(
                    f"{person.name} 已在院，不能重复入院。", code="already_admitted", rule="ADM-1"
                )
            record = MedicalRecord.objects.filter(person=person).first()
            if record is None:
                record = MedicalRecord.objects.create(person=person, medrcdno=sequences.medrcdno())
            stay = Stay.objects.create(
                ipt_no=sequences.ipt_no(day.year),
                record=record,
                person=person,
                kind=kind,
                med_type=med_type,
                newborn_with_mother=newborn_with_mother,
                department=department,
                ward=ward,
                bed=bed,
                attending_doctor=attending_doctor,
                outpatient_doctor=outpatient_doctor,
                admitted_at=admitted_at,
                self_pay=self_pay,
                formalities_due=rules.formalities_deadline(
                    day, policy.formalities_working_days, is_workday=Calendar().is_working_day
                )
                if self_pay
                else None,
                formalities_completed_on=None,
                created_by=actor,
                updated_by=actor,
            )
            _write_diagnoses(
                stay,
                DiagnosisStage.ADMISSION,
                resolved,
                department=department,
                doctor=attending_doctor,
                at=admitted_at,
            )
            if kind == Stay.Kind.TRAUMA:
                TraumaReport.objects.create(
                    stay=stay,
                    injured_at=trauma.injured_at,
                    place=trauma.place.strip(),
                    cause=trauma.cause,
                    description=trauma.description,
                    created_by=actor,
                    updated_by=actor,
                )
                _set_fund_status(stay, Stay.FundStatus.PENDING_REVIEW, "外伤住院待医保办认定（ADM-4）", actor)
                warnings.append({"rule": "ADM-4", "message": "外伤住院：基金是否支付由医保办认定。"})
            if bed is None:
                StayReview.objects.create(
                    stay=stay,
                    kind=StayReview.Kind.NO_BED,
                    detail="入院未分配床位：基金不予支付，按 3–5 倍处罚记录（ADM-5）",
                    fine_multiple_min=policy.no_bed_fine_min,
                    fine_multiple_max=policy.no_bed_fine_max,
                    created_by=actor,
                    updated_by=actor,
                )
                _set_fund_status(stay, Stay.FundStatus.NOT_PAYABLE, "无床位住院（ADM-5）", actor)
                warnings.append({"rule": "ADM-5", "message": "未分配床位的住院基金不予支付。"})
            split = _split_admission_candidate(stay, resolved, policy.split_window_days)
            if split is not None:
                StayReview.objects.create(
                    stay=stay,
                    kind=StayReview.Kind.SPLIT_ADMISSION,
                    detail=(
                        f"{selectors.local_day(split.discharged_at):%Y-%m-%d} "
                        f"因同类疾病出院（{split.ipt_no}），"
                        f"{policy.split_window_days} 天内再次入院，视为一次住院（ADM-8），待医保办决定"
                    ),
                    related_stay=split,
                    created_by=actor,
                    updated_by=actor,
                )
                warnings.append(
                    {
                        "rule": "ADM-8",
                        "message": f"{policy.split_window_days} 天内同病种再入院（上次 {split.ipt_no}），"
                        "视为一次住院，已提交医保办。",
                    }
                )
            if self_pay:
                warnings.append(
                    {
                        "rule": "ADM-3",
                        "message": f"急诊自费入院：须在 {stay.formalities_due:%Y-%m-%d} 前"
                        f"（{policy.formalities_working_days} 个工作日内）出示医保凭证补办手续。",
                    }
                )
    except IntegrityError as error:
        if "stay_one_active_patient_per_bed" in str(error):
            raise ConflictError("该床位已有在院患者（ADM-5）。", code="bed_occupied", rule="ADM-5") from error
        raise
    if card_read is not None:
        warnings += registration_register(actor=actor, stay=stay, card_read=card_read)
    return AdmitResult(stay=stay, warnings=warnings)


def _split_admission_candidate(stay: Stay, diagnoses: list[DiagnosisInput], window_days: int) -> Stay | None:
    """ADM-8: the person's last discharge within the window with a diagnosis of the same ICD-10 category."""
    admitted_on = selectors.local_day(stay.admitted_at)
    since = stay.admitted_at - datetime.timedelta(days=window_days + 1)
    for previous in (
        Stay.objects.filter(person=stay.person, discharged_at__gte=since, discharged_at__lte=stay.admitted_at)
        .exclude(pk=stay.pk)
        .order_by("-discharged_at")
    ):
        before = [d.code for d in previous.diagnoses.all()]
        if rules.is_split_admission(
            selectors.local_day(previous.discharged_at),
            before,
            admitted_on,
            [d.code for d in diagnoses],
            window_days,
        ):
            return previous
    return None


def _set_fund_status(stay: Stay, status: str, reason: str, actor: Any) -> None:
    stay.fund_status = status
    stay.fund_status_reason = reason
    stay.updated_by = actor
    stay.save(update_fields=["fund_status", "fund_status_reason", "updated_by", "updated_at"])


def _center():
    from center.client import CenterClient

    return CenterClient.from_settings()


def registration_register(*, actor: Any, stay: Stay, card_read: CardRead) -> list[dict[str, str]]:
    """2401 at the center, then the registration row. A center failure leaves the stay admitted
    without registration and says so; the clerk retries from the stay page."""
    from center import transactions
    from center.client import CenterError

    if selectors.active_registration(stay) is not None:
        raise ConflictError("该住院已有有效的医保登记。", code="already_registered")
    enrollment = basic_enrollment(stay.person)
    credential = card_read.credential
    main = stay.diagnoses.filter(stage=DiagnosisStage.ADMISSION, is_main=True).first()
    diagnoses = list(
        stay.diagnoses.filter(stage=DiagnosisStage.ADMISSION).select_related("department", "doctor")
    )
    from center import payloads

    mdtrtinfo = payloads.inpatient_registration(
        psn_no=stay.person.psn_no,
        insutype=enrollment.insutype.code,
        begntime=stay.admitted_at,
        cert=(credential.mdtrt_cert_type, credential.number),
        med_type=stay.med_type,
        ipt_no=stay.ipt_no,
        medrcdno=stay.record.medrcdno,
        attending_doctor=(stay.attending_doctor.insurance_code, stay.attending_doctor.name),
        department=(stay.department.insurance_code, stay.department.name),
        bed=stay.bed.number if stay.bed else "",
        main_diagnosis=(main.code, main.name) if main else None,
    )
    diseinfo = [
        payloads.diagnosis(
            psn_no=stay.person.psn_no,
            diag_type=d.diag_type,
            is_main=d.is_main,
            order=d.order,
            code=d.code,
            name=d.name,
            department_code=d.department.insurance_code,
            doctor=(d.doctor.insurance_code, d.doctor.name),
            diagnosed_at=d.diagnosed_at,
        )
        for d in diagnoses
    ]
    from center import intents
    from center.client import CenterGarbled, CenterTimeout
    from center.models import CenterIntent

    with transaction.atomic(durable=True):
        intent = intents.intent_record(
            infno="2401",
            subject=f"stay:{stay.pk}",
            psn_no=stay.person.psn_no,
            insuplc_admdvs=stay.person.insuplc_admdvs,
            context={"ipt_no": stay.ipt_no, "card_read": card_read.pk, "begntime": mdtrtinfo["begntime"]},
        )
    try:
        mdtrt_id = transactions.admit(
            _center(),
            mdtrtinfo=mdtrtinfo,
            diseinfo=diseinfo,
            insuplc_admdvs=stay.person.insuplc_admdvs,
            actor=actor,
            subject=f"ipt:{stay.ipt_no}",
            msgid=intent.msgid,
        )
    except (CenterTimeout, CenterGarbled) as error:
        intents.intent_unknown(intent.msgid, error.message)
        mdtrt_id = registration_resolve(actor=actor, stay=stay, msgid=intent.msgid)
        if not mdtrt_id:
            return [
                {
                    "rule": "ADM-1",
                    "message": "医保中心入院登记（2401）应答丢失，已向中心核实：未登记成功（已冲正）。"
                    "可在住院页重试。",
                }
            ]
        return []
    except CenterError as error:
        intents.intent_failed(intent.msgid, CenterIntent.Resolution.REFUSED, error.message)
        return [
            {"rule": "ADM-1", "message": f"医保中心入院登记（2401）未成功：{error.message}。可在住院页重试。"}
        ]
    _record_registration(actor, stay, card_read, enrollment, credential, mdtrt_id)
    intents.intent_done(intent.msgid)
    stay.refresh_from_db()
    return []


def _record_registration(actor, stay, card_read, enrollment, credential, mdtrt_id: str) -> None:
    with transaction.atomic(durable=True):
        locked = _lock_stay(stay)
        InsuranceRegistration.objects.create(
            stay=locked,
            enrollment=enrollment,
            insutype=enrollment.insutype.code,
            med_type=locked.med_type,
            mdtrt_cert_type=credential.mdtrt_cert_type,
            mdtrt_cert_no=credential.number,
            insuplc_admdvs=stay.person.insuplc_admdvs,
            mdtrt_id=mdtrt_id,
            registered_at=timezone.now(),
            created_by=actor,
            updated_by=actor,
        )
        if locked.self_pay:
            # ADM-3: the card produced converts the stay; number and charges stay the same.
            locked.self_pay = False
            locked.formalities_completed_on = timezone.localdate()
            locked.updated_by = actor
            locked.save(update_fields=["self_pay", "formalities_completed_on", "updated_by", "updated_at"])


def registration_resolve(*, actor: Any, stay: Stay, msgid: str) -> str:
    """A 2401 whose reply was lost: the center's visits (5201) say whether it registered the stay
    (matched by our 住院号); if so the registration is recorded, if not the message is fenced (2601).
    Returns the mdtrt_id, or "" when nothing is registered. A center that cannot answer leaves the
    intent open for the recovery task."""
    from center import intents, transactions
    from center.client import CenterError
    from center.models import CenterIntent

    intent = intents.intent_for(msgid)
    if intent is None or intent.resolved:
        registration = selectors.active_registration(stay)
        return registration.mdtrt_id if registration else ""
    begntime = intent.context.get("begntime", "")
    try:
        visits = transactions.query_visits(
            _center(),
            psn_no=stay.person.psn_no,
            insuplc_admdvs=stay.person.insuplc_admdvs,
            begntime=begntime,
            endtime=timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
            actor=actor,
        )
        held = [
            v for v in visits if v.get("ipt_otp_no") == stay.ipt_no and str(v.get("vali_flag", "1")) == "1"
        ]
        if not held:
            transactions.reverse(
                _center(),
                psn_no=stay.person.psn_no,
                omsgid=msgid,
                oinfno="2401",
                insuplc_admdvs=stay.person.insuplc_admdvs,
                actor=actor,
            )
    except CenterError as error:
        intents.intent_unknown(msgid, f"核实未成功：{error.message}")
        return ""
    if not held:
        intents.intent_failed(msgid, CenterIntent.Resolution.NOT_FOUND, "中心无此登记，已冲正")
        return ""
    mdtrt_id = str(held[0]["mdtrt_id"])
    if selectors.active_registration(stay) is None:
        card_read = CardRead.objects.get(pk=intent.context["card_read"])
        _record_registration(
            actor, stay, card_read, basic_enrollment(stay.person), card_read.credential, mdtrt_id
        )
    intents.intent_done(msgid, CenterIntent.Resolution.FOUND)
    return mdtrt_id


def stay_convert_to_insured(*, actor: Any, stay: Stay, card_read: CardRead) -> list[dict[str, str]]:
    """ADM-3: a self-pay (emergency) stay becomes insured once the card is produced; past the deadline
    the conversion is recorded but the stay stays unrecognised for the fund."""
    if not stay.self_pay:
        raise ConflictError("该住院已是医保住院。", code="already_insured", rule="ADM-3")
    if card_read.person_id != stay.person_id or card_read.confirmed_at is None:
        raise DomainError(
            "请读取该患者的医保凭证并确认人证卡一致（INS-1）。", code="card_read_required", rule="INS-1"
        )
    if not stay.is_open:
        raise ConflictError("已出院的住院不能转医保。", code="stay_closed")
    warnings = registration_register(actor=actor, stay=stay, card_read=card_read)
    stay.refresh_from_db()
    if selectors.formalities_overdue(stay):
        warnings.append(
            {
                "rule": "ADM-3",
                "message": f"已超过补办期限 {stay.formalities_due:%Y-%m-%d}，本次住院基金不予认可。",
            }
        )
    return warnings


def registration_cancel(
    *, actor: Any, registration: InsuranceRegistration, reason: str
) -> InsuranceRegistration:
    """2404: cancel the center registration; the stay may be registered again, same number and charges."""
    from center import transactions

    if registration.status != InsuranceRegistration.Status.REGISTERED:
        raise ConflictError("该医保登记已撤销。", code="registration_cancelled")
    if not reason.strip():
        raise DomainError("撤销医保登记须填写原因。", code="reason_required")
    transactions.cancel_admission(
        _center(),
        mdtrt_id=registration.mdtrt_id,
        psn_no=registration.stay.person.psn_no,
        insuplc_admdvs=registration.insuplc_admdvs,
        actor=actor,
    )
    with transaction.atomic(durable=True):
        locked = InsuranceRegistration.objects.select_for_update().get(pk=registration.pk)
        locked.status = InsuranceRegistration.Status.CANCELLED
        locked.cancelled_at = timezone.now()
        locked.center_message = reason.strip()[:300]
        locked.updated_by = actor
        locked.save(update_fields=["status", "cancelled_at", "center_message", "updated_by", "updated_at"])
    return locked


def custody_record(
    *, actor: Any, stay: Stay, received_at: datetime.datetime | None = None, card_no: str = ""
) -> CardCustody:
    """ADM-2: the card handed to the insurance office."""
    with transaction.atomic(durable=True):
        if CardCustody.objects.filter(stay=stay).exists():
            raise ConflictError("已登记医保卡交存。", code="custody_exists", rule="ADM-2")
        return CardCustody.objects.create(
            stay=stay,
            received_at=received_at or timezone.now(),
            card_no=card_no,
            created_by=actor,
            updated_by=actor,
        )


def trauma_decide(*, actor: Any, stay: Stay, decision: str, reason: str) -> TraumaReport:
    """ADM-4: the office decides, in writing; the stay's fund status follows."""
    if decision not in (
        TraumaReport.Decision.PAYABLE,
        TraumaReport.Decision.FUND_FIRST,
        TraumaReport.Decision.NOT_PAYABLE,
    ):
        raise DomainError("认定结果不正确。", code="invalid_decision", rule="ADM-4")
    if not reason.strip():
        raise DomainError("认定须填写书面理由（ADM-4）。", code="reason_required", rule="ADM-4")
    with transaction.atomic(durable=True):
        locked = _lock_stay(stay)
        report = TraumaReport.objects.select_for_update().get(stay=locked)
        report.decision = decision
        report.decision_reason = reason.strip()
        report.decided_at = timezone.now()
        report.updated_by = actor
        report.save()
        if decision == TraumaReport.Decision.NOT_PAYABLE:
            _set_fund_status(
                locked, Stay.FundStatus.NOT_PAYABLE, f"外伤认定基金不予支付：{reason.strip()}（ADM-4）", actor
            )
        else:
            _set_fund_status(locked, Stay.FundStatus.RECOGNISED, "", actor)
    return report


def round_record(
    *, actor: Any, stay: Stay, finding: str, inspected_at: datetime.datetime | None = None, note: str = ""
) -> tuple[WardRound, list[dict[str, str]]]:
    """ADM-5/ADM-6: record an inspection. "On leave" needs an approved leave covering the moment;
    an absence proposes a category IV record (ADM-6); the second absence makes a ghost bed."""
    inspected_at = inspected_at or timezone.now()
    if finding not in WardRound.Finding.values:
        raise DomainError("查房结果不正确。", code="invalid_finding")
    notices: list[dict[str, str]] = []
    with transaction.atomic(durable=True):
        locked = _lock_stay(stay)
        if not locked.is_open:
            raise ConflictError("患者已出院，不能登记查房。", code="stay_closed")
        if (
            finding == WardRound.Finding.ON_LEAVE
            and not locked.leaves.filter(
                status=LeaveRequest.Status.APPROVED, starts_at__lte=inspected_at, ends_at__gte=inspected_at
            ).exists()
        ):
            raise DomainError(
                "没有覆盖该时间的已批准请假，不能登记为请假（ADM-6）。",
                code="no_approved_leave",
                rule="ADM-6",
            )
        approved = locked.leaves.filter(status=LeaveRequest.Status.APPROVED)
        if finding == WardRound.Finding.ABSENT and rules.absence_excused(
            inspected_at, approved.values_list("starts_at", "ends_at")
        ):
            finding = WardRound.Finding.ON_LEAVE  # ADM-5: absent during an approved leave is on leave
            notices.append(
                {"rule": "ADM-5", "message": "不在床，但在已批准的请假时间内：记为请假，不计无假离院。"}
            )
        round_ = WardRound.objects.create(
            stay=locked,
            inspected_at=inspected_at,
            finding=finding,
            note=note,
            created_by=actor,
            updated_by=actor,
        )
        if finding == WardRound.Finding.ABSENT:
            policy = selectors.policy_as_of(selectors.local_day(inspected_at))
            findings = list(locked.rounds.values_list("finding", flat=True))
            absences = sum(1 for f in findings if f == WardRound.Finding.ABSENT)
            StayReview.objects.get_or_create(
                stay=locked,
                kind=StayReview.Kind.LEFT_WITHOUT_LEAVE,
                defaults={
                    "detail": "查房不在床且无请假：建议按 INS-4 第四类（未请假离院）处理（ADM-6）",
                    "created_by": actor,
                    "updated_by": actor,
                },
            )
            notices.append({"rule": "ADM-6", "message": f"第 {absences} 次无假不在床，已提交医保办。"})
            if rules.is_ghost_bed(findings, policy.ghost_bed_absences):
                _, created = StayReview.objects.get_or_create(
                    stay=locked,
                    kind=StayReview.Kind.GHOST_BED,
                    defaults={
                        "detail": f"住院期间第 {absences} 次查房无假不在床，认定挂床待审（ADM-5）",
                        "created_by": actor,
                        "updated_by": actor,
                    },
                )
                if created:
                    _set_fund_status(
                        locked, Stay.FundStatus.PENDING_REVIEW, "疑似挂床住院，待医保办审核（ADM-5）", actor
                    )
                notices.append(
                    {"rule": "ADM-5", "message": "已达挂床认定条件：本次住院暂不予基金支付，待医保办审核。"}
                )
    return round_, notices


def leave_request(
    *, actor: Any, stay: Stay, starts_at: datetime.datetime, ends_at: datetime.datetime, reason: str
) -> LeaveRequest:
    if ends_at <= starts_at:
        raise DomainError("返院时间须晚于离院时间。", code="leave_period_invalid", rule="ADM-6")
    if not reason.strip():
        raise DomainError("请填写请假事由。", code="reason_required", rule="ADM-6")
    with transaction.atomic(durable=True):
        return LeaveRequest.objects.create(
            stay=stay,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason.strip(),
            created_by=actor,
            updated_by=actor,
        )


def leave_decide(*, actor: Any, leave: LeaveRequest, approve: bool, doctor: Practitioner) -> LeaveRequest:
    """ADM-6: the doctor approves or refuses the leave; nobody decides his own request."""
    with transaction.atomic(durable=True):
        locked = LeaveRequest.objects.select_for_update().get(pk=leave.pk)
        if locked.status != LeaveRequest.Status.REQUESTED:
            raise ConflictError("该请假已处理。", code="leave_decided", rule="ADM-6")
        if locked.created_by_id is not None and locked.created_by_id == getattr(actor, "pk", None):
            raise DomainError(
                "不能审批自己提交的请假申请，请由其他医师审批（ADM-6）。",
                code="own_request",
                rule="ADM-6",
                status_code=403,
            )
        locked.status = LeaveRequest.Status.APPROVED if approve else LeaveRequest.Status.REFUSED
        locked.decided_by = doctor
        locked.updated_by = actor
        locked.save()
    return locked


def consultation_invite(*, actor: Any, stay: Stay, doctor: Practitioner, reason: str) -> Consultation:
    """会诊: invite a doctor of another department onto the stay (he may then act on it)."""
    if doctor.kind != Practitioner.Kind.DOCTOR or not doctor.is_active:
        raise DomainError("会诊须邀请在岗医师。", code="consultant_not_doctor")
    if not reason.strip():
        raise DomainError("请填写会诊目的。", code="reason_required")
    with transaction.atomic(durable=True):
        locked = _lock_stay(stay)
        if not locked.is_open:
            raise ConflictError("患者已出院，不能邀请会诊。", code="stay_closed")
        consultation, _ = Consultation.objects.get_or_create(
            stay=locked,
            doctor=doctor,
            defaults={"reason": reason.strip()[:200], "created_by": actor, "updated_by": actor},
        )
    return consultation


def review_decide(*, actor: Any, review: StayReview, confirm: bool, reason: str) -> StayReview:
    """The office confirms or dismisses a flagged stay, in writing; ghost beds and no-bed stays
    decide the fund status; a confirmed split admission is settled as one admission (ADM-8)."""
    if not reason.strip():
        raise DomainError("审核须填写意见。", code="reason_required")
    with transaction.atomic(durable=True):
        stay = _lock_stay(review.stay)
        locked = StayReview.objects.select_for_update().get(pk=review.pk)
        if locked.status != StayReview.Status.OPEN:
            raise ConflictError("该事项已审核。", code="review_decided")
        locked.status = StayReview.Status.CONFIRMED if confirm else StayReview.Status.DISMISSED
        locked.decision_reason = reason.strip()
        locked.decided_at = timezone.now()
        locked.updated_by = actor
        locked.save()
        if locked.kind in (StayReview.Kind.GHOST_BED, StayReview.Kind.NO_BED):
            if confirm:
                _set_fund_status(
                    stay,
                    Stay.FundStatus.NOT_PAYABLE,
                    f"{locked.get_kind_display()}经审核确认：{reason.strip()}",
                    actor,
                )
            elif not stay.reviews.filter(
                kind__in=[StayReview.Kind.GHOST_BED, StayReview.Kind.NO_BED], status__in=["open", "confirmed"]
            ).exists():
                _set_fund_status(stay, Stay.FundStatus.RECOGNISED, "", actor)
    return locked


def discharge_order(*, actor: Any, stay: Stay, ordered_at: datetime.datetime | None = None) -> Stay:
    """ADM-10: the discharge order starts the checklist; later days are self-paid (charges.py)."""
    with transaction.atomic(durable=True):
        locked = _lock_stay(stay)
        _transition(locked, Stay.Status.DISCHARGE_ORDERED)
        locked.discharge_ordered_at = ordered_at or timezone.now()
        locked.updated_by = actor
        locked.save(update_fields=["status", "discharge_ordered_at", "updated_by", "updated_at"])
    return locked


def stay_discharge(
    *,
    actor: Any,
    stay: Stay,
    discharge_way: str,
    diagnoses: list[DiagnosisInput],
    procedures: list[ProcedureInput] = (),
    discharged_at: datetime.datetime | None = None,
    doctor: Practitioner | None = None,
    transfer: dict[str, str] | None = None,
) -> tuple[Stay, list[dict[str, str]]]:
    """ADM-10: discharge once the checklist passes; otherwise say exactly what is missing. Then the
    center's discharge registration (2402) when the stay is registered."""
    discharged_at = discharged_at or timezone.now()
    if discharge_way not in Stay.DischargeWay.values:
        raise DomainError("请选择离院方式。", code="discharge_way_required", rule="ADM-10")
    if discharge_way == Stay.DischargeWay.TRANSFER and not (
        transfer and transfer.get("destination_name") and transfer.get("reason")
    ):
        raise DomainError(
            "医嘱转院须填写转往机构和原因（ADM-11）。", code="transfer_details_required", rule="ADM-11"
        )
    resolved = (
        _resolve_diagnoses(diagnoses, selectors.local_day(discharged_at), stay.person) if diagnoses else []
    )
    with transaction.atomic(durable=True):
        locked = _lock_stay(stay)
        if locked.status != Stay.Status.DISCHARGE_ORDERED:
            raise ConflictError("须先开具出院医嘱（ADM-10）。", code="discharge_not_ordered", rule="ADM-10")
        if resolved and not locked.diagnoses.filter(stage=DiagnosisStage.DISCHARGE).exists():
            _write_diagnoses(
                locked,
                DiagnosisStage.DISCHARGE,
                resolved,
                department=locked.department,
                doctor=doctor or locked.attending_doctor,
                at=discharged_at,
            )
        missing = selectors.discharge_missing(locked)
        if missing:
            raise DomainError(
                "出院核对未通过：" + "；".join(m["message"] for m in missing),
                code="discharge_checklist",
                rule="ADM-10",
                errors={"missing": [m["message"] for m in missing]},
                status_code=409,
            )
        StayProcedure.objects.bulk_create(
            StayProcedure(
                stay=locked,
                order=n,
                code=p.code,
                name=p.name,
                performed_on=p.performed_on,
                operator=p.operator,
                anaesthesia=p.anaesthesia,
                is_main=n == 1,
            )
            for n, p in enumerate(procedures, start=1)
        )
        if discharge_way == Stay.DischargeWay.TRANSFER:
            Transfer.objects.create(
                stay=locked,
                destination_code=transfer.get("destination_code", ""),
                destination_name=transfer["destination_name"],
                reason=transfer["reason"],
                transferred_at=discharged_at,
                created_by=actor,
                updated_by=actor,
            )
        _transition(locked, Stay.Status.DISCHARGED)
        locked.discharged_at = discharged_at
        locked.discharge_way = discharge_way
        locked.updated_by = actor
        locked.save(update_fields=["status", "discharged_at", "discharge_way", "updated_by", "updated_at"])
    return locked, _center_discharge(actor, locked)


def _center_discharge(actor: Any, stay: Stay) -> list[dict[str, str]]:
    from center import transactions
    from center.client import CenterError

    registration = selectors.active_registration(stay)
    if registration is None:
        return []
    main = stay.diagnoses.filter(stage=DiagnosisStage.DISCHARGE, is_main=True).first()
    from center import payloads

    dscginfo = payloads.discharge(
        mdtrt_id=registration.mdtrt_id,
        psn_no=stay.person.psn_no,
        insutype=registration.insutype,
        endtime=stay.discharged_at,
        dscg_way=stay.discharge_way,
        main_diagnosis=(main.code, main.name) if main else None,
        department=(stay.department.insurance_code, stay.department.name),
    )
    try:
        transactions.discharge(
            _center(),
            dscginfo=dscginfo,
            insuplc_admdvs=registration.insuplc_admdvs,
            actor=actor,
            subject=f"ipt:{stay.ipt_no}",
        )
    except CenterError as error:
        return [
            {
                "rule": "ADM-10",
                "message": f"医保中心出院登记（2402）未成功：{error.message}。可在结算前重试。",
            }
        ]
    return []


def stay_cancel(*, actor: Any, stay: Stay, reason: str) -> Stay:
    """Cancel an admission made in error: only without charges; the rows stay (ADM-12)."""
    if not reason.strip():
        raise DomainError("取消入院须填写原因。", code="reason_required")
    with transaction.atomic(durable=True):
        locked = _lock_stay(stay)
        if locked.charges.exists():
            raise ConflictError("已有费用的住院不能取消，请先退费。", code="stay_has_charges")
        if selectors.active_registration(locked) is not None:
            raise ConflictError("请先撤销医保登记（2404）。", code="stay_registered")
        _transition(locked, Stay.Status.CANCELLED)
        locked.cancel_reason = reason.strip()
        locked.updated_by = actor
        locked.save(update_fields=["status", "cancel_reason", "updated_by", "updated_at"])
    return locked
