"""Writes and checks of fee lines shared by the ward (admission) and the window (settlement).

`fees` sits below admission and settlement: the callers lock their encounter, pass what only they know
(the discharge-notice day, the day a settlement covers to, approvals and consents, the person's
insurance and person type) and get back judged rows or the reasons a line is refused."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from core.errors import ConflictError, DomainError
from drug_catalog import selectors as catalog_selectors
from drug_catalog.models import HospitalItem
from fees import rules
from fees.models import FeeLine, PlausibilityBound

REASON_LABELS = rules.REASON_LABELS


def terms_for(
    hospital_item: HospitalItem,
    day: datetime.date,
    *,
    insutype: str,
    psn_type: str,
    cache: dict | None = None,
) -> rules.Terms:
    """The catalog's terms for the item on `day` for this person (SET-2 share table), as stored on the
    line. An item without an approved mapping in force on the day is unmapped (FEE-1)."""
    cache = {} if cache is None else cache
    key = (hospital_item.pk, day, insutype, psn_type)
    if key in cache:
        return cache[key]
    item = None
    if hospital_item.fund_payable_on(day) and hospital_item.med_list_codg:
        code = hospital_item.med_list_codg
        item = catalog_selectors.national_items_by_code([code], on_date=day).get(code)
    if item is None:
        terms = rules.Terms(mapped=False)
    else:
        ratio = None
        if item.insurance_class == "B":
            ratio = catalog_selectors.b_self_pay_ratios(
                [item], insutype=insutype, psn_type=psn_type, on_date=day
            )[item.pk]
            if ratio is None:
                ratio = rules.DEFAULT_B_SELF_PAY_RATIO
        terms = rules.Terms(
            mapped=True,
            med_list_codg=item.code,
            item_type=item.item_type,
            insurance_class=item.insurance_class,
            b_self_pay_ratio=ratio,
            price_cap=item.price_cap,
            bureau_price=item.bureau_price,
            restricted=item.restricted or item.approval_required,
            restriction_text=item.restriction_text,
            outpatient_self_pay=item.outpatient_self_pay,
            non_payable=item.non_payable,
        )
    cache[key] = terms
    return terms


def bounds() -> dict[str, rules.Bound]:
    return {
        b.item_type: rules.Bound(
            b.item_type, b.max_quantity_per_line, b.max_quantity_per_day, b.min_unit_price
        )
        for b in PlausibilityBound.objects.all()
    }


def day_quantity(*, hospital_item_id: int, day: datetime.date, stay_id=None, visit_id=None) -> Decimal:
    """Net quantity of the item already charged to the encounter on the day (refunds subtract)."""
    rows = FeeLine.objects.filter(hospital_item_id=hospital_item_id, charged_on=day)
    rows = rows.filter(stay_id=stay_id) if stay_id else rows.filter(visit_id=visit_id)
    return rows.aggregate(q=Sum("quantity"))["q"] or Decimal(0)


@dataclass(frozen=True)
class Encounter:
    """What the caller knows of the encounter the lines go to."""

    outpatient: bool
    start: datetime.datetime
    end: datetime.datetime | None
    covered_until: datetime.date | None  # the last day a settlement of it covers (late lines)
    notice_day: datetime.date | None  # ADM-10
    insutype: str
    psn_type: str
    stay_id: int | None = None
    visit_id: int | None = None


@dataclass
class Judge:
    """Judges the lines of one batch: caches the catalog, the bounds and the quantities per day."""

    enc: Encounter
    consents: set[int]  # hospital items with a signed FEE-4 consent for this encounter

    def __post_init__(self) -> None:
        self._terms: dict = {}
        self._bounds = bounds()
        self._day_totals: dict = {}
        # a line may be posted ahead within today, never on a later day (2099 …)
        self._now = timezone.localtime().replace(hour=23, minute=59, second=59, microsecond=0)

    def judge(
        self,
        *,
        hospital_item: HospitalItem,
        quantity: Decimal,
        charged_at: datetime.datetime,
        unit_price: Decimal | None = None,
        approved: bool = False,
        consented_self_pay: bool = False,
        consent_on_file: bool = False,
        name: str = "",
    ) -> tuple[dict[str, Any], list[str]]:
        """FEE-1/FEE-4/FEE-6/RX-5..7/ADM-10/SET-2, late lines and plausibility for one line: the row's
        values, or the reasons it is refused (each naming its bound or rule)."""
        enc = self.enc
        label = name or hospital_item.name
        problems: list[str] = []
        if quantity is None or quantity <= 0:
            return {}, ["数量须大于 0；退费请用退费功能"]
        day = timezone.localtime(charged_at).date()
        problems += rules.date_problems(
            at=timezone.localtime(charged_at),
            start=timezone.localtime(enc.start),
            end=timezone.localtime(enc.end) if enc.end else None,
            now=timezone.localtime(self._now),
        )
        if rules.late_line(day, enc.covered_until):
            problems.append(
                f"{label} 费用日期 {day:%Y-%m-%d} 在已结算期间内（结算至 {enc.covered_until:%Y-%m-%d}），"
                "不能补记；如确需补记，须先撤销该结算（SET-9）"
            )
        terms = terms_for(hospital_item, day, insutype=enc.insutype, psn_type=enc.psn_type, cache=self._terms)
        price = unit_price if unit_price is not None else hospital_item.price
        key = (hospital_item.pk, day)
        if key not in self._day_totals:
            self._day_totals[key] = day_quantity(
                hospital_item_id=hospital_item.pk, day=day, stay_id=enc.stay_id, visit_id=enc.visit_id
            )
        problems += rules.plausibility_problems(
            quantity=quantity,
            unit_price=price,
            day_total_before=self._day_totals[key],
            bound=self._bounds.get(terms.item_type)
            or self._bounds.get("unmapped" if not terms.mapped else ""),
            label=label,
        )
        self._day_totals[key] += quantity
        verdict = rules.price_verdict(price, terms)
        if verdict == rules.PriceVerdict.OVER_STANDARD:
            problems.append(
                f"{label} 单价 {price} 高于物价部门核定价格 {terms.bureau_price}，"
                "属超标准收费，不得收取（FEE-1）"
            )
        facts = rules.Facts(
            outpatient=enc.outpatient,
            after_notice=enc.notice_day is not None and day > enc.notice_day,  # ADM-10: notice day paid
            approved=approved,
            consented_self_pay=consented_self_pay,
        )
        reason = rules.self_pay_reason(terms, facts)
        split = rules.split_line(quantity=quantity, unit_price=price, terms=terms, reason=reason)
        if not reason and split.over_limit:
            reason = rules.OVER_LIMIT
        consented = consented_self_pay or consent_on_file or hospital_item.pk in self.consents
        if rules.needs_consent(reason, split.over_limit) and not consented:
            problems.append(
                f"{label} 为自费项目（{REASON_LABELS.get(reason, reason)}），须先签署自费项目协议书（FEE-4）"
            )
        if problems:
            return {}, problems
        return {
            "hospital_item": hospital_item,
            "name": label[:200],
            "med_list_codg": terms.med_list_codg,
            "item_type": terms.item_type,
            "insurance_class": terms.insurance_class,
            "b_self_pay_ratio": terms.b_self_pay_ratio,
            "price_cap": terms.price_cap,
            "bureau_price": terms.bureau_price,
            "restricted": terms.restricted,
            "restriction_text": terms.restriction_text[:500],
            "quantity": quantity,
            "unit_price": price,
            "amount": split.total,
            "full_self_pay_amount": split.full_self_pay,
            "over_limit_amount": split.over_limit,
            "pre_self_pay_amount": split.pre_self_pay,
            "in_scope_amount": split.in_scope,
            "self_pay_reason": reason,
            "hosp_appr_flag": rules.hosp_appr_flag(reason, terms, facts),
            "upload_status": FeeLine.UploadStatus.NOT_SENT
            if not terms.mapped
            else FeeLine.UploadStatus.PENDING,
            "charged_at": charged_at,
            "charged_on": day,
        }, []


def line_refund(
    *,
    actor: Any,
    line: FeeLine,
    quantity: Decimal | None,
    reason: str,
    next_sn: Callable[[int], str],
    covered_until: datetime.date | None,
    settled_label: str = "",
) -> FeeLine:
    """退费 as a negative counter-line, partial and repeated, never beyond what was charged: the
    original is locked, what earlier counter-lines refunded is summed under that lock. Runs inside the
    caller's transaction, after the caller locked the encounter (settlement/locks.py order)."""
    if not reason.strip():
        raise DomainError("退费须填写原因。", code="reason_required")
    original = FeeLine.objects.select_for_update().get(pk=line.pk)
    if original.quantity < 0:
        raise DomainError("退费行不能再退。", code="refund_of_refund")
    if original.settlement_id is not None or rules.late_line(original.charged_on, covered_until):
        raise ConflictError(
            f"费用 {original.feedetl_sn} 已包含在结算{settled_label}中，不能直接退费；"
            "请先撤销该结算（SET-9），退费后重新结算。",
            code="charge_settled",
            rule="SET-9",
        )
    refunded = -(
        FeeLine.objects.filter(init_feedetl_sn=original.feedetl_sn).aggregate(q=Sum("quantity"))["q"] or 0
    )
    remaining = rules.refundable(original.quantity, refunded)
    if remaining <= 0:
        raise ConflictError(f"费用 {original.feedetl_sn} 已全部退费。", code="already_refunded")
    quantity = remaining if quantity is None else quantity
    if quantity <= 0 or quantity > remaining:
        raise DomainError(
            f"退费数量须大于 0 且不超过可退数量 {remaining.normalize():f}"
            f"（已收 {original.quantity.normalize():f}，已退 {refunded.normalize():f}）。",
            code="refund_quantity",
        )
    terms = rules.Terms(
        mapped=original.self_pay_reason != rules.UNMAPPED,
        insurance_class=original.insurance_class,
        b_self_pay_ratio=original.b_self_pay_ratio,
        price_cap=original.price_cap,
    )
    split = rules.split_line(
        quantity=-quantity,
        unit_price=original.unit_price,
        terms=terms,
        reason="" if original.self_pay_reason == rules.OVER_LIMIT else original.self_pay_reason,
    )
    now = timezone.now()
    copied = {
        f.attname: getattr(original, f.attname)
        for f in FeeLine._meta.concrete_fields
        if f.attname
        not in {
            "id",
            "feedetl_sn",
            "init_feedetl_sn",
            "quantity",
            "amount",
            "full_self_pay_amount",
            "over_limit_amount",
            "pre_self_pay_amount",
            "in_scope_amount",
            "refund_reason",
            "upload_status",
            "upload_message",
            "upload_msgid",
            "settlement_id",
            "entered_by_id",
            "entered_at",
        }
        and not f.attname.startswith("center_")
    }
    return FeeLine.objects.create(
        **copied,
        feedetl_sn=next_sn(timezone.localtime(now).year),
        init_feedetl_sn=original.feedetl_sn,
        quantity=-quantity,
        amount=split.total,
        full_self_pay_amount=split.full_self_pay,
        over_limit_amount=split.over_limit,
        pre_self_pay_amount=split.pre_self_pay,
        in_scope_amount=split.in_scope,
        refund_reason=reason.strip()[:200],
        upload_status=(
            FeeLine.UploadStatus.NOT_SENT
            if original.upload_status == FeeLine.UploadStatus.NOT_SENT
            else FeeLine.UploadStatus.PENDING
        ),
        entered_by=actor,
    )


def center_answer_record(rows: list[dict], line_ids: list[int]) -> int:
    """The center's per-line answer to 2301/2204 (class, share, payment standard, the four parts),
    stored on each line of the chunk by feedetl_sn. Returns the number of lines updated."""
    updated = 0
    chunk = FeeLine.objects.filter(pk__in=line_ids)
    for row in rows:
        sn = str(row.get("feedetl_sn") or "")
        if not sn:
            continue
        updated += chunk.filter(feedetl_sn=sn).update(
            center_class=str(row.get("chrgitm_lv") or "")[:3],
            center_selfpay_prop=_decimal(row.get("selfpay_prop"), "0.0001"),
            center_pric_uplmt_amt=_decimal(row.get("pric_uplmt_amt"), "0.000001"),
            center_fulamt_ownpay_amt=_decimal(row.get("fulamt_ownpay_amt"), "0.01"),
            center_overlmt_amt=_decimal(row.get("overlmt_amt"), "0.01"),
            center_preselfpay_amt=_decimal(row.get("preselfpay_amt"), "0.01"),
            center_inscp_scp_amt=_decimal(row.get("inscp_scp_amt"), "0.01"),
            center_memo=str(row.get("memo") or "")[:200],
        )
    return updated


def _decimal(value, places: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value)).quantize(Decimal(places))
    except ArithmeticError:
        return None
