"""Settlement engine: pure functions over plain data (no ORM), NHSA field meanings.

    total (medfee_sumamt) = full_self_pay (fulamt_ownpay_amt) + over_limit_self_pay (overlmt_selfpay)
                            + pre_self_pay (preselfpay_amt) + in_scope (inscp_scp_amt)
    personal_burden (psn_part_amt) = total - fund_pay_total - hospital_share
    cash_pay (psn_cash_pay) = personal_burden - personal_account_pay

Rounding (half-up to cents) happens at exactly these points, so the identities hold to the cent:
  1. each line's amount (quantity x unit price), its over-limit part and its class-B share;
  2. the fund payment of each ratio band;
  3. nothing else: every other figure is a sum or difference of rounded figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum

# One rounding for every app (core.money); re-exported because the engine's callers use rules.money.
from core.money import CENT, ZERO, money  # noqa: F401


class InsuranceClass(StrEnum):
    A = "A"  # 甲类: fully within scope
    B = "B"  # 乙类: a self-pay share first, the rest within scope
    C = "C"  # 丙类: fully self-paid


class Referral(StrEnum):
    """SET-6 referral situations of a stay outside the insured region."""

    REFERRED = "referred"
    UNREFERRED_TIER23 = "unreferred_tier23"
    UNREFERRED_OTHER = "unreferred_other"


# National med_type codes -> the policy's care type (values of settlement.models.CareType).
MED_TYPE_CARE_TYPE = {
    "11": "outpatient",  # 普通门诊
    "12": "outpatient",  # 门诊挂号
    "13": "outpatient",  # 急诊
    "14": "chronic_outpatient",  # 门诊慢特病
    "21": "inpatient",  # 普通住院
    "22": "inpatient",  # 外伤住院
    "23": "inpatient",  # 转外诊治住院
    "24": "inpatient",  # 急诊转住院
    "28": "inpatient",  # 日间手术
    "52": "inpatient",  # 生育住院
}
CARE_TYPES = ("outpatient", "chronic_outpatient", "inpatient")


def care_type_for_med_type(med_type: str) -> str:
    """A national med_type code (or a care type itself) -> care type; KeyError when unknown."""
    if med_type in CARE_TYPES:
        return med_type
    return MED_TYPE_CARE_TYPE[med_type]


@dataclass(frozen=True)
class FeeLine:
    """One charge line. Either `amount`, or `quantity` x `unit_price`.

    `price_cap` is the insurance payment standard per unit (pric_uplmt_amt, FEE-1);
    `not_payable` covers FEE-6 items, unmapped items and unrecognised stays (full self-pay).
    """

    insurance_class: InsuranceClass
    amount: Decimal | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    b_self_pay_ratio: Decimal | None = None
    price_cap: Decimal | None = None
    not_payable: bool = False


@dataclass(frozen=True)
class RatioBand:
    """Fund ratio for the part of this settlement's fund base between `lower` and `upper` (分段)."""

    lower: Decimal
    upper: Decimal | None
    fund_ratio: Decimal


class LayerBase(StrEnum):
    """What a fund layer pays a share of (issue 18)."""

    ABOVE_BASIC_CAP = "above_basic_cap"  # 大额/大病: the fund base the basic fund's annual cap left unpaid
    PERSONAL_IN_SCOPE = "personal_in_scope"  # 公务员补助, 医疗救助: the in-scope part still on the person


@dataclass(frozen=True)
class FundLayer:
    """A fund stacked on the basic pooled fund (SET-8): its own deductible, ratio bands and annual cap,
    each with its own year-to-date counter. `hospital` layers are the hospital's share (hosp_part_amt),
    not a fund; `center_field` names the setlinfo amount it answers (hifob_pay, cvlserv_pay …)."""

    code: str  # national fund_pay_type, e.g. 330100
    base: LayerBase
    bands: tuple[RatioBand, ...]
    deductible: Decimal = ZERO
    annual_cap: Decimal | None = None
    center_field: str = ""
    name: str = ""
    hospital: bool = False


@dataclass(frozen=True)
class Policy:
    """SET-3 parameters as of the settlement date (from a PolicyParameter version or given directly)."""

    deductible: Decimal
    fund_ratio: Decimal
    annual_cap: Decimal | None = None
    default_b_self_pay_ratio: Decimal = Decimal("0.10")
    bands: tuple[RatioBand, ...] = ()
    referred_extra_share: Decimal = Decimal("0.05")  # SET-6: +5 points personal share
    unreferred_tier23_extra_share: Decimal = Decimal("0.10")  # SET-6: +10 points
    referral_first_self_pay_ratio: Decimal = Decimal("0")  # SET-6 children's scheme to Beijing/Shanghai: 10 %
    fund_pay_type: str = ""  # the basic fund's national code (310100, 390100, 340100 …)
    layers: tuple[FundLayer, ...] = ()
    source: str = "given"


@dataclass(frozen=True)
class Accumulators:
    """What counts against this settlement: the deductible already paid in the policy's deductible
    period (year, benefit period, hospitalisation …), the basic fund's payments in the counter's year,
    each layer's payments and deductible in its year (by fund_pay_type), and the fund base already
    settled by earlier (mid-stay) settlements of the same stay, so ratio bands continue (issue 18)."""

    deductible_used: Decimal = ZERO
    fund_paid_ytd: Decimal = ZERO
    layer_paid_ytd: tuple[tuple[str, Decimal], ...] = ()
    layer_deductible_used: tuple[tuple[str, Decimal], ...] = ()
    base_before: Decimal = ZERO

    def layer_paid(self, code: str) -> Decimal:
        return dict(self.layer_paid_ytd).get(code, ZERO)

    def layer_deductible(self, code: str) -> Decimal:
        return dict(self.layer_deductible_used).get(code, ZERO)


@dataclass(frozen=True)
class TraceStep:
    rule: str
    field: str
    amount: Decimal
    note: str


@dataclass
class SettlementResult:
    total: Decimal = ZERO
    full_self_pay: Decimal = ZERO
    over_limit_self_pay: Decimal = ZERO
    pre_self_pay: Decimal = ZERO
    in_scope: Decimal = ZERO
    deductible_paid: Decimal = ZERO
    fund_ratio: Decimal = ZERO
    fund_pay: Decimal = ZERO
    fund_pay_total: Decimal = ZERO
    hospital_share: Decimal = ZERO
    personal_burden: Decimal = ZERO
    personal_account_pay: Decimal = ZERO
    cash_pay: Decimal = ZERO
    fund_base: Decimal = ZERO  # in_scope − deductible_paid: what the basic ratio bands apply to
    fund_layers: dict[str, Decimal] = field(default_factory=dict)  # fund_pay_type -> amount (all funds)
    layer_deductibles: dict[str, Decimal] = field(default_factory=dict)  # layer code -> its deductible paid
    center_fields: dict[str, Decimal] = field(default_factory=dict)  # hifob_pay, cvlserv_pay … -> amount
    trace: list[TraceStep] = field(default_factory=list)

    MONEY_FIELDS = (
        "total",
        "full_self_pay",
        "over_limit_self_pay",
        "pre_self_pay",
        "in_scope",
        "deductible_paid",
        "fund_pay",
        "fund_pay_total",
        "hospital_share",
        "personal_burden",
        "personal_account_pay",
        "cash_pay",
    )


@dataclass(frozen=True)
class LineSplit:
    amount: Decimal
    full_self_pay: Decimal
    over_limit_self_pay: Decimal
    pre_self_pay: Decimal
    in_scope: Decimal


def split_line(line: FeeLine, policy: Policy) -> LineSplit:
    """SET-2 / FEE-1 / FEE-6: divide one line into its four parts (each rounded to cents)."""
    if line.amount is not None:
        amount = money(line.amount)
    elif line.quantity is not None and line.unit_price is not None:
        amount = money(line.quantity * line.unit_price)
    else:
        raise ValueError("a fee line needs amount, or quantity and unit_price")
    if amount < 0:
        raise ValueError("a fee line amount cannot be negative; refunds are separate counter-lines")

    if line.insurance_class == InsuranceClass.C or line.not_payable:
        return LineSplit(amount, amount, ZERO, ZERO, ZERO)

    over_limit = ZERO
    if line.price_cap is not None:
        if line.quantity is not None and line.unit_price is not None:
            if line.unit_price > line.price_cap:
                over_limit = money((line.unit_price - line.price_cap) * line.quantity)
        elif amount > line.price_cap:
            over_limit = amount - money(line.price_cap)
    eligible = amount - over_limit

    pre_self_pay = ZERO
    if line.insurance_class == InsuranceClass.B:
        ratio = (
            line.b_self_pay_ratio if line.b_self_pay_ratio is not None else policy.default_b_self_pay_ratio
        )
        pre_self_pay = money(eligible * ratio)
    return LineSplit(amount, ZERO, over_limit, pre_self_pay, eligible - pre_self_pay)


def _effective_fund_ratio(ratio: Decimal, referral: Referral | None, policy: Policy) -> Decimal:
    """SET-6: the personal share rises by 5 points when referred, 10 points unreferred to tier 2/3."""
    if referral == Referral.REFERRED:
        return max(ratio - policy.referred_extra_share, Decimal("0"))
    if referral == Referral.UNREFERRED_TIER23:
        return max(ratio - policy.unreferred_tier23_extra_share, Decimal("0"))
    if referral == Referral.UNREFERRED_OTHER:
        return Decimal("0")
    return ratio


def _band_portions(
    base: Decimal, bands: tuple[RatioBand, ...], before: Decimal = ZERO
) -> list[tuple[RatioBand, Decimal]]:
    """The parts of [before, before + base] falling in each band (bands continue across the
    settlements of one stay: `before` is the base the earlier ones settled)."""
    start, end = before, before + base
    portions = []
    for band in sorted(bands, key=lambda b: b.lower):
        upper = band.upper if band.upper is not None else end
        portion = min(end, upper) - max(start, band.lower)
        if portion > 0:
            portions.append((band, portion))
    return portions


def _banded_fund_pay(
    base: Decimal, policy: Policy, referral: Referral | None, before: Decimal = ZERO
) -> tuple[Decimal, list[tuple[Decimal, Decimal]], list[TraceStep]]:
    """(fund pay, [(portion, ratio) …], trace): each band's payment rounded to cents."""
    bands = policy.bands or (RatioBand(Decimal("0"), None, policy.fund_ratio),)
    total = ZERO
    steps = []
    parts = []
    for band, portion in _band_portions(base, bands, before):
        ratio = _effective_fund_ratio(band.fund_ratio, referral, policy)
        paid = money(portion * ratio)
        total += paid
        parts.append((portion, ratio))
        steps.append(
            TraceStep(
                "SET-3", "fund_pay", paid, f"分段 {band.lower}–{band.upper or '∞'}：{portion} × {ratio}"
            )
        )
    return total, parts, steps


def _base_covered(parts: list[tuple[Decimal, Decimal]], room: Decimal) -> Decimal:
    """How much of the fund base the basic fund covers when it may pay only `room` (its cap's rest):
    whole bands while they fit, then room ÷ ratio of the band the cap falls in, rounded to cents."""
    covered = ZERO
    for portion, ratio in parts:
        paid = money(portion * ratio)
        if paid <= room:
            covered += portion
            room -= paid
            continue
        if ratio > 0:
            covered += min(portion, money(room / ratio))
        return covered
    return covered


def _layer_pay(
    layer: FundLayer, base: Decimal, acc: Accumulators, trace: list[TraceStep]
) -> tuple[Decimal, Decimal]:
    """(deductible paid, payment) of one layer over its base, its own deductible and cap."""
    deductible = min(base, max(layer.deductible - acc.layer_deductible(layer.code), ZERO))
    rest = base - deductible
    paid = ZERO
    for band, portion in _band_portions(rest, layer.bands):
        paid += money(portion * band.fund_ratio)
    if layer.annual_cap is not None:
        paid = min(paid, max(layer.annual_cap - acc.layer_paid(layer.code), ZERO))
    trace.append(
        TraceStep(
            "SET-8",
            layer.center_field or layer.code,
            paid,
            f"{layer.name or layer.code}：基数 {base}，起付 {deductible}",
        )
    )
    return deductible, paid


def settle(
    lines: list[FeeLine],
    policy: Policy,
    accumulators: Accumulators | None = None,
    *,
    referral: Referral | None = None,
    personal_account_balance: Decimal | None = None,
    use_personal_account: bool = True,
    hospital_share: Decimal = ZERO,
) -> SettlementResult:
    """Compute every part of one settlement (SET-1..SET-3, SET-6, SET-8)."""
    acc = accumulators or Accumulators()
    result = SettlementResult(hospital_share=money(hospital_share))
    trace = result.trace

    for line in lines:
        part = split_line(line, policy)
        result.total += part.amount
        result.full_self_pay += part.full_self_pay
        result.over_limit_self_pay += part.over_limit_self_pay
        result.pre_self_pay += part.pre_self_pay
        result.in_scope += part.in_scope
    trace.append(
        TraceStep("FEE-6", "full_self_pay", result.full_self_pay, "丙类、不予支付及未对照项目全额自费")
    )
    trace.append(
        TraceStep("FEE-1", "over_limit_self_pay", result.over_limit_self_pay, "超医保支付标准部分自付")
    )
    trace.append(TraceStep("SET-2", "pre_self_pay", result.pre_self_pay, "乙类先行自付"))

    if referral == Referral.REFERRED and policy.referral_first_self_pay_ratio > 0:
        first_share = money(result.in_scope * policy.referral_first_self_pay_ratio)
        result.pre_self_pay += first_share
        result.in_scope -= first_share
        trace.append(
            TraceStep(
                "SET-6",
                "pre_self_pay",
                first_share,
                f"转外就医先行自付 {policy.referral_first_self_pay_ratio}",
            )
        )
    trace.append(TraceStep("SET-2", "in_scope", result.in_scope, "符合政策范围金额"))

    remaining_deductible = max(policy.deductible - acc.deductible_used, ZERO)
    result.deductible_paid = min(result.in_scope, remaining_deductible)
    trace.append(
        TraceStep(
            "SET-3",
            "deductible_paid",
            result.deductible_paid,
            f"起付线 {policy.deductible}，本年度已付 {acc.deductible_used}",
        )
    )

    base = result.in_scope - result.deductible_paid
    result.fund_base = base
    fund_pay, parts, band_steps = _banded_fund_pay(base, policy, referral, acc.base_before)
    trace.extend(band_steps)
    result.fund_ratio = _effective_fund_ratio(policy.fund_ratio, referral, policy)
    if referral == Referral.UNREFERRED_OTHER:
        trace.append(TraceStep("SET-6", "fund_pay", ZERO, "未经转诊到其他机构就医，统筹基金不予报销"))

    above_cap = ZERO
    if policy.annual_cap is not None:
        remaining_cap = max(policy.annual_cap - acc.fund_paid_ytd, ZERO)
        if fund_pay > remaining_cap:
            trace.append(
                TraceStep(
                    "SET-3",
                    "fund_pay",
                    remaining_cap,
                    f"封顶线 {policy.annual_cap}，本年度已付 {acc.fund_paid_ytd}",
                )
            )
            above_cap = base - _base_covered(parts, remaining_cap)
            fund_pay = remaining_cap
    result.fund_pay = fund_pay
    result.fund_layers = {policy.fund_pay_type or "basic_pooled_fund": fund_pay}

    # Further layers (issue 18): above the basic cap first, then shares of what is still the
    # person's within scope (公务员补助, then 医疗救助 last), each with its own counter.
    personal_in_scope = result.in_scope - fund_pay
    for layer in policy.layers:
        if layer.base == LayerBase.ABOVE_BASIC_CAP:
            layer_base = above_cap
        else:
            layer_base = max(personal_in_scope, ZERO)
        deductible, paid = _layer_pay(layer, layer_base, acc, trace)
        if layer.base == LayerBase.ABOVE_BASIC_CAP:
            above_cap -= min(above_cap, deductible + paid)
        personal_in_scope -= paid
        result.layer_deductibles[layer.code] = deductible
        if layer.center_field:
            result.center_fields[layer.center_field] = (
                result.center_fields.get(layer.center_field, ZERO) + paid
            )
        if layer.hospital:
            result.hospital_share += paid
        else:
            result.fund_layers[layer.code] = result.fund_layers.get(layer.code, ZERO) + paid
    result.fund_pay_total = sum(result.fund_layers.values(), ZERO)

    result.personal_burden = result.total - result.fund_pay_total - result.hospital_share
    if use_personal_account and personal_account_balance is not None and personal_account_balance > 0:
        result.personal_account_pay = min(money(personal_account_balance), result.personal_burden)
    trace.append(TraceStep("SET-8", "personal_account_pay", result.personal_account_pay, "个人账户支付"))
    result.cash_pay = result.personal_burden - result.personal_account_pay
    trace.append(TraceStep("SET-8", "cash_pay", result.cash_pay, "个人现金支付"))
    return result


def transfer_deductible(
    policy: Policy,
    accumulators: Accumulators,
    paid_at_first_hospital: Decimal,
    first_hospital_standard: Decimal | None = None,
) -> tuple[Policy, Accumulators]:
    """SET-7: a transfer between hospitals is one hospitalisation with one deductible, the higher of
    the two hospitals' deductible STANDARDS (000 §25 按就高原则负担一个起付标准). The patient already
    paid `paid_at_first_hospital` there (less than its standard when the first stay's in-scope costs
    did not reach it); here only the rest up to the higher standard remains. Without the first
    hospital's standard, what was paid stands for it (the older record kept only that)."""
    paid = money(paid_at_first_hospital)
    standard = money(first_hospital_standard) if first_hospital_standard is not None else paid
    higher = max(policy.deductible, standard)
    used = accumulators.deductible_used + paid
    return replace(policy, deductible=higher), replace(accumulators, deductible_used=used)


# SET-10 / INS-5: what the patient takes to the insured region for a manual claim (手工/零星报销).
MANUAL_CLAIM_DOCUMENTS = (
    ("invoice", "医疗收费票据（发票）原件"),
    ("discharge_certificate", "出院证明（出院小结）"),
    ("itemised_fees", "费用明细清单（每日清单汇总）"),
    ("record_copy", "住院病历复印件（病案首页、医嘱单）"),
    ("tier_certificate", "医疗机构等级证明"),
    ("filing_proof", "异地就医备案或转诊证明"),
)


def manual_claim_documents(*, remote: bool, inpatient: bool = True) -> list[tuple[str, str]]:
    """SET-10 (003 篇1) and INS-5 (000 §4 三.8): the package for a claim at the insured region.
    The filing proof applies to remote (异地) patients only; the record copy to inpatient stays."""
    documents = []
    for code, label in MANUAL_CLAIM_DOCUMENTS:
        if code == "filing_proof" and not remote:
            continue
        if code in {"record_copy", "discharge_certificate"} and not inpatient:
            continue
        documents.append((code, label))
    return documents
