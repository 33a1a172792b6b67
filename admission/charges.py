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
from admission.models import ChargeLine, DailyListAcknowledgement, Order, SelfPayConsent, Stay
from core.errors import ConflictError, DomainError
from core.money import CENT, money  # noqa: F401  (one rounding for every app)
from drug_catalog import selectors as catalog_selectors
from drug_catalog.models import CatalogItem, HospitalItem
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


def judge_line(
    stay: Stay, line: ChargeInput, consents: set[int], item_cache: dict
) -> tuple[dict[str, Any], list[str]]:
    """FEE-1/FEE-2/FEE-4/FEE-6/RX-5/ADM-10 for one line: the row's values, or the reasons it is refused."""
    errors: list[str] = []
    order = line.order
    if order.stay_id != stay.pk:
        errors.append(f"医嘱 {order.drord_no} 不属于本次住院（FEE-2）")
    if order.status == Order.Status.CANCELLED:
        errors.append(f"医嘱 {order.drord_no} 已作废，不能计费（FEE-2）")
    if line.quantity is None or line.quantity <= 0:
        errors.append("数量须大于 0；退费请用退费功能")
    hospital_item = order.hospital_item
    day = selectors.local_day(line.charged_at)
    if line.charged_at < stay.admitted_at:
        errors.append("费用时间早于入院时间")
    key = (hospital_item.pk, day)
    if key not in item_cache:
        item_cache[key] = _catalog_item(hospital_item, day) if hospital_item.fund_payable_on(day) else None
    item = item_cache[key]
    unit_price = line.unit_price if line.unit_price is not None else hospital_item.price
    reason = ""
    over_limit = Decimal("0.00")
    if item is None:
        reason = "unmapped"
    else:
        verdict, excess = rules.price_verdict(unit_price, item.bureau_price, item.price_cap)
        if verdict == rules.PriceVerdict.OVER_STANDARD:
            errors.append(
                f"{hospital_item.name} 单价 {unit_price} 高于物价部门核定价格 {item.bureau_price}，"
                "属超标准收费，不得收取（FEE-1）"
            )
        elif verdict == rules.PriceVerdict.OVER_LIMIT:
            over_limit = money(excess * (line.quantity or 0))
        if item.non_payable:
            reason = "fee6"
        elif item.insurance_class == "C":
            reason = "class_c"
        elif item.restricted and line.hosp_appr_flag != "1":
            reason = "restricted"
    notice_day = selectors.local_day(stay.discharge_ordered_at) if stay.discharge_ordered_at else None
    if rules.self_paid_after_discharge_notice(day, notice_day):
        reason = "after_notice"  # ADM-10: automatic, no consent needed — the patient chose to stay
    needs_consent = (reason and reason != "after_notice") or over_limit > 0
    if needs_consent and hospital_item.pk not in consents:
        why = selectors.SELF_PAY_LABELS.get(reason) or "超出医保支付标准部分自付（FEE-1）"
        errors.append(f"{hospital_item.name} 为自费项目（{why}），须先签署自费项目协议书（FEE-4）")
    if errors:
        return {}, errors
    return (
        {
            "hospital_item": hospital_item,
            "med_list_codg": item.code if item else "",
            "item_type": item.item_type if item else "unmapped",
            "insurance_class": item.insurance_class if item else "",
            "quantity": line.quantity,
            "unit_price": unit_price,
            "amount": money(line.quantity * unit_price),
            "over_limit_amount": over_limit,
            "self_pay_reason": reason,
            "charged_at": line.charged_at,
            "charged_on": day,
        },
        [],
    )


def charges_post(*, actor: Any, stay: Stay, lines: list[ChargeInput]) -> list[ChargeLine]:
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
            cache: dict = {}
            rows, errors = [], {}
            seen = set()
            daily: dict[
                tuple[str, datetime.date], Decimal
            ] = {}  # FEE-3 per group and day, this batch included
            for index, line in enumerate(lines):
                values, problems = judge_line(locked, line, consents, cache)
                if values:
                    problems += _daily_duplicates(locked, values, daily)
                dup_key = (line.order.pk, line.order.hospital_item_id, line.charged_at)
                if (
                    dup_key in seen
                    or ChargeLine.objects.filter(
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
                    ChargeLine(
                        stay=locked,
                        feedetl_sn=sequences.feedetl_sn(values["charged_on"].year),
                        order=order,
                        ordering_department=order.department,
                        ordering_doctor=order.doctor,
                        executing_department=line.executing_department or locked.department,
                        executing_staff=line.executing_staff,
                        hosp_appr_flag=line.hosp_appr_flag,
                        discharge_medication=line.discharge_medication
                        or order.kind == Order.Kind.DISCHARGE_MEDICATION,
                        tcmdrug_used_way=line.tcmdrug_used_way,
                        external_lab=line.external_lab,
                        entered_by=actor,
                        **values,
                    )
                )
            return ChargeLine.objects.bulk_create(created)
    except IntegrityError as error:
        if "charge_no_duplicate" in str(error):
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


def charge_refund(
    *, actor: Any, line: ChargeLine, reason: str, quantity: Decimal | None = None
) -> ChargeLine:
    """退费: a negative counter-line pointing at the original (init_feedetl_sn); the original stays."""
    if not reason.strip():
        raise DomainError("退费须填写原因。", code="reason_required")
    with transaction.atomic(durable=True):
        stay = Stay.objects.select_for_update().get(pk=line.stay_id)
        original = ChargeLine.objects.get(pk=line.pk)
        if original.quantity < 0:
            raise DomainError("退费行不能再退。", code="refund_of_refund")
        if stay.status not in (*Stay.OPEN_STATUSES, Stay.Status.DISCHARGED):
            raise ConflictError("已结算的住院不能退费，请先撤销结算（SET-9）。", code="stay_settled")
        if stay.settlements.filter(status="settled", covers_to__gte=original.charged_on).exists():
            raise ConflictError(
                "该费用已包含在结算（含中途结算）中，须先撤销结算（SET-9）。",
                code="charge_settled",
                rule="SET-9",
            )
        if ChargeLine.objects.filter(init_feedetl_sn=original.feedetl_sn).exists():
            raise ConflictError(f"费用 {original.feedetl_sn} 已退费。", code="already_refunded")
        quantity = quantity if quantity is not None else original.quantity
        if quantity <= 0 or quantity > original.quantity:
            raise DomainError(f"退费数量须在 0 与 {original.quantity} 之间。", code="refund_quantity")
        share = quantity / original.quantity
        now = timezone.now()
        try:
            return ChargeLine.objects.create(
                stay=stay,
                feedetl_sn=sequences.feedetl_sn(selectors.local_day(now).year),
                init_feedetl_sn=original.feedetl_sn,
                order=original.order,
                hospital_item=original.hospital_item,
                med_list_codg=original.med_list_codg,
                item_type=original.item_type,
                insurance_class=original.insurance_class,
                quantity=-quantity,
                unit_price=original.unit_price,
                amount=-money(quantity * original.unit_price),
                over_limit_amount=-money(original.over_limit_amount * share),
                self_pay_reason=original.self_pay_reason,
                charged_at=original.charged_at,
                charged_on=original.charged_on,
                ordering_department=original.ordering_department,
                ordering_doctor=original.ordering_doctor,
                executing_department=original.executing_department,
                executing_staff=original.executing_staff,
                hosp_appr_flag=original.hosp_appr_flag,
                discharge_medication=original.discharge_medication,
                tcmdrug_used_way=original.tcmdrug_used_way,
                external_lab=original.external_lab,
                refund_reason=reason.strip()[:200],
                entered_by=actor,
            )
        except IntegrityError as error:
            raise ConflictError(f"费用 {original.feedetl_sn} 已退费。", code="already_refunded") from error


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
