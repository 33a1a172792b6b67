"""Orders and charges (FEE-1..FEE-4, ADM-9, ADM-10): each charge fulfils an order, is judged against
the catalog as of its date, and is corrected only by a negative counter-line."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from admission import rules, selectors, sequences
from admission.models import DailyListAcknowledgement, Order, SelfPayConsent, Stay
from core.errors import ConflictError, DomainError
from core.money import CENT, money  # noqa: F401  (one rounding for every app)
from drug_catalog import selectors as catalog_selectors
from drug_catalog.models import CatalogItem, HospitalItem
from fees import services as fee_services
from fees.models import FeeLine
from hospital.models import Department, Practitioner


@dataclass(frozen=True)
class ChargeInput:
    """One line to post. `unit_price` defaults to the hospital item's price."""

    order: Order
    quantity: Decimal
    charged_at: datetime.datetime
    unit_price: Decimal | None = None
    executing_department: Department | None = None
    executing_staff: Practitioner | None = None
    hosp_appr_flag: str = ""
    discharge_medication: bool = False
    tcmdrug_used_way: str = ""
    external_lab: bool = False


def order_create(
    *,
    actor: Any,
    stay: Stay,
    hospital_item: HospitalItem,
    doctor: Practitioner,
    kind: str = Order.Kind.TEMPORARY,
    content: str = "",
    quantity: Decimal = Decimal(1),
    frequency: str = "",
    ordered_at: datetime.datetime | None = None,
) -> Order:
    """A doctor's order (医嘱) for an open stay."""
    if kind not in Order.Kind.values:
        raise DomainError("医嘱类型不正确。", code="invalid_order_kind")
    with transaction.atomic(durable=True):
        locked = Stay.objects.select_for_update().get(pk=stay.pk)
        if not locked.is_open:
            raise ConflictError("患者不在院，不能开医嘱。", code="stay_closed")
        if kind == Order.Kind.DISCHARGE_MEDICATION and hospital_item_type(hospital_item) in (
            "service",
            "consumable",
            "facility",
        ):
            raise DomainError("治疗项目不属于出院带药范围（RX-3）。", code="discharge_treatment", rule="RX-3")
        at = ordered_at or timezone.now()
        return Order.objects.create(
            stay=locked,
            drord_no=sequences.drord_no(selectors.local_day(at).year),
            kind=kind,
            hospital_item=hospital_item,
            content=content or hospital_item.name,
            quantity=quantity,
            frequency=frequency,
            doctor=doctor,
            department=doctor.department,
            ordered_at=at,
            created_by=actor,
            updated_by=actor,
        )


def order_stop(*, actor: Any, order: Order, cancel: bool = False) -> Order:
    with transaction.atomic(durable=True):
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != Order.Status.ACTIVE:
            raise ConflictError("该医嘱已停止或作废。", code="order_closed")
        if cancel and locked.charges.exists():
            raise ConflictError("已计费的医嘱不能作废，请先退费后停嘱。", code="order_charged", rule="FEE-2")
        locked.status = Order.Status.CANCELLED if cancel else Order.Status.STOPPED
        locked.stopped_at = timezone.now()
        locked.updated_by = actor
        locked.save()
    return locked


def hospital_item_type(hospital_item: HospitalItem) -> str:
    item = _catalog_item(hospital_item, timezone.localdate())
    return item.item_type if item else ""


def _catalog_item(hospital_item: HospitalItem, day: datetime.date) -> CatalogItem | None:
    """The national item this hospital item maps to in the catalog in force on `day` (REM-7)."""
    code = hospital_item.med_list_codg
    return catalog_selectors.national_items_by_code([code], on_date=day).get(code) if code else None


def consent_record(
    *, actor: Any, stay: Stay, hospital_item: HospitalItem, reason: str, signer: str, estimated_amount=None
) -> SelfPayConsent:
    """FEE-4: the patient's signed 自费项目协议书, recorded before the self-paid item is charged."""
    if not signer.strip():
        raise DomainError("请填写签字人。", code="signer_required", rule="FEE-4")
    with transaction.atomic(durable=True):
        consent, _ = SelfPayConsent.objects.get_or_create(
            stay=stay,
            hospital_item=hospital_item,
            defaults={
                "reason": reason[:200],
                "signer": signer.strip(),
                "signed_at": timezone.now(),
                "estimated_amount": estimated_amount,
                "created_by": actor,
                "updated_by": actor,
            },
        )
    return consent


def encounter_facts(stay: Stay) -> fee_services.Encounter:
    """What fees needs to know of the stay: its period, the last day a settlement covers (late lines),
    the discharge-notice day (ADM-10) and the person's insurance and person type (SET-2 share)."""
    from insured.selectors import basic_enrollment

    registration = selectors.active_registration(stay)
    enrollment = (registration.enrollment if registration else None) or basic_enrollment(
        stay.person, required=False
    )
    covered_until = (
        stay.settlements.filter(status__in=("pending", "settled", "reversing"))
        .order_by("-covers_to")
        .values_list("covers_to", flat=True)
        .first()
    )
    return fee_services.Encounter(
        outpatient=False,
        start=stay.admitted_at,
        end=stay.discharged_at,
        covered_until=covered_until,
        notice_day=selectors.local_day(stay.discharge_ordered_at) if stay.discharge_ordered_at else None,
        insutype=(
            registration.insutype if registration else (enrollment.insutype.code if enrollment else "")
        ),
        psn_type=enrollment.psn_type.code if enrollment else "",
        stay_id=stay.pk,
    )


def judge_line(stay: Stay, line: ChargeInput, judge: fee_services.Judge) -> tuple[dict[str, Any], list[str]]:
    """FEE-1/FEE-2/FEE-4/FEE-6/RX-5/RX-6/ADM-10 and plausibility for one line (fees.services.Judge):
    the row's values, or the reasons it is refused."""
    errors: list[str] = []
    order = line.order
    if order.stay_id != stay.pk:
        errors.append(f"医嘱 {order.drord_no} 不属于本次住院（FEE-2）")
    if order.status == Order.Status.CANCELLED:
        errors.append(f"医嘱 {order.drord_no} 已作废，不能计费（FEE-2）")
    values, problems = judge.judge(
        hospital_item=order.hospital_item,
        quantity=line.quantity,
        charged_at=line.charged_at,
        unit_price=line.unit_price,
        approved=line.hosp_appr_flag == "1",
    )
    errors += problems
    return ({}, errors) if errors else (values, [])


def charges_post(*, actor: Any, stay: Stay, lines: list[ChargeInput]) -> list[FeeLine]:
    """Post a batch of charges: all or nothing; every refused line is reported with its index."""
    if not lines:
        raise DomainError("没有费用明细。", code="charges_empty")
    try:
        with transaction.atomic(durable=True):
            locked = Stay.objects.select_for_update().get(pk=stay.pk)
            if not locked.is_open:
                raise ConflictError(
                    f"住院 {locked.ipt_no} 已{locked.get_status_display()}，不能再计费。", code="stay_closed"
                )
            consents = set(
                SelfPayConsent.objects.filter(stay=locked).values_list("hospital_item_id", flat=True)
            )
            judge = fee_services.Judge(encounter_facts(locked), consents)
            rows, errors = [], {}
            seen = set()
            daily: dict[
                tuple[str, datetime.date], Decimal
            ] = {}  # FEE-3 per group and day, this batch included
            for index, line in enumerate(lines):
                values, problems = judge_line(locked, line, judge)
                if values:
                    problems += _daily_duplicates(locked, values, daily)
                dup_key = (line.order.pk, line.order.hospital_item_id, line.charged_at)
                if (
                    dup_key in seen
                    or FeeLine.objects.filter(
                        charged_on=selectors.local_day(line.charged_at),
                        order=line.order,
                        hospital_item_id=line.order.hospital_item_id,
                        charged_at=line.charged_at,
                        quantity__gt=0,
                    ).exists()
                ):
                    problems.append(f"{line.order.content}：同一医嘱同一时间已计费，重复收费（FEE-3）")
                seen.add(dup_key)
                if problems:
                    errors[str(index)] = problems
                else:
                    rows.append((line, values))
            if errors:
                raise DomainError(
                    f"{len(errors)} 行费用未通过，整批未保存。",
                    code="charges_refused",
                    rule="FEE-1",
                    errors={"lines": errors},
                    status_code=422,
                )
            created = []
            for line, values in rows:
                order = line.order
                created.append(
                    FeeLine(
                        stay=locked,
                        person_id=locked.person_id,
                        feedetl_sn=sequences.feedetl_sn(values["charged_on"].year),
                        order=order,
                        ordering_department=order.department,
                        ordering_doctor=order.doctor,
                        executing_department=line.executing_department or locked.department,
                        executing_staff=line.executing_staff,
                        discharge_medication=line.discharge_medication
                        or order.kind == Order.Kind.DISCHARGE_MEDICATION,
                        tcmdrug_used_way=line.tcmdrug_used_way,
                        external_lab=line.external_lab,
                        entered_by=actor,
                        **values,
                    )
                )
            return FeeLine.objects.bulk_create(created)
    except IntegrityError as error:
        if "feeline_no_duplicate" in str(error):
            raise ConflictError(
                "同一医嘱同一项目同一时间已计费（重复收费，FEE-3）。", code="duplicate_charge", rule="FEE-3"
            ) from error
        raise


def _daily_duplicates(stay: Stay, values: dict[str, Any], daily: dict) -> list[str]:
    """FEE-3: a bed or nursing level charged twice on one day — by another order or another item of
    the group (two bed classes), in this batch or before — is a duplicate charge."""
    day = values["charged_on"]
    group = rules.daily_group(values["med_list_codg"], selectors.daily_item_groups(day))
    if group is None:
        return []
    key = (group.name, day)
    if key not in daily:
        daily[key] = selectors.daily_group_charged(stay, group, day)
    already = daily[key]
    daily[key] = already + values["quantity"]
    if rules.daily_duplicate(group, already):
        return [
            f"{values['hospital_item'].name}：{group.name} {day:%m-%d} 已计 {already.normalize():f}，"
            f"每日限 {group.per_day}，重复收费（FEE-3）"
        ]
    return []


def charge_refund(*, actor: Any, line: FeeLine, reason: str, quantity: Decimal | None = None) -> FeeLine:
    """退费: a negative counter-line pointing at the original (init_feedetl_sn); partial and repeated
    refunds, never beyond what was charged (fees.services.line_refund, under the stay's and the line's
    row locks); a line a settlement covers is refused with the way forward (SET-9)."""
    if not reason.strip():
        raise DomainError("退费须填写原因。", code="reason_required")
    with transaction.atomic(durable=True):
        stay = Stay.objects.select_for_update().get(pk=line.stay_id)
        if stay.status not in (*Stay.OPEN_STATUSES, Stay.Status.DISCHARGED):
            raise ConflictError(
                "已结算的住院不能退费，请先撤销结算（SET-9）。", code="stay_settled", rule="SET-9"
            )
        settled = (
            stay.settlements.filter(status="settled")
            .order_by("-covers_to")
            .values_list("covers_to", flat=True)
            .first()
        )
        return fee_services.line_refund(
            actor=actor,
            line=line,
            quantity=quantity,
            reason=reason,
            next_sn=sequences.feedetl_sn,
            covered_until=settled,
            settled_label="（含中途结算）",
        )


def daily_list_acknowledge(
    *, actor: Any, stay: Stay, day: datetime.date, signer: str
) -> DailyListAcknowledgement:
    """ADM-9: the patient signed the day's list."""
    if not signer.strip():
        raise DomainError("请填写签字人。", code="signer_required", rule="ADM-9")
    with transaction.atomic(durable=True):
        ack, _ = DailyListAcknowledgement.objects.get_or_create(
            stay=stay,
            day=day,
            defaults={
                "signer": signer.strip(),
                "signed_at": timezone.now(),
                "created_by": actor,
                "updated_by": actor,
            },
        )
    return ack
