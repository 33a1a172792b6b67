"""Pure rules of one fee line (no Django): the self-pay decision, the split of its amount, what the
center is told (hosp_appr_flag), refunds, late lines and plausibility. Each cites its rule id."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# SET-2: the class-B share when neither the share table nor the catalog item gives one — the same
# fallback the settlement engine's Policy.default_b_self_pay_ratio and the center's catalog export use.
DEFAULT_B_SELF_PAY_RATIO = Decimal("0.10")

AFTER_NOTICE = "after_notice"
NO_APPROVAL = "no_approval"
RX7 = "rx7"
UNMAPPED = "unmapped"
CONSENTED = "consented"
CLASS_C = "class_c"
FEE6 = "fee6"
OVER_LIMIT = "over_limit"
FULL_SELF_PAY = frozenset({AFTER_NOTICE, NO_APPROVAL, RX7, UNMAPPED, CONSENTED, CLASS_C, FEE6})
REASON_LABELS: dict[str, str] = {
    "after_notice": "出院通知后费用（ADM-10）",
    "no_approval": "限定支付/须审批项目未审批（RX-5/RX-6）",
    "rx7": "门诊营养类药品（RX-7）",
    "unmapped": "未对照医保目录，不上传医保、患者自付（FEE-1）",
    "consented": "医生标记自费、患者已同意（FEE-4）",
    "class_c": "丙类（SET-2）",
    "fee6": "基金不予支付（FEE-6）",
    "over_limit": "超医保支付标准部分自付（FEE-1）",
}


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Terms:
    """The catalog's terms for one hospital item on the line's date, for this person (SET-2 share)."""

    mapped: bool
    med_list_codg: str = ""
    item_type: str = "unmapped"
    insurance_class: str = ""
    b_self_pay_ratio: Decimal | None = None
    price_cap: Decimal | None = None
    bureau_price: Decimal | None = None
    restricted: bool = False  # RX-5 restricted or RX-6 approval required (lmt_used_flag 1)
    restriction_text: str = ""
    outpatient_self_pay: bool = False  # RX-7 nutritional drugs
    non_payable: bool = False  # FEE-6


@dataclass(frozen=True)
class Facts:
    """What the caller knows about the line beyond the catalog (passed in: fees imports no encounter)."""

    outpatient: bool
    after_notice: bool = False  # ADM-10: dated on or after the discharge notice day
    approved: bool = False  # RX-5/RX-6 approval on file (the window's or the doctor's 1)
    consented_self_pay: bool = False  # FEE-4: the doctor marked it self-pay with the patient's consent


class PriceVerdict(Enum):
    OK = "ok"
    OVER_LIMIT = "over_limit"  # FEE-1: above the payment standard, the excess is self-paid
    OVER_STANDARD = "over_standard"  # FEE-1: above the bureau's price, may not be charged at all


def price_verdict(unit_price: Decimal, terms: Terms) -> PriceVerdict:
    """FEE-1: the two ceilings."""
    if terms.bureau_price is not None and unit_price > terms.bureau_price:
        return PriceVerdict.OVER_STANDARD
    if terms.price_cap is not None and unit_price > terms.price_cap:
        return PriceVerdict.OVER_LIMIT
    return PriceVerdict.OK


def self_pay_reason(terms: Terms, facts: Facts) -> str:
    """FEE-1/FEE-4/FEE-6/RX-5/RX-6/RX-7/ADM-10/SET-2: why the whole line is the patient's, or ''.

    Order matters only for the label: an unmapped item cannot reach the center at all, so it wins."""
    if not terms.mapped:
        return UNMAPPED
    if facts.after_notice:
        return AFTER_NOTICE
    if terms.non_payable:
        return FEE6
    if terms.insurance_class == "C":
        return CLASS_C
    if facts.outpatient and terms.outpatient_self_pay:
        return RX7
    if terms.restricted and not facts.approved:
        return NO_APPROVAL
    if facts.consented_self_pay:
        return CONSENTED
    return ""


def needs_consent(reason: str, over_limit: Decimal) -> bool:
    """FEE-4: an out-of-scope line (or one above the payment standard) needs the signed 自费项目协议书
    first; not after the discharge notice (ADM-10: the patient chose to stay), nor a line the doctor
    already marked self-pay with the patient's consent."""
    return (reason in FULL_SELF_PAY and reason not in (AFTER_NOTICE, CONSENTED)) or over_limit > 0


@dataclass(frozen=True)
class Split:
    full_self_pay: Decimal
    over_limit: Decimal
    pre_self_pay: Decimal
    in_scope: Decimal

    @property
    def total(self) -> Decimal:
        return self.full_self_pay + self.over_limit + self.pre_self_pay + self.in_scope


def split_line(*, quantity: Decimal, unit_price: Decimal, terms: Terms, reason: str) -> Split:
    """SET-2/FEE-1: a line's amount as 全自费 + 超限价 + 先行自付 + 符合范围, each rounded half up to the
    cent and the last part taking the remainder, so the parts always add up to the amount. Refund
    lines (negative quantity) split the same way, negative."""
    amount = money(quantity * unit_price)
    if reason in FULL_SELF_PAY:
        return Split(amount, ZERO, ZERO, ZERO)
    over = ZERO
    if terms.price_cap is not None and unit_price > terms.price_cap:
        over = money((unit_price - terms.price_cap) * quantity)
    payable = amount - over
    share = ZERO
    if terms.insurance_class == "B" and terms.b_self_pay_ratio:
        share = money(payable * terms.b_self_pay_ratio)
    return Split(ZERO, over, share, payable - share)


def hosp_appr_flag(reason: str, terms: Terms, facts: Facts) -> str:
    """CENTER-INTERFACE part 2 §P2.1 (1.3): 2 审批不通过 makes any line self-pay at the center, so every
    line the patient pays fully carries 2; 1 only with an approval on file for a restricted item;
    0 无须审批 otherwise."""
    if reason in FULL_SELF_PAY:
        return "2"
    if terms.restricted and facts.approved:
        return "1"
    return "0"


# --- refunds, late lines, plausibility ------------------------------------------------------------


def refundable(charged: Decimal, refunded: Decimal) -> Decimal:
    """FEE refunds: what may still be refunded of a line (`refunded` is the sum of earlier counter-lines,
    positive)."""
    return max(charged - refunded, Decimal(0))


def late_line(day: datetime.date, covered_until: datetime.date | None) -> bool:
    """SET-8/SET-9: a line dated on or before the last day a settlement covers belongs to that
    settlement's period and cannot be added without reversing it."""
    return covered_until is not None and day <= covered_until


@dataclass(frozen=True)
class Bound:
    item_type: str
    max_quantity_per_line: Decimal
    max_quantity_per_day: Decimal
    min_unit_price: Decimal


def plausibility_problems(
    *, quantity: Decimal, unit_price: Decimal, day_total_before: Decimal, bound: Bound | None, label: str
) -> list[str]:
    """Issue 17 item 6: quantity per line and per day, and unit price floor, per item type (data)."""
    if bound is None:
        return []
    problems = []
    if quantity > bound.max_quantity_per_line:
        problems.append(
            f"{label} 数量 {quantity.normalize():f} 超过单行上限 {bound.max_quantity_per_line.normalize():f}"
        )
    elif day_total_before + quantity > bound.max_quantity_per_day:
        problems.append(
            f"{label} 当日累计数量 {(day_total_before + quantity).normalize():f} "
            f"超过每日上限 {bound.max_quantity_per_day.normalize():f}"
        )
    if unit_price < bound.min_unit_price:
        problems.append(
            f"{label} 单价 {unit_price.normalize():f} 低于下限 {bound.min_unit_price.normalize():f}"
        )
    return problems


def date_problems(
    *,
    at: datetime.datetime,
    start: datetime.datetime,
    end: datetime.datetime | None,
    now: datetime.datetime,
) -> list[str]:
    """Issue 17 item 6: a line dated within its encounter (from its start to its end, or to now)."""
    last = min(end, now) if end is not None else now
    if at < start:
        return [f"费用时间 {at:%Y-%m-%d %H:%M} 早于就诊开始 {start:%Y-%m-%d %H:%M}"]
    if at > last:
        return [f"费用时间 {at:%Y-%m-%d %H:%M} 晚于就诊结束时间或今天（{last:%Y-%m-%d %H:%M}）"]
    return []
